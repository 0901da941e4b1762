"""A multi-layer perceptron stored as K independent replicas in stacked arrays.

Layer l maps ``A[l-1]`` (K, N, fan_in) to ``A[l]`` (K, N, fan_out)::

    Z[l] = A[l-1] @ W[l] + b[l]          W[l]: (K, fan_in, fan_out), b[l]: (K, fan_out)
    A[l] = f(Z[l])                       f = hidden activation, or the output's

and backpropagation runs the same equations backwards, from dL/dZ[L] (the loss's
``grad``)::

    dL/dW[l] = A[l-1]ᵀ @ dZ[l]           summed over the N points by the matmul
    dL/db[l] = Σ_n dZ[l]
    dZ[l-1]  = (dZ[l] @ W[l]ᵀ) * f'(Z[l-1])

Replica k never reads replica k' numbers: every operation is batched over the
leading K axis, so one run and a thousand random restarts are the same code.

All parameters of all replicas live in one contiguous (K, P) array ``flat``,
weights of every layer first, then the biases; ``params`` is a list of views into it
(``[W1, b1, W2, b2, ...]``). The optimizers update ``flat`` with a handful of NumPy
calls, whatever the depth, and regularisation touches the contiguous weight block
``flat[:, :n_weights]`` only. Gradients have the same layout (``grads``).

Speed: on small nets every NumPy call costs more in overhead (1-4 µs) than in
arithmetic, so activations and gradients go into buffers preallocated per input
shape, every call writes with ``out=``, and large K is processed in chunks of
replicas whose buffers stay in cache.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .activations import OUTPUT_ACTIVATIONS, get_activation
from .initializers import get_initializer
from .losses import get_loss

# Replicas are processed in chunks whose widest activation buffer holds about this
# many numbers (128 KiB in float64): big enough to amortise per-call overhead, small
# enough that a chunk's buffers stay in L2 cache.
CHUNK_ELEMENTS = 16384
_MAX_PLANS = 8


class ParamList(list):
    """A list of arrays that are views into one (K, P) buffer, kept as ``.flat``."""

    def __init__(self, arrays: Sequence[np.ndarray], flat: np.ndarray):
        super().__init__(arrays)
        self.flat = flat


class _Plan:
    """Preallocated buffers and views for one input shape (N points, shared or not)."""

    def __init__(self, net: MLP, n: int, shared: bool):
        k = net.replicas
        widest = max(net.sizes[1:])
        chunk = max(1, min(k, CHUNK_ELEMENTS // max(1, n * widest)))
        self.n = n
        self.shared = shared
        self.bounds = [(k0, min(k, k0 + chunk)) for k0 in range(0, k, chunk)]
        dt = net.dtype
        outs = net.sizes[1:]
        self.Z = [np.empty((chunk, n, h), dt) for h in outs]
        self.A = [np.empty((chunk, n, h), dt) for h in outs]
        self.dZ = [np.empty((chunk, n, h), dt) for h in outs]
        self.D = [np.empty((chunk, n, h), dt) for h in outs]
        self.s1 = np.empty((chunk, n, 1), dt)
        self.s2 = np.empty((chunk, n, 1), dt)
        self.ones = np.ones((1, n), dt)
        # Per chunk: views of the buffers cut to the chunk's size, and of the
        # parameters and gradients of its replicas, so the hot loop only indexes lists.
        self.chunks = []
        for k0, k1 in self.bounds:
            m = k1 - k0
            c = _ChunkViews()
            c.k0, c.k1 = k0, k1
            c.Z = [z[:m] for z in self.Z]
            c.A = [a[:m] for a in self.A]
            c.AT = [a[:m].transpose(0, 2, 1) for a in self.A]
            c.dZ = [d[:m] for d in self.dZ]
            c.D = [d[:m] for d in self.D]
            c.s1, c.s2 = self.s1[:m], self.s2[:m]
            c.W = [w[k0:k1] for w in net.weights]
            c.WT = [w[k0:k1].transpose(0, 2, 1) for w in net.weights]
            c.b = [b[k0:k1, None, :] for b in net.biases]
            c.gW = [g[k0:k1] for g in net.grads[0::2]]
            c.gb = [g[k0:k1, None, :] for g in net.grads[1::2]]
            c.w_flat = net.flat[k0:k1, : net.n_weights]
            c.gw_flat = net.grad_flat[k0:k1, : net.n_weights]
            self.chunks.append(c)


class _ChunkViews:
    __slots__ = ("k0", "k1", "Z", "A", "AT", "dZ", "D", "s1", "s2", "W", "WT", "b", "gW",
                 "gb", "w_flat", "gw_flat")


class MLP:
    """K replicas of a fully connected network ``sizes = [n_in, hidden..., 1]``.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, inputs first; the output layer has one unit.
    activation : str
        Hidden activation, a key of :data:`engine.activations.ACTIVATIONS`.
    output : str
        Output activation: ``sigmoid`` (a probability, for bce or mse), ``tanh``
        (targets -1/+1, the TensorFlow Playground's choice) or ``linear`` (regression).
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
        if sizes[-1] != 1:
            raise ValueError(f"the output layer has one unit, got sizes {sizes}")
        if output not in OUTPUT_ACTIVATIONS:
            known = ", ".join(OUTPUT_ACTIVATIONS)
            raise ValueError(f"output must be one of {known}, got {output!r}")
        if int(replicas) < 1:
            raise ValueError(f"replicas must be >= 1, got {replicas}")
        if dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        self.sizes = sizes
        self.activation = activation
        self.output = output
        self.replicas = int(replicas)
        self.dtype = np.dtype(dtype)
        self._hidden = get_activation(activation)
        self._out = get_activation(output)
        self.acts = [self._hidden] * (len(sizes) - 2) + [self._out]
        self.n_layers = len(sizes) - 1

        # One (K, P) buffer: all weights first (so regularisation sees one block),
        # then all biases. params/grads are [W1, b1, W2, b2, ...] views into it.
        k = self.replicas
        shapes = list(zip(sizes[:-1], sizes[1:], strict=True))
        self.n_weights = sum(i * o for i, o in shapes)
        self.n_params = self.n_weights + sum(o for _, o in shapes)
        self.flat = np.zeros((k, self.n_params), self.dtype)
        self.grad_flat = np.zeros((k, self.n_params), self.dtype)
        self.params = ParamList(self._views(self.flat, shapes), self.flat)
        self.grads = ParamList(self._views(self.grad_flat, shapes), self.grad_flat)
        self.weights = self.params[0::2]
        self.biases = self.params[1::2]
        self._plans: dict[tuple[int, bool], _Plan] = {}
        self._loss_out = np.empty(k, self.dtype)
        self._single: dict[int, list[np.ndarray]] = {}
        self.rngs: list[np.random.Generator] = []
        self.initialize(
            init, seed, init_low=init_low, init_high=init_high, init_mean=init_mean,
            init_std=init_std, bias_init=bias_init,
        )

    def _views(self, flat: np.ndarray, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
        k = self.replicas
        views, w_off, b_off = [], 0, self.n_weights
        for fan_in, fan_out in shapes:
            views.append(flat[:, w_off : w_off + fan_in * fan_out].reshape(k, fan_in, fan_out))
            views.append(flat[:, b_off : b_off + fan_out])
            w_off += fan_in * fan_out
            b_off += fan_out
        return views

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
        hyper = {"low": init_low, "high": init_high, "mean": init_mean, "std": init_std}
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

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=self.dtype)
        d = self.sizes[0]
        if X.ndim == 2 and X.shape[1] == d:
            return X
        if X.ndim == 3 and X.shape[0] == self.replicas and X.shape[2] == d:
            return X
        raise ValueError(
            f"X must have shape (N, {d}) or ({self.replicas}, N, {d}), got {X.shape}"
        )

    def _targets(self, y: np.ndarray, X: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=self.dtype)
        n = X.shape[-2]
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.shape in ((n, 1), (self.replicas, n, 1)):
            return y
        raise ValueError(f"y must have shape ({n}, 1) or ({self.replicas}, {n}, 1), got {y.shape}")

    # ------------------------------------------------------------ the maths

    def _forward(self, plan: _Plan, c: _ChunkViews, X: np.ndarray) -> np.ndarray:
        """Forward pass of chunk ``c``; returns the output activation (m, N, 1)."""
        a = X if plan.shared else X[c.k0 : c.k1]
        for act, W, b, Z, A in zip(self.acts, c.W, c.b, c.Z, c.A, strict=True):
            np.matmul(a, W, out=Z)
            Z += b
            a = act.forward(Z, A)
        return a

    def _backward(self, plan: _Plan, c: _ChunkViews, X: np.ndarray, loss, y) -> None:
        """Fill the chunk's gradients, starting from dL/dZ of the output layer."""
        L = self.n_layers
        loss.grad(c.Z[-1], c.A[-1], y, self._out, c.dZ[-1])
        for layer in range(L - 1, -1, -1):
            dZ = c.dZ[layer]
            if layer > 0:
                np.matmul(c.AT[layer - 1], dZ, out=c.gW[layer])
            elif plan.shared:
                np.matmul(X.T, dZ, out=c.gW[0])
            else:
                np.matmul(X[c.k0 : c.k1].transpose(0, 2, 1), dZ, out=c.gW[0])
            np.matmul(plan.ones, dZ, out=c.gb[layer])  # Σ over the N points
            if layer > 0:
                prev = c.dZ[layer - 1]
                np.matmul(dZ, c.WT[layer], out=prev)
                self.acts[layer - 1].derivative(c.Z[layer - 1], c.A[layer - 1], c.D[layer - 1])
                prev *= c.D[layer - 1]

    def _penalty(self, c: _ChunkViews, l1: float, l2: float, grads: bool) -> np.ndarray:
        """l1 Σ|W| + l2 ½ ΣW² per replica (weights only); adds its gradient if asked."""
        w = c.w_flat
        pen = np.zeros(w.shape[0], self.dtype)
        if l1:
            pen += l1 * np.abs(w).sum(axis=1)
            if grads:
                c.gw_flat += l1 * np.sign(w)
        if l2:
            pen += (0.5 * l2) * np.einsum("ij,ij->i", w, w)
            if grads:
                c.gw_flat += l2 * w
        return pen

    def _run(self, X, y, loss_name: str, l1: float, l2: float, grads: bool,
             outputs: np.ndarray | None = None) -> np.ndarray:
        """Loss per replica into a reused buffer; gradients into ``grads`` if asked;
        the output activations into ``outputs`` (K, N) if given."""
        X = self._inputs(X)
        y = self._targets(y, X)
        loss = get_loss(loss_name, self.output)
        plan = self._plan(X.shape[-2], X.ndim == 2)
        out = self._loss_out
        per_replica_y = y.ndim == 3
        for c in plan.chunks:
            yc = y[c.k0 : c.k1] if per_replica_y else y
            a = self._forward(plan, c, X)
            out[c.k0 : c.k1] = loss.value(c.Z[-1], a, yc, c.s1, c.s2)
            if outputs is not None:
                outputs[c.k0 : c.k1] = a[:, :, 0]
            if grads:
                self._backward(plan, c, X, loss, yc)
            if l1 or l2:
                out[c.k0 : c.k1] += self._penalty(c, l1, l2, grads)
        return out

    # ------------------------------------------------------------- public API

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Outputs after the output activation: X (N, d) or (K, N, d) -> (K, N, 1)."""
        X = self._inputs(X)
        plan = self._plan(X.shape[-2], X.ndim == 2)
        out = np.empty((self.replicas, X.shape[-2], 1), self.dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            for c in plan.chunks:
                out[c.k0 : c.k1] = self._forward(plan, c, X)
        return out

    def loss(self, X: np.ndarray, y: np.ndarray, loss: str = "bce", l1: float = 0.0,
             l2: float = 0.0) -> np.ndarray:
        """Loss per replica (K,), regularisation included; no gradients."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._run(X, y, loss, l1, l2, grads=False).copy()

    def loss_and_grads(self, X: np.ndarray, y: np.ndarray, loss: str = "bce",
                       l1: float = 0.0, l2: float = 0.0) -> tuple[np.ndarray, ParamList]:
        """Loss per replica (K,) and its gradient with respect to every parameter.

        ``y`` holds the targets in the output's space: 0/1 for sigmoid, -1/+1 for
        tanh, reals for linear. Loss = mean over the N points + l1 Σ|W| + l2 ½ ΣW²
        (weights only, not biases).

        The gradients are :attr:`grads`: views into one buffer that the next call
        overwrites (copy them to keep them), shaped and ordered like :attr:`params`.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            value = self._run(X, y, loss, l1, l2, grads=True).copy()
        return value, self.grads

    def layer_outputs(self, X: np.ndarray, replica: int = 0, dtype: str | None = None,
                      ) -> list[np.ndarray]:
        """Every neuron's output for one replica, transposed: ``[Xᵀ, A1ᵀ, ..., A_Lᵀ]``.

        Layer l's entry has shape (units, N), so reshaping it to (units, n, n) gives
        one image per neuron without a copy. The arrays are buffers reused by the next
        call with the same N; ``dtype`` (default: the net's) lets a display ask for
        float32, which is several times faster for tanh and sigmoid.
        """
        if not 0 <= replica < self.replicas:
            raise ValueError(f"replica must be in [0, {self.replicas - 1}], got {replica}")
        dt = np.dtype(dtype) if dtype is not None else self.dtype
        X = np.asarray(X)
        n = X.shape[0]
        key = (n, dt.str)
        bufs = self._single.get(key)
        if bufs is None:
            if len(self._single) >= _MAX_PLANS:
                self._single.pop(next(iter(self._single)))
            bufs = [np.empty((h, n), dt) for h in self.sizes]
            self._single[key] = bufs
        np.copyto(bufs[0], X.T)
        with np.errstate(over="ignore", invalid="ignore"):
            for layer, act in enumerate(self.acts):
                WT = self.weights[layer][replica].T.astype(dt)
                Z = bufs[layer + 1]
                np.matmul(WT, bufs[layer], out=Z)
                Z += self.biases[layer][replica].astype(dt)[:, None]
                act.forward(Z, Z)
        return bufs

    def copy(self) -> MLP:
        """An independent copy (parameters and generators duplicated)."""
        other = object.__new__(MLP)
        other.__dict__.update(self.__dict__)
        other.flat = self.flat.copy()
        other.grad_flat = np.zeros_like(self.grad_flat)
        shapes = list(zip(self.sizes[:-1], self.sizes[1:], strict=True))
        other.params = ParamList(other._views(other.flat, shapes), other.flat)
        other.grads = ParamList(other._views(other.grad_flat, shapes), other.grad_flat)
        other.weights = other.params[0::2]
        other.biases = other.params[1::2]
        other._plans = {}
        other._single = {}
        other._loss_out = np.empty(self.replicas, self.dtype)
        other.rngs = [np.random.Generator(np.random.PCG64()) for _ in self.rngs]
        for mine, theirs in zip(other.rngs, self.rngs, strict=True):
            mine.bit_generator.state = theirs.bit_generator.state
        return other

    def __repr__(self) -> str:
        return (f"MLP({list(self.sizes)}, activation={self.activation!r}, "
                f"output={self.output!r}, replicas={self.replicas}, dtype={self.dtype.name!r})")
