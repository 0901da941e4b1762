"""Optimizers with ``torch.optim``'s update rules, hyper-parameter names and defaults.

As in scikit-learn's ``_stochastic_optimizers.py``, the base class owns the
parameter arrays and applies ``param -= update`` in place; each optimizer only says
how its update follows from the gradient and its own state. Unlike there, nothing
is allocated per step: the state and an update buffer are made once.

When ``params`` is the network's :class:`~engine.network.ParamList`, the optimizer
works on its single (K, P) ``flat`` buffer: a dozen NumPy calls per step whatever
the depth of the net. A plain list of arrays works too (one set of calls per array).

Hyper-parameters are plain attributes (``opt.lr = 0.1``, ``opt.betas = (0.8, 0.99)``)
read at every step, so they can change between steps without losing the state, as
with torch's ``param_groups``. ``step(grads, active)`` skips the replicas whose
``active`` entry is False (diverged ones): their parameters are left untouched.

weight_decay is deliberately absent: regularisation goes through the loss.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

import numpy as np

from .registry import lookup

if TYPE_CHECKING:
    from .layout import Layout

# A hyper-parameter's value: a number, a flag, or a pair (Adam's betas, Rprop's etas).
HyperValue = float | bool | tuple[float, float]
# One parameter array's state, keys per optimizer: arrays, None for a buffer made at
# the first step, and Adam's ``scaled_for`` (the betas its moments are kept for).
State = dict[str, Any]


class FlatParams(Protocol):
    """Parameters laid out in one (K, P) buffer: the network's ``ParamList``."""

    flat: np.ndarray
    layout: Layout


class Optimizer:
    """Base class: parameters, per-array state, and the in-place update.

    Subclasses set ``defaults`` (torch's hyper-parameters and default values) and
    ``fields``, which Config field(s) feed each of them (a pair for a tuple argument
    such as Adam's ``betas``): ``engine.config`` derives from it which fields each
    optimizer reads and the keyword arguments it gets. They implement
    ``_init_state`` and ``_update``, and may refine :meth:`typical_step`.
    """

    name = "optimizer"
    # The name the page shows; the update rule in one sentence, for the exported
    # scripts' class or comment that implements it (engine/export).
    label = ""
    rule = ""
    defaults: ClassVar[dict[str, HyperValue]] = {}
    fields: ClassVar[dict[str, str | tuple[str, ...]]] = {}
    # The hyper-parameters every optimizer has; each subclass declares its own, all set
    # from ``defaults`` and the keyword arguments by :meth:`set_hyper`.
    lr: float

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if set(cls.fields) != set(cls.defaults):
            raise TypeError(
                f"{cls.__name__}.fields must name a Config field for each of {sorted(cls.defaults)}"
            )

    @classmethod
    def typical_step(cls, hyper: Mapping[str, Any], grad_norm: np.ndarray) -> np.ndarray:
        """The size of one update, roughly, for gradients of norm ``grad_norm``
        (the diagnostics' "steps too small" test). By default ``lr``: the adaptive
        methods divide the gradient by its own running size, so their step hardly
        depends on it."""
        return np.full(np.shape(grad_norm), float(hyper["lr"]))

    def __init__(self, params: Sequence[np.ndarray], **hyper: HyperValue):
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise TypeError(
                f"{self.name} got unknown hyper-parameter(s) {sorted(unknown)}; "
                f"known: {sorted(self.defaults)}"
            )
        self.params = params
        flat: np.ndarray | None = getattr(params, "flat", None)
        self._flat = flat is not None
        self._arrays = [flat] if flat is not None else list(params)
        if not self._arrays:
            raise ValueError("optimizer got an empty parameter list")
        self.set_hyper(**{**self.defaults, **hyper})
        self.t = 0  # number of steps taken (torch's state["step"])
        self.state = [self._init_state(p) for p in self._arrays]
        self._buf = [np.empty_like(p) for p in self._arrays]
        # the network's own gradient list, the last time it came, and its arrays
        self._grads_seen: Sequence[np.ndarray] | None = None
        self._garrays_seen: list[np.ndarray] | None = None

    # -- state, for checkpoints

    def state_dict(self) -> dict[str, Any]:
        """What the next steps depend on beyond the hyper-parameters: ``t`` and, per
        parameter array, the state entries (arrays copied; None where not made yet)."""
        return {
            "t": self.t,
            "state": [
                {
                    key: value.copy() if isinstance(value, np.ndarray) else value
                    for key, value in entries.items()
                }
                for entries in self.state
            ],
        }

    @classmethod
    def torch_state(cls, entry: State) -> Mapping[str, np.ndarray | None]:
        """One parameter array's state (an entry of :meth:`state_dict`'s ``"state"``)
        under the names and in the form ``torch.optim`` keeps it (None where torch
        has not made that buffer yet): what exported code starts from."""
        return {
            cls._torch_names.get(key, key): value
            for key, value in entry.items()
            if key not in cls._scratch
        }

    _torch_names: ClassVar[dict[str, str]] = {}
    _scratch: ClassVar[tuple[str, ...]] = ()

    def up_to_date_state(self) -> list[State]:
        """The state entries as the next step will use them (hyper-parameters changed
        since the last step applied, see Adam), scratch buffers left out."""
        return [
            {key: value for key, value in entry.items() if key not in self._scratch}
            for entry in self.state
        ]

    def load_state_dict(self, saved: Mapping[str, Any]) -> None:
        """Put back a :meth:`state_dict`. Every entry is checked against this
        optimizer's own (names, shapes, types) before anything changes; a mismatch
        raises ValueError naming the entry."""
        t = saved.get("t")
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
            raise ValueError(f"optimizer state: t must be an integer >= 0, got {t!r}")
        states = saved.get("state")
        if not isinstance(states, (list, tuple)) or len(states) != len(self._arrays):
            raise ValueError(
                f"optimizer state: expected {len(self._arrays)} parameter "
                f"array(s) of {self.name} state"
            )
        restored = [
            _checked_state(self.name, self._init_state(p), entries, p)
            for p, entries in zip(self._arrays, states, strict=True)
        ]
        self.t = int(t)
        self.state = restored

    # -- hyper-parameters

    def set_hyper(self, **hyper: HyperValue) -> None:
        """Set hyper-parameters by their torch names; they apply from the next step."""
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise TypeError(f"{self.name} has no hyper-parameter {sorted(unknown)[0]!r}")
        before = {key: getattr(self, key) for key in hyper if hasattr(self, key)}
        for key, value in hyper.items():
            setattr(self, key, value)
        try:
            self._check()
        except ValueError:  # all or nothing: a refused change leaves the old values
            for key in hyper:
                if key in before:
                    setattr(self, key, before[key])
            raise

    @property
    def hyper(self) -> dict[str, HyperValue]:
        """Current hyper-parameters, by torch name."""
        return {key: getattr(self, key) for key in self.defaults}

    def _check(self) -> None:
        if not self.lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {self.lr}")

    # -- the step

    def step(self, grads: Sequence[np.ndarray], active: np.ndarray | None = None) -> None:
        """One update from ``grads`` (shaped like ``params``).

        ``active``: optional bool array (K,); replicas where it is False keep their
        parameters (their optimizer state is not meaningful afterwards).
        """
        self.t += 1
        garrays = self._garrays_seen  # the network's own gradient list, every step
        if grads is not self._grads_seen or garrays is None:
            garrays = self._grad_arrays(grads)
            if getattr(grads, "flat", None) is not None:
                self._grads_seen, self._garrays_seen = grads, garrays
        if active is None and self._flat:  # the common case: one flat array
            p, u = self._arrays[0], self._buf[0]
            self._update(garrays[0], self.state[0], u)
            np.subtract(p, u, p)
            return
        if active is None:
            for p, g, state, u in zip(self._arrays, garrays, self.state, self._buf, strict=True):
                self._update(g, state, u)  # u <- the amount to subtract from p
                np.subtract(p, u, p)
            return
        # Inactive replicas may carry NaN/inf: they stay in their own rows, silently.
        with np.errstate(all="ignore"):
            for p, g, state, u in zip(self._arrays, garrays, self.state, self._buf, strict=True):
                self._update(g, state, u)
                mask = active.reshape((-1,) + (1,) * (p.ndim - 1))
                np.subtract(p, u, out=p, where=mask)

    def _grad_arrays(self, grads: Sequence[np.ndarray]) -> list[np.ndarray]:
        if not self._flat:
            return list(grads)
        flat = getattr(grads, "flat", None)
        if flat is not None and flat.shape == self._arrays[0].shape:
            return [flat]
        # Gradients given as a plain list: lay them out like the parameters, which have
        # a flat buffer, so are the network's ParamList.
        buf = np.empty_like(self._arrays[0])
        layout = cast(FlatParams, self.params).layout
        for view, g in zip(layout.unpack(buf), grads, strict=True):
            view[...] = g
        return [buf]

    def _init_state(self, p: np.ndarray) -> State:
        return {}

    def _update(self, g: np.ndarray, state: State, u: np.ndarray) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyper.items())
        return f"{type(self).__name__}({args})"


def _checked_state(name: str, template: State, entries: object, p: np.ndarray) -> State:
    """``entries`` as this optimizer's state for the array ``p``, shaped like
    ``template`` (a fresh state): arrays of p's shape (also where the template holds
    None, a buffer made at the first step), tuples of numbers; else ValueError."""
    if not isinstance(entries, dict) or set(entries) != set(template):
        got = sorted(entries) if isinstance(entries, dict) else type(entries).__name__
        raise ValueError(f"optimizer state: {name} keeps {sorted(template)}, got {got}")
    out: State = {}
    for key, fresh in template.items():
        value = entries[key]
        where = f"optimizer state {key!r}"
        if isinstance(fresh, tuple):
            if (
                not isinstance(value, (list, tuple))
                or len(value) != len(fresh)
                or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                    for v in value
                )
            ):
                raise ValueError(f"{where}: expected {len(fresh)} finite numbers")
            out[key] = tuple(float(v) for v in value)
        elif value is None and fresh is None:
            out[key] = None
        else:
            if (
                not isinstance(value, np.ndarray)
                or value.shape != p.shape
                or value.dtype.kind != "f"
            ):
                shape = getattr(value, "shape", type(value).__name__)
                raise ValueError(f"{where}: expected a float array of shape {p.shape}, got {shape}")
            out[key] = value.astype(p.dtype, copy=True)
    return out


def _lerp_(m: np.ndarray, g: np.ndarray, w: float, u: np.ndarray) -> None:
    """m <- m + w (g - m), in torch.lerp's two-branch form (u is scratch)."""
    np.subtract(g, m, out=u)
    if w < 0.5:
        u *= w
        m += u
    else:
        u *= 1.0 - w
        np.subtract(g, u, out=m)


class SGD(Optimizer):
    """Stochastic gradient descent with momentum (``torch.optim.SGD``).

    Hyper-parameters: ``lr=1e-3``, ``momentum=0``, ``dampening=0``, ``nesterov=False``.
    Momentum as in Sutskever et al. (2013), in torch's form::

        b <- g                                 on the first step
        b <- momentum b + (1 - dampening) g    afterwards
        d <- g + momentum b  (nesterov)  or  b
        p <- p - lr d

    With momentum = 0, plain gradient descent: p <- p - lr g.
    """

    name = "sgd"
    label = "SGD"
    rule = (
        "torch.optim.SGD's rule: b <- momentum b + (1 - dampening) g (b = g at the first "
        "step); p <- p - lr (g + momentum b if nesterov else b); without momentum p <- p "
        "- lr g."
    )
    defaults = {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "nesterov": False}
    _torch_names = {"buf": "momentum_buffer"}
    fields = {"lr": "lr", "momentum": "momentum", "dampening": "dampening", "nesterov": "nesterov"}
    momentum: float
    dampening: float
    nesterov: bool

    @classmethod
    def typical_step(cls, hyper: Mapping[str, Any], grad_norm: np.ndarray) -> np.ndarray:
        """lr ‖g‖ / (1 - momentum): the step scales with the gradient (momentum's
        geometric sum multiplies a steady gradient by 1 / (1 - momentum))."""
        step: np.ndarray = hyper["lr"] * np.asarray(grad_norm) / (1.0 - hyper["momentum"])
        return step

    def _check(self) -> None:
        super()._check()
        if not self.momentum >= 0.0:
            raise ValueError(f"Invalid momentum value: {self.momentum}")
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _init_state(self, p: np.ndarray) -> State:
        return {"buf": None}

    def _update(self, g: np.ndarray, state: State, u: np.ndarray) -> None:
        if self.momentum != 0.0:
            buf = state["buf"]
            if buf is None:
                buf = state["buf"] = g.copy()
            else:
                buf *= self.momentum
                np.multiply(g, 1.0 - self.dampening, out=u)
                buf += u
            if self.nesterov:
                np.multiply(buf, self.momentum, out=u)
                u += g
            else:
                np.copyto(u, buf)
            u *= self.lr
        else:
            np.multiply(g, self.lr, out=u)


class Adagrad(Optimizer):
    """Adagrad, Duchi, Hazan & Singer (2011) (``torch.optim.Adagrad``).

    Hyper-parameters: ``lr=1e-2``, ``lr_decay=0``, ``initial_accumulator_value=0``,
    ``eps=1e-10``. At step t (from 1)::

        clr <- lr / (1 + (t - 1) lr_decay)
        s   <- s + g²                       (s starts at initial_accumulator_value)
        p   <- p - clr g / (sqrt(s) + eps)
    """

    name = "adagrad"
    label = "Adagrad"
    rule = (
        "torch.optim.Adagrad's rule: s <- s + g²; p <- p - lr / (1 + (t - 1) lr_decay) g "
        "/ (sqrt(s) + eps)."
    )
    defaults = {"lr": 1e-2, "lr_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 1e-10}
    fields = {
        "lr": "lr",
        "lr_decay": "lr_decay",
        "initial_accumulator_value": "initial_accumulator_value",
        "eps": "eps",
    }
    lr_decay: float
    initial_accumulator_value: float
    eps: float

    @classmethod
    def typical_step(cls, hyper: Mapping[str, Any], grad_norm: np.ndarray) -> np.ndarray:
        """lr ‖g‖, as for plain gradient descent: where the gradient is tiny (the
        diagnostics' question) eps and the accumulator's start dominate the
        denominator and the step follows the gradient."""
        step: np.ndarray = hyper["lr"] * np.asarray(grad_norm)
        return step

    def _check(self) -> None:
        super()._check()
        if not self.lr_decay >= 0.0:
            raise ValueError(f"Invalid lr_decay value: {self.lr_decay}")
        if not self.initial_accumulator_value >= 0.0:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {self.initial_accumulator_value}"
            )
        if not self.eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {self.eps}")

    def _init_state(self, p: np.ndarray) -> State:
        return {"sum": np.full_like(p, self.initial_accumulator_value)}

    def _update(self, g: np.ndarray, state: State, u: np.ndarray) -> None:
        clr = self.lr / (1.0 + (self.t - 1) * self.lr_decay)
        s = state["sum"]
        np.multiply(g, g, out=u)
        s += u
        np.sqrt(s, out=u)
        u += self.eps
        np.divide(g, u, out=u)
        u *= clr


class RMSprop(Optimizer):
    """RMSProp, Hinton's lecture 6e (2012) (``torch.optim.RMSprop``).

    Hyper-parameters: ``lr=1e-2``, ``alpha=0.99``, ``eps=1e-8``, ``momentum=0``,
    ``centered=False``::

        v <- alpha v + (1 - alpha) g²
        c <- alpha c + (1 - alpha) g          (centered only)
        d <- sqrt(v - c²) + eps  (centered)  or  sqrt(v) + eps
        b <- momentum b + g / d;  p <- p - lr b      (momentum > 0)
        p <- p - lr g / d                           (momentum = 0)
    """

    name = "rmsprop"
    label = "RMSprop"
    rule = (
        "torch.optim.RMSprop's rule: v <- alpha v + (1 - alpha) g² (c likewise of g if "
        "centered); d = sqrt(v - c²) + eps or sqrt(v) + eps; p <- p - lr g / d, or with "
        "momentum b <- momentum b + g / d, p <- p - lr b."
    )
    defaults = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "momentum": 0.0, "centered": False}
    fields = {
        "lr": "lr",
        "alpha": "alpha",
        "eps": "eps",
        "momentum": "momentum",
        "centered": "centered",
    }
    alpha: float
    eps: float
    momentum: float
    centered: bool

    def _check(self) -> None:
        super()._check()
        if not self.eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {self.eps}")
        if not self.momentum >= 0.0:
            raise ValueError(f"Invalid momentum value: {self.momentum}")
        if not self.alpha >= 0.0:
            raise ValueError(f"Invalid alpha value: {self.alpha}")

    def _init_state(self, p: np.ndarray) -> State:
        return {
            "square_avg": np.zeros_like(p),
            "grad_avg": np.zeros_like(p),
            "momentum_buffer": np.zeros_like(p),
        }

    def _update(self, g: np.ndarray, state: State, u: np.ndarray) -> None:
        v = state["square_avg"]
        v *= self.alpha
        np.multiply(g, g, out=u)
        u *= 1.0 - self.alpha
        v += u
        if self.centered:
            c = state["grad_avg"]
            _lerp_(c, g, 1.0 - self.alpha, u)
            np.multiply(c, c, out=u)
            np.subtract(v, u, out=u)
            np.sqrt(u, out=u)
        else:
            np.sqrt(v, out=u)
        u += self.eps
        np.divide(g, u, out=u)
        if self.momentum > 0.0:
            b = state["momentum_buffer"]
            b *= self.momentum
            b += u
            np.multiply(b, self.lr, out=u)
        else:
            u *= self.lr


class Adam(Optimizer):
    """Adam, Kingma & Ba (2015); AMSGrad, Reddi et al. (2018) (``torch.optim.Adam``).

    Hyper-parameters: ``lr=1e-3``, ``betas=(0.9, 0.999)``, ``eps=1e-8``,
    ``amsgrad=False``. At step t (from 1)::

        m <- beta1 m + (1 - beta1) g
        v <- beta2 v + (1 - beta2) g²
        v̂ <- max(v̂, v)  (amsgrad; then v̂ replaces v below)
        p <- p - lr / (1 - beta1^t) · m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    name = "adam"
    label = "Adam"
    rule = (
        "torch.optim.Adam's rule: m <- beta1 m + (1 - beta1) g, v <- beta2 v + (1 - "
        "beta2) g² (amsgrad: the largest v so far); p <- p - lr / (1 - beta1^t) m / "
        "(sqrt(v) / sqrt(1 - beta2^t) + eps)."
    )
    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False}
    fields = {"lr": "lr", "betas": ("beta1", "beta2"), "eps": "eps", "amsgrad": "amsgrad"}
    betas: tuple[float, float]
    eps: float
    amsgrad: bool

    def _check(self) -> None:
        super()._check()
        if not self.eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {self.eps}")
        b1, b2 = self.betas
        if not 0.0 <= b1 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {b1}")
        if not 0.0 <= b2 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {b2}")

    def _init_state(self, p: np.ndarray) -> State:
        # The moments are kept divided by (1 - beta): m' = m / (1 - beta1) follows
        # m' <- beta1 m' + g, two NumPy calls instead of three (likewise v'), and the
        # factors go into the step's scalars. A change of betas rescales them.
        return {
            "exp_avg": np.zeros_like(p),
            "exp_avg_sq": np.zeros_like(p),
            "max_exp_avg_sq": np.zeros_like(p),
            "scaled_for": tuple(self.betas),
        }

    def _rescale(self, state: State) -> None:
        (old1, old2), (b1, b2) = state["scaled_for"], self.betas
        state["exp_avg"] *= (1.0 - old1) / (1.0 - b1)
        state["exp_avg_sq"] *= (1.0 - old2) / (1.0 - b2)
        state["max_exp_avg_sq"] *= (1.0 - old2) / (1.0 - b2)
        state["scaled_for"] = tuple(self.betas)

    def exp_avg(self, i: int = 0) -> np.ndarray:
        """torch's ``exp_avg`` (m) of parameter array i (of the flat array: i = 0)."""
        return self.torch_state(self.state[i])["exp_avg"]

    def exp_avg_sq(self, i: int = 0) -> np.ndarray:
        """torch's ``exp_avg_sq`` (v) of parameter array i."""
        return self.torch_state(self.state[i])["exp_avg_sq"]

    def up_to_date_state(self) -> list[State]:
        """The moments rescaled to the betas in force, as the next step does first."""
        for entry in self.state:
            if entry["scaled_for"] != tuple(self.betas):
                self._rescale(entry)
        return super().up_to_date_state()

    @classmethod
    def torch_state(cls, entry: State) -> dict[str, np.ndarray]:
        """torch's m, v and max v: the moments kept here times (1 - beta)."""
        b1, b2 = entry["scaled_for"]
        return {
            "exp_avg": entry["exp_avg"] * (1.0 - b1),
            "exp_avg_sq": entry["exp_avg_sq"] * (1.0 - b2),
            "max_exp_avg_sq": entry["max_exp_avg_sq"] * (1.0 - b2),
        }

    def _update(self, g: np.ndarray, state: State, u: np.ndarray) -> None:
        if state["scaled_for"] != tuple(self.betas):
            self._rescale(state)
        b1, b2 = self.betas
        m, v = state["exp_avg"], state["exp_avg_sq"]  # m' and v'
        np.multiply(m, b1, m)
        np.add(m, g, m)  # m' <- beta1 m' + g
        np.multiply(v, b2, v)
        np.multiply(g, g, u)
        np.add(v, u, v)  # v' <- beta2 v' + g²
        if self.amsgrad:
            vmax = state["max_exp_avg_sq"]
            np.maximum(vmax, v, out=vmax)
            v = vmax
        step_size = self.lr / (1.0 - b1**self.t)
        if step_size == 0.0:
            u.fill(0.0)
            return
        # step_size m / (sqrt(v) / sqrt(1 - beta2^t) + eps) with m = (1 - beta1) m',
        # v = (1 - beta2) v', all scalars folded into one denominator:
        # m' / (sqrt(v') c1 + c2).
        scale = step_size * (1.0 - b1)
        c1 = math.sqrt((1.0 - b2) / (1.0 - b2**self.t)) / scale
        np.sqrt(v, u)
        np.multiply(u, c1, u)
        np.add(u, self.eps / scale, u)
        np.divide(m, u, u)


class Rprop(Optimizer):
    """Resilient backpropagation, Riedmiller & Braun (1993) (``torch.optim.Rprop``).

    Hyper-parameters: ``lr=1e-2`` (the initial step size), ``etas=(0.5, 1.2)``
    (eta_minus, eta_plus), ``step_sizes=(1e-6, 50)`` (min, max). Per entry, with
    s = sign(g · g_prev)::

        step <- clip(step · (eta_plus if s > 0, eta_minus if s < 0, 1 if s = 0),
                     step_min, step_max)
        g    <- 0 where s < 0       (after a sign change, wait one step: iRprop-)
        p    <- p - sign(g) step;   g_prev <- g

    The step sizes start at lr on the first step; a later change of lr does not
    reset them (as in torch).
    """

    name = "rprop"
    label = "Rprop"
    rule = (
        "torch.optim.Rprop's rule: each weight's own step grows by eta_plus while its "
        "gradient keeps its sign and shrinks by eta_minus when it flips (then that "
        "gradient counts as 0), within step_sizes; p <- p - sign(g) step."
    )
    defaults = {"lr": 1e-2, "etas": (0.5, 1.2), "step_sizes": (1e-6, 50.0)}
    _scratch = ("sign",)
    fields = {"lr": "lr", "etas": ("eta_minus", "eta_plus"), "step_sizes": ("step_min", "step_max")}
    etas: tuple[float, float]
    step_sizes: tuple[float, float]

    def _check(self) -> None:
        super()._check()
        eta_minus, eta_plus = self.etas
        if not 0.0 < eta_minus < 1.0 < eta_plus:
            raise ValueError(f"Invalid eta values: {eta_minus}, {eta_plus}")

    def _init_state(self, p: np.ndarray) -> State:
        return {"prev": np.zeros_like(p), "step_size": None, "sign": np.empty_like(p)}

    def _update(self, g: np.ndarray, state: State, u: np.ndarray) -> None:
        eta_minus, eta_plus = self.etas
        step_min, step_max = self.step_sizes
        prev, sign = state["prev"], state["sign"]
        if state["step_size"] is None:
            state["step_size"] = np.full_like(g, self.lr)
        step = state["step_size"]
        np.multiply(g, prev, out=sign)
        np.sign(sign, out=sign)
        # factor: eta_plus where s > 0, eta_minus where s < 0, 1 where s = 0
        np.copyto(u, 1.0)
        np.copyto(u, eta_plus, where=sign > 0)
        np.copyto(u, eta_minus, where=sign < 0)
        step *= u
        np.clip(step, step_min, step_max, out=step)
        np.copyto(prev, g)
        np.copyto(prev, 0.0, where=sign < 0)
        np.sign(prev, out=u)
        u *= step


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "rprop": Rprop,
}


def make_optimizer(name: str, params: Sequence[np.ndarray], **hyper: HyperValue) -> Optimizer:
    """Build the optimizer ``name`` over ``params`` with torch-named hyper-parameters.

    >>> opt = make_optimizer("adam", net.params, lr=0.01, betas=(0.9, 0.999))  # doctest: +SKIP
    """
    return lookup(OPTIMIZERS, name, "optimizer")(params, **hyper)


def get_optimizer(name: str) -> type[Optimizer]:
    """Look an optimizer's class up by name, with an error that lists the known ones."""
    return lookup(OPTIMIZERS, name, "optimizer")
