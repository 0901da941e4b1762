"""A multi-layer perceptron stored as K independent replicas in stacked arrays.

Layer l maps ``A[l-1]`` (K, N, fan_in) to ``A[l]`` (K, N, fan_out)::

    Z[l] = A[l-1] @ W[l] + b[l]          W[l]: (K, fan_in, fan_out), b[l]: (K, fan_out)
    A[l] = f(Z[l])                       f = layer l's hidden activation, or the output's

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
  layer, so the passes run as programs: lists of NumPy calls bound to preallocated
  buffers, built once per input shape and replayed. That machinery is
  :mod:`engine.programs`; this module is the network itself: its parameters and their
  layout, the input and target layout, regularisation, and the public methods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .activations import OUTPUT_ACTIVATIONS, get_activation, get_output, per_layer
from .initializers import get_initializer
from .layout import Layout
from .losses import Loss, get_loss
from .programs import CHUNK_ELEMENTS, Ops, Programs, Sums


def generator_from_state(state: Mapping[str, Any]) -> np.random.Generator:
    """A PCG64 generator that continues exactly from ``bit_generator.state``."""
    rng = np.random.Generator(np.random.PCG64())
    rng.bit_generator.state = state
    return rng


class ParamList(list[np.ndarray]):
    """A list of arrays that are views into one (K, P) buffer, kept as ``.flat``, laid
    out as ``.layout`` says."""

    def __init__(self, arrays: Sequence[np.ndarray], flat: np.ndarray, layout: Layout):
        super().__init__(arrays)
        self.flat = flat
        self.layout = layout


def _check_architecture(sizes: tuple[int, ...], output: str, replicas: int, dtype: str) -> None:
    """Refuse what :class:`MLP` cannot build, saying why."""
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must be at least [n_in, 1] with positive entries, got {sizes}")
    if output not in OUTPUT_ACTIVATIONS:
        known = ", ".join(OUTPUT_ACTIVATIONS)
        raise ValueError(f"output must be one of {known}, got {output!r}")
    if output == "softmax" and sizes[-1] < 2:
        raise ValueError(f"a softmax output has one unit per class (2 or more), got sizes {sizes}")
    if output != "softmax" and sizes[-1] != 1:
        raise ValueError(
            f"a {output} output layer has one unit, got sizes {sizes} "
            f"(one unit per class needs output='softmax')"
        )
    if int(replicas) < 1:
        raise ValueError(f"replicas must be >= 1, got {replicas}")
    if dtype not in ("float64", "float32"):
        raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")


def _targets_points_last(
    y: np.ndarray, n: int, classes: int | None, replicas: int, dtype: np.dtype
) -> np.ndarray:
    """:meth:`MLP._targets` for a net of ``replicas`` replicas with ``classes``
    softmax units (None: one output unit)."""
    if classes is not None:
        return _one_hot(y, n, classes, replicas, dtype)
    y = np.asarray(y, dtype=dtype)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.shape == (n, 1):
        return y.T
    if y.shape == (replicas, n, 1):
        return y.swapaxes(1, 2)
    raise ValueError(f"y must have shape ({n}, 1) or ({replicas}, {n}, 1), got {y.shape}")


def _one_hot(y: np.ndarray, n: int, classes: int, replicas: int, dtype: np.dtype) -> np.ndarray:
    """Integer labels (N,), (N, 1), (K, N) or (K, N, 1) in 0..C-1 as points-last
    one-hot targets (C, N) or (K, C, N): ``T[c, n] = 1 if y[n] == c``."""
    y = np.asarray(y)
    if y.shape in ((n, 1), (replicas, n, 1)):
        y = y[..., 0]
    if y.shape not in ((n,), (replicas, n)):
        raise ValueError(
            f"y must hold {n} labels, shape ({n},) or ({replicas}, {n}), got {y.shape}"
        )
    c = classes
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
    onehot: np.ndarray = (np.arange(c)[:, None] == labels[..., None, :]).astype(dtype)
    return onehot  # (C, N) or (K, C, N)


# The hidden activation: one name for every hidden layer, or one name per hidden layer.
Names = str | Sequence[str]


def _per_layer(activation: Names, layers: int) -> tuple[str | tuple[str, ...], tuple[str, ...]]:
    """(the activation as given, a name or a tuple; one name per hidden layer)."""
    names = per_layer(activation, layers)
    return (activation if isinstance(activation, str) else names), names


class MLP:
    """K replicas of a fully connected network ``sizes = [n_in, hidden..., n_out]``.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, inputs first; the output layer has one unit, or one per
        class (2 or more) for a softmax output.
    activation : str or sequence of str
        Hidden activation (:data:`engine.activations.ACTIVATIONS`) of every hidden
        layer, or one per hidden layer (``["relu", "tanh"]``): :attr:`activations`.
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
        activation: Names = "tanh",
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
        _check_architecture(sizes, output, replicas, dtype)
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
        self, sizes: tuple[int, ...], activation: Names, output: str, replicas: int, dtype: str
    ) -> None:
        """Everything that follows from the architecture's names."""
        self.sizes = sizes
        self.activation, self.activations = _per_layer(activation, len(sizes) - 2)
        self.output = output
        self.replicas = replicas
        self.dtype = np.dtype(dtype)
        self.classes = sizes[-1] if output == "softmax" else None
        # per layer f: each hidden layer's activation, then the output's
        self.acts = [get_activation(name) for name in self.activations] + [get_output(output)]
        self.layout = Layout(sizes)
        self.n_layers = self.layout.n_layers
        self.n_params = self.layout.n_params
        # 1 where flat holds a weight, 0 where it holds a bias (for regularisation).
        self._weight_mask = self.layout.weight_mask(self.dtype)
        self.n_weights = sum(entry.size for entry in self.layout.weights)

    # Pickling keeps the names, the parameters and the generators; the views, the
    # buffers and the programs bound to them are rebuilt (pickled views would become
    # copies that no longer share memory with `flat`).

    def __getstate__(self) -> dict[str, Any]:
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

    def __setstate__(self, state: dict[str, Any]) -> None:
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
        """(Re)create the views into ``flat`` and ``grad_flat``, and new programs over them."""
        self.blocks = self._blocks(self.flat)
        self.grad_blocks = self._blocks(self.grad_flat)
        self.params = ParamList(self.layout.unpack(self.flat), self.flat, self.layout)
        self.grads = ParamList(self.layout.unpack(self.grad_flat), self.grad_flat, self.layout)
        self.weights = [self.params[e.index] for e in self.layout.weights]
        self.biases = [self.params[e.index] for e in self.layout.biases]
        # CHUNK_ELEMENTS is read from this module when a net is built, so that setting
        # engine.network.CHUNK_ELEMENTS first (as tests do, to force several chunks) counts.
        self._programs = Programs(self, CHUNK_ELEMENTS)

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
        return _targets_points_last(y, n, self.classes, self.replicas, self.dtype)

    # ------------------------------------------------------------ the maths

    def program(
        self,
        XeT: np.ndarray,
        yT: np.ndarray,
        loss: Loss,
        grads: bool = True,
        sums: Sums = (),
        outputs: np.ndarray | None = None,
        keep: Sums = (),
    ) -> Ops:
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
        not in the program (its rates change live): see :meth:`penalty`. The calls are
        made by :mod:`engine.programs`, over its preallocated buffers.
        """
        return self._programs.build(self, XeT, yT, loss, grads, sums, outputs, keep)

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

    def _run(
        self, X: npt.ArrayLike, y: npt.ArrayLike, loss_name: str, l1: float, l2: float, grads: bool
    ) -> np.ndarray:
        """The public methods' pass, inputs (N, d) / (K, N, d), targets (N, 1) / (K, N, 1):
        the mean loss per replica plus the penalty, in a (K,) buffer the next call reuses
        (gradients, with ``grads``, in :attr:`grad_flat`)."""
        value = self._programs.mean_loss(self, X, y, loss_name, grads)
        if l1 or l2:
            value += self.penalty(l1, l2, grads)
        return value

    # ------------------------------------------------------------- public API

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Outputs after the output activation: X (N, d) or (K, N, d) -> (K, N, C), C = 1
        but for a softmax output (then each point's C class probabilities)."""
        XeT = self.extend_inputs(X)
        out = np.empty((self.replicas, self.sizes[-1], XeT.shape[-1]), self.dtype)
        self._forward_only(XeT, outputs=out)
        return out.swapaxes(1, 2)

    def forward_layers(self, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every layer's pre-activation Z and output A = f(Z), for every replica, from
        the same pass as training: per layer ``(Z, A)``, each (K, units, N), points last.
        X (N, d) or (K, N, d). Fresh arrays."""
        XeT = self.extend_inputs(X)
        shapes = [(self.replicas, h, XeT.shape[-1]) for h in self.sizes[1:]]
        keep = [(np.empty(shape, self.dtype), np.empty(shape, self.dtype)) for shape in shapes]
        self._forward_only(XeT, keep=keep)
        return keep

    def _forward_only(
        self, XeT: np.ndarray, outputs: np.ndarray | None = None, keep: Sums = ()
    ) -> None:
        """Run the training pass without loss or gradients, once, over ``XeT``."""
        with np.errstate(over="ignore", invalid="ignore"):
            no_targets = XeT[..., :1, :]  # never read: no loss, no gradient
            for f, args in self.program(XeT, no_targets, get_loss("mse"), False, (), outputs, keep):
                f(*args)

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

        The pass is training's forward pass, over a program kept per (N, dtype,
        replica): see :meth:`engine.programs.Programs.layer_outputs`.
        """
        if not 0 <= replica < self.replicas:
            raise ValueError(f"replica must be in [0, {self.replicas - 1}], got {replica}")
        dt = np.dtype(dtype) if dtype is not None else self.dtype
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (N, {self.sizes[0]}), got {X.shape}")
        return self._programs.layer_outputs(self, X, replica, dt)

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
