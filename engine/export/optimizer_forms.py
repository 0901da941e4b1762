"""How the exported scripts write each optimizer: one entry per optimizer, keyed like
:data:`engine.optimizers.OPTIMIZERS` (importing this module fails if one has none).

The engine's optimizer declares its Config fields, display name and update rule
(engine/optimizers.py); what the scripts need is whole classes and calls in other
libraries' terms, too long to sit beside the engine's update, so it sits here, in one
place rather than in a table of each exporter:

* ``numpy_class``: the NumPy script's class (``{doc}`` where the rule goes), written
  in the order of the engine's own update so that the weights agree bit for bit;
  ``numpy_counts_steps``: it keeps ``t``; ``numpy_starts_nonzero``: its buffers that
  do not start at zero (embedded even when all zero);
* ``torch_state(cfg)``: the buffers ``torch.optim`` keeps under these hyper-parameters;
  ``torch_counts_steps``: torch keeps a ``step`` for it;
* ``keras(cfg, hyper)``: comment lines and the Keras constructor call (Keras's rules
  differ from torch's in places, which the comments say); ``keras_class(cfg)``: the
  source of a ``keras.optimizers.Optimizer`` subclass the script defines where Keras
  has no such rule, else ""; ``keras_state(cfg)``: where Keras keeps each torch buffer
  after build() (its list, and the factor from torch's value to Keras's).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..optimizers import OPTIMIZERS, get_optimizer
from .blocks import comment_lines, docstring
from .text import literal, number


@dataclass(frozen=True)
class OptimizerForms:
    """One optimizer as the exported scripts write it (the module docstring)."""

    numpy_class: str
    torch_state: Callable[[Config], list[str]]
    keras: Callable[[Config, dict[str, Any]], tuple[list[str], str]]
    keras_state: Callable[[Config], Mapping[str, tuple[str, str | None]]]
    keras_class: Callable[[Config], str] = lambda cfg: ""
    numpy_counts_steps: bool = False
    numpy_starts_nonzero: tuple[str, ...] = ()
    torch_counts_steps: bool = True

    def numpy_source(self, name: str) -> str:
        """The NumPy script's class, its docstring the optimizer's rule."""
        return _with_rule(self.numpy_class, name)


# -- The NumPy script's classes.

_NUMPY_SGD = '''
class SGD:
    """{doc}"""

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False):
        self.lr, self.momentum, self.dampening, self.nesterov = lr, momentum, dampening, nesterov
        self.buf = [None] * len(params)  # momentum buffers, made at the first step

    def step(self, params, grads):
        for i, (p, g) in enumerate(zip(params, grads)):
            if self.momentum == 0:
                p -= g * self.lr
                continue
            if self.buf[i] is None:
                self.buf[i] = g.copy()
            else:
                self.buf[i] *= self.momentum
                self.buf[i] += g * (1 - self.dampening)
            d = self.buf[i] * self.momentum + g if self.nesterov else self.buf[i]
            p -= d * self.lr
'''

_NUMPY_ADAGRAD = '''
class Adagrad:
    """{doc}"""

    def __init__(self, params, lr, lr_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
        self.lr, self.lr_decay, self.eps = lr, lr_decay, eps
        self.sum = [np.full_like(p, initial_accumulator_value) for p in params]
        self.t = 0

    def step(self, params, grads):
        self.t += 1
        clr = self.lr / (1 + (self.t - 1) * self.lr_decay)
        for p, g, s in zip(params, grads, self.sum):
            s += g * g
            p -= g / (np.sqrt(s) + self.eps) * clr
'''

_NUMPY_RMSPROP = '''
class RMSprop:
    """{doc}"""

    def __init__(self, params, lr, alpha=0.99, eps=1e-8, momentum=0.0, centered=False):
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.momentum, self.centered = momentum, centered
        self.square_avg = [np.zeros_like(p) for p in params]
        self.grad_avg = [np.zeros_like(p) for p in params]
        self.momentum_buffer = [np.zeros_like(p) for p in params]

    def step(self, params, grads):
        w = 1 - self.alpha
        for p, g, v, c, b in zip(params, grads, self.square_avg, self.grad_avg,
                                 self.momentum_buffer):
            v *= self.alpha
            v += g * g * w
            if self.centered:
                if w < 0.5:  # c <- c + w (g - c), in torch.lerp's two forms
                    c += (g - c) * w
                else:
                    c[...] = g - (g - c) * (1 - w)
                d = np.sqrt(v - c * c) + self.eps
            else:
                d = np.sqrt(v) + self.eps
            if self.momentum > 0:
                b *= self.momentum
                b += g / d
                p -= b * self.lr
            else:
                p -= g / d * self.lr
'''

_NUMPY_ADAM = '''
class Adam:
    """{doc}

    Computed as the playground does, to its last bit: m and v are kept divided by
    (1 - beta1) and (1 - beta2), so m <- beta1 m + g, and every constant goes into
    one denominator."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8, amsgrad=False):
        self.lr, self.betas, self.eps, self.amsgrad = lr, betas, eps, amsgrad
        self.exp_avg = [np.zeros_like(p) for p in params]  # m / (1 - beta1)
        self.exp_avg_sq = [np.zeros_like(p) for p in params]  # v / (1 - beta2)
        self.max_exp_avg_sq = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, params, grads):
        self.t += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1**self.t)
        scale = step_size * (1 - beta1)
        c = math.sqrt((1 - beta2) / (1 - beta2**self.t)) / scale
        for p, g, m, v, v_max in zip(params, grads, self.exp_avg, self.exp_avg_sq,
                                     self.max_exp_avg_sq):
            m *= beta1
            m += g
            v *= beta2
            v += g * g
            if self.amsgrad:
                np.maximum(v_max, v, out=v_max)
                v = v_max
            p -= m / (np.sqrt(v) * c + self.eps / scale)
'''

_NUMPY_RPROP = '''
class Rprop:
    """{doc}"""

    def __init__(self, params, lr, etas=(0.5, 1.2), step_sizes=(1e-6, 50.0)):
        self.etas, self.step_sizes = etas, step_sizes
        self.prev = [np.zeros_like(p) for p in params]
        self.step_size = [np.full_like(p, lr) for p in params]

    def step(self, params, grads):
        eta_minus, eta_plus = self.etas
        step_min, step_max = self.step_sizes
        for i, (p, g) in enumerate(zip(params, grads)):
            s = np.sign(g * self.prev[i])
            factor = np.where(s > 0, eta_plus, np.where(s < 0, eta_minus, 1.0))
            self.step_size[i] = np.clip(self.step_size[i] * factor, step_min, step_max)
            g = np.where(s < 0, 0.0, g)  # after a sign change, skip this step
            p -= np.sign(g) * self.step_size[i]
            self.prev[i] = g
'''


# -- Keras: notes where its rules differ, and the classes it lacks.

ADAM_NOTE = (
    "Keras adds epsilon to √v before the bias correction √(1 - beta_2^t), torch after "
    "it: in torch's terms Keras's epsilon is epsilon / √(1 - beta_2^t), larger in the "
    "first steps (32x at beta_2 = 0.999), the same later. The two agree wherever √v is "
    "well above epsilon: measured, the losses match the playground's to ~1e-5 in the "
    "first epochs and ~1e-8 after 200 on XOR; where a run amplifies small differences "
    "(a plateau, many classes) up to ~1e-3 (docs/EXPORT.md)."
)
ROOT_NOTE = (
    "Keras adds epsilon inside the square root, √(v + epsilon), torch outside, √v + "
    "eps: epsilon = eps² keeps the two denominators within eps of each other, which "
    "matters only where √v nears eps. Measured, the losses match the playground's to "
    "~1e-6 over 200 epochs of XOR, ~5e-3 on a 4-class run, and drift to ~1e-3 as a run "
    "converges and its gradients shrink toward eps (docs/EXPORT.md)."
)

TORCH_SGD = '''
class TorchSGD(keras.optimizers.Optimizer):
    """{doc}

    Keras's SGD has no dampening; this is torch's rule as a Keras optimizer."""

    def __init__(self, learning_rate, momentum, dampening, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum, self.dampening, self.nesterov = momentum, dampening, nesterov

    def build(self, variables):
        super().build(variables)
        self.buf = [self.add_variable_from_reference(v, "buf") for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        buf = self.buf[self._get_variable_index(variable)]
        first = keras.ops.equal(self.iterations, 0)  # b <- g at the first step
        self.assign(buf, keras.ops.where(
            first, gradient, buf * self.momentum + gradient * (1 - self.dampening)))
        d = buf * self.momentum + gradient if self.nesterov else buf
        self.assign_sub(variable, d * keras.ops.cast(learning_rate, variable.dtype))
'''

RPROP = '''
class Rprop(keras.optimizers.Optimizer):
    """{doc}

    Keras has no Rprop; this is torch's rule as a Keras optimizer."""

    def __init__(self, learning_rate, etas=(0.5, 1.2), step_sizes=(1e-6, 50.0), **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_step, self.etas, self.step_sizes = learning_rate, etas, step_sizes

    def build(self, variables):
        super().build(variables)
        self.prev = [self.add_variable_from_reference(v, "prev") for v in variables]
        start = keras.initializers.Constant(self.initial_step)
        self.step_size = [self.add_variable_from_reference(v, "step_size", start)
                          for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        eta_minus, eta_plus = self.etas
        s = keras.ops.sign(gradient * self.prev[i])
        ones = keras.ops.ones_like(gradient)
        factor = keras.ops.where(s > 0, ones * eta_plus,
                                 keras.ops.where(s < 0, ones * eta_minus, ones))
        self.assign(self.step_size[i],
                    keras.ops.clip(self.step_size[i] * factor, *self.step_sizes))
        gradient = keras.ops.where(s < 0, keras.ops.zeros_like(gradient), gradient)
        self.assign_sub(variable, keras.ops.sign(gradient) * self.step_size[i])
        self.assign(self.prev[i], gradient)
'''


def _torch_sgd(cfg: Config) -> bool:
    """Keras's SGD has no dampening, and keeps its velocity in units of the learning
    rate (v <- momentum v - lr g), which parts from torch's once the rate changes: with
    momentum and dampening, or momentum and a learning-rate schedule, torch's own rule."""
    return bool(cfg.momentum and (cfg.dampening or cfg.lr_schedule != "constant"))


def _keras_sgd(cfg: Config, hyper: dict[str, Any]) -> tuple[list[str], str]:
    lr = number(hyper["lr"])
    if _torch_sgd(cfg):
        return [], (
            f"TorchSGD(learning_rate={lr}, momentum={number(cfg.momentum)}, "
            f"dampening={number(cfg.dampening)}, nesterov={cfg.nesterov})"
        )
    return [], (
        f"keras.optimizers.SGD(learning_rate={lr}, momentum="
        f"{number(cfg.momentum)}, nesterov={cfg.nesterov})"
    )


def _keras_adam(cfg: Config, hyper: dict[str, Any]) -> tuple[list[str], str]:
    b1, b2 = hyper["betas"]
    return comment_lines(ADAM_NOTE), (
        f"keras.optimizers.Adam(learning_rate={number(hyper['lr'])}, beta_1={number(b1)}, "
        f"beta_2={number(b2)}, epsilon={number(cfg.eps)}, amsgrad={cfg.amsgrad})"
    )


def _keras_rmsprop(cfg: Config, hyper: dict[str, Any]) -> tuple[list[str], str]:
    return comment_lines(ROOT_NOTE), (
        f"keras.optimizers.RMSprop(learning_rate={number(hyper['lr'])}, "
        f"rho={number(cfg.alpha)}, momentum={number(cfg.momentum)}, "
        f"epsilon={number(cfg.eps)} ** 2, centered={cfg.centered})"
    )


def _keras_adagrad(cfg: Config, hyper: dict[str, Any]) -> tuple[list[str], str]:
    lr = number(hyper["lr"])
    comments = comment_lines(ROOT_NOTE)
    rate = lr
    if cfg.lr_decay:
        comments += comment_lines(
            "torch's lr_decay: lr / (1 + (t - 1) lr_decay) at step t, Keras's "
            "InverseTimeDecay counting steps from 0."
        )
        rate = (
            f"keras.optimizers.schedules.InverseTimeDecay({lr}, decay_steps=1, "
            f"decay_rate={number(cfg.lr_decay)})"
        )
    return comments, (
        f"keras.optimizers.Adagrad(learning_rate={rate}, "
        f"initial_accumulator_value={number(cfg.initial_accumulator_value)}"
        f", epsilon={number(cfg.eps)} ** 2)"
    )


def _keras_rprop(cfg: Config, hyper: dict[str, Any]) -> tuple[list[str], str]:
    etas, sizes = hyper["etas"], hyper["step_sizes"]
    return [], (
        f"Rprop(learning_rate={number(hyper['lr'])}, etas={literal(etas)}, "
        f"step_sizes={literal(sizes)})"
    )


def _with_rule(source: str, name: str) -> str:
    return source.replace("{doc}", docstring(get_optimizer(name).rule))


FORMS: dict[str, OptimizerForms] = {
    "sgd": OptimizerForms(
        _NUMPY_SGD,
        torch_state=lambda cfg: ["momentum_buffer"] if cfg.momentum else [],
        keras=_keras_sgd,
        keras_state=lambda cfg: (
            {"momentum_buffer": ("buf", None)}
            if _torch_sgd(cfg)
            else {"momentum_buffer": ("momentums", "-lr")}
        ),
        keras_class=lambda cfg: _with_rule(TORCH_SGD, "sgd") if _torch_sgd(cfg) else "",
        torch_counts_steps=False,  # SGD counts no steps
    ),
    "adagrad": OptimizerForms(
        _NUMPY_ADAGRAD,
        torch_state=lambda cfg: ["sum"],
        keras=_keras_adagrad,
        keras_state=lambda cfg: {"sum": ("_accumulators", None)},
        numpy_counts_steps=True,
        numpy_starts_nonzero=("sum",),
    ),
    "rmsprop": OptimizerForms(
        _NUMPY_RMSPROP,
        torch_state=lambda cfg: (
            ["square_avg"]
            + (["momentum_buffer"] if cfg.momentum > 0 else [])
            + (["grad_avg"] if cfg.centered else [])
        ),
        keras=_keras_rmsprop,
        keras_state=lambda cfg: {
            "square_avg": ("_velocities", None),
            "momentum_buffer": ("_momentums", "lr"),
            "grad_avg": ("_average_gradients", None),
        },
    ),
    "adam": OptimizerForms(
        _NUMPY_ADAM,
        torch_state=lambda cfg: (
            ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if cfg.amsgrad else [])
        ),
        keras=_keras_adam,
        keras_state=lambda cfg: {
            "exp_avg": ("_momentums", None),
            "exp_avg_sq": ("_velocities", None),
            "max_exp_avg_sq": ("_velocity_hats", None),
        },
        numpy_counts_steps=True,
    ),
    "rprop": OptimizerForms(
        _NUMPY_RPROP,
        torch_state=lambda cfg: ["prev", "step_size"],
        keras=_keras_rprop,
        keras_state=lambda cfg: {"prev": ("prev", None), "step_size": ("step_size", None)},
        keras_class=lambda cfg: _with_rule(RPROP, "rprop"),
        numpy_starts_nonzero=("step_size",),
    ),
}
if set(FORMS) != set(OPTIMIZERS):  # pragma: no cover - an optimizer without its forms
    raise AssertionError(f"optimizers without export forms: {sorted(set(OPTIMIZERS) - set(FORMS))}")


def forms(name: str) -> OptimizerForms:
    """How the exported scripts write optimizer ``name``."""
    return FORMS[name]
