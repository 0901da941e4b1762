"""How the exported scripts write a learning-rate schedule (engine/schedules.py).

Each script starts at the run's origin, after ``spec.lr_steps`` scheduler steps, and
sets the rate once per epoch, as the Trainer does:

* NumPy: the engine's own rule, its source copied (``inspect.getsource``), so the
  rates are the engine's bit for bit; ``optimizer.lr = lr_at(epoch - LR_START)``
  before each epoch's updates.
* PyTorch: ``torch.optim.lr_scheduler``'s class (StepLR, CosineAnnealingLR, CyclicLR,
  OneCycleLR) with the Config's values under its argument names, plus
  ``cycle_momentum=False`` (the engine's decision: a schedule moves the rate only);
  ``scheduler.step()`` after each epoch's updates, none past OneCycleLR's last step
  (torch raises there; the engine holds the last rate). A script that starts after
  some steps replays them first.
* Keras: Keras has no StepLR-with-restarts, cyclic or one-cycle schedule of its own
  that steps per epoch (``keras.optimizers.schedules`` count optimizer *iterations*,
  and CosineDecay stops at its end where torch's cosine rises again), so the script
  drives Keras's per-epoch ``keras.callbacks.LearningRateScheduler`` by hand (the
  loop is ``train_on_batch``) with the engine's rule, as in the NumPy script.
"""

from __future__ import annotations

import inspect

from ..schedules import get_schedule
from .blocks import comment_lines
from .spec import RunSpec
from .text import WIDTH, literal


def scheduled(spec: RunSpec) -> bool:
    """Whether the run has a schedule (anything but ``constant``)."""
    return bool(spec.config.lr_schedule != "constant")


def rule_block(spec: RunSpec) -> str:
    """The rule's function (the engine's source) and ``lr_at(t)`` with the run's
    settings; "" without a schedule."""
    if not scheduled(spec):
        return ""
    schedule = get_schedule(spec.config.lr_schedule)
    arguments = schedule.arguments(spec.config)
    call = _call(
        f"return {schedule.rule.__name__}(",
        ["t", *(f"{name}={literal(value)}" for name, value in arguments.items())],
        "    ",
    )
    source = inspect.getsource(schedule.rule)
    for note in ("  # noqa: N803 - torch's name", "  # pragma: no cover"):
        source = source.replace(note, "")
    lines = [
        *comment_lines(
            f"The learning-rate schedule, torch's {schedule.torch}, stepped once per epoch: the "
            f"rate after t steps (the playground's own function). This script starts "
            f"after {spec.lr_steps} of them."
        ),
        f"LR_START = {spec.start_epoch - spec.lr_steps}  # the epoch the schedule began at",
    ]
    return "\n".join(lines) + "\n\n\n" + source + f"\n\ndef lr_at(t):\n{call}\n"


def numpy_loop(spec: RunSpec, train: str) -> str:
    """``train``'s epoch loop with the rate set at each epoch's start."""
    if not scheduled(spec):
        return train
    return _at_loop_start(train, "optimizer.lr = lr_at(epoch - LR_START)")


def keras_block(spec: RunSpec) -> str:
    """:func:`rule_block` and the LearningRateScheduler callback it drives."""
    if not scheduled(spec):
        return ""
    if spec.config.optimizer == "adagrad" and spec.config.lr_decay:
        raise ValueError(
            "lr_schedule: the Keras script cannot combine a schedule with Adagrad's "
            "lr_decay (Keras's decay is a schedule of its own); export to numpy or torch"
        )
    return (
        rule_block(spec)
        + "\n\n"
        + "\n".join(
            [
                *comment_lines(
                    "Keras's per-epoch callback; train_on_batch runs no callbacks, so "
                    "train() calls it at each epoch's start, as fit() would."
                ),
                "lr_callback = keras.callbacks.LearningRateScheduler(",
                "    lambda epoch, lr: lr_at(epoch - LR_START)",
                ")",
                "lr_callback.set_model(model)",
            ]
        )
        + "\n"
    )


def keras_loop(spec: RunSpec, train: str) -> str:
    """``train``'s epoch loop with the callback called at each epoch's start."""
    if not scheduled(spec):
        return train
    return _at_loop_start(train, "lr_callback.on_epoch_begin(epoch)")


def torch_block(spec: RunSpec) -> str:
    """The torch scheduler, replayed to the script's start; "" without a schedule."""
    if not scheduled(spec):
        return ""
    schedule = get_schedule(spec.config.lr_schedule)
    arguments = {
        name: value for name, value in schedule.arguments(spec.config).items() if name != "lr"
    }
    arguments |= dict(schedule.torch_fixed)
    call = _call(
        f"scheduler = torch.optim.lr_scheduler.{schedule.torch}(",
        ["optimizer", *(f"{name}={literal(value)}" for name, value in arguments.items())],
        "",
    )
    lines = [
        *comment_lines(
            f"The learning-rate schedule: torch's {schedule.torch}, stepped once per epoch "
            f"after the epoch's updates."
            + (
                " cycle_momentum=False: the playground's schedules move the learning rate "
                "only (torch's default would cycle the momentum too)."
                if "cycle_momentum" in arguments
                else ""
            )
        ),
        call,
    ]
    if schedule.holds_after:
        lines += comment_lines(
            f"OneCycleLR ends after {schedule.holds_after} steps (torch raises past it): "
            f"the playground keeps the last rate from there."
        )
        total = spec.config.to_dict()[schedule.holds_after]
        lines += [
            "",
            "",
            "def step_schedule():",
            f"    if scheduler.last_epoch < {total} - 1:",
            "        scheduler.step()",
        ]
    else:
        lines += ["step_schedule = scheduler.step"]
    if spec.lr_steps:
        lines += [
            "",
            f"# The run's schedule had made {spec.lr_steps} steps where this script starts.",
            "with warnings.catch_warnings():  # 'lr_scheduler.step() before optimizer.step()'",
            '    warnings.simplefilter("ignore", UserWarning)',
            f"    for _ in range({spec.lr_steps}):",
            "        step_schedule()",
        ]
    return "\n".join(lines) + "\n"


def torch_loop(spec: RunSpec, train: str) -> str:
    """``train``'s epoch loop with ``step_schedule()`` after each epoch's updates."""
    if not scheduled(spec):
        return train
    lines = train.split("\n")
    end = lines.index(_LOOP.rstrip("\n")) + 1
    while end < len(lines) and lines[end].startswith("        "):  # the loop's body
        end += 1
    return "\n".join([*lines[:end], "        step_schedule()", *lines[end:]])


_LOOP = "    for epoch in range(START, END):\n"


def _call(head: str, arguments: list[str], indent: str) -> str:
    """``indent + head + arguments + ")"`` on one line if it fits, else one argument a
    line."""
    line = f"{indent}{head}{', '.join(arguments)})"
    if len(line) <= WIDTH:
        return line
    inner = indent + "    "
    return "\n".join([f"{indent}{head}", *(f"{inner}{a}," for a in arguments), f"{indent})"])


def _at_loop_start(train: str, line: str) -> str:
    head = _LOOP
    if head not in train:  # pragma: no cover - the scripts' loops are fixed text
        raise AssertionError("the training loop has no epoch loop")
    return train.replace(head, f"{head}        {line}\n", 1)
