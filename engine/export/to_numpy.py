"""A run as a plain-NumPy script: forward, backward and the optimizer written out.

The script imports nothing but NumPy and gives the engine's weights bit for bit and
its losses to ~1e-14 (docs/EXPORT.md), because it makes the same floating-point
operations in the same order. That matters: an adaptive optimizer divides each
gradient by its own running size, so a difference in the last bit near a zero
gradient can grow to a different run within a few hundred epochs. Hence the layout
of ``engine/network.py`` (and of the seeds' own code): one column per point, each
layer's weights and biases in one array ``Wb`` ((inputs + 1) x units, biases in the
last row) that multiplies the layer's inputs with a row of ones below them, so that

    z = Wbᵀ [a; 1]          [dW; db] = [a; 1] dzᵀ          dz_below = (W dz) * f'(z_below)

are the very matrix products the engine makes; tanh switches to ``1 - 2 / (exp(2z) +
1)`` from 512 numbers on, as the engine's does; the loss's gradient is ``(a - y) *
(1 / n)``; every optimizer updates in the order of ``engine/optimizers.py`` (Adam with
its moments kept divided by ``1 - beta``).

Only what the run uses is written: its hidden activation, output and loss, its
optimizer, full batch or mini-batches, its regularisation. A run with one activation
per hidden layer gets a list of them, ``HIDDEN`` (f per layer) and ``SLOPES`` (f'),
that the forward and backward passes index by layer; a run with one activation writes
it inline, as before.
"""

from __future__ import annotations

import numpy as np

from ..activations import every_activation, script_forms
from ..losses import loss_scripts
from ..optimizers import get_optimizer
from .blocks import (
    FEATURES,
    docstring,
    generator_block,
    header,
    join_parts,
    json_main,
    report_block,
    what_labels,
    wrap_text,
)
from .optimizer_forms import forms
from .spec import RunSpec
from .text import WIDTH, items, literal, nested, number


def render(spec: RunSpec, filename: str) -> str:
    """The script's text."""
    cfg = spec.config
    parts = [
        header(spec, "numpy", filename, "only NumPy"),
        "import json\nimport math\nimport sys\n\nimport numpy as np\n",
        _data(spec),
        _weights(spec),
        _functions(spec),
        _loss_and_grads(spec),
        forms(cfg.optimizer).numpy_source(cfg.optimizer),
        _optimizer(spec),
        _train(spec),
        report_block(
            spec,
            "forward(params, X)[-1][1].T" if spec.classes else "forward(params, X)[-1][1][0]",
            "y[0]",
        ),
        json_main(),
    ]
    text = join_parts(parts)
    return text if cfg.optimizer == "adam" else text.replace("import math\n", "")


def _data(spec: RunSpec) -> str:
    cfg = spec.config
    n = len(spec.points)
    rows = ", ".join(FEATURES["numpy"][name] for name in cfg.features)
    lines = [
        f"# The {n} training points (x1, x2) and {what_labels(spec)}.",
        f"points = np.array({nested(spec.points)})",
        f"labels = np.array({nested(spec.labels)})",
        "",
        "# One column per point (the seeds' own layout): the inputs X, made from the points",
        f"# ({', '.join(cfg.features)}), with a last row of ones that multiplies the biases.",
        f"X = np.vstack([{rows}, np.ones(len(points))])",
    ]
    if spec.task == "regression":
        lines.append("y = labels[np.newaxis, :]  # the targets, one row")
    elif spec.classes:
        lines.append(
            f"y = (np.arange({spec.classes})[:, np.newaxis] == labels).astype(float)"
            f"  # one-hot: a row per class"
        )
    elif cfg.output == "tanh":
        lines.append("y = 2.0 * labels[np.newaxis, :] - 1  # a tanh output's targets: -1, +1")
    else:
        lines.append("y = labels[np.newaxis, :].astype(float)  # a sigmoid output's targets")
    if cfg.dtype == "float32":
        lines.append("X, y = X.astype(np.float32), y.astype(np.float32)  # the run's float32")
    return "\n".join(lines) + "\n"


def _block_literal(block: np.ndarray, names: list[str]) -> list[str]:
    """A layer's [W; b] as a literal: one row per input and the biases, each named."""
    rows = ["[" + ", ".join(items(row)) + "]," for row in block]
    width = max(len(r) for r in rows)
    if 4 + width + 4 + max(len(n) for n in names) <= WIDTH:
        return [f"    {row:<{width}}  # {name}" for row, name in zip(rows, names, strict=True)]
    return [
        f"    # {name}\n    {nested(row, '    ')}," for row, name in zip(block, names, strict=True)
    ]


def _weights(spec: RunSpec) -> str:
    where = (
        "the playground drew them"
        if spec.reason == "start"
        else f"the run had them at epoch {spec.start_epoch}"
    )
    lines = [
        "# " + line
        for line in wrap_text(
            "Each layer's weights and biases in one array Wb, (inputs + 1) x units: row i "
            f"holds the weights from input i, the last row the biases. As {where}, embedded, "
            "so that no random generator needs to agree.",
            WIDTH - 2,
        )
    ]
    inputs = list(spec.config.features)
    names = []
    for layer, block in enumerate(spec.blocks()):
        name = f"Wb{layer + 1}"
        lines.append(f"{name} = np.array([")
        row_names = [f"from {x}" for x in inputs] + ["biases"]
        lines += _block_literal(block, row_names)
        lines.append("])")
        names.append(name)
        inputs = [f"hidden unit {layer + 1}.{j + 1}" for j in range(block.shape[1])]
    lines.append(f"params = [{', '.join(names)}]")
    if spec.config.dtype == "float32":
        lines.append("params = [p.astype(np.float32) for p in params]")
    return "\n".join(lines) + "\n"


def _per_layer(spec: RunSpec) -> str:
    """``HIDDEN`` and ``SLOPES``: each hidden layer's f(z) and f'(z) (given a = f(z)), for
    a run with one activation per hidden layer."""
    names = spec.config.activations()
    lines = ["# Each hidden layer's activation f(z), inputs first, and its slope f'(z), a = f(z)."]
    lines.append("HIDDEN = [")
    lines += [
        f"    lambda z: {script_forms(name).numpy},  # layer {i + 1}: {name}"
        for i, name in enumerate(names)
    ]
    lines += ["]", "SLOPES = ["]
    lines += [
        f"    lambda z, a: {script_forms(name).numpy_derivative or '1.0'},  # {name}'(z)"
        for name in names
    ]
    return "\n".join([*lines, "]"]) + "\n"


def _functions(spec: RunSpec) -> str:
    cfg = spec.config
    # The helper functions (tanh, sigmoid, softmax) the activations' expressions call.
    needed = set()
    for name in (*cfg.activations(), cfg.output):
        needed |= {name, *script_forms(name).numpy_uses}
    blocks = [
        act.scripts.numpy_def
        for act in every_activation()
        if act.name in needed and act.scripts and act.scripts.numpy_def
    ]
    one = isinstance(cfg.activation, str)
    hidden = script_forms(cfg.activation).numpy if one else "HIDDEN[i](z)"
    output = script_forms(cfg.output).numpy
    where = f"{cfg.activation} in the hidden layers" if one else "HIDDEN's in the hidden layers"
    if not one:
        blocks.append(_per_layer(spec))
    blocks.append(f'''
def forward(params, X):
    """Each layer's pre-activation z = Wbᵀ [a; 1] and output a = f(z), one column per
    point: {where}, which get a row of ones below them for
    the next layer's biases, and {cfg.output} at the output."""
    layers = []
    a = X
    for i, Wb in enumerate(params):
        z = Wb.T @ a
        if i + 1 < len(params):
            a = np.vstack([{hidden}, np.ones((1, z.shape[1]))])
        else:
            a = {output}
        layers.append((z, a))
    return layers
''')
    return join_parts(blocks)


def _loss_and_grads(spec: RunSpec) -> str:
    cfg = spec.config
    l1, l2 = spec.penalty
    constant = ""
    if l1:
        constant = f"L1 = {number(l1)}  # regularisation: + L1 Σ|W| over the weights, not biases"
    if l2:
        constant = f"L2 = {number(l2)}  # regularisation: + L2 ½ ΣW² over the weights, not biases"
    forms = loss_scripts(cfg.loss)
    doc = forms.numpy_doc
    body = ["layers = forward(params, X)", "z, a = layers[-1]", "n = X.shape[1]", *forms.numpy]
    derivative = None if forms.logits_of else script_forms(cfg.output).numpy_derivative
    body.append(
        f"dz = {forms.numpy_grad}  # {forms.numpy_grad_note}"
        if derivative is None
        else f"dz = ({derivative}) * ({forms.numpy_grad})  # {forms.numpy_grad_note}"
    )
    if l1:
        body.insert(-1, "loss += L1 * sum(np.abs(Wb[:-1]).sum() for Wb in params)")
    if l2:
        body.insert(-1, "loss += 0.5 * L2 * sum((Wb[:-1] * Wb[:-1]).sum() for Wb in params)")
    body += [
        "grads = [None] * len(params)",
        "for i in range(len(params) - 1, -1, -1):",
        "    a_below = layers[i - 1][1] if i > 0 else X  # with its row of ones",
        "    grads[i] = a_below @ dz.T  # [dW; db]: the row of ones sums dz for db",
        "    if i > 0:",
    ]
    one = isinstance(cfg.activation, str)
    derivative = script_forms(cfg.activation).numpy_derivative if one else None
    if not one:
        body += [
            "        z, a = layers[i - 1]",
            "        dz = (params[i][:-1] @ dz) * SLOPES[i - 1](z, a[:-1])  # layer i's f'(z)",
        ]
    elif derivative is None:
        body.append("        dz = params[i][:-1] @ dz")
    else:
        body += [
            "        z, a = layers[i - 1]",
            "        a = a[:-1]",
            f"        dz = (params[i][:-1] @ dz) * ({derivative})  # {cfg.activation}'(z)",
        ]
    if l1:
        body += ["for Wb, g in zip(params, grads):", "    g[:-1] += L1 * np.sign(Wb[:-1])"]
    if l2:
        body += ["for Wb, g in zip(params, grads):", "    g[:-1] += L2 * Wb[:-1]"]
    body.append("return loss, grads")
    what = " plus the regularisation" if (l1 or l2) else ""
    function = (
        f"def loss_and_grads(params, X, y):\n"
        f'    """{docstring(f"The {doc}{what}, and its gradient for every Wb.")}"""\n'
        + "\n".join("    " + line for line in body)
        + "\n"
    )
    return f"{constant}\n\n\n{function}" if constant else function


def _optimizer(spec: RunSpec) -> str:
    cfg = spec.config
    args = ", ".join(f"{key}={literal(value)}" for key, value in spec.hyper.items())
    lines = [f"optimizer = {get_optimizer(cfg.optimizer).__name__}(params, {args})"]
    if spec.optimizer_state is None:
        return "\n".join(lines) + "\n"
    t, own, _ = spec.optimizer_state
    lines.append(
        f"# Its state at epoch {spec.start_epoch}, where this script starts ({t} updates made):"
    )
    if forms(cfg.optimizer).numpy_counts_steps:
        lines.append(f"optimizer.t = {t}")
    for key, flat in own.items():
        if flat is None or not (key in forms(cfg.optimizer).numpy_starts_nonzero or flat.any()):
            continue  # not made yet, or the zeros the class starts with
        lines.append(f"optimizer.{key} = [")
        for block in spec.blocks(flat):
            lines.append(f"    np.array({nested(block, '    ')}),")
        lines.append("]")
    return "\n".join(lines) + "\n"


def _train(spec: RunSpec) -> str:
    lines = [f"START, END = {spec.start_epoch}, {spec.end_epoch}  # epochs"]
    if spec.full_batch:
        lines.append('''

def train():
    """Full batch, one update per epoch. The loss of an epoch is that of the pass whose
    gradient makes its update (the weights after `epoch` epochs), as the playground
    records it; the last one is the trained network's."""
    epochs, losses = [], []
    for epoch in range(START, END):
        loss, grads = loss_and_grads(params, X, y)
        epochs.append(epoch)
        losses.append(float(loss))
        optimizer.step(params, grads)
    epochs.append(END)
    losses.append(float(loss_and_grads(params, X, y)[0]))
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
    epochs, losses = [START], [float(loss_and_grads(params, X, y)[0])]
    for epoch in range(START, END):
        order = rng.permutation(X.shape[1])
        for first in range(0, len(order), BATCH_SIZE):
            batch = order[first : first + BATCH_SIZE]
            _, grads = loss_and_grads(params, X[:, batch], y[:, batch])
            optimizer.step(params, grads)
        epochs.append(epoch + 1)
        losses.append(float(loss_and_grads(params, X, y)[0]))
    return epochs, losses
''',
        ]
    return "\n".join(lines)
