"""The parts every exported script shares: its docstring, its data, its report, its main.

Each takes the :class:`~engine.export.spec.RunSpec` and the target's name and returns
source text; the targets' own modules write the network, the loss and the training.
"""

from __future__ import annotations

from .spec import RunSpec
from .text import WIDTH, nested

LIBRARIES = {"numpy": "plain NumPy", "torch": "PyTorch", "keras": "Keras 3"}

# The input features as expressions of the points, written once; ``{m}`` is the array
# library of the script (NumPy's ``np`` for the NumPy and Keras scripts, ``torch``).
_FEATURE_FORMS = {
    "x1": "points[:, 0]",
    "x2": "points[:, 1]",
    "x1sq": "points[:, 0] ** 2",
    "x2sq": "points[:, 1] ** 2",
    "x1x2": "points[:, 0] * points[:, 1]",
    "sinx1": "{m}.sin(points[:, 0])",
    "sinx2": "{m}.sin(points[:, 1])",
}
_ARRAY_MODULE = {"numpy": "np", "keras": "np", "torch": "torch"}
FEATURES = {
    target: {name: form.format(m=module) for name, form in _FEATURE_FORMS.items()}
    for target, module in _ARRAY_MODULE.items()
}


def header(spec: RunSpec, target: str, filename: str, needs: str) -> str:
    """The script's docstring: what it trains, how to run it, the settings."""
    every = report_every(spec)
    said = "decision" if spec.task == "classification" else "output"
    lines = wrap_text(f"NumPy Playground run in {LIBRARIES[target]}: {spec.summary()}.")
    lines += [""] + wrap_text(
        f"Trains the run's network from epoch {spec.start_epoch} to epoch "
        f"{spec.end_epoch} with the run's own data, weights, optimizer, loss and "
        f"{'full batch' if spec.full_batch else 'mini-batch order'}, and prints the "
        f"training loss (regularisation included) that the playground reported:"
    )
    lines += [
        "",
        f"    python {filename}",
        f"        the loss every {_epochs(every)}, then each training point's {said}",
        f"    python {filename} --json",
        '        one JSON object {"epochs": [...], "loss": [...]}: the loss at every epoch',
    ]
    start = spec.where_it_starts()
    if start:
        lines += [""] + wrap_text(start)
    settings = spec.settings()
    lines += ["", "Settings that differ from the playground's defaults:"]
    lines += ["    " + line for line in settings] if settings else ["    (none)"]
    lines += ["", f"Needs {needs}. Exported by numpy-playground."]
    return '"""' + "\n".join(lines) + '\n"""\n'


def docstring(text: str, indent: str = "    ") -> str:
    """``text`` wrapped for a docstring whose lines start with ``indent``."""
    return f"\n{indent}".join(wrap_text(text, WIDTH - len(indent) - 3))


def join_parts(parts: list[str]) -> str:
    """Top-level parts of a script, one blank line apart, two around a def or class."""
    text = ""
    for part in (p.strip("\n") for p in parts if p):
        if text:
            two = part.startswith(("def ", "class ", "@")) or _ends_a_def(text)
            text += "\n\n\n" if two else "\n\n"
        text += part
    return text + "\n"


def _ends_a_def(text: str) -> bool:
    """True if the last top-level statement of ``text`` is a def or class."""
    for line in reversed(text.splitlines()):
        if line and not line[0].isspace() and line[0] not in ")]}\"'":
            return line.startswith(("def ", "class ", "@"))
    return False


def comment_lines(text: str) -> list[str]:
    """``text`` as comment lines of at most WIDTH characters."""
    return ["# " + line for line in wrap_text(text, WIDTH - 2)]


def wrap_text(text: str, width: int = WIDTH) -> list[str]:
    """``text`` cut into lines of at most ``width`` characters at spaces."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


def _epochs(n: int) -> str:
    return "epoch" if n == 1 else f"{n} epochs"


def report_every(spec: RunSpec) -> int:
    """Print the loss every this many epochs (about ten lines)."""
    return max(1, spec.epochs // 10)


def what_labels(spec: RunSpec) -> str:
    """What the embedded ``labels`` are, for the comment above them."""
    if spec.task == "regression":
        return "their targets"
    return f"their labels (0 to {spec.classes - 1})" if spec.classes else "their labels (0 or 1)"


def data_block(spec: RunSpec, target: str) -> str:
    """The training points and labels, the input features (one row per point), and
    the targets: for ``torch`` tensors of the default dtype, for ``keras`` arrays."""
    cfg = spec.config
    n = len(spec.points)
    torch = target == "torch"
    array = "torch.tensor" if torch else "np.array"
    what = what_labels(spec)
    features = ", ".join(FEATURES[target][name] for name in cfg.features)
    stack = f"torch.stack([{features}], dim=1)" if torch else f"np.column_stack([{features}])"
    if torch:
        as_float = ".double()" if cfg.dtype == "float64" else ".float()"
    else:
        as_float = f".astype(np.{cfg.dtype})"
    lines = [
        f"# The {n} training points (x1, x2) and {what}.",
        f"points = {array}({nested(spec.points)})",
        f"labels = {array}({nested(spec.labels)})",
        "",
        f"# The network's inputs, made from the points: {', '.join(cfg.features)}.",
        f"X = {stack}",
    ]
    if not torch and cfg.dtype == "float32":
        lines[-1] += ".astype(np.float32)"
    if spec.task == "regression":
        lines.append(f"y = labels.reshape(-1, 1){'' if torch else as_float}  # the targets")
    elif spec.classes:
        lines.append("y = labels  # the classes' indices: the loss takes them as they are")
    elif cfg.output == "tanh":
        lines.append(
            f"y = (2 * labels - 1).reshape(-1, 1){as_float}  # a tanh output's targets: -1, +1"
        )
    else:
        lines.append(f"y = labels.reshape(-1, 1){as_float}  # a sigmoid output's targets")
    return "\n".join(lines) + "\n"


def json_main(call: str = "train()") -> str:
    """``__main__``: train, then the JSON or the report."""
    return f"""
if __name__ == "__main__":
    epochs, losses = {call}
    if "--json" in sys.argv[1:]:
        print(json.dumps({{"epochs": epochs, "loss": losses}}))
    else:
        report(epochs, losses)
"""


def report_block(spec: RunSpec, outputs: str, targets: str) -> str:
    """``report(epochs, losses)``: the loss every few epochs, then each training
    point's decision (or output). ``outputs`` and ``targets`` are expressions of the
    script's that give the output unit's activations and the targets, NumPy (N,)
    (for a softmax output, ``outputs`` gives each point's probabilities, (N, C))."""
    cfg = spec.config
    every = report_every(spec)
    shown = 20
    head = f'''
def report(epochs, losses):
    """The loss every {_epochs(every)}, then what the network says of each training point."""
    for epoch, loss in zip(epochs, losses):
        if (epoch - START) % {every} == 0 or epoch == END:
            print(f"epoch {{epoch:6d}}   loss {{loss:.12g}}")
    out = {outputs}
'''
    if spec.task == "regression":
        body = f"""    targets = {targets}
    print(f"\\nmean squared error {{np.mean((out - targets) ** 2):.6g}}")
    print("      x1         x2     target     output")
    rows = zip(points.tolist(), targets.tolist(), out.tolist())
    for (x1, x2), target, value in list(rows)[:{shown}]:
        print(f"{{x1:8.3f}}   {{x2:8.3f}}   {{target:8.4f}}   {{value:8.4f}}")
"""
    elif spec.classes:
        body = f"""    probability = out.max(axis=1)  # how probable the most probable class is
    decision = out.argmax(axis=1)
    right = decision == np.asarray(labels)
    print(f"\\naccuracy {{right.mean():.4f}} ({{right.sum()}} of {{len(right)}} points)")
    print("      x1         x2   label   decision   P(decision)")
    rows = zip(points.tolist(), np.asarray(labels).tolist(), decision.tolist(),
               probability.tolist())
    for (x1, x2), label, d, p in list(rows)[:{shown}]:
        print(f"{{x1:8.3f}}   {{x2:8.3f}}   {{label:5d}}   {{d:8d}}   {{p:11.6f}}")
"""
    else:
        if cfg.output == "tanh":
            prob = "(out + 1) / 2  # the tanh output's -1..1 as a probability"
            decide = "(out > 0).astype(int)"
        else:
            prob = "out"
            decide = "(out > 0.5).astype(int)"
        body = f"""    probability = {prob}
    decision = {decide}
    right = decision == np.asarray(labels)
    print(f"\\naccuracy {{right.mean():.4f}} ({{right.sum()}} of {{len(right)}} points)")
    print("      x1         x2   label   P(label 1)   decision")
    rows = zip(points.tolist(), np.asarray(labels).tolist(), probability.tolist(),
               decision.tolist())
    for (x1, x2), label, p, d in list(rows)[:{shown}]:
        print(f"{{x1:8.3f}}   {{x2:8.3f}}   {{label:5d}}   {{p:10.6f}}   {{d:8d}}")
"""
    more = f"""    if len(points) > {shown}:
        print(f"... and {{len(points) - {shown}}} more")
"""
    return head + body + more


def generator_block(spec: RunSpec) -> str:
    """The NumPy generator the run drew its mini-batch order from, where it stood."""
    state = spec.rng_state
    if state is None:
        raise ValueError("a full-batch run draws no mini-batch order: it has no generator")
    inner = state["state"]
    drew = (
        "it had drawn the initial weights"
        if spec.reason == "start"
        else f"after {spec.start_epoch} epochs"
    )
    return f"""# The mini-batch order: the generator the playground shuffled with, as it stood at
# epoch START ({drew}).
rng = np.random.Generator(np.random.PCG64())
rng.bit_generator.state = {{
    "bit_generator": "PCG64",
    "state": {{
        "state": {inner["state"]},
        "inc": {inner["inc"]},
    }},
    "has_uint32": {state["has_uint32"]},
    "uinteger": {state["uinteger"]},
}}
"""
