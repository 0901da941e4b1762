"""Learning-rate schedules with ``torch.optim.lr_scheduler``'s rules, argument names and
defaults, stepped once per epoch.

One declaration per schedule (:data:`SCHEDULES`), as the optimizers are declared in
engine/optimizers.py: its display name, the torch class it follows, which Config field
feeds each of the class's arguments (:attr:`Schedule.fields`; ``"lr"`` is the
optimizer's learning rate, the schedule's base), and the rule itself as one plain
function of ``t``, the number of ``scheduler.step()`` calls made so far, written with
``math`` alone. The Trainer sets the optimizer's ``lr`` to ``rule(t, ...)`` before
each epoch's updates, as torch code calling ``scheduler.step()`` after each epoch's
optimizer steps uses it; the exported NumPy script embeds the very same function
(``inspect.getsource``), so its learning rates are the engine's bit for bit.

The rules are torch's *closed forms* (``_get_closed_form_lr`` where torch has one,
else its ``get_lr``, which for CyclicLR and OneCycleLR is already closed): a formula of
``t`` rather than torch's recursive update of the previous rate. The two agree to the
last bits (tests/engine/test_schedules_torch_parity.py: the rates to 1e-13, weights
after 150 epochs to 1e-9), and a closed form lets a run file, a live change or an
exported script resume at any ``t`` without replaying the steps before it.

Two decisions, against torch's defaults where they would surprise here:

* CyclicLR and OneCycleLR cycle the momentum too by default (``cycle_momentum=True``:
  SGD's momentum or Adam's beta1 between 0.85 and 0.95), which would overwrite the
  optimizer settings the page shows. Here they do not (``cycle_momentum=False``, which
  the exported PyTorch script passes explicitly): a schedule changes only the
  learning rate.
* OneCycleLR raises once stepped past ``total_steps``; an endless run here keeps its
  last learning rate (``t`` is held at ``total_steps - 1``, the last step torch's
  schedule uses for an update).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .registry import lookup


def constant_lr(t: int, lr: float) -> float:
    """No schedule: ``lr`` at every epoch."""
    return lr


def step_lr(t: int, lr: float, step_size: int, gamma: float) -> float:
    """StepLR: ``lr · gamma^⌊t / step_size⌋``."""
    return lr * gamma ** (t // step_size)


def cosine_lr(t: int, lr: float, T_max: int, eta_min: float) -> float:  # noqa: N803 - torch's name
    """CosineAnnealingLR: ``eta_min + (lr - eta_min) (1 + cos(π t / T_max)) / 2``
    (beyond T_max it rises again, as torch's does)."""
    return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2


def cyclic_lr(
    t: int, base_lr: float, max_lr: float, step_size_up: int, mode: str, gamma: float
) -> float:
    """CyclicLR (Smith 2017), step_size_down = step_size_up: with total = 2 step_size_up,
    ``cycle = ⌊1 + t / total⌋``, ``x = 1 + t / total - cycle``, the rise's share
    ``r = step_size_up / total`` and ``s = x / r`` (rising) or ``(x - 1) / (r - 1)``,
    ``lr = base_lr + (max_lr - base_lr) s · scale``, ``scale`` 1 ("triangular"),
    ``1 / 2^(cycle - 1)`` ("triangular2") or ``gamma^t`` ("exp_range")."""
    total = step_size_up + step_size_up
    ratio = step_size_up / total
    cycle = math.floor(1 + t / total)
    x = 1.0 + t / total - cycle
    scale_factor = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
    base_height = (max_lr - base_lr) * scale_factor
    if mode == "triangular":
        return base_lr + base_height * 1.0
    if mode == "triangular2":
        return base_lr + base_height * (1 / (2.0 ** (cycle - 1)))
    return base_lr + base_height * gamma**t  # exp_range


def onecycle_lr(
    t: int,
    max_lr: float,
    total_steps: int,
    pct_start: float,
    anneal_strategy: str,
    div_factor: float,
    final_div_factor: float,
    three_phase: bool,
) -> float:
    """OneCycleLR (Smith & Topin 2018): from ``initial = max_lr / div_factor`` up to
    max_lr over the first ``pct_start · total_steps - 1`` steps, then down to ``min =
    initial / final_div_factor`` at step total_steps - 1 (three_phase: back to initial
    by step ``2 pct_start · total_steps - 2``, then down to min); each phase anneals
    ``end + (start - end) (1 + cos(π p)) / 2`` ("cos") or ``start + (end - start) p``
    ("linear") in its share ``p`` of the phase. Held at step total_steps - 1 after it."""
    initial = max_lr / div_factor
    low = initial / final_div_factor
    first = float(pct_start * total_steps) - 1
    if three_phase:
        phases = [
            (first, initial, max_lr),
            (float(2 * pct_start * total_steps) - 2, max_lr, initial),
            (total_steps - 1, initial, low),
        ]
    else:
        phases = [(first, initial, max_lr), (total_steps - 1, max_lr, low)]
    step_num = min(t, total_steps - 1)
    start_step = 0.0
    for i, (end_step, start, end) in enumerate(phases):
        if step_num <= end_step or i == len(phases) - 1:
            pct = (step_num - start_step) / (end_step - start_step)
            if anneal_strategy == "cos":
                return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
            return (end - start) * pct + start
        start_step = end_step
    raise AssertionError("unreachable: the last phase always answers")  # pragma: no cover


@dataclass(frozen=True)
class Schedule:
    """One learning-rate schedule.

    ``rule(t, **arguments)`` is the rate after ``t`` scheduler steps; ``fields`` names
    the Config field that feeds each of its arguments (``"lr"``: the learning rate the
    optimizer is given: an argument named ``lr`` is the optimizer's own, which torch's
    StepLR and CosineAnnealingLR read from it; CyclicLR and OneCycleLR are given it as
    ``base_lr`` and ``max_lr``). ``torch``: the ``torch.optim.lr_scheduler`` class it
    follows (None: no scheduler), with ``torch_fixed``, arguments the exported script
    passes beyond the fields (``cycle_momentum=False``). ``holds_after``: the field that
    ends the schedule (OneCycleLR's ``total_steps``; torch raises past it, the rule holds
    its last rate and the exported script stops stepping there).
    """

    name: str
    label: str
    rule: Callable[..., float]
    fields: Mapping[str, str]
    torch: str | None = None
    torch_fixed: Mapping[str, Any] = field(default_factory=dict)
    holds_after: str | None = None

    def arguments(self, config: Any) -> dict[str, Any]:
        """The rule's arguments from a Config (or its field values), by torch's names."""
        values = _values(config)
        return {arg: values(name) for arg, name in self.fields.items()}

    def settings(self) -> tuple[str, ...]:
        """The Config fields it reads beyond the learning rate (the page shows them)."""
        return tuple(name for name in self.fields.values() if name != "lr")


SCHEDULES: dict[str, Schedule] = {
    "constant": Schedule("constant", "Constant", constant_lr, {"lr": "lr"}),
    "step": Schedule(
        "step",
        "Step decay",
        step_lr,
        {"lr": "lr", "step_size": "step_size", "gamma": "gamma"},
        torch="StepLR",
    ),
    "cosine": Schedule(
        "cosine",
        "Cosine",
        cosine_lr,
        {"lr": "lr", "T_max": "T_max", "eta_min": "eta_min"},
        torch="CosineAnnealingLR",
    ),
    "cyclic": Schedule(
        "cyclic",
        "Cyclical",
        cyclic_lr,
        {
            "base_lr": "lr",
            "max_lr": "max_lr",
            "step_size_up": "step_size_up",
            "mode": "mode",
            "gamma": "gamma",
        },
        torch="CyclicLR",
        torch_fixed={"cycle_momentum": False},
    ),
    "onecycle": Schedule(
        "onecycle",
        "One cycle",
        onecycle_lr,
        {
            "max_lr": "lr",
            "total_steps": "total_steps",
            "pct_start": "pct_start",
            "anneal_strategy": "anneal_strategy",
            "div_factor": "div_factor",
            "final_div_factor": "final_div_factor",
            "three_phase": "three_phase",
        },
        torch="OneCycleLR",
        torch_fixed={"cycle_momentum": False},
        holds_after="total_steps",
    ),
}

# The Config fields any schedule reads beyond the learning rate, with the schedule's own
# name: changing one of them starts the schedule again (engine/live_changes.py).
SCHEDULE_FIELDS: tuple[str, ...] = (
    "lr_schedule",
    *dict.fromkeys(name for s in SCHEDULES.values() for name in s.settings()),
)


def get_schedule(name: str) -> Schedule:
    """Look a schedule up by name, with an error that lists the known ones."""
    return lookup(SCHEDULES, name, "learning-rate schedule")


def lr_function(config: Any) -> Callable[[int], float] | None:
    """``t -> learning rate`` for the schedule a Config names (a Config, or its field
    values as a mapping); None for ``constant``, whose rate is the optimizer's own and
    need not be set at every epoch."""
    values = _values(config)
    schedule = get_schedule(values("lr_schedule"))
    if schedule.name == "constant":
        return None
    rule, arguments = schedule.rule, schedule.arguments(config)
    return lambda t: float(rule(t, **arguments))


def rate_setter(trainer: Any) -> Callable[[], None]:
    """What a Trainer calls before each epoch: sets its optimizer's ``lr`` to the rate
    after ``trainer.epoch - trainer.lr_start`` steps of its Config's schedule (epoch e
    trains with it); does nothing for ``constant``, which leaves the optimizer's own."""
    at = lr_function(trainer.config)
    if at is None:
        return _unchanged

    def set_rate() -> None:
        trainer.optimizer.lr = at(trainer.epoch - trainer.lr_start)

    return set_rate


def _unchanged() -> None:
    """A constant rate: the optimizer keeps the lr it was given."""


def lr_sequence(config: Any, start: int, stop: int) -> list[float]:
    """The rates after scheduler steps ``start .. stop - 1`` (constant included)."""
    at = lr_function(config)
    if at is None:
        return [float(_values(config)("lr"))] * max(0, stop - start)
    return [at(t) for t in range(start, stop)]


def _values(config: Any) -> Callable[[str], Any]:
    """A field's value by name, from a Config or a mapping of field values."""
    if isinstance(config, Mapping):
        return config.__getitem__
    return lambda name: getattr(config, name)
