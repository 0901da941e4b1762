"""A run as a Keras 3 script: ``keras.Sequential``, ``keras.optimizers``, ``train_on_batch``.

Keras's optimizers are not torch's in every detail, and the engine's are torch's. Where
they differ the script says so, beside the optimizer, and how close the numbers come:

* Adam adds epsilon to √v before the bias correction √(1 - beta_2^t), torch after it;
* RMSprop and Adagrad add epsilon inside the square root, √(v + epsilon); the script
  passes eps² so that the denominators stay within eps of torch's √v + eps;
* Keras computes float64 only on its TensorFlow backend (elsewhere its type promotion
  makes float32 of it);
* Adagrad has no lr_decay: a ``keras.optimizers.schedules.InverseTimeDecay`` gives
  torch's lr / (1 + (t - 1) lr_decay);
* SGD has no dampening, and Keras has no Rprop: the script then defines the optimizer,
  as a ``keras.optimizers.Optimizer`` subclass (Keras's documented recipe), with
  torch's rule.

Any Keras 3 backend runs it; the measured agreement is in docs/EXPORT.md.
"""

from __future__ import annotations

from ..activations import script_forms
from ..losses import loss_scripts
from ..optimizers import get_optimizer
from .blocks import (
    data_block,
    docstring,
    generator_block,
    header,
    join_parts,
    json_main,
    report_block,
    wrap_text,
)
from .spec import RunSpec
from .text import WIDTH, literal, nested, number

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


def _wrapped_comment(text: str) -> list[str]:
    return ["# " + line for line in wrap_text(text, WIDTH - 2)]


def render(spec: RunSpec, filename: str) -> str:
    """The script's text."""
    cfg = spec.config
    outputs = loss_scripts(cfg.loss).keras_outputs
    parts = [
        header(spec, "keras", filename, "Keras 3 (any backend) and NumPy"),
        "import json\nimport sys\n\nimport keras\nimport numpy as np\n",
        _floatx(spec),
        data_block(spec, "keras"),
        _model(spec),
        _custom_optimizer(spec),
        _optimizer(spec),
        _train(spec),
        report_block(spec, outputs, "y[:, 0]"),
        json_main(),
    ]
    return join_parts(parts)


FLOAT64_NOTE = (
    "Keras computes in float64 only on its TensorFlow backend: on JAX and PyTorch its "
    "type promotion (keras.backend.result_type) turns float64 into float32, and the "
    "numbers then agree with the playground's to float32's ~1e-7 only."
)


def _floatx(spec: RunSpec) -> str:
    dtype = spec.config.dtype
    line = f'keras.config.set_floatx("{dtype}")  # the run computed in {dtype}'
    if dtype == "float64":
        line = "\n".join(_wrapped_comment(FLOAT64_NOTE)) + "\n" + line
    return line


def _model(spec: RunSpec) -> str:
    cfg = spec.config
    l1, l2 = spec.penalty
    regularizer = ""
    if l1:
        regularizer = f"keras.regularizers.L1({number(l1)})"
    elif l2:
        regularizer = f"keras.regularizers.L2({number(0.5 * l2)})"
    lines = []
    if regularizer:
        what = "L1 Σ|W|" if l1 else "(L2 / 2) ΣW²: Keras's L2 has no ½"
        lines.append(f"penalty = {regularizer}  # + {what}, on the weights, not the biases")
    lines += ["model = keras.Sequential([", f"    keras.Input(shape=({spec.sizes[0]},)),"]
    logits_of = loss_scripts(cfg.loss).logits_of  # given the logits (from_logits=True)
    for layer, units in enumerate(spec.sizes[1:]):
        last = layer == spec.n_layers - 1
        if last:
            activation = None if logits_of else script_forms(cfg.output).keras
        else:
            activation = script_forms(cfg.activation).keras
        args = [str(units)]
        if activation:
            args.append(f"activation={activation}")
        if regularizer:
            args.append("kernel_regularizer=penalty")
        line = f"    keras.layers.Dense({', '.join(args)}),"
        if last and logits_of:
            line += f"  # logits: the loss applies the {logits_of}"
        lines.append(line)
        layer_after = script_forms(cfg.activation).keras_layer
        if not last and layer_after:
            lines.append(f"    {layer_after},")
    lines.append("])")
    note = script_forms(cfg.activation).keras_note
    if note:
        lines.append(note)
    lines.append(
        "dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]"
    )
    where = (
        "the playground drew them"
        if spec.reason == "start"
        else f"the run had them at epoch {spec.start_epoch}"
    )
    lines += [
        "",
        f"# Each layer's weights (inputs x units) and biases, as {where}:",
        "# embedded, so that no random generator needs to agree.",
    ]
    params = spec.params()
    for layer in range(spec.n_layers):
        W, b = params[2 * layer], params[2 * layer + 1]
        lines.append(f"dense[{layer}].set_weights([")
        lines.append(f"    np.array({nested(W, '    ', start=13, end=2)}),")
        lines.append(f"    np.array({nested(b, '    ', start=13, end=2)}),")
        lines.append("])")
    lines += ["", f"loss_fn = {loss_scripts(cfg.loss).keras}"]
    return "\n".join(lines) + "\n"


def _custom_optimizer(spec: RunSpec) -> str:
    cfg = spec.config
    if cfg.optimizer == "rprop":
        return RPROP.replace("{doc}", docstring(get_optimizer("rprop").rule))
    if cfg.optimizer == "sgd" and cfg.dampening and cfg.momentum:
        return TORCH_SGD.replace("{doc}", docstring(get_optimizer("sgd").rule))
    return ""


def _constructor(spec: RunSpec) -> tuple[list[str], str]:
    """Comment lines, and the optimizer's constructor call."""
    cfg = spec.config
    hyper = spec.hyper
    lr = number(hyper["lr"])
    name = cfg.optimizer
    if name == "sgd":
        if cfg.dampening and cfg.momentum:
            return [], (
                f"TorchSGD(learning_rate={lr}, momentum={number(cfg.momentum)}, "
                f"dampening={number(cfg.dampening)}, nesterov={cfg.nesterov})"
            )
        return [], (
            f"keras.optimizers.SGD(learning_rate={lr}, momentum="
            f"{number(cfg.momentum)}, nesterov={cfg.nesterov})"
        )
    if name == "adam":
        b1, b2 = hyper["betas"]
        return _wrapped_comment(ADAM_NOTE), (
            f"keras.optimizers.Adam(learning_rate={lr}, beta_1={number(b1)}, "
            f"beta_2={number(b2)}, epsilon={number(cfg.eps)}, amsgrad={cfg.amsgrad})"
        )
    if name == "rmsprop":
        return _wrapped_comment(ROOT_NOTE), (
            f"keras.optimizers.RMSprop(learning_rate={lr}, rho={number(cfg.alpha)}, "
            f"momentum={number(cfg.momentum)}, epsilon={number(cfg.eps)} ** 2, "
            f"centered={cfg.centered})"
        )
    if name == "adagrad":
        comments = _wrapped_comment(ROOT_NOTE)
        rate = lr
        if cfg.lr_decay:
            comments += _wrapped_comment(
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
    etas, sizes = hyper["etas"], hyper["step_sizes"]
    return [], f"Rprop(learning_rate={lr}, etas={literal(etas)}, step_sizes={literal(sizes)})"


def _call(prefix: str, call: str) -> str:
    """``prefix + call``, its arguments on their own line when it is too long."""
    if len(prefix) + len(call) <= WIDTH:
        return prefix + call
    head, _, args = call.partition("(")
    return f"{prefix}{head}(\n    {args[:-1]}\n)"


# Where Keras keeps each torch buffer after build(): the optimizer's list, and the
# factor from torch's value to Keras's (its momentum accumulates lr-scaled steps).
KERAS_STATE = {
    "sgd": {"momentum_buffer": ("momentums", "-lr")},
    "adagrad": {"sum": ("_accumulators", None)},
    "rmsprop": {
        "square_avg": ("_velocities", None),
        "momentum_buffer": ("_momentums", "lr"),
        "grad_avg": ("_average_gradients", None),
    },
    "adam": {
        "exp_avg": ("_momentums", None),
        "exp_avg_sq": ("_velocities", None),
        "max_exp_avg_sq": ("_velocity_hats", None),
    },
    "rprop": {"prev": ("prev", None), "step_size": ("step_size", None)},
}


def _optimizer(spec: RunSpec) -> str:
    comments, call = _constructor(spec)
    lines = [
        *comments,
        _call("optimizer = ", call),
        "model.compile(optimizer=optimizer, loss=loss_fn)",
    ]
    if spec.optimizer_state is not None:
        lines += _state(spec)
    lines += [
        "",
        "",
        "def training_loss():",
        '    """The loss on the whole training set, the penalty on the weights '
        '(model.losses)\n    included."""',
        "    loss = loss_fn(y, model(X)) + sum(model.losses)",
        "    return float(keras.ops.convert_to_numpy(loss))",
    ]
    return "\n".join(lines) + "\n"


def _state(spec: RunSpec) -> list[str]:
    cfg = spec.config
    t, _, torch_state = spec.optimizer_state
    names = KERAS_STATE[cfg.optimizer]
    if cfg.optimizer == "sgd" and cfg.dampening and cfg.momentum:
        names = {"momentum_buffer": ("buf", None)}
    wanted = {
        "momentum_buffer": cfg.momentum > 0,
        "grad_avg": cfg.centered,
        "max_exp_avg_sq": cfg.amsgrad,
    }
    lines = [
        f"# Its state at epoch {spec.start_epoch}, where this script starts ({t} "
        f"updates made), per",
        "# variable in model.trainable_variables order (Keras "
        "keeps it in these lists after build):",
        "optimizer.build(model.trainable_variables)",
        f"optimizer.iterations.assign({t})",
    ]
    for key, (attribute, factor) in names.items():
        value = torch_state.get(key)
        if value is None or not wanted.get(key, True):
            continue
        scale = {None: "", "lr": f"{number(cfg.lr)} * ", "-lr": f"-{number(cfg.lr)} * "}[factor]
        lines.append(f"for variable, value in zip(optimizer.{attribute}, [")
        for array in spec.params(value):
            lines.append(f"    np.array({nested(array, '    ', start=13, end=2)}),")
        lines.append("]):")
        lines.append(f"    variable.assign({scale}value)")
    return lines


def _train(spec: RunSpec) -> str:
    lines = [f"START, END = {spec.start_epoch}, {spec.end_epoch}  # epochs"]
    if spec.full_batch:
        lines.append('''

def train():
    """Full batch, one update per epoch. The loss of an epoch is that of the weights
    after `epoch` epochs, whose gradient makes its update, as the playground records
    it; the last one is the trained network's."""
    epochs, losses = [], []
    for epoch in range(START, END):
        epochs.append(epoch)
        losses.append(training_loss())
        model.train_on_batch(X, y)
    epochs.append(END)
    losses.append(training_loss())
    return epochs, losses
''')
    else:
        lines += [
            f"BATCH_SIZE = {spec.batch_size}",
            "",
            generator_block(spec),
            '''
def train():
    """Mini-batches: every epoch a fresh order of the training points, cut into
    batches of BATCH_SIZE (the last may be smaller), one update each. The loss of an
    epoch is the whole training set's after it, as the playground records it."""
    epochs, losses = [START], [training_loss()]
    for epoch in range(START, END):
        order = rng.permutation(len(X))
        for first in range(0, len(order), BATCH_SIZE):
            batch = order[first : first + BATCH_SIZE]
            model.train_on_batch(X[batch], y[batch])
        epochs.append(epoch + 1)
        losses.append(training_loss())
    return epochs, losses
''',
        ]
    return "\n".join(lines)
