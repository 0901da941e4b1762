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
optimizer, full batch or mini-batches, its regularisation.
"""

from __future__ import annotations

from ..activations import every_activation, script_forms
from ..losses import loss_scripts
from ..optimizers import get_optimizer
from .blocks import (
    docstring,
    generator_block,
    header,
    join_parts,
    json_main,
    report_block,
    what_labels,
    wrap_text,
)
from .spec import RunSpec
from .text import WIDTH, items, literal, nested, number

OPTIMIZERS = {
    "sgd": '''
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
''',
    "adagrad": '''
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
''',
    "rmsprop": '''
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
''',
    "adam": '''
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
''',
    "rprop": '''
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
''',
}
COUNTS_STEPS = ("adagrad", "adam")  # the classes that keep t
# Buffers that start non-zero in the classes above: embedded even when all zero.
STARTS_NONZERO = {("adagrad", "sum"), ("rprop", "step_size")}
FEATURES = {
    "x1": "points[:, 0]",
    "x2": "points[:, 1]",
    "x1sq": "points[:, 0] ** 2",
    "x2sq": "points[:, 1] ** 2",
    "x1x2": "points[:, 0] * points[:, 1]",
    "sinx1": "np.sin(points[:, 0])",
    "sinx2": "np.sin(points[:, 1])",
}


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
        OPTIMIZERS[cfg.optimizer].replace("{doc}", docstring(get_optimizer(cfg.optimizer).rule)),
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
    rows = ", ".join(FEATURES[name] for name in cfg.features)
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


def _block_literal(block, names: list[str]) -> list[str]:
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


def _functions(spec: RunSpec) -> str:
    cfg = spec.config
    # The helper functions (tanh, sigmoid, softmax) the two activations' expressions call.
    needed = set()
    for name in (cfg.activation, cfg.output):
        needed |= {name, *script_forms(name).numpy_uses}
    blocks = [
        act.scripts.numpy_def
        for act in every_activation()
        if act.name in needed and act.scripts and act.scripts.numpy_def
    ]
    hidden, output = script_forms(cfg.activation).numpy, script_forms(cfg.output).numpy
    blocks.append(f'''
def forward(params, X):
    """Each layer's pre-activation z = Wbᵀ [a; 1] and output a = f(z), one column per
    point: {cfg.activation} in the hidden layers, which get a row of ones below them for
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
    derivative = script_forms(cfg.activation).numpy_derivative
    if derivative is None:
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
    if cfg.optimizer in COUNTS_STEPS:
        lines.append(f"optimizer.t = {t}")
    for key, flat in own.items():
        if flat is None or not ((cfg.optimizer, key) in STARTS_NONZERO or flat.any()):
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
