"""Why is it stuck? Per-neuron health, per-layer gradient norms and a stuck detector.

Three questions, each answered from measured state and for every replica at once:

* :func:`diagnose` — is each hidden neuron *dead*, *saturated* or *healthy* on the
  training points, and how large is each layer's gradient?

  - **dead**: the unit outputs exactly 0 with derivative exactly 0 on every training
    point (ReLU with its pre-activation ``z <= 0`` everywhere). No gradient reaches
    its incoming weights, so it never comes back.
  - **saturated**: ``f'(z) < 1e-3`` on at least 95 % of the points (sigmoid or tanh
    driven deep into its flat tails; ELU far below zero). It is nearly constant and
    passes almost no gradient.
  - otherwise **healthy**. Leaky ReLU is never dead: its slope is 0.01 everywhere.

  Each hidden layer is judged with its own activation's f' (``activation`` may name
  one per hidden layer): a tanh layer above a ReLU layer can be saturated while the
  ReLU layer below it has dead units, and the explanations name the layer.

  Gradient norm of layer l: ``sqrt(‖∂L/∂W_l‖² + ‖∂L/∂b_l‖²)`` per replica.

* :func:`explain_stuck` — is one replica stuck, and why, in plain language, with
  the settings to try (each a partial Config dict, validated).

* :func:`classify_outcomes` — the same decision for every replica, as case names
  (what :func:`engine.sweep.sweep` tags its runs with).

Stuck criterion (:func:`explain_stuck`, the page): training accuracy below 100 % and
the loss flat over a window measured in log-epochs: at epoch e the window W is the
last half of the run, ``ceil(e/2)`` epochs (so from e/2 to e), at most ``window``
(500), and the best loss in it improved on the best of the W epochs before it by
less than ``rel_tol`` (relative)::

    (min L[e-2W .. e-W] - min L[e-W .. e]) / |min L[e-2W .. e-W]| < rel_tol

(:func:`plateau_improvement`). The best rather than the last loss, so that a noisy
mini-batch loss that still falls is not flat. While W is shorter than ``window`` the
flat loss must come with its cause in the network: a dead or saturated hidden unit,
or steps too small for the gradient (``small_steps`` below); a flat loss alone (a
half plateau that a run may yet leave, as the 2-4-2-1 tanh net does at epoch 310)
is called stuck only once the window has its full length. :func:`classify_outcomes`
(the restart lab) keeps the fixed window of ``window`` epochs.

Diverging (:func:`diverging_mask`), reported before anything is non-finite: the
loss is finite but above both ``DIVERGING_RISE`` (100) times its best and its start,
or a weight's magnitude passed ``WEIGHT_BOUND``.

The case, first match wins (``diverging`` comes before all but ``diverged``):

1. ``diverged``: the loss or a gradient became non-finite (the Trainer froze it).
2. ``dead_units``: at least one hidden unit is dead.
3. ``half_plateau``: some points sit at the output's midpoint (0.5 for a sigmoid,
   0 for tanh; within 0.05 of the output range) and every other point is right.
   On XOR, two points at 0.5 give BCE = 2·ln 2 / 4 = ln2/2 ≈ 0.3466 (MSE 0.125):
   one hidden direction has split the data and nothing separates the other two.
   With a softmax output (C classes) a point is *undecided* when its two largest
   probabilities are within 0.1 of each other (the same 0.5 ± 0.05 for two classes):
   the net has merged classes it cannot pull apart, and one of them is never
   predicted. A point undecided between j classes costs ln j, so the plateau is
   Σ ln j_n / N: with m of N points split evenly between two classes m/N · ln 2;
   with every point undecided between all C classes ln C (the start plateau).
4. ``saturated``: at least one hidden unit is saturated.
5. ``small_steps``: the steps are too small for the gradient: the estimated step per
   update is below 1e-4 — ``lr·‖g‖/(1 - momentum)`` for SGD and Adagrad, whose
   steps scale with the gradient; ``lr`` for Adam, RMSProp and Rprop, which
   normalise it away. (Seed 001: 0.01·randn weights, all outputs 0.5, ‖g‖ ~ 1e-5.)
6. ``plateau``: anything else that stopped improving (e.g. three points merged at
   output 2/3, BCE ≈ 0.4774).

Regression runs have no accuracy; they are reported only when diverged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .activations import get_activation
from .config import SPECS, Config
from .errors import ConfigError
from .gradcheck import gradient_check_details
from .jsonable import json_float, to_json
from .network import MLP
from .optimizers import OPTIMIZERS
from .schedules import lr_function

if TYPE_CHECKING:
    from .landscape import TrainerLike
    from .trainer import Trainer

SATURATED_BELOW = 1e-3
SATURATED_SHARE = 0.95
MID_TOLERANCE = 0.05  # of the output's range (1 for sigmoid, 2 for tanh)
SMALL_STEP = 1e-4
DEFAULT_WINDOW = 500
DEFAULT_REL_TOL = 1e-2
# The plateau window is the last 1/PLATEAU_SHARE of the run (e/2 to e): flat in
# log-epochs, so a net flat from epoch 50 is judged at epoch 100, not 550.
PLATEAU_SHARE = 2
MIN_PLATEAU_EPOCHS = 20  # shorter windows are too early to judge
# Diverging: the loss above 100x its best (and its start), or a weight past 1e4. The
# presets' nets, trained 2000 epochs, never rose past 1.004x their best nor had a
# weight past 18; SGD at lr 10 on "plane" is 150x its best at epoch 1.
DIVERGING_RISE = 100.0
WEIGHT_BOUND = 1e4
CASES = ("diverged", "dead_units", "half_plateau", "saturated", "small_steps", "plateau")
# explain_stuck's case for a replica that is not stuck (StuckReport.stuck is False).
NOT_STUCK = "not_stuck"
_NUMBER_WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
)


# --------------------------------------------------------------------- diagnose


@dataclass
class LayerHealth:
    """One hidden layer, every replica: ``status`` (K, units) of "dead" /
    "saturated" / "healthy"; ``active_share`` (K, units), the share of points where
    ``f'(z) >= 1e-3``; ``dead`` and ``saturated`` counts per replica (K,);
    ``activation``: the layer's own, whose f' judged it."""

    status: np.ndarray
    active_share: np.ndarray
    dead: np.ndarray
    saturated: np.ndarray
    activation: str = ""

    def to_dict(self, replica: int | None = None) -> dict[str, Any]:
        def pick(a: np.ndarray) -> Any:
            return a if replica is None else a[replica]

        return {
            "activation": self.activation,
            "units": int(self.status.shape[1]),
            "status": to_json(pick(self.status)),
            "active_share": to_json(pick(self.active_share)),
            "dead": to_json(pick(self.dead)),
            "saturated": to_json(pick(self.saturated)),
        }


@dataclass
class Diagnosis:
    """Health of every hidden neuron and, when targets were given, gradient norms.

    ``layers``: one :class:`LayerHealth` per hidden layer. ``grad_norms`` (K, L):
    per replica, per weight layer (inputs -> first hidden first), or None.
    ``loss`` (K,) or None. :meth:`to_dict` gives all replicas, or one.
    """

    activation: str | tuple[str, ...]  # one name, or one per hidden layer
    layers: list[LayerHealth]
    replicas: int
    grad_norms: np.ndarray | None = None
    loss: np.ndarray | None = None

    @property
    def dead(self) -> np.ndarray:
        """Dead units per replica, every hidden layer together (K,)."""
        return sum((layer.dead for layer in self.layers), np.zeros(self.replicas, int))

    @property
    def saturated(self) -> np.ndarray:
        """Saturated units per replica, every hidden layer together (K,)."""
        return sum((layer.saturated for layer in self.layers), np.zeros(self.replicas, int))

    def to_dict(self, replica: int | None = None) -> dict[str, Any]:
        def pick(a: np.ndarray) -> Any:
            return a if replica is None else a[replica]

        return {
            "activation": self.activation
            if isinstance(self.activation, str)
            else list(self.activation),
            "replica": replica,
            "layers": [layer.to_dict(replica) for layer in self.layers],
            "dead": to_json(pick(self.dead)),
            "saturated": to_json(pick(self.saturated)),
            "grad_norms": None if self.grad_norms is None else to_json(pick(self.grad_norms)),
            "loss": None if self.loss is None else to_json(pick(self.loss)),
        }


def diagnose(
    net: MLP,
    X: np.ndarray,
    y: np.ndarray | None = None,
    loss: str = "bce",
    l1: float = 0.0,
    l2: float = 0.0,
    saturated_below: float = SATURATED_BELOW,
    saturated_share: float = SATURATED_SHARE,
) -> Diagnosis:
    """Health of every hidden neuron of every replica on the points ``X`` (N, d).

    ``y`` (N, 1), in the output's space (0/1 for sigmoid, ±1 for tanh), adds the loss
    and per-layer gradient norms; ``l1``/``l2`` as in :meth:`MLP.loss_and_grads`.
    The network is not changed (gradients are taken on a copy).
    """
    X = np.asarray(X, dtype=net.dtype)
    layers = []
    with np.errstate(all="ignore"):
        # The network's own forward pass: per hidden layer Z and A, (K, units, N),
        # each judged by its own activation's derivative.
        for (z, a), name in zip(net.forward_layers(X)[:-1], net.activations, strict=True):
            der = get_activation(name).derivative(z, a, np.empty_like(z))
            dead = ((a == 0.0) & (der == 0.0)).all(axis=2)
            active = (np.abs(der) >= saturated_below).mean(axis=2)
            saturated = ~dead & (1.0 - active >= saturated_share)
            status = np.where(dead, "dead", np.where(saturated, "saturated", "healthy"))
            layers.append(
                LayerHealth(
                    status.astype(object), active, dead.sum(axis=1), saturated.sum(axis=1), name
                )
            )
    grad_norms = loss_value = None
    if y is not None:
        probe = net.copy()
        loss_value, grads = probe.loss_and_grads(X, y, loss=loss, l1=l1, l2=l2)
        with np.errstate(over="ignore"):  # a diverging net's gradients: inf is the answer
            squares = grads.flat.astype(float) ** 2
        grad_norms = np.zeros((net.replicas, net.n_layers))
        for entry in net.layout:
            grad_norms[:, entry.layer] += squares[:, entry.slice].sum(axis=1)
        np.sqrt(grad_norms, out=grad_norms)
    return Diagnosis(net.activation, layers, net.replicas, grad_norms, loss_value)


def diagnose_trainer(trainer: Trainer) -> Diagnosis:
    """:func:`diagnose` on a Trainer's network and training set, with its loss."""
    cfg = trainer.config
    l1, l2 = cfg.penalty()
    return diagnose(trainer.net, trainer.train.X, trainer.train.target, cfg.loss, l1, l2)


def check_gradients(trainer: TrainerLike, threshold: float = 1e-6) -> dict[str, Any]:
    """The engine's gradient check (:func:`engine.gradient_check`) on a Trainer's
    network and training set, per weight layer: the largest relative error over the
    layer's weights and biases and every replica, and whether it is below
    ``threshold`` (the page shows those green). JSON-friendly."""
    cfg = trainer.config
    l1, l2 = cfg.penalty()
    errors, kinks = gradient_check_details(
        trainer.net, trainer.train.X, trainer.train.target, loss=cfg.loss, l1=l1, l2=l2
    )
    layout = trainer.net.layout
    per_layer = [[e.index for e in layout if e.layer == layer] for layer in range(layout.n_layers)]
    layers = [float(np.max([errors[i] for i in indices])) for indices in per_layer]  # NaN stays
    skipped = [sum(kinks[i] for i in indices) for indices in per_layer]
    return {
        "layers": [
            {
                "layer": i,
                "max_relative_error": json_float(e),
                "ok": bool(e < threshold),
                "kinks_skipped": skipped[i],
            }
            for i, e in enumerate(layers)
        ],
        "threshold": threshold,
        "ok": bool(all(e < threshold for e in layers)),
    }


# ----------------------------------------------------------- shared measurement


@dataclass
class _State:
    """Everything the case decision reads, for all K replicas."""

    loss: np.ndarray  # (K,) now
    improvement: np.ndarray  # (K,) relative, over the window (NaN if too early)
    window: int
    acc: np.ndarray  # (K,)
    outputs: np.ndarray  # (K, N), or (K, N, C) probabilities for softmax
    near_mid: np.ndarray  # (K, N)
    correct: np.ndarray  # (K, N)
    diagnosis: Diagnosis
    step_estimate: np.ndarray  # (K,)
    diverged: np.ndarray  # (K,)
    epoch: int
    window_epoch: int | None


def _loss_then(trainer: Trainer, window: int) -> tuple[np.ndarray, int | None]:
    """Training loss per replica at the last recorded epoch <= now - window."""
    target = trainer.epoch - window
    if target < 0:
        return np.full(trainer.replicas, np.nan), None
    rows = trainer.history_since(target - window - 1)
    ok = np.flatnonzero(rows["epoch"] <= target)
    if not len(ok):  # thinned history: rows further apart than the window
        rows = trainer.history_since(-1)
        ok = np.flatnonzero(rows["epoch"] <= target)
    i = ok[-1]
    return rows["train_loss"][i].astype(float), int(rows["epoch"][i])


def plateau_window(epoch: int, longest: int = DEFAULT_WINDOW) -> int:
    """The plateau window at ``epoch``: the last half of the run, ``ceil(epoch/2)``
    epochs, at most ``longest``."""
    return min(longest, epoch - epoch // PLATEAU_SHARE)


def plateau_improvement(epochs: np.ndarray, losses: np.ndarray, window: int) -> np.ndarray:
    """Relative improvement of the best loss over the last ``window`` epochs on the best
    of the ``window`` epochs before them, per replica; NaN where there is no earlier
    row (too early), and where a loss is not finite.

    ``epochs`` (n,) rising, the last one "now"; ``losses`` (n, K) or (n,). Rows from
    ``now - 2 window`` to ``now - window`` are the reference; when thinning left none
    there, the last row before them stands in.
    """
    epochs = np.asarray(epochs)
    losses = np.asarray(losses, float)
    if losses.ndim == 1:
        losses = losses[:, None]
    now = int(epochs[-1])
    cut = now - window
    before = np.flatnonzero(epochs <= cut)
    if window <= 0 or not len(before):
        return np.full(losses.shape[1], np.nan)
    ref_rows = np.flatnonzero((epochs >= cut - window) & (epochs <= cut))
    if not len(ref_rows):
        ref_rows = before[-1:]
    with np.errstate(all="ignore"):
        reference = losses[ref_rows].min(axis=0)
        recent = losses[epochs > cut].min(axis=0)
        improvement: np.ndarray = (reference - recent) / np.abs(reference)
    improvement[~np.isfinite(improvement)] = np.nan
    return improvement


def _history_improvement(trainer: Trainer, window: int) -> np.ndarray:
    """:func:`plateau_improvement` over the trainer's history, per replica."""
    now = int(trainer.epoch)
    rows = trainer.history_since(now - 2 * window - 1)
    if not len(rows["epoch"]) or rows["epoch"][0] > now - window:
        rows = trainer.history_since(-1)  # thinned: reach back to the last row before
    return plateau_improvement(rows["epoch"], rows["train_loss"], window)


def _step_estimate(trainer: Trainer, grad_total: np.ndarray) -> np.ndarray:
    """The optimizer's own estimate of one update's size (``typical_step``), at the rate
    the next epoch trains with: a learning-rate schedule's, where there is one."""
    config = trainer.config
    hyper = config.optimizer_kwargs()
    rate = lr_function(config)
    if rate is not None:
        hyper["lr"] = rate(trainer.epoch - trainer.lr_start)
    return OPTIMIZERS[config.optimizer].typical_step(hyper, grad_total)


def _measure(trainer: Trainer, window: int, plateau: bool = False) -> _State:
    """The state for the case decision; ``plateau``: the improvement by the plateau
    rule (best against best, over ``window``), else the loss now against the loss
    ``window`` epochs ago."""
    cfg = trainer.config
    diagnosis = diagnose_trainer(trainer)
    outputs = trainer.outputs().astype(float)
    if outputs.ndim == 3:  # softmax: undecided = the two most probable classes tie
        top = np.sort(outputs, axis=2)
        near = top[..., -1] - top[..., -2] < 2 * MID_TOLERANCE
        correct = outputs.argmax(axis=2) == trainer.train.y[:, 0].astype(np.intp)
    else:
        truth = trainer.train.y[:, 0] > 0.5
        mid, width = (0.0, 2.0) if cfg.output == "tanh" else (0.5, 1.0)
        near = np.abs(outputs - mid) < MID_TOLERANCE * width
        correct = (outputs > mid) == truth
    assert diagnosis.grad_norms is not None  # diagnose_trainer passes the targets
    grad_total = np.sqrt((diagnosis.grad_norms**2).sum(axis=1))
    loss_now = np.asarray(trainer.last["train_loss"], float)
    if plateau:
        improvement = _history_improvement(trainer, window)
        then_epoch = None if np.isnan(improvement).all() else int(trainer.epoch) - window
    else:
        loss_then, then_epoch = _loss_then(trainer, window)
        with np.errstate(all="ignore"):
            improvement = (loss_then - loss_now) / np.abs(loss_then)
    diverged = np.asarray(trainer.diverged, bool) | ~np.isfinite(loss_now)
    return _State(
        loss_now,
        improvement,
        window,
        np.asarray(trainer.last["train_acc"], float),
        outputs,
        near,
        correct,
        diagnosis,
        _step_estimate(trainer, grad_total),
        diverged,
        int(trainer.epoch),
        then_epoch,
    )


def _cases(s: _State) -> np.ndarray:
    """The case per replica (object array), by the module docstring's order."""
    half = s.near_mid.any(axis=1) & ~s.near_mid.all(axis=1) & (s.correct | s.near_mid).all(axis=1)
    conditions = [
        s.diverged,
        s.diagnosis.dead > 0,
        half,
        s.diagnosis.saturated > 0,
        s.step_estimate < SMALL_STEP,
    ]
    return np.select(conditions, list(CASES[:-1]), default="plateau").astype(object)


def _stuck_mask(s: _State, rel_tol: float, full_window: int | None = None) -> np.ndarray:
    """Flat (improved by less than ``rel_tol``) and not all right; while the window is
    shorter than ``full_window``, only with a cause in the network: dead or saturated
    units, or steps too small for the gradient."""
    improving = s.improvement >= rel_tol  # NaN (too early) counts as not yet known
    too_early = np.isnan(s.improvement)
    stuck: np.ndarray = ~too_early & ~improving & (s.acc < 1.0)
    if full_window is not None and s.window < full_window:
        cause = (s.diagnosis.dead > 0) | (s.diagnosis.saturated > 0)
        stuck &= cause | (s.step_estimate < SMALL_STEP)
    return stuck


def diverging_mask(trainer: Trainer) -> np.ndarray:
    """Per replica: still finite but blowing up: the training loss is above both
    DIVERGING_RISE times its best so far and its first recorded value, or a weight's
    magnitude is past WEIGHT_BOUND."""
    loss_now = np.asarray(trainer.last["train_loss"], float)
    losses = trainer.history_since(-1)["train_loss"].astype(float)
    with np.errstate(all="ignore"):
        best = np.where(np.isfinite(losses), losses, np.inf).min(axis=0)
        rising = (loss_now > DIVERGING_RISE * best) & (loss_now > losses[0])
        big = np.abs(trainer.net.flat).max(axis=1) > WEIGHT_BOUND
    finite = np.isfinite(loss_now) & ~np.asarray(trainer.diverged, bool)
    out: np.ndarray = finite & (rising | big)
    return out


def classify_outcomes(
    trainer: Trainer,
    loss_below: float | None = None,
    window: int = DEFAULT_WINDOW,
    rel_tol: float = DEFAULT_REL_TOL,
) -> list[str]:
    """Case per replica: "solved", "diverged", a stuck case, or "still_improving".

    Solved: training accuracy 100 % (and loss < ``loss_below`` when given). An
    unsolved replica whose loss still fell by ``rel_tol`` over the last ``window``
    epochs is "still_improving" (more epochs may solve it); other unsolved replicas
    get the stuck case of the module docstring. Regression (no accuracy) needs
    ``loss_below``.
    """
    s = _measure(trainer, window)
    cases = _cases(s)
    solved = success_mask(s.acc, s.loss, loss_below, trainer.task)
    improving = (s.improvement >= rel_tol) | np.isnan(s.improvement)  # NaN: too early
    out = np.where(
        solved,
        "solved",
        np.where(s.diverged, "diverged", np.where(improving, "still_improving", cases)),
    )
    return [str(c) for c in out]


def success_mask(
    acc: np.ndarray, loss: np.ndarray, loss_below: float | None, task: str
) -> np.ndarray:
    """Where a run counts as solved, element-wise (any shape: per replica, or epochs ×
    replicas): training accuracy 100 % and, when ``loss_below`` is given, a finite
    training loss below it. Regression has no accuracy: it needs ``loss_below``."""
    acc, loss = np.asarray(acc), np.asarray(loss)
    with np.errstate(invalid="ignore"):
        below = True if loss_below is None else np.isfinite(loss) & (loss < loss_below)
        if task == "regression":
            if loss_below is None:
                raise ValueError("a regression data set needs loss_below to define success")
            return np.asarray(below)
        return (acc >= 1.0) & below


# --------------------------------------------------------------- explain_stuck


@dataclass
class StuckReport:
    """Why replica ``replica`` is stuck: ``case`` (see :data:`CASES`), a plain-language
    ``message`` with measured numbers, and ``suggestions``: ``{label, config_change}``
    where ``config_change`` is a partial Config dict already validated against the
    run's Config. ``details`` holds the measured numbers behind the message."""

    case: str
    message: str
    suggestions: list[dict[str, Any]]
    epoch: int
    loss: float
    replica: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def stuck(self) -> bool:
        """False for the "not_stuck" report (:data:`NOT_STUCK`), True otherwise."""
        return self.case != NOT_STUCK

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_json(
            {
                "case": self.case,
                "message": self.message,
                "suggestions": self.suggestions,
                "epoch": self.epoch,
                "loss": self.loss,
                "replica": self.replica,
                "details": self.details,
            }
        )
        return out


def explain_stuck(
    trainer: Trainer,
    window: int = DEFAULT_WINDOW,
    rel_tol: float = DEFAULT_REL_TOL,
    replica: int = 0,
) -> StuckReport:
    """A :class:`StuckReport` for one replica: why it is stuck, or case "not_stuck"
    (``report.stuck`` False) with a message saying why it is not.

    Stuck by the plateau rule of the module docstring: the best loss improved by less
    than ``rel_tol`` (relative) over the last half of the run, at most ``window``
    epochs, with a dead or saturated unit or too small steps while that is shorter
    than ``window``. Not stuck: training accuracy is 100 %, the loss still falls,
    fewer than MIN_PLATEAU_EPOCHS epochs in the window, or the data set is a
    regression (no accuracy) — except that a diverged or diverging replica is always
    reported (case "diverged", or "diverging" while the loss is still finite).
    """
    if not 0 <= replica < trainer.replicas:
        raise ValueError(f"replica must be in [0, {trainer.replicas - 1}], got {replica}")
    now = plateau_window(int(trainer.epoch), window)
    s = _measure(trainer, max(now, 1), plateau=True)
    r = replica
    stuck = (
        trainer.task != "regression"
        and now >= min(MIN_PLATEAU_EPOCHS, window)
        and _stuck_mask(s, rel_tol, full_window=window)[r]
    )
    diverging = not s.diverged[r] and diverging_mask(trainer)[r]
    if not s.diverged[r] and not diverging and not stuck:
        return _not_stuck(trainer, s, r, s.window, rel_tol)
    case = "diverging" if diverging else str(_cases(s)[r])
    message, details = _message(case, s, r, trainer, s.window)
    return StuckReport(
        case,
        message,
        _suggestions(case, trainer.config, details),
        s.epoch,
        float(s.loss[r]),
        r,
        details,
    )


def _not_stuck(trainer: Trainer, s: _State, r: int, window: int, rel_tol: float) -> StuckReport:
    """The report for a replica that is not stuck, saying which reason holds."""
    loss, improvement = float(s.loss[r]), float(s.improvement[r])
    if trainer.task == "regression":
        why = "a regression has no accuracy to be stuck below: judge it by its loss"
    elif s.acc[r] >= 1.0:
        why = "it classifies every training point correctly (100 % training accuracy)"
    elif math.isnan(improvement) or s.epoch < MIN_PLATEAU_EPOCHS:
        why = f"only {s.epoch} epochs have run: too early to tell"
    elif improvement >= rel_tol:
        why = (
            f"its loss is still falling: its best fell {improvement:.1%} over the last "
            f"{window} epochs (a plateau falls less than {rel_tol:.0%})"
        )
    else:
        why = (
            f"its loss is flat over the last {window} epochs, but no unit is dead or "
            f"saturated and its steps are not too small, so it may still find its way "
            f"(a net that solves can rest on a plateau like this for a while)"
        )
    details = {"accuracy": float(s.acc[r]), "improvement": improvement, "window": window}
    message = f"Not stuck at epoch {s.epoch} (loss {loss:.4g}): {why}."
    return StuckReport(NOT_STUCK, message, [], s.epoch, loss, r, details)


def _count(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _of(k: int, n: int, noun: str, verbs: tuple[str, str] = ("is", "are")) -> str:
    """A capitalised share in words with its verb, agreeing in number: "The only hidden
    unit is", "Both hidden units are", "All five points sit", "One of the four points
    sits", "Two of the four points sit". ``verbs`` is (singular, plural)."""
    one, many = verbs
    if k == n == 1:
        return f"The only {noun} {one}"
    if k == n:
        return f"{'Both' if n == 2 else f'All {_count(n)}'} {noun}s {many}"
    if k == 1:
        return f"One of the {_count(n)} {noun}s {one}"
    return f"{_count(k).capitalize()} of the {_count(n)} {noun}s {many}"


@dataclass
class _Facts:
    """What every explanation of replica ``r`` reads: the measured state ``s``, the
    numbers behind the message (``details``, returned with it) and their words."""

    cfg: Config
    s: _State
    r: int
    n: int  # training points
    loss: float
    mid: float  # the output's midpoint: 0 for tanh, 0.5 otherwise
    at_mid: int  # points at the midpoint (undecided, for softmax)
    hidden: int  # hidden units
    stalled: str  # "over the last W epochs the loss changed by x %", or ""
    labels: np.ndarray
    details: dict[str, Any]

    @property
    def multiclass(self) -> bool:
        return self.s.outputs.ndim == 3

    @property
    def right(self) -> str:
        """The share of points right, "75 %"."""
        return f"{100 * self.s.acc[self.r]:.0f} %"


def _facts(s: _State, r: int, trainer: Trainer, window: int) -> _Facts:
    cfg = trainer.config
    n = s.outputs.shape[1]
    diag = s.diagnosis
    assert diag.grad_norms is not None  # _measure's diagnosis has the targets
    improvement = float(s.improvement[r]) if math.isfinite(s.improvement[r]) else None
    details = {
        "loss": float(s.loss[r]),
        "accuracy": float(s.acc[r]),
        "points": n,
        "points_at_mid": int(s.near_mid[r].sum()),
        "points_wrong": int((~s.correct[r]).sum()),
        "dead_units": int(diag.dead[r]),
        "saturated_units": int(diag.saturated[r]),
        "hidden_units": int(sum(layer.status.shape[1] for layer in diag.layers)),
        "grad_norms": diag.grad_norms[r].tolist(),
        "step_estimate": float(s.step_estimate[r]),
        "window": window,
        "relative_improvement": improvement,
        "outputs": s.outputs[r].tolist(),
    }
    stalled = (
        f"over the last {window} epochs the loss changed by {100 * improvement:.2g} %"
        if improvement is not None
        else ""
    )
    return _Facts(
        cfg,
        s,
        r,
        n,
        details["loss"],
        0.0 if cfg.output == "tanh" else 0.5,
        details["points_at_mid"],
        details["hidden_units"],
        stalled,
        trainer.train.y[:, 0],
        details,
    )


def _message(
    case: str, s: _State, r: int, trainer: Trainer, window: int
) -> tuple[str, dict[str, Any]]:
    """The plain-language explanation of ``case`` for replica ``r``, and the measured
    numbers behind it."""
    f = _facts(s, r, trainer, window)
    if case == "diverging":
        losses = trainer.history_since(-1)["train_loss"][:, r].astype(float)
        best = float(np.min(losses[np.isfinite(losses)], initial=np.inf))
        f.details["best_loss"] = best
        f.details["times_best"] = f.loss / best if best > 0 else math.inf
        f.details["largest_weight"] = float(np.abs(trainer.net.flat[r]).max())
    if f.multiclass and case == "half_plateau":
        return _multiclass_plateau(s, r, f.labels, f.loss, f.stalled), f.details
    text = _EXPLANATIONS[case](f)
    return text, f.details


def _diverged(f: _Facts) -> str:
    return (
        "The loss became non-finite (overflow): the steps were so large that the "
        "weights blew up, and the run is frozen. Lower the learning rate."
    )


def _diverging(f: _Facts) -> str:
    return (
        f"The loss is diverging: at {f.loss:.3g} it is {f.details['times_best']:.3g} "
        f"times its best ({f.details['best_loss']:.3g}), and the largest weight is "
        f"{f.details['largest_weight']:.3g}. Each step overshoots and makes the next one "
        f"larger; soon the numbers overflow. Lower the learning rate."
    )


def _activation_words(f: _Facts, counts: str, label: bool = True) -> str:
    """The activation that judged the units counted by ``counts`` ("dead",
    "saturated"): its name, or with one per hidden layer, each holding such a unit with
    its layer ("ReLU (layer 1)")."""

    def named(name: str) -> str:
        return (get_activation(name).label or name) if label else name

    if isinstance(f.cfg.activation, str):
        return named(f.cfg.activation)
    return " and ".join(
        f"{named(layer.activation)} (layer {index + 1})"
        for index, layer in enumerate(f.s.diagnosis.layers)
        if getattr(layer, counts)[f.r] > 0
    )


def _dead_units(f: _Facts) -> str:
    dead, hidden = f.details["dead_units"], f.hidden
    text = (
        f"{_of(dead, hidden, 'hidden unit')} dead: {'its' if dead == 1 else 'their'} "
        f"input is negative on every training point, so "
        f"{_activation_words(f, 'dead')} gives 0 there and "
        f"passes no gradient back: the unit never comes back. The net is left with "
        f"{hidden - dead} working unit{'s' if hidden - dead != 1 else ''} "
        f"(loss {f.loss:.4f}, {f.right} right; {f.stalled})."
    )
    if f.at_mid:
        where = "undecided between classes" if f.multiclass else f"at output {f.mid:.2f}"
        return text + f" {_of(f.at_mid, f.n, 'point', ('sits', 'sit'))} {where}."
    groups = _merged_groups(f.s.outputs[f.r], f.labels)
    if groups:
        text += (
            f" {_count(groups[0][0]).capitalize()} points with different labels "
            f"share the output {_show_output(groups[0][1])}."
        )
    return text


def _half_plateau(f: _Facts) -> str:
    """Some points at the midpoint, each costing the loss there (ln 2 for BCE; for MSE
    0.25 with a sigmoid output, 1 with tanh), every other point right."""
    cfg, n, at_mid = f.cfg, f.n, f.at_mid
    share = at_mid / n
    expected = share * (
        math.log(2) if cfg.loss == "bce" else (0.25 if cfg.output == "sigmoid" else 1.0)
    )
    name = "ln2/2" if cfg.loss == "bce" and at_mid * 2 == n else f"{share:.2g}·ln2"
    if cfg.loss != "bce":
        name = f"{share:.2g}·{0.25 if cfg.output == 'sigmoid' else 1}"
    return (
        f"{_of(at_mid, n, 'point', ('sits', 'sit'))} at output "
        f"{f.mid:.2f} (loss {f.loss:.4f} ≈ {name} = {expected:.4f}): the net has split "
        f"the data with one hidden direction and has no gradient to separate the "
        f"rest. The other {n - at_mid} points are right; {f.stalled}."
    )


def _saturated(f: _Facts) -> str:
    sat = f.details["saturated_units"]
    return (
        f"{_of(sat, f.hidden, 'hidden unit')} saturated: "
        f"{_activation_words(f, 'saturated', label=False)}'s slope is "
        f"below {SATURATED_BELOW:g} on nearly every point, so almost no gradient flows "
        f"through {'it' if sat == 1 else 'them'} (loss {f.loss:.4f}, "
        f"{f.right} right; {f.stalled})."
    )


def _small_steps(f: _Facts) -> str:
    g = math.sqrt(sum(x * x for x in f.details["grad_norms"]))
    spread = float(np.ptp(f.s.outputs[f.r]))
    return (
        f"The steps are too small for the gradient: its norm is {g:.1e}, so "
        f"{f.cfg.optimizer} with learning rate {f.cfg.lr:g} moves the weights by about "
        f"{f.s.step_estimate[f.r]:.1e} per update. The outputs span only {spread:.2g} "
        f"(loss {f.loss:.4f}; {f.stalled}). Adam, RMSProp and Rprop scale each step to "
        f"the gradient's size; a larger learning rate or initial weights also help."
    )


def _plateau(f: _Facts) -> str:
    """Anything else that stopped improving; names the largest group of points with
    different labels that the net has merged (and adds it to ``details``)."""
    text = (
        f"The loss has stopped falling at {f.loss:.4f} with {f.right} of "
        f"the points right ({f.stalled})."
    )
    groups = _merged_groups(f.s.outputs[f.r], f.labels)
    if groups:
        size, value = groups[0]
        text += (
            f" {_count(size).capitalize()} points with different labels share the "
            f"{'outputs' if f.multiclass else 'output'} {_show_output(value)}: the net "
            f"treats them as one and cannot pull them apart from here."
        )
        f.details["merged_points"] = size
        f.details["merged_output"] = value
    return text


# One explanation per case of :data:`CASES`.
_EXPLANATIONS = {
    "diverged": _diverged,
    "diverging": _diverging,
    "dead_units": _dead_units,
    "half_plateau": _half_plateau,
    "saturated": _saturated,
    "small_steps": _small_steps,
    "plateau": _plateau,
}


def _merged_groups(
    outputs: np.ndarray, labels: np.ndarray, tol: float = 0.02
) -> list[tuple[int, float | list[float]]]:
    """Groups of points with (nearly) the same output but different labels, largest
    first, with their mean output: outputs (N,) grouped along the sorted values
    (neighbours within ``tol``), or softmax probabilities (N, C) grouped by rows equal
    when rounded to ``tol``."""
    if outputs.ndim == 2:
        keys = np.round(outputs / tol).astype(np.int64)
        _, group_of = np.unique(keys, axis=0, return_inverse=True)
        members_of = [np.flatnonzero(group_of.ravel() == g) for g in range(group_of.max() + 1)]
        return sorted(
            (
                (len(m), np.round(outputs[m].mean(axis=0), 2).tolist())
                for m in members_of
                if len(m) > 1 and len(np.unique(labels[m])) > 1
            ),
            key=lambda g: g[0],
            reverse=True,
        )
    order = np.argsort(outputs)
    groups, start = [], 0
    for i in range(1, len(order) + 1):
        if i == len(order) or outputs[order[i]] - outputs[order[start]] > tol:
            members = order[start:i]
            if len(members) > 1 and len(np.unique(labels[members])) > 1:
                groups.append((len(members), float(outputs[members].mean())))
            start = i
    return sorted(groups, reverse=True)


def _show_output(value: float | list[float]) -> str:
    if isinstance(value, list):
        return "(" + ", ".join(f"{v:.2f}" for v in value) + ")"
    return f"{value:.2f}"


def _tied(probs: np.ndarray) -> np.ndarray:
    """Per point, how many classes are within 0.1 (2 · MID_TOLERANCE) of its most
    probable one (1: decided)."""
    tied: np.ndarray = (probs >= probs.max(axis=1, keepdims=True) - 2 * MID_TOLERANCE).sum(axis=1)
    return tied


def _multiclass_plateau(s: _State, r: int, labels: np.ndarray, loss: float, stalled: str) -> str:
    """The half plateau with C classes: the points undecided between j classes each cost
    ln j; the classes the net never predicts on the training points are named."""
    probs = s.outputs[r]
    n, c = probs.shape
    ties = np.where(s.near_mid[r], np.maximum(_tied(probs), 2), 1)
    expected = float(np.log(ties).sum() / n)
    at_mid = int(s.near_mid[r].sum())
    predicted = set(np.argmax(probs, axis=1).tolist())
    missing = [k for k in range(c) if k not in predicted and (labels == k).any()]
    undecided = sorted({int(k) for k in labels[s.near_mid[r]]})
    split = ", ".join(
        f"{int((ties == j).sum())}/{n}·ln {j}" for j in sorted(set(ties.tolist())) if j > 1
    )
    never = (
        f"Class{'es' if len(missing) > 1 else ''} {_listing(missing)} "
        f"{'are' if len(missing) > 1 else 'is'} never predicted: "
        if missing
        else ""
    )
    return (
        f"{never}{_count(at_mid).capitalize() if at_mid < n else 'All'} of the "
        f"{_count(n)} points (of class{'es' if len(undecided) > 1 else ''} "
        f"{_listing(undecided)}) sit undecided between classes (loss {loss:.4f} ≈ "
        f"{split} = {expected:.4f}): the net has merged classes it has no gradient to "
        f"pull apart. The other {n - at_mid} points are right; {stalled}."
    )


def _listing(items: list[int]) -> str:
    words = [str(i) for i in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# ----------------------------------------------------------------- suggestions


def _leaky_instead(cfg: Config) -> str | list[str]:
    """Leaky ReLU for every hidden layer, or, with one activation per layer, in place of
    each ReLU (the other layers keep theirs)."""
    if isinstance(cfg.activation, str):
        return "leaky_relu"
    return ["leaky_relu" if name == "relu" else name for name in cfg.activation]


def _suggestions(case: str, cfg: Config, details: dict[str, Any]) -> list[dict[str, Any]]:
    """Settings to try for ``case``, each validated against ``cfg``; no-ops dropped."""
    lr_max = SPECS["lr"].max
    seed_max = SPECS["seed"].max
    assert seed_max is not None  # the seed field has a range
    relu_family = bool({"relu", "leaky_relu", "elu"} & set(cfg.activations()))
    other_init = (
        "glorot_uniform"
        if cfg.init != "glorot_uniform"
        else ("he_uniform" if relu_family else "glorot_normal")
    )
    options = {
        "more_units": (
            "More units (first hidden layer +1)",
            {"hidden": [min(8, cfg.hidden[0] + 1), *cfg.hidden[1:]]}
            if cfg.hidden
            else {"hidden": [2]},
        ),
        "leaky_relu": ("Leaky ReLU (never dead)", {"activation": _leaky_instead(cfg)}),
        "another_init": (f"Another initialiser ({other_init})", {"init": other_init}),
        "adam": ("Adam", {"optimizer": "adam", "lr": 0.03}),
        "larger_lr": ("Larger learning rate (×3)", {"lr": min(lr_max, cfg.lr * 3)}),
        "smaller_lr": ("Smaller learning rate (÷10)", {"lr": max(SPECS["lr"].min, cfg.lr / 10)}),
        "another_seed": ("Another seed", {"seed": (cfg.seed + 1) % (seed_max + 1)}),
    }
    wanted = {
        "diverged": ["smaller_lr", "another_init"],
        "diverging": ["smaller_lr", "another_init"],
        "dead_units": ["leaky_relu", "more_units", "another_init", "another_seed"],
        "half_plateau": ["more_units", "another_seed", "adam", "larger_lr", "another_init"],
        "saturated": ["another_init", "smaller_lr", "more_units", "adam"],
        "small_steps": ["adam", "larger_lr", "another_init"],
        "plateau": ["more_units", "adam", "larger_lr", "another_seed"],
    }[case]
    if case == "half_plateau" and "relu" in cfg.activations():
        wanted.insert(1, "leaky_relu")
    out = []
    for key in wanted:
        label, change = options[key]
        if cfg.optimizer == "adam" and key == "adam":
            continue
        try:
            new = cfg.replace(change)
        except ConfigError:
            continue
        if new != cfg:
            out.append(
                {"key": key, "label": label, "config_change": {k: new.to_dict()[k] for k in change}}
            )
    return out
