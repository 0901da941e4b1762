"""A multi-layer perceptron stored as K independent replicas in stacked arrays.

Layer l maps ``A[l-1]`` (K, N, fan_in) to ``A[l]`` (K, N, fan_out)::

    Z[l] = A[l-1] @ W[l] + b[l]          W[l]: (K, fan_in, fan_out), b[l]: (K, fan_out)
    A[l] = f(Z[l])                       f = hidden activation, or the output's

and backpropagation runs the same equations backwards, from dL/dZ[L] (the loss's
``grad``)::

    dL/dW[l] = A[l-1]ᵀ @ dZ[l]           summed over the N points by the matmul
    dL/db[l] = Σ_n dZ[l]
    dZ[l-1]  = (dZ[l] @ W[l]ᵀ) * f'(Z[l-1])

How the code computes them, for speed on tiny matrices:

* Points last. Arrays are (K, units, N) and the code computes the transposed
  equations, ``Z[l]ᵀ = W[l]ᵀ A[l-1]ᵀ``: every element-wise function then runs
  along one long contiguous axis instead of many rows of 1-8 numbers.
* The bias is folded into the weights. Each layer's parameters are stored as one
  block ``[W; b]`` of shape (fan_in + 1, fan_out), and every activation buffer
  carries a last row of ones, so ``Z = [W; b]ᵀ [A; 1]`` is one matrix product and
  ``[dW; db] = [A; 1] dZᵀ`` is another: no bias add, no separate bias sum.
* Replica k never reads replica k' numbers: every operation is batched over the
  leading K axis, so one run and a thousand random restarts are the same code.
* All parameters live in one contiguous (K, P) array ``flat`` (gradients in
  ``grad_flat``, same layout), laid out as ``net.layout`` (:mod:`engine.layout`) says,
  the one place that knows where each array is; ``params`` is the list of views
  ``[W1, b1, W2, ...]`` into it. The optimizers update ``flat`` in a handful of NumPy
  calls whatever the depth of the net.
* Every NumPy call costs 1-2 µs of overhead, more than the arithmetic of a small
  layer: buffers are preallocated per input shape, results are written in place
  (``out`` passed positionally, which NumPy parses faster), one replica uses 2-D
  ``np.dot`` (cheaper than a batched matmul), and large K is processed in chunks of
  replicas whose buffers stay in cache.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .activations import OUTPUT_ACTIVATIONS, get_activation, get_output
from .initializers import get_initializer
from .layout import Layout
from .losses import Loss, get_loss

# Replicas are processed in chunks whose widest activation buffer holds about this
# many numbers (512 KiB in float64): big enough to amortise per-call overhead, small
# enough that a chunk's buffers stay in cache. Measured on the 2-4-2-1 bench net,
# K = 1000: 16384 -> 12k, 65536 -> 18k, 262144 -> 16k network-steps/s (tanh).
CHUNK_ELEMENTS = 65536
_MAX_PLANS = 8
# OpenBLAS runs a matrix product on one thread while M·N·K <= 4 · 65536; above it
# starts threads, which cost far more than they save on a small, busy machine.
_BLAS_SINGLE_THREAD = 4 * 65536


def _inline(ops_of, function, *args) -> list[tuple]:
    """``ops_of(*args)`` (the NumPy calls themselves) if given, else one call."""
    return ops_of(*args) if ops_of is not None else [(function, args)]


def _forward_ops(mm, a: np.ndarray, layers) -> list[tuple]:
    """The forward pass, the one place it is written, as NumPy calls.

    ``a`` is the input with its row of ones, ``[X; 1]ᵀ``; each of ``layers`` is
    ``(WeT, Z, A, Ae, activation_ops)`` and adds::

        Zᵀ = [W; b]ᵀ [A; 1]ᵀ     (mm: one matrix product, bias included)
        A  = f(Z)                (activation_ops(Z, A): the calls that compute f)

    after which the next layer reads ``Ae``, the buffer that holds A above its row of
    ones. Training programs (:meth:`MLP.program`) and frames (:meth:`MLP.layer_outputs`)
    both build their forward pass here, with their own buffers and products.
    """
    ops = []
    for WeT, Z, A, Ae, activation_ops in layers:
        ops.append((mm, (WeT, a, Z)))
        ops += activation_ops(Z, A)
        a = Ae
    return ops


def _activation_ops(act):
    """``act``'s forward as a builder of NumPy calls ``(Z, A) -> ops``."""
    return lambda Z, A: _inline(act.forward_ops, act.forward, Z, A)


class _ColumnBlocks:
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


def generator_from_state(state: dict) -> np.random.Generator:
    """A PCG64 generator that continues exactly from ``bit_generator.state``."""
    rng = np.random.Generator(np.random.PCG64())
    rng.bit_generator.state = state
    return rng


class ParamList(list):
    """A list of arrays that are views into one (K, P) buffer, kept as ``.flat``, laid
    out as ``.layout`` says."""

    def __init__(self, arrays: Sequence[np.ndarray], flat: np.ndarray, layout: Layout):
        super().__init__(arrays)
        self.flat = flat
        self.layout = layout


class _Chunk:
    """Views, for the replicas k0:k1, of a plan's buffers and of the parameters."""

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


class _Plan:
    """Preallocated buffers and their views for one input shape (N points, shared or
    one set per replica)."""

    def __init__(self, net: MLP, n: int, shared: bool):
        k = net.replicas
        widest = max(net.sizes[1:])
        chunk = max(1, min(k, CHUNK_ELEMENTS // max(1, n * widest)))
        self.n = n
        self.shared = shared
        self.bounds = [(k0, min(k, k0 + chunk)) for k0 in range(0, k, chunk)]
        dt = net.dtype
        outs = net.sizes[1:]
        # Activations with a row of ones below them (the bias input); the output
        # layer needs none.
        Ae = [np.ones((chunk, h + 1, n), dt) for h in outs[:-1]] + [
            np.empty((chunk, outs[-1], n), dt)
        ]
        Z = [np.empty((chunk, h, n), dt) for h in outs]
        dZ = [np.empty((chunk, h, n), dt) for h in outs]
        D = [np.empty((chunk, h, n), dt) for h in outs]
        s1 = np.empty((chunk, 1, n), dt)
        s2 = np.empty((chunk, 1, n), dt)
        self.mean_weights = np.full(n, 1.0 / n, dt)
        self.chunks: list[_Chunk] = []
        for k0, k1 in self.bounds:
            m = k1 - k0
            c = _Chunk()
            c.k0, c.k1, c.single = k0, k1, m == 1
            # A chunk of one replica works on 2-D views with np.dot.
            if c.single:
                c.mm = np.dot

                def pick(a):
                    return a[0]

                def par(a, k0=k0):
                    return a[k0]
            else:
                c.mm = np.matmul

                def pick(a, m=m):
                    return a[:m]

                def par(a, k0=k0, k1=k1):
                    return a[k0:k1]

            c.Ae = [pick(a) for a in Ae]
            c.A = [pick(a)[..., :h, :] for a, h in zip(Ae, outs, strict=True)]
            c.Z = [pick(z) for z in Z]
            c.dZ = [pick(d) for d in dZ]
            c.dZT = [pick(d).swapaxes(-1, -2) for d in dZ]
            c.D = [pick(d) for d in D]
            c.s1, c.s2 = pick(s1), pick(s2)
            c.WeT = [par(w).swapaxes(-1, -2) for w in net._wext]
            c.W = [par(w) for w in net.weights]
            c.gWe = [par(g) for g in net._gwext]
            self.chunks.append(c)


class MLP:
    """K replicas of a fully connected network ``sizes = [n_in, hidden..., n_out]``.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, inputs first; the output layer has one unit, or one per
        class (2 or more) for a softmax output.
    activation : str
        Hidden activation, a key of :data:`engine.activations.ACTIVATIONS`.
    output : str
        Output activation: ``sigmoid`` (a probability, for bce or mse), ``tanh``
        (targets -1/+1, the TensorFlow Playground's choice), ``linear`` (regression)
        or ``softmax`` (one probability per class, for ce; targets are labels).
    replicas : int
        K, the number of independent copies trained side by side.
    init : str
        A key of :data:`engine.initializers.INITIALIZERS`.
    seed : int
        Replica k draws its weights from ``Generator(PCG64(seed + k))``; the generator
        is kept in ``rngs[k]`` and continues to serve the replica (mini-batch order).
    dtype : str
        ``"float64"`` (default) or ``"float32"``.
    init_low, init_high, init_mean, init_std : float
        Hyper-parameters of the ``uniform`` and ``normal`` initialisers.
    bias_init : float
        Initial value of every bias (``playground`` overrides it with 0.1).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "tanh",
        output: str = "sigmoid",
        replicas: int = 1,
        init: str = "glorot_uniform",
        seed: int = 0,
        dtype: str = "float64",
        *,
        init_low: float = -0.05,
        init_high: float = 0.05,
        init_mean: float = 0.0,
        init_std: float = 0.05,
        bias_init: float = 0.0,
    ):
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must be at least [n_in, 1] with positive entries, got {sizes}")
        if output not in OUTPUT_ACTIVATIONS:
            known = ", ".join(OUTPUT_ACTIVATIONS)
            raise ValueError(f"output must be one of {known}, got {output!r}")
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError(
                f"a softmax output has one unit per class (2 or more), got sizes {sizes}"
            )
        if output != "softmax" and sizes[-1] != 1:
            raise ValueError(
                f"a {output} output layer has one unit, got sizes {sizes} "
                f"(one unit per class needs output='softmax')"
            )
        if int(replicas) < 1:
            raise ValueError(f"replicas must be >= 1, got {replicas}")
        if dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        self._setup(sizes, activation, output, int(replicas), dtype)
        self.flat = np.zeros((self.replicas, self.n_params), self.dtype)
        self.grad_flat = np.zeros_like(self.flat)
        self._bind()
        self.rngs: list[np.random.Generator] = []
        self.initialize(
            init,
            seed,
            init_low=init_low,
            init_high=init_high,
            init_mean=init_mean,
            init_std=init_std,
            bias_init=bias_init,
        )

    def _setup(
        self, sizes: tuple[int, ...], activation: str, output: str, replicas: int, dtype: str
    ) -> None:
        """Everything that follows from the architecture's names."""
        self.sizes = sizes
        self.activation = activation
        self.output = output
        self.replicas = replicas
        self.dtype = np.dtype(dtype)
        self._hidden = get_activation(activation)
        self._out = get_output(output)
        self.classes = sizes[-1] if output == "softmax" else None
        self.acts = [self._hidden] * (len(sizes) - 2) + [self._out]
        self.layout = Layout(sizes)
        self.n_layers = self.layout.n_layers
        self.n_params = self.layout.n_params
        # 1 where flat holds a weight, 0 where it holds a bias (for regularisation).
        self._weight_mask = self.layout.weight_mask(self.dtype)
        self.n_weights = sum(entry.size for entry in self.layout.weights)

    # Pickling keeps the names, the parameters and the generators; the views, the
    # buffers and the programs bound to them are rebuilt (pickled views would become
    # copies that no longer share memory with `flat`).

    def __getstate__(self) -> dict:
        return {
            "sizes": self.sizes,
            "activation": self.activation,
            "output": self.output,
            "replicas": self.replicas,
            "dtype": self.dtype.name,
            "init": self.init,
            "seed": self.seed,
            "flat": self.flat,
            "rngs": [rng.bit_generator.state for rng in self.rngs],
        }

    def __setstate__(self, state: dict) -> None:
        self._setup(
            tuple(state["sizes"]),
            state["activation"],
            state["output"],
            int(state["replicas"]),
            state["dtype"],
        )
        self.init, self.seed = state["init"], int(state["seed"])
        self.flat = np.array(state["flat"], self.dtype, order="C")
        self.grad_flat = np.zeros_like(self.flat)
        self._bind()
        self.rngs = [generator_from_state(s) for s in state["rngs"]]

    def _bind(self) -> None:
        """(Re)create the views into ``flat`` and ``grad_flat`` and drop the plans."""
        self._wext = self._blocks(self.flat)
        self._gwext = self._blocks(self.grad_flat)
        self.params = ParamList(self.layout.unpack(self.flat), self.flat, self.layout)
        self.grads = ParamList(self.layout.unpack(self.grad_flat), self.grad_flat, self.layout)
        self.weights = [self.params[e.index] for e in self.layout.weights]
        self.biases = [self.params[e.index] for e in self.layout.biases]
        self._plans: dict[tuple[int, bool], _Plan] = {}
        self._frames: dict[tuple, tuple] = {}
        self._programs: dict[tuple, tuple] = {}
        self._loss_out = np.empty(self.replicas, self.dtype)

    def _blocks(self, flat: np.ndarray) -> list[np.ndarray]:
        """Per layer the block [W; b] (K, fan_in + 1, fan_out): a view of ``flat``."""
        return [
            flat[:, block].reshape(self.replicas, fan_in + 1, fan_out)
            for block, fan_in, fan_out in zip(
                self.layout.blocks, self.sizes[:-1], self.sizes[1:], strict=True
            )
        ]

    # ------------------------------------------------------------------ set-up

    def initialize(
        self,
        init: str = "glorot_uniform",
        seed: int = 0,
        *,
        init_low: float = -0.05,
        init_high: float = 0.05,
        init_mean: float = 0.0,
        init_std: float = 0.05,
        bias_init: float = 0.0,
    ) -> None:
        """Draw every replica's weights afresh: replica k from ``PCG64(seed + k)``."""
        initializer = get_initializer(init)
        given = {
            "init_low": init_low,
            "init_high": init_high,
            "init_mean": init_mean,
            "init_std": init_std,
        }
        hyper = {arg: given[name] for arg, name in initializer.fields.items()}
        bias = initializer.bias if initializer.bias is not None else bias_init
        self.init = init
        self.seed = int(seed)
        self.rngs = []
        for k in range(self.replicas):
            rng = np.random.Generator(np.random.PCG64(self.seed + k))
            for W in self.weights:
                W[k] = initializer.sample(rng, W.shape[1], W.shape[2], **hyper)
            for b in self.biases:
                b[k] = bias
            self.rngs.append(rng)

    def _plan(self, n: int, shared: bool) -> _Plan:
        key = (n, shared)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= _MAX_PLANS:  # e.g. many different batch sizes
                self._plans.pop(next(iter(self._plans)))
            plan = self._plans[key] = _Plan(self, n, shared)
        return plan

    def extend_inputs(self, X: np.ndarray) -> np.ndarray:
        """X (N, d) or (K, N, d) -> points-last with a row of ones: (d+1, N) or
        (K, d+1, N), the layout :meth:`program` works on."""
        X = np.asarray(X)
        d = self.sizes[0]
        if X.ndim == 2 and X.shape[1] == d:
            out = np.ones((d + 1, X.shape[0]), self.dtype)
            out[:d] = X.T
            return out
        if X.ndim == 3 and X.shape[0] == self.replicas and X.shape[2] == d:
            out = np.ones((self.replicas, d + 1, X.shape[1]), self.dtype)
            out[:, :d] = X.swapaxes(1, 2)
            return out
        raise ValueError(f"X must have shape (N, {d}) or ({self.replicas}, N, {d}), got {X.shape}")

    def _targets(self, y: np.ndarray, n: int) -> np.ndarray:
        """y (N,), (N, 1) or (K, N, 1), checked, as points-last (1, N) or (K, 1, N); for
        a softmax output, labels as one-hot rows (C, N) or (K, C, N)."""
        if self.classes is not None:
            return self._one_hot(y, n)
        y = np.asarray(y, dtype=self.dtype)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.shape == (n, 1):
            return y.T
        if y.shape == (self.replicas, n, 1):
            return y.swapaxes(1, 2)
        raise ValueError(f"y must have shape ({n}, 1) or ({self.replicas}, {n}, 1), got {y.shape}")

    def _one_hot(self, y: np.ndarray, n: int) -> np.ndarray:
        """Integer labels (N,), (N, 1), (K, N) or (K, N, 1) in 0..C-1 as points-last
        one-hot targets (C, N) or (K, C, N): ``T[c, n] = 1 if y[n] == c``."""
        y = np.asarray(y)
        if y.shape in ((n, 1), (self.replicas, n, 1)):
            y = y[..., 0]
        if y.shape not in ((n,), (self.replicas, n)):
            raise ValueError(
                f"y must hold {n} labels, shape ({n},) or ({self.replicas}, {n}), got {y.shape}"
            )
        c = self.classes
        labels = np.asarray(y, dtype=np.float64)
        if not (
            np.isfinite(labels).all()
            and (labels == np.round(labels)).all()
            and (labels >= 0).all()
            and (labels < c).all()
        ):
            raise ValueError(
                f"y must hold integer labels in 0..{c - 1} for this {c}-class softmax output"
            )
        labels = labels.astype(np.intp)
        onehot = (np.arange(c)[:, None] == labels[..., None, :]).astype(self.dtype)
        return onehot  # (C, N) or (K, C, N)

    # ------------------------------------------------------------ the maths

    def program(
        self,
        XeT: np.ndarray,
        yT: np.ndarray,
        loss: Loss,
        grads: bool = True,
        sums: Sequence[tuple[np.ndarray, np.ndarray]] = (),
        outputs: np.ndarray | None = None,
        keep: Sequence[tuple[np.ndarray, np.ndarray]] = (),
    ) -> list[tuple]:
        """One pass over the data as a list of NumPy calls ``(function, args)``.

        Inputs are points-last with their row of ones, (d+1, N) shared by all
        replicas or (K, d+1, N); targets (1, N) or (K, 1, N). Per chunk of replicas:

        * forward, layer by layer: ``Zᵀ = [W; b]ᵀ [A; 1]ᵀ``, ``A = f(Z)``;
        * for each ``(w, result)`` in ``sums``: ``result[k] = Σ_n w_n ℓ_kn``, the
          per-point losses weighted by w (1/N: the mean loss), into a (K,) array;
        * ``outputs[k] = A[L][k]`` if ``outputs`` (K, N) is given;
        * ``keep[l] = (Z, A)``, if given: layer l's pre-activations and outputs for
          every replica, copied into the (K, units, N) arrays of ``keep[l]``;
        * if ``grads``, backward from ``dL/dZ[L]`` (the loss's grad):
          ``[dW; db] = [A; 1] dZᵀ``, ``dZ[l-1] = (W dZ[l]) * f'(Z[l-1])``.

        Every array is bound when the list is built, so running it again (``for f,
        args in ops: f(*args)``) costs only the NumPy calls: the Trainer builds one
        program per batch slot of its fixed buffers and replays it. Regularisation is
        not in the program (its rates change live): see :meth:`penalty`.
        """
        n = XeT.shape[-1]
        shared = XeT.ndim == 2
        plan = self._plan(n, shared)
        per_replica_y = yT.ndim == 3
        acts, ops = self.acts, []
        for c in plan.chunks:
            mm = c.mm
            if c.single:
                xc = XeT if shared else XeT[c.k0]
                yc = yT[c.k0] if per_replica_y else yT
            else:
                xc = XeT if shared else XeT[c.k0 : c.k1]
                yc = yT[c.k0 : c.k1] if per_replica_y else yT
            ops += _forward_ops(
                mm, xc, zip(c.WeT, c.Z, c.A, c.Ae, map(_activation_ops, acts), strict=True)
            )
            a = c.Ae[-1]
            for (Zk, Ak), Z, A in zip(keep, c.Z, c.A, strict=False):
                rows = slice(c.k0, c.k1) if not c.single else c.k0
                ops += [(np.copyto, (Zk[rows], Z)), (np.copyto, (Ak[rows], A))]
            if sums:
                ops += _inline(loss.terms_ops, loss.terms, c.Z[-1], a, yc, c.s1, c.s2)  # s1
                for w, result in sums:
                    r = result[c.k0 : c.k1] if c.single else result[c.k0 : c.k1, None]
                    ops.append((mm, (c.s1, w, r)))
            if outputs is not None:
                # (K, N) takes the one output unit, (K, C, N) every unit
                ops.append(
                    (np.copyto, (outputs[c.k0 : c.k1], a[..., 0, :] if outputs.ndim == 2 else a))
                )
            if grads:
                ops += _inline(loss.grad_ops, loss.grad, c.Z[-1], a, yc, self._out, c.dZ[-1], c.s1)
                for layer in range(self.n_layers - 1, 0, -1):
                    dZ, below, D = c.dZ[layer], c.dZ[layer - 1], c.D[layer - 1]
                    ops += [
                        (mm, (c.Ae[layer - 1], c.dZT[layer], c.gWe[layer])),  # [dW; db]
                        (mm, (c.W[layer], dZ, below)),  # dA[l-1]ᵀ = W dZᵀ
                    ]
                    act = acts[layer - 1]
                    ops += _inline(
                        act.derivative_ops, act.derivative, c.Z[layer - 1], c.A[layer - 1], D
                    )
                    ops.append((np.multiply, (below, D, below)))  # dZ[l-1] = dA * f'(Z)
                ops.append((mm, (xc, c.dZT[0], c.gWe[0])))
        return ops

    def penalty(self, l1: float, l2: float, grads: bool = False) -> np.ndarray:
        """l1 Σ|W| + l2 ½ ΣW² per replica (weights only, not biases).

        With ``grads``, its gradient is added to :attr:`grad_flat`.
        """
        w = self.flat
        mask = self._weight_mask
        pen = np.zeros(w.shape[0], self.dtype)
        if l1:
            pen += l1 * (np.abs(w) @ mask)
            if grads:
                self.grad_flat += (l1 * mask) * np.sign(w)
        if l2:
            pen += (0.5 * l2) * ((w * w) @ mask)
            if grads:
                self.grad_flat += (l2 * mask) * w
        return pen

    def _run(self, X, y, loss_name: str, l1: float, l2: float, grads: bool) -> np.ndarray:
        """The public methods' pass, for inputs (N, d) / (K, N, d) and targets (N, 1) /
        (K, N, 1). Inputs and targets are copied into buffers kept per shape (inputs
        with their row of ones), so the program over them is built once per shape and
        replayed: the loss per replica lands in a reused (K,) buffer."""
        X = np.asarray(X)
        y = np.asarray(y)
        key = (X.shape, y.shape, loss_name, grads)
        cached = self._programs.get(key)
        if cached is None:
            x_buf = self.extend_inputs(X)  # validates the shape
            y_buf = np.array(self._targets(y, x_buf.shape[-1]))
            loss = get_loss(loss_name, self.output)
            plan = self._plan(x_buf.shape[-1], x_buf.ndim == 2)
            ops = self.program(x_buf, y_buf, loss, grads, [(plan.mean_weights, self._loss_out)])
            if len(self._programs) >= _MAX_PLANS:
                self._programs.pop(next(iter(self._programs)))
            cached = self._programs[key] = (x_buf, y_buf, ops)
        x_buf, y_buf, ops = cached
        if X.ndim == 2:
            np.copyto(x_buf[:-1], X.T)
        else:
            np.copyto(x_buf[:, :-1], X.swapaxes(1, 2))
        np.copyto(y_buf, self._targets(y, x_buf.shape[-1]))
        for f, args in ops:
            f(*args)
        if l1 or l2:
            self._loss_out += self.penalty(l1, l2, grads)
        return self._loss_out

    # ------------------------------------------------------------- public API

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Outputs after the output activation: X (N, d) or (K, N, d) -> (K, N, C), C = 1
        but for a softmax output (then each point's C class probabilities)."""
        XeT = self.extend_inputs(X)
        out = np.empty((self.replicas, self.sizes[-1], XeT.shape[-1]), self.dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            no_targets = XeT[..., :1, :]  # never read: no loss, no gradient
            for f, args in self.program(XeT, no_targets, get_loss("mse"), False, (), out):
                f(*args)
        return out.swapaxes(1, 2)

    def forward_layers(self, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every layer's pre-activation Z and output A = f(Z), for every replica, from
        the same pass as training: per layer ``(Z, A)``, each (K, units, N), points last.
        X (N, d) or (K, N, d). Fresh arrays."""
        XeT = self.extend_inputs(X)
        n = XeT.shape[-1]
        keep = [
            (
                np.empty((self.replicas, h, n), self.dtype),
                np.empty((self.replicas, h, n), self.dtype),
            )
            for h in self.sizes[1:]
        ]
        with np.errstate(over="ignore", invalid="ignore"):
            no_targets = XeT[..., :1, :]  # never read: no loss, no gradient
            for f, args in self.program(XeT, no_targets, get_loss("mse"), False, keep=keep):
                f(*args)
        return keep

    def loss(
        self, X: np.ndarray, y: np.ndarray, loss: str = "bce", l1: float = 0.0, l2: float = 0.0
    ) -> np.ndarray:
        """Loss per replica (K,), regularisation included; no gradients."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._run(X, y, loss, l1, l2, grads=False).copy()

    def loss_and_grads(
        self, X: np.ndarray, y: np.ndarray, loss: str = "bce", l1: float = 0.0, l2: float = 0.0
    ) -> tuple[np.ndarray, ParamList]:
        """Loss per replica (K,) and its gradient with respect to every parameter.

        ``y`` holds the targets in the output's space: 0/1 for sigmoid, -1/+1 for
        tanh, reals for linear; for softmax (loss ``ce``) integer labels 0..C-1, shape
        (N,) (or (K, N), one set per replica). Loss = mean over the N points + l1 Σ|W| + l2 ½ ΣW²
        (weights only, not biases).

        The gradients are :attr:`grads`: views into one buffer that the next call
        overwrites (copy them to keep them), shaped and ordered like :attr:`params`.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            value = self._run(X, y, loss, l1, l2, grads=True).copy()
        return value, self.grads

    def layer_outputs(
        self,
        X: np.ndarray,
        replica: int = 0,
        dtype: str | None = None,
    ) -> list[np.ndarray]:
        """Every neuron's output for one replica, transposed: ``[Xᵀ, A1ᵀ, ..., A_Lᵀ]``.

        Layer l's entry has shape (units, N), so reshaping it to (units, n, n) gives
        one image per neuron without a copy. The arrays are buffers reused by the next
        call with the same N; ``dtype`` (default: the net's) lets a display ask for
        float32, which is several times faster for tanh and sigmoid.

        The forward pass is :func:`_forward_ops`'s, as in training, over a program kept
        per (N, dtype, replica) that first copies the replica's ``[W; b]ᵀ`` into
        C-ordered buffers of ``dtype`` (OpenBLAS is slow on the transposed view here).
        Where an activation is f(z) = g(c z), c goes into that copy (exact: c is a power
        of two or -1) and g saves one pass over the data; the products go in column
        blocks (:class:`_ColumnBlocks`); each activation then runs once on the whole
        contiguous layer, 15-25 % faster than block by block.
        """
        if not 0 <= replica < self.replicas:
            raise ValueError(f"replica must be in [0, {self.replicas - 1}], got {replica}")
        dt = np.dtype(dtype) if dtype is not None else self.dtype
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (N, {self.sizes[0]}), got {X.shape}")
        key = (X.shape[0], dt.str, replica)
        cached = self._frames.get(key)
        if cached is None:
            if len(self._frames) >= _MAX_PLANS:
                self._frames.pop(next(iter(self._frames)))
            cached = self._frames[key] = self._frame_program(X.shape[0], dt, replica)
        bufs, ops = cached
        bufs[0][:-1] = X.T
        with np.errstate(over="ignore", invalid="ignore"):
            for f, args in ops:
                f(*args)
        return [b[:-1] for b in bufs]

    def _frame_program(
        self, n: int, dt: np.dtype, replica: int
    ) -> tuple[list[np.ndarray], list[tuple]]:
        """Buffers (each layer above a row of ones, the bias input) and the calls of
        :meth:`layer_outputs`: refresh the scaled weight copies, then the forward pass."""
        bufs = [np.ones((h + 1, n), dt) for h in self.sizes]
        scaled = [act.scaled or (1.0, act.forward) for act in self.acts]
        WeTs = [np.empty(w.shape[:0:-1], dt) for w in self._wext]
        ops: list[tuple] = []
        for w, WeT, (c, _) in zip(self._wext, WeTs, scaled, strict=True):
            source = w[replica].T
            ops.append(
                (np.copyto, (WeT, source))
                if c == 1.0
                else (np.multiply, (source, np.array(c), WeT))
            )
        step = max(1, _BLAS_SINGLE_THREAD // max(w.size for w in WeTs))
        layers = [
            (WeT, b[:-1], b[:-1], b, lambda Z, A, g=g: [(g, (Z, A))])
            for WeT, b, (_, g) in zip(WeTs, bufs[1:], scaled, strict=True)
        ]
        return bufs, ops + _forward_ops(_ColumnBlocks(n, step), bufs[0], layers)

    def copy(self) -> MLP:
        """An independent copy (parameters and generators duplicated)."""
        other = object.__new__(MLP)
        other.__dict__.update(self.__dict__)
        other.flat = self.flat.copy()
        other.grad_flat = np.zeros_like(self.grad_flat)
        other._bind()
        other.rngs = [generator_from_state(rng.bit_generator.state) for rng in self.rngs]
        return other

    def __repr__(self) -> str:
        return (
            f"MLP({list(self.sizes)}, activation={self.activation!r}, "
            f"output={self.output!r}, replicas={self.replicas}, dtype={self.dtype.name!r})"
        )
