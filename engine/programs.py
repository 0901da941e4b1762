"""The fast path of :class:`engine.network.MLP`: its passes compiled into lists of NumPy calls.

:mod:`engine.network` says what a pass computes (its docstring has the equations);
this module says how it is made fast. On the playground's tiny matrices every NumPy
call costs 1-2 µs of overhead, more than the arithmetic of a small layer, so:

* A pass (forward, loss, backward) is built once, for one input shape, as a
  *program*: a list of calls ``(function, args)`` bound to preallocated buffers, and
  then replayed (``for f, args in ops: f(*args)``), which costs only the NumPy calls.
  The Trainer keeps one program per mini-batch slot and per evaluation, the public
  methods one per input shape, frames one per grid size.
* Results are written in place, ``out`` passed positionally (NumPy parses it faster).
* One replica uses 2-D ``np.dot``, cheaper than a batched ``matmul``.
* Large K is processed in chunks of replicas whose buffers stay in cache
  (:data:`CHUNK_ELEMENTS`).

The pieces: :class:`Plan` holds one input shape's buffers, cut into :class:`Chunk` s
of replicas; :func:`forward_ops` writes the forward pass, the one place it is written,
for training and frames alike; :class:`Programs` keeps one net's plans and programs
per input shape. Every array is bound when a program is built, so a net that makes
new parameter views (unpickling, :meth:`~engine.network.MLP.copy`) makes a new
:class:`Programs` too.

:mod:`engine.reference` is the readable oracle: tests/engine/test_reference.py checks
every program here against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt

from .activations import Activation
from .losses import Loss, get_loss

if TYPE_CHECKING:
    from .network import MLP

# A program: NumPy calls ``(function, args)``, replayed as ``function(*args)``.
Ops = list[tuple[Callable[..., Any], tuple[Any, ...]]]
Sums = Sequence[tuple[np.ndarray, np.ndarray]]
Key = TypeVar("Key")
Value = TypeVar("Value")

# Replicas are processed in chunks whose widest activation buffer holds about this
# many numbers (512 KiB in float64): big enough to amortise per-call overhead, small
# enough that a chunk's buffers stay in cache. Measured on the 2-4-2-1 bench net,
# K = 1000: 16384 -> 12k, 65536 -> 18k, 262144 -> 16k network-steps/s (tanh).
CHUNK_ELEMENTS = 65536
# Programs kept per net and kind, the oldest dropped first (e.g. many batch sizes).
MAX_PLANS = 8
# OpenBLAS runs a matrix product on one thread while M·N·K <= 4 · 65536; above it
# starts threads, which cost far more than they save on a small, busy machine.
BLAS_SINGLE_THREAD = 4 * 65536


def _inline(ops_of: Callable[..., Ops] | None, function: Callable[..., Any], *args: Any) -> Ops:
    """``ops_of(*args)`` (the NumPy calls themselves) if given, else one call."""
    return ops_of(*args) if ops_of is not None else [(function, args)]


def forward_ops(mm: Callable[..., Any], a: np.ndarray, layers: Iterable[tuple[Any, ...]]) -> Ops:
    """The forward pass, the one place it is written, as NumPy calls.

    ``a`` is the input with its row of ones, ``[X; 1]ᵀ``; each of ``layers`` is
    ``(WeT, Z, A, Ae, activation_ops)`` and adds::

        Zᵀ = [W; b]ᵀ [A; 1]ᵀ     (mm: one matrix product, bias included)
        A  = f(Z)                (activation_ops(Z, A): the calls that compute f)

    after which the next layer reads ``Ae``, the buffer that holds A above its row of
    ones. Training programs (:meth:`Programs.build`) and frames
    (:meth:`Programs.layer_outputs`) both build their forward pass here, with their
    own buffers and products.
    """
    ops = []
    for WeT, Z, A, Ae, activation_ops in layers:
        ops.append((mm, (WeT, a, Z)))
        ops += activation_ops(Z, A)
        a = Ae
    return ops


def _activation_ops(act: Activation) -> Callable[[np.ndarray, np.ndarray], Ops]:
    """``act``'s forward as a builder of NumPy calls ``(Z, A) -> ops``."""
    return lambda Z, A: _inline(act.forward_ops, act.forward, Z, A)


class ColumnBlocks:
    """``out = W a`` as products over column blocks of at most ``step`` points.

    OpenBLAS starts threads for a product above ~4·65536 multiply-adds, which on a
    small, busy machine cost far more than they save (one 100 x 100 frame took tens
    of milliseconds instead of one): each block stays below that size.
    """

    def __init__(self, n: int, step: int):
        self.cols = [slice(start, min(n, start + step)) for start in range(0, n, step)]

    def __call__(self, W: np.ndarray, a: np.ndarray, out: np.ndarray) -> None:
        for cols in self.cols:
            np.matmul(W, a[:, cols], out=out[:, cols])


class Chunk:
    """Views, for the replicas k0:k1, of a plan's buffers and of the parameters.

    A chunk of one replica (``single``) works on 2-D views with ``np.dot``; a wider
    one on 3-D views with ``np.matmul`` (``mm``, either way).
    """

    __slots__ = (
        "k0",
        "k1",
        "single",
        "mm",
        "Z",
        "A",
        "Ae",
        "dZ",
        "dZT",
        "D",
        "s1",
        "s2",
        "WeT",
        "W",
        "gWe",
    )
    k0: int
    k1: int
    single: bool
    mm: Callable[..., Any]  # np.dot or np.matmul
    Z: list[np.ndarray]
    A: list[np.ndarray]
    Ae: list[np.ndarray]
    dZ: list[np.ndarray]
    dZT: list[np.ndarray]
    D: list[np.ndarray]
    s1: np.ndarray
    s2: np.ndarray
    WeT: list[np.ndarray]
    W: list[np.ndarray]
    gWe: list[np.ndarray]

    def rows(self, a: np.ndarray) -> np.ndarray:
        """This chunk's replicas of a (K, ...) array: ``a[k0]`` for a single replica
        (2-D), else ``a[k0:k1]``."""
        return a[self.k0] if self.single else a[self.k0 : self.k1]

    def share(self, buffer: np.ndarray) -> np.ndarray:
        """This chunk's part of a plan buffer (chunk-sized leading axis, reused by
        every chunk): ``buffer[0]`` for a single replica (2-D), else its first k1 - k0
        rows."""
        return buffer[0] if self.single else buffer[: self.k1 - self.k0]


class Plan:
    """Preallocated buffers and their views for one input shape (N points, shared or
    one set per replica), in chunks of at most ``chunk_elements // (N · widest
    layer)`` replicas.

    Per layer, points last: ``Z`` and ``A`` (A above a row of ones, the bias input,
    in ``Ae``; the output layer needs none), ``dZ`` (and its transposed view ``dZT``)
    and ``D`` (f'(Z)); ``s1``, ``s2`` one row per point for the loss.
    """

    def __init__(self, net: MLP, n: int, shared: bool, chunk_elements: int = CHUNK_ELEMENTS):
        k = net.replicas
        widest = max(net.sizes[1:])
        chunk = max(1, min(k, chunk_elements // max(1, n * widest)))
        self.n = n
        self.shared = shared
        self.bounds = [(k0, min(k, k0 + chunk)) for k0 in range(0, k, chunk)]
        dt = net.dtype
        outs = net.sizes[1:]
        Ae = [np.ones((chunk, h + 1, n), dt) for h in outs[:-1]] + [
            np.empty((chunk, outs[-1], n), dt)
        ]
        Z = [np.empty((chunk, h, n), dt) for h in outs]
        dZ = [np.empty((chunk, h, n), dt) for h in outs]
        D = [np.empty((chunk, h, n), dt) for h in outs]
        s1 = np.empty((chunk, 1, n), dt)
        s2 = np.empty((chunk, 1, n), dt)
        self.mean_weights = np.full(n, 1.0 / n, dt)
        self.chunks: list[Chunk] = []
        for k0, k1 in self.bounds:
            c = Chunk()
            c.k0, c.k1, c.single = k0, k1, k1 - k0 == 1
            c.mm = np.dot if c.single else np.matmul
            pick = c.share
            c.Ae = [pick(a) for a in Ae]
            c.A = [pick(a)[..., :h, :] for a, h in zip(Ae, outs, strict=True)]
            c.Z = [pick(z) for z in Z]
            c.dZ = [pick(d) for d in dZ]
            c.dZT = [pick(d).swapaxes(-1, -2) for d in dZ]
            c.D = [pick(d) for d in D]
            c.s1, c.s2 = pick(s1), pick(s2)
            c.WeT = [c.rows(w).swapaxes(-1, -2) for w in net.blocks]
            c.W = [c.rows(w) for w in net.weights]
            c.gWe = [c.rows(g) for g in net.grad_blocks]
            self.chunks.append(c)


def _keep_ops(c: Chunk, keep: Sums) -> Ops:
    """Copy each layer's (Z, A) into the (K, units, N) arrays of ``keep``."""
    ops = []
    for (Zk, Ak), Z, A in zip(keep, c.Z, c.A, strict=False):
        ops += [(np.copyto, (c.rows(Zk), Z)), (np.copyto, (c.rows(Ak), A))]
    return ops


def _sum_ops(c: Chunk, loss: Loss, yc: np.ndarray, sums: Sums) -> Ops:
    """The per-point losses ℓ into ``s1``, then ``result[k] = Σ_n w_n ℓ_kn`` for each
    ``(w, result)`` of ``sums``."""
    ops = _inline(loss.terms_ops, loss.terms, c.Z[-1], c.Ae[-1], yc, c.s1, c.s2)
    for w, result in sums:
        r = result[c.k0 : c.k1] if c.single else np.expand_dims(result[c.k0 : c.k1], 1)
        ops.append((c.mm, (c.s1, w, r)))
    return ops


def _backward_ops(
    c: Chunk, xc: np.ndarray, yc: np.ndarray, loss: Loss, acts: Sequence[Activation]
) -> Ops:
    """Backpropagation from the loss's ``dL/dZ[L]``, layer by layer down: per layer
    ``[dW; db] = [A; 1] dZᵀ``, then ``dZ[l-1] = (W dZ[l]) * f'(Z[l-1])``."""
    ops = _inline(loss.grad_ops, loss.grad, c.Z[-1], c.Ae[-1], yc, acts[-1], c.dZ[-1], c.s1)
    mm = c.mm
    for layer in range(len(acts) - 1, 0, -1):
        dZ, below, D = c.dZ[layer], c.dZ[layer - 1], c.D[layer - 1]
        ops += [
            (mm, (c.Ae[layer - 1], c.dZT[layer], c.gWe[layer])),  # [dW; db]
            (mm, (c.W[layer], dZ, below)),  # dA[l-1]ᵀ = W dZᵀ
        ]
        act = acts[layer - 1]
        ops += _inline(act.derivative_ops, act.derivative, c.Z[layer - 1], c.A[layer - 1], D)
        ops.append((np.multiply, (below, D, below)))  # dZ[l-1] = dA * f'(Z)
    ops.append((mm, (xc, c.dZT[0], c.gWe[0])))
    return ops


def _keep(cache: dict[Key, Value], key: Key, value: Value) -> Value:
    """``cache[key] = value``, first dropping the oldest entry past :data:`MAX_PLANS`."""
    if len(cache) >= MAX_PLANS:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


class Programs:
    """One net's plans and programs, kept per input shape, and the buffers they use.

    It holds no reference to the net (the net holds it): each method is given the net
    whose parameter views its programs bind, and reads the net's activations when it
    builds. ``chunk_elements`` sizes the chunks of replicas (:data:`CHUNK_ELEMENTS`).
    """

    def __init__(self, net: MLP, chunk_elements: int = CHUNK_ELEMENTS):
        self.chunk_elements = chunk_elements
        self.plans: dict[tuple[int, bool], Plan] = {}
        self._passes: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray, Ops]] = {}
        self._frames: dict[tuple[int, str, int], tuple[list[np.ndarray], Ops]] = {}
        self.loss_out = np.empty(net.replicas, net.dtype)

    def plan(self, net: MLP, n: int, shared: bool) -> Plan:
        """The buffers for N points, shared by all replicas or one set per replica."""
        plan = self.plans.get((n, shared))
        if plan is None:
            plan = _keep(self.plans, (n, shared), Plan(net, n, shared, self.chunk_elements))
        return plan

    def build(
        self,
        net: MLP,
        XeT: np.ndarray,
        yT: np.ndarray,
        loss: Loss,
        grads: bool = True,
        sums: Sums = (),
        outputs: np.ndarray | None = None,
        keep: Sums = (),
    ) -> Ops:
        """:meth:`engine.network.MLP.program`: per chunk of replicas, the forward pass,
        the copies into ``keep``, the weighted loss ``sums``, the copy into ``outputs``,
        and, if ``grads``, the backward pass."""
        plan = self.plan(net, XeT.shape[-1], XeT.ndim == 2)
        acts, ops = net.acts, []
        for c in plan.chunks:
            xc = XeT if plan.shared else c.rows(XeT)
            yc = c.rows(yT) if yT.ndim == 3 else yT
            layers = zip(c.WeT, c.Z, c.A, c.Ae, map(_activation_ops, acts), strict=True)
            ops += forward_ops(c.mm, xc, layers)
            ops += _keep_ops(c, keep)
            if sums:
                ops += _sum_ops(c, loss, yc, sums)
            if outputs is not None:
                # (K, N) takes the one output unit, (K, C, N) every unit
                a = c.Ae[-1]
                ops.append(
                    (np.copyto, (outputs[c.k0 : c.k1], a[..., 0, :] if outputs.ndim == 2 else a))
                )
            if grads:
                ops += _backward_ops(c, xc, yc, loss, acts)
        return ops

    def mean_loss(
        self, net: MLP, X: npt.ArrayLike, y: npt.ArrayLike, loss_name: str, grads: bool
    ) -> np.ndarray:
        """The mean loss per replica into the reused (K,) buffer ``loss_out`` (returned)
        and, with ``grads``, its gradients into ``net.grad_flat``: inputs (N, d) /
        (K, N, d), targets (N, 1) / (K, N, 1). Inputs and targets are copied into
        buffers kept per shape (inputs with their row of ones), so the program over
        them is built once per shape and replayed."""
        X = np.asarray(X)
        y = np.asarray(y)
        key = (X.shape, y.shape, loss_name, grads)
        cached = self._passes.get(key)
        if cached is None:
            x_buf = net.extend_inputs(X)  # validates the shape
            y_buf = np.array(net._targets(y, x_buf.shape[-1]))
            loss = get_loss(loss_name, net.output)
            plan = self.plan(net, x_buf.shape[-1], x_buf.ndim == 2)
            ops = self.build(net, x_buf, y_buf, loss, grads, [(plan.mean_weights, self.loss_out)])
            cached = _keep(self._passes, key, (x_buf, y_buf, ops))
        x_buf, y_buf, ops = cached
        if X.ndim == 2:
            np.copyto(x_buf[:-1], X.T)
        else:
            np.copyto(x_buf[:, :-1], X.swapaxes(1, 2))
        np.copyto(y_buf, net._targets(y, x_buf.shape[-1]))
        for f, args in ops:
            f(*args)
        return self.loss_out

    def layer_outputs(
        self, net: MLP, X: np.ndarray, replica: int, dt: np.dtype
    ) -> list[np.ndarray]:
        """:meth:`engine.network.MLP.layer_outputs` for a checked X (N, d).

        The forward pass is :func:`forward_ops`'s, as in training, over a program kept
        per (N, dtype, replica) that first copies the replica's ``[W; b]ᵀ`` into
        C-ordered buffers of ``dtype`` (OpenBLAS is slow on the transposed view here).
        Where an activation is f(z) = g(c z), c goes into that copy (exact: c is a power
        of two or -1) and g saves one pass over the data; the products go in column
        blocks (:class:`ColumnBlocks`); each activation then runs once on the whole
        contiguous layer, 15-25 % faster than block by block.
        """
        key = (X.shape[0], dt.str, replica)
        cached = self._frames.get(key)
        if cached is None:
            cached = _keep(self._frames, key, _frame_program(net, X.shape[0], dt, replica))
        bufs, ops = cached
        bufs[0][:-1] = X.T
        with np.errstate(over="ignore", invalid="ignore"):
            for f, args in ops:
                f(*args)
        return [b[:-1] for b in bufs]


def _frame_program(net: MLP, n: int, dt: np.dtype, replica: int) -> tuple[list[np.ndarray], Ops]:
    """Buffers (each layer above a row of ones, the bias input) and the calls of
    :meth:`Programs.layer_outputs`: refresh the scaled weight copies, then the forward
    pass."""
    bufs = [np.ones((h + 1, n), dt) for h in net.sizes]
    scaled = [act.scaled or (1.0, act.forward) for act in net.acts]
    WeTs = [np.empty(w.shape[:0:-1], dt) for w in net.blocks]
    ops: Ops = []
    for w, WeT, (c, _) in zip(net.blocks, WeTs, scaled, strict=True):
        source = w[replica].T
        ops.append(
            (np.copyto, (WeT, source)) if c == 1.0 else (np.multiply, (source, np.array(c), WeT))
        )
    step = max(1, BLAS_SINGLE_THREAD // max(w.size for w in WeTs))
    layers = [
        (WeT, b[:-1], b[:-1], b, lambda Z, A, g=g: [(g, (Z, A))])
        for WeT, b, (_, g) in zip(WeTs, bufs[1:], scaled, strict=True)
    ]
    return bufs, ops + forward_ops(ColumnBlocks(n, step), bufs[0], layers)
