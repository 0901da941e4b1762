"""A run as a PyTorch script: ``nn.Sequential``, ``torch.optim``, ``torch.nn.functional``.

The engine's optimizers follow ``torch.optim``'s rules and names, so the script is
ordinary PyTorch: the optimizer built with the run's hyper-parameters, the loss
``F.binary_cross_entropy_with_logits`` (or ``F.mse_loss``) plus the run's penalty on
the weights, the initial weights copied into each ``nn.Linear`` (which keeps them as
units x inputs, the engine's W transposed). PyTorch's kernels sum in their own order,
so the losses agree to ~1e-12 rather than bit for bit (docs/EXPORT.md).
"""

from __future__ import annotations

from ..activations import script_forms
from ..losses import loss_scripts
from ..optimizers import get_optimizer
from .blocks import (
    data_block,
    generator_block,
    header,
    join_parts,
    json_main,
    report_block,
)
from .optimizer_forms import forms
from .spec import RunSpec
from .text import WIDTH, literal, nested, number


def render(spec: RunSpec, filename: str) -> str:
    """The script's text."""
    cfg = spec.config
    dtype = "torch.float32" if cfg.dtype == "float32" else "torch.float64"
    outputs = loss_scripts(cfg.loss).torch_outputs
    parts = [
        header(
            spec,
            "torch",
            filename,
            "PyTorch and NumPy (for the mini-batch order)"
            if not spec.full_batch
            else "PyTorch (and NumPy for the report)",
        ),
        "import json\nimport sys\n\nimport numpy as np\nimport torch\n"
        "import torch.nn.functional as F\nfrom torch import nn\n",
        f"torch.set_default_dtype({dtype})  # the run computed in {cfg.dtype}",
        data_block(spec, "torch"),
        _model(spec),
        _weights(spec),
        _loss(spec),
        _optimizer(spec),
        _train(spec),
        report_block(spec, outputs, "y[:, 0].numpy()"),
        json_main(),
    ]
    return join_parts(parts)


def linear_indices(spec: RunSpec) -> list[int]:
    """Where each nn.Linear sits in the Sequential: after each hidden layer's
    activation module, if it has one (the identity has none)."""
    indices, index = [], 0
    for name in spec.config.activations():
        indices.append(index)
        index += 1 if script_forms(name).torch is None else 2
    return [*indices, index]


def _model(spec: RunSpec) -> str:
    cfg = spec.config
    names = cfg.activations()
    lines = ["model = nn.Sequential("]
    for layer, (fan_in, fan_out) in enumerate(zip(spec.sizes[:-1], spec.sizes[1:], strict=True)):
        lines.append(f"    nn.Linear({fan_in}, {fan_out}),")
        last = layer == spec.n_layers - 1
        module = script_forms(cfg.output if last else names[layer]).torch
        logits_of = loss_scripts(cfg.loss).logits_of
        if last and logits_of:
            lines[-1] += f"  # logits: the loss applies the {logits_of}"
        elif module:
            # one activation per hidden layer: say whose
            own = "" if last or isinstance(cfg.activation, str) else f"  # layer {layer + 1}"
            lines.append(f"    {module},{own}")
        elif not last and not isinstance(cfg.activation, str):
            lines[-1] += f"  # layer {layer + 1}: {names[layer]}, the identity"
    lines.append(")")
    for note in dict.fromkeys(script_forms(name).torch_note for name in names):
        if note:
            lines.append(note)
    return "\n".join(lines) + "\n"


def _weights(spec: RunSpec) -> str:
    where = (
        "the playground drew them"
        if spec.reason == "start"
        else f"the run had them at epoch {spec.start_epoch}"
    )
    lines = [
        "# Each layer's weights (units x inputs, as nn.Linear keeps them) and biases, as",
        f"# {where}: embedded, so that no random generator needs to agree.",
        "with torch.no_grad():",
    ]
    params = spec.params()
    for layer, index in enumerate(linear_indices(spec)):
        for kind, value in (("weight", params[2 * layer].T), ("bias", params[2 * layer + 1])):
            prefix = f"    model[{index}].{kind}.copy_(torch.tensor("
            lines.append(prefix + nested(value, "    ", start=len(prefix), end=2) + "))")
    return "\n".join(lines) + "\n"


def _loss(spec: RunSpec) -> str:
    cfg = spec.config
    l1, l2 = spec.penalty
    forms = loss_scripts(cfg.loss)
    doc, value = forms.torch_doc, forms.torch
    if not (l1 or l2):
        return f'''
def loss_fn(X, y):
    """{doc}."""
    return {value}
'''
    rate, term, name = (
        (number(l1), "layer.weight.abs().sum()", "L1")
        if l1
        else (number(l2), "(layer.weight ** 2).sum()", "L2")
    )
    scale = f"{name}" if l1 else f"0.5 * {name}"
    what = "L1 Σ|W|" if l1 else "L2 ½ ΣW²"
    return f'''{name} = {rate}  # regularisation: + {what} over the weights, not the biases
linears = [module for module in model if isinstance(module, nn.Linear)]


def loss_fn(X, y):
    """{doc}, plus the penalty on the weights."""
    penalty = {scale} * sum({term} for layer in linears)
    return {value} + penalty
'''


def _optimizer(spec: RunSpec) -> str:
    cfg = spec.config
    args = ", ".join(f"{key}={literal(value)}" for key, value in spec.hyper.items())
    # the engine's optimizer classes are named after torch.optim's
    call = f"optimizer = torch.optim.{get_optimizer(cfg.optimizer).__name__}("
    arguments = f"model.parameters(), {args}"
    text = (
        f"{call}{arguments})\n"
        if len(call) + len(arguments) + 1 <= WIDTH
        else f"{call}\n    {arguments}\n)\n"
    )
    if spec.optimizer_state is None:
        return text
    t, _, torch_state = spec.optimizer_state
    keys = [
        key for key in forms(cfg.optimizer).torch_state(cfg) if torch_state.get(key) is not None
    ]
    lines = [
        f"# Its state at epoch {spec.start_epoch}, where this script starts ({t} updates made),",
        "# per parameter in model.parameters() order:",
        "saved = [",
    ]
    per_key = {key: spec.params(torch_state[key]) for key in keys}
    for i in range(2 * spec.n_layers):
        lines.append("    {")
        for key in keys:
            value = per_key[key][i]
            value = value.T if value.ndim == 2 else value
            prefix = f'        "{key}": '
            lines.append(prefix + nested(value, "        ", start=len(prefix), end=1) + ",")
        lines.append("    },")
    lines += [
        "]",
        "for p, entries in zip(model.parameters(), saved):",
        "    optimizer.state[p] = {key: torch.tensor(value) for key, value in entries.items()}",
    ]
    if forms(cfg.optimizer).torch_counts_steps:
        lines.append(f'    optimizer.state[p]["step"] = torch.tensor({float(t)!r})')
    return text + "\n".join(lines) + "\n"


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
        optimizer.zero_grad()
        loss = loss_fn(X, y)
        loss.backward()
        optimizer.step()
        epochs.append(epoch)
        losses.append(loss.item())
    with torch.no_grad():
        epochs.append(END)
        losses.append(loss_fn(X, y).item())
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
    with torch.no_grad():
        epochs, losses = [START], [loss_fn(X, y).item()]
    for epoch in range(START, END):
        order = torch.from_numpy(rng.permutation(len(X)))
        for batch in order.split(BATCH_SIZE):
            optimizer.zero_grad()
            loss_fn(X[batch], y[batch]).backward()
            optimizer.step()
        with torch.no_grad():
            epochs.append(epoch + 1)
            losses.append(loss_fn(X, y).item())
    return epochs, losses
''',
        ]
    return "\n".join(lines)
