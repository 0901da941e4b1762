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
from .blocks import (
    comment_lines,
    data_block,
    generator_block,
    header,
    join_parts,
    json_main,
    report_block,
)
from .optimizer_forms import forms
from .spec import Buffers, RunSpec
from .text import WIDTH, nested, number


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
        forms(spec.config.optimizer).keras_class(spec.config),
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
        line = "\n".join(comment_lines(FLOAT64_NOTE)) + "\n" + line
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
    names = cfg.activations()  # each hidden layer's own
    for layer, units in enumerate(spec.sizes[1:]):
        last = layer == spec.n_layers - 1
        if last:
            activation = None if logits_of else script_forms(cfg.output).keras
        else:
            activation = script_forms(names[layer]).keras
        args = [str(units)]
        if activation:
            args.append(f"activation={activation}")
        if regularizer:
            args.append("kernel_regularizer=penalty")
        line = f"    keras.layers.Dense({', '.join(args)}),"
        if last and logits_of:
            line += f"  # logits: the loss applies the {logits_of}"
        lines.append(line)
        layer_after = None if last else script_forms(names[layer]).keras_layer
        if not last and layer_after:
            lines.append(f"    {layer_after},")
        if not last and not isinstance(cfg.activation, str):
            lines[-1] += f"  # layer {layer + 1}: {names[layer]}"
    lines.append("])")
    for note in dict.fromkeys(script_forms(name).keras_note for name in names):
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


def _call(prefix: str, call: str) -> str:
    """``prefix + call``, its arguments on their own line when it is too long."""
    if len(prefix) + len(call) <= WIDTH:
        return prefix + call
    head, _, args = call.partition("(")
    return f"{prefix}{head}(\n    {args[:-1]}\n)"


def _optimizer(spec: RunSpec) -> str:
    comments, call = forms(spec.config.optimizer).keras(spec.config, spec.hyper)
    lines = [
        *comments,
        _call("optimizer = ", call),
        "model.compile(optimizer=optimizer, loss=loss_fn)",
    ]
    if spec.optimizer_state is not None:
        lines += _state(spec, spec.optimizer_state)
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


def _state(spec: RunSpec, state: tuple[int, Buffers, Buffers]) -> list[str]:
    cfg = spec.config
    t, _, torch_state = state
    names = forms(cfg.optimizer).keras_state(cfg)
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
