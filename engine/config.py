"""The one Config schema: every setting's name, type, range, default and liveness.

Like the TensorFlow Playground's ``state.ts``, one table (:data:`FIELDS`) lists
every setting; from it alone

* the server validates what a browser sends (:meth:`Config.from_dict`,
  :meth:`Config.replace`), and every refusal is a :class:`ConfigError` naming the
  field and the allowed range;
* the page takes its controls' limits (:meth:`Config.schema`, JSON-safe);
* the URL is written and read (:meth:`Config.to_query`, :meth:`Config.from_query`):
  only non-default fields, ``key=value`` joined by ``&``; numbers as Python's repr,
  bools as 0/1, lists comma-joined (an empty list is an empty value).

``activation`` is the one ``choice_per_layer`` field: one name for every hidden layer,
or a list with one name per hidden layer (``["relu", "tanh"]``, in a URL
``activation=relu,tanh``). Its canonical form is the simplest that says the same: a
list of one name, or of equal names, is that name (so a one-name set-up reads, and is
written to URLs and run files, exactly as before per-layer activations); a list of
several different names must have one per hidden layer (:meth:`Config.activations`).

``live`` fields apply at the next training step; changing any other field rebuilds
the network and data (:meth:`Config.needs_rebuild`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from .activations import ACTIVATIONS, OUTPUTS, per_layer
from .datasets import (
    CLASSES,
    CUSTOM,
    CUSTOM_REGRESSION,
    DATASET_LABELS,
    DATASETS,
    MAX_CLASSES,
    REGRESSION,
)
from .errors import ConfigError
from .features import FEATURE_LABELS, FEATURES
from .initializers import INITIALIZERS
from .losses import LOSSES
from .optimizers import OPTIMIZERS
from .registry import Choices

TYPES = ("int", "float", "bool", "choice", "int_list", "choice_list", "choice_per_layer")
MAX_SEED = 2**31 - 1


def _names(source: str | tuple[str, ...]) -> tuple[str, ...]:
    return (source,) if isinstance(source, str) else tuple(source)


# Which fields each optimizer and initialiser reads, beyond the learning rate: what
# each class declares in its `fields` (engine/optimizers.py, engine/initializers.py),
# the one table that optimizer_kwargs() and init_kwargs() also follow. The schema
# carries them in the `extra` of `optimizer` and `init`, so the page shows only the
# ones that matter.
OPTIMIZER_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(f for source in cls.fields.values() for f in _names(source) if f != "lr")
    for name, cls in OPTIMIZERS.items()
}
INIT_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(init.fields.values()) for name, init in INITIALIZERS.items() if init.fields
}
# The output and loss a data set of each kind starts with when the page switches
# kinds: the Config refuses a sigmoid output on regression data and a linear one on
# classification data. In the `extra` of `dataset`.
PROBLEM_DEFAULTS: dict[str, dict[str, str]] = {
    "classification": {"output": "sigmoid", "loss": "bce"},
    "regression": {"output": "linear", "loss": "mse"},
    "multiclass": {"output": "softmax", "loss": "ce"},  # more than two classes
}
# The outputs each kind of data set accepts (sigmoid's (0, 1) fits 0/1 labels, linear's
# unbounded range fits regression targets). In the `extra` of `dataset`, so the page can
# offer only what the server will accept.
PROBLEM_OUTPUTS: dict[str, tuple[str, ...]] = {
    "classification": ("sigmoid", "tanh", "softmax"),
    "regression": ("linear", "tanh"),
}


# The training share each kind of data set starts with: TFP's half for a generated
# one; every point for your own, which are too few and too deliberate to hide half of.
TRAIN_SHARE_DEFAULTS: dict[str, int] = {"generated": 50, "own": 100}


def _data_kind(dataset: str) -> str:
    """``"own"`` for your own points, ``"generated"`` for a generator's."""
    return "own" if dataset in (CUSTOM, CUSTOM_REGRESSION) else "generated"


def default_of(name: str, values: Mapping[str, Any]) -> Any:
    """Field ``name``'s default among ``values``: the table's, except ``train_share``,
    whose default follows the kind of ``values["dataset"]`` (TRAIN_SHARE_DEFAULTS)."""
    if name == "train_share":
        return TRAIN_SHARE_DEFAULTS[_data_kind(values["dataset"])]
    return SPECS[name].default


@dataclass(frozen=True)
class FieldSpec:
    """One row of the schema."""

    name: str
    type: str
    default: Any
    label: str
    min: float | None = None
    max: float | None = None
    # A registry's names, read live, with their display names (engine.registry.Choices)
    choices: Choices | None = None
    live: bool = False
    min_len: int | None = None
    max_len: int | None = None
    group: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # JSON-safe, for the page

    def describe(self) -> dict[str, Any]:
        """JSON-safe description for the page."""
        default = list(self.default) if isinstance(self.default, tuple) else self.default
        return {
            "name": self.name,
            "type": self.type,
            "default": default,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices) if self.choices is not None else None,
            "labels": self.choices.labels() if self.choices is not None else None,
            "live": self.live,
            "label": self.label,
            "group": self.group,
            "min_len": self.min_len,
            "max_len": self.max_len,
            "extra": dict(self.extra),
        }


def _f(
    name: str,
    default: float,
    lo: float,
    hi: float,
    label: str,
    live: bool = False,
    group: str = "",
) -> FieldSpec:
    return FieldSpec(
        name, "float", float(default), label, float(lo), float(hi), live=live, group=group
    )


def _i(
    name: str, default: int, lo: int, hi: int, label: str, live: bool = False, group: str = ""
) -> FieldSpec:
    return FieldSpec(name, "int", int(default), label, int(lo), int(hi), live=live, group=group)


def _b(name: str, default: bool, label: str, live: bool = False, group: str = "") -> FieldSpec:
    return FieldSpec(name, "bool", bool(default), label, live=live, group=group)


def _c(
    name: str,
    default: str,
    choices: Choices,
    label: str,
    live: bool = False,
    group: str = "",
    extra: dict[str, Any] | None = None,
) -> FieldSpec:
    return FieldSpec(
        name,
        "choice",
        default,
        label,
        choices=choices,
        live=live,
        group=group,
        extra=extra or {},
    )


FIELDS: tuple[FieldSpec, ...] = (
    # -- data (rebuilds)
    _c(
        "dataset",
        "xor4",
        Choices(dict.fromkeys(DATASETS), DATASET_LABELS),
        "Data set",
        group="data",
        extra={
            "regression": list(REGRESSION),
            "problem_defaults": PROBLEM_DEFAULTS,
            "classes": dict(CLASSES),
            "problem_outputs": {k: list(v) for k, v in PROBLEM_OUTPUTS.items()},
        },
    ),
    # How many classes your own points have (dataset "custom"); generators have their
    # own (the dataset's extra "classes"). Set with the points, not by hand.
    _i("classes", 2, 2, MAX_CLASSES, "Number of classes in your points", group="data"),
    _i("n_points", 200, 4, 2000, "Number of points (xor4: only when sampled)", group="data"),
    _b("xor4_sample", False, "xor4: draw n_points rows from the 4 corners", group="data"),
    _f("noise", 0, 0, 50, "Noise (%)", group="data"),
    # 100 = every point trains, no test set. Each kind of data set has its own default
    # (TRAIN_SHARE_DEFAULTS): a train_share nobody set takes the new kind's default
    # when the dataset changes kind (_kind_defaults).
    FieldSpec(
        "train_share",
        "int",
        TRAIN_SHARE_DEFAULTS["generated"],
        "Training share (%; 100 = no test set): unless set, 50 for a generated data "
        "set and 100 for your own points; exact xor4 tests on its train set",
        10,
        100,
        group="data",
        extra={"defaults": dict(TRAIN_SHARE_DEFAULTS)},
    ),
    _i("data_seed", 0, 0, MAX_SEED, "Data seed", group="data"),
    FieldSpec(
        "features",
        "choice_list",
        ("x1", "x2"),
        "Input features",
        choices=Choices(FEATURES, FEATURE_LABELS),
        min_len=1,
        max_len=len(FEATURES),
        group="network",
    ),
    # -- network (rebuilds)
    FieldSpec(
        "hidden",
        "int_list",
        (2,),
        "Neurons per hidden layer",
        min=1,
        max=8,
        min_len=0,
        max_len=6,
        group="network",
    ),
    # One name for every hidden layer, or one per hidden layer (the module docstring).
    FieldSpec(
        "activation",
        "choice_per_layer",
        "tanh",
        "Hidden activation (one, or one per hidden layer)",
        choices=Choices(ACTIVATIONS),
        min_len=1,
        max_len=6,
        group="network",
    ),
    _c("output", "sigmoid", Choices(OUTPUTS), "Output activation", group="network"),
    _c(
        "loss",
        "bce",
        Choices(LOSSES),
        "Loss",
        group="network",
        extra={"outputs": {name: list(loss.outputs) for name, loss in LOSSES.items()}},
    ),
    _c(
        "init",
        "glorot_uniform",
        Choices(INITIALIZERS),
        "Weight initialiser",
        group="init",
        extra={"fields": {k: list(v) for k, v in INIT_FIELDS.items()}},
    ),
    _f("init_low", -0.05, -10, 10, "uniform init: low", group="init"),
    _f("init_high", 0.05, -10, 10, "uniform init: high", group="init"),
    _f("init_mean", 0, -10, 10, "normal init: mean", group="init"),
    _f("init_std", 0.05, 0, 10, "normal init: standard deviation", group="init"),
    _f("bias_init", 0, -10, 10, "Initial bias (playground init: 0.1)", group="init"),
    _i("seed", 0, 0, MAX_SEED, "Seed (replica k uses seed + k)", group="init"),
    # -- optimizer (live)
    _c(
        "optimizer",
        "adam",
        Choices(OPTIMIZERS),
        "Optimizer (a change restarts its state)",
        live=True,
        group="optimizer",
        extra={"fields": {k: list(v) for k, v in OPTIMIZER_FIELDS.items()}},
    ),
    _f("lr", 0.03, 1e-6, 10, "Learning rate", live=True, group="optimizer"),
    _f("momentum", 0, 0, 0.999, "sgd / rmsprop: momentum", live=True, group="optimizer"),
    _f("dampening", 0, 0, 1, "sgd: dampening", live=True, group="optimizer"),
    _b("nesterov", False, "sgd: Nesterov momentum", live=True, group="optimizer"),
    _f("alpha", 0.99, 0, 0.9999, "rmsprop: smoothing constant alpha", live=True, group="optimizer"),
    _b("centered", False, "rmsprop: centered", live=True, group="optimizer"),
    _f("beta1", 0.9, 0, 0.9999, "adam: beta1", live=True, group="optimizer"),
    _f("beta2", 0.999, 0, 0.99999, "adam: beta2", live=True, group="optimizer"),
    _b("amsgrad", False, "adam: AMSGrad", live=True, group="optimizer"),
    _f("eps", 1e-8, 1e-12, 1, "adagrad / rmsprop / adam: eps", live=True, group="optimizer"),
    _f("lr_decay", 0, 0, 1, "adagrad: learning-rate decay", live=True, group="optimizer"),
    _f(
        "initial_accumulator_value",
        0,
        0,
        10,
        "adagrad: initial accumulator",
        live=True,
        group="optimizer",
    ),
    _f("eta_minus", 0.5, 0.01, 0.99, "rprop: eta minus", live=True, group="optimizer"),
    _f("eta_plus", 1.2, 1.01, 5, "rprop: eta plus", live=True, group="optimizer"),
    _f("step_min", 1e-6, 0, 1, "rprop: smallest step", live=True, group="optimizer"),
    _f("step_max", 50, 1e-3, 1000, "rprop: largest step", live=True, group="optimizer"),
    # -- training (live)
    _c(
        "regularization",
        "none",
        Choices({"none": "None", "l1": "L1", "l2": "L2"}),
        "Regularisation",
        live=True,
        group="training",
    ),
    _f("reg_rate", 0, 0, 10, "Regularisation rate", live=True, group="training"),
    _i("batch_size", 0, 0, 2000, "Batch size (0 = full batch)", live=True, group="training"),
    _c(
        "dtype",
        "float64",
        Choices({"float64": "64-bit (float64)", "float32": "32-bit (float32)"}),
        "Number precision (floating-point type)",
        group="training",
    ),
    # -- display (live; the engine's training ignores them)
    _i("grid", 50, 10, 200, "Frame resolution (n × n)", live=True, group="display"),
    # -1 = auto: log-time pacing, 30 epochs/s at first, then faster with the epoch
    # (app/pacing.py); the page shows the `extra` words for the two special values.
    FieldSpec(
        "speed",
        "int",
        -1,
        "Epochs per second (-1 = auto, 0 = as fast as possible)",
        -1,
        100000,
        live=True,
        group="display",
        extra={"special": {"-1": "auto", "0": "max"}},
    ),
)

SPECS: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}
_DEFAULTS: dict[str, Any] = {spec.name: spec.default for spec in FIELDS}
_undeclared = {f for fs in (*OPTIMIZER_FIELDS.values(), *INIT_FIELDS.values()) for f in fs} - set(
    SPECS
)
if _undeclared:  # pragma: no cover - a declaration names a field the table lacks
    raise AssertionError(f"optimizer/initialiser fields not in FIELDS: {sorted(_undeclared)}")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _range(spec: FieldSpec) -> tuple[float, float]:
    """[min, max] of a number field, or of an int list's entries: the table gives one."""
    if spec.min is None or spec.max is None:  # pragma: no cover - the table is fixed
        raise AssertionError(f"{spec.type} field {spec.name} declares no min and max")
    return spec.min, spec.max


def _lengths(spec: FieldSpec) -> tuple[int, int]:
    """[min_len, max_len] of a list field: the table gives one."""
    if spec.min_len is None or spec.max_len is None:  # pragma: no cover - the table is fixed
        raise AssertionError(f"list field {spec.name} declares no min_len and max_len")
    return spec.min_len, spec.max_len


def _choices(spec: FieldSpec) -> Choices:
    """The names a choice field, or a choice list's entries, may take: the table gives them."""
    if spec.choices is None:  # pragma: no cover - the table is fixed
        raise AssertionError(f"{spec.type} field {spec.name} declares no choices")
    return spec.choices


def _range_text(spec: FieldSpec) -> str:
    lo, hi = _range(spec)
    return f"[{_num(lo)}, {_num(hi)}]"


def _check_value(spec: FieldSpec, value: Any) -> Any:
    """Validate one field's value on its own; return it in canonical form."""
    name, kind = spec.name, spec.type
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(name, f"{name} must be an integer in {_range_text(spec)}")
        lo, hi = _range(spec)
        if not lo <= value <= hi:
            raise ConfigError(name, f"{name} must be an integer in {_range_text(spec)}")
        return int(value)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(name, f"{name} must be a number in {_range_text(spec)}")
        value = float(value)
        lo, hi = _range(spec)
        if not math.isfinite(value) or not lo <= value <= hi:
            raise ConfigError(name, f"{name} must be a number in {_range_text(spec)}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(name, f"{name} must be true or false")
        return value
    if kind == "choice":
        choices = _choices(spec)
        if not isinstance(value, str) or value not in choices:
            raise ConfigError(name, f"{name} must be one of: {', '.join(choices)}")
        return value
    if kind in ("int_list", "choice_list"):
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise ConfigError(name, f"{name} must be a list")
        min_len, max_len = _lengths(spec)
        if not min_len <= len(value) <= max_len:
            raise ConfigError(
                name, f"{name} must have {min_len} to {max_len} entries, got {len(value)}"
            )
        if kind == "int_list":
            lo, hi = _range(spec)
            for v in value:
                if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                    raise ConfigError(
                        name, f"{name} entries must be integers in {_range_text(spec)}"
                    )
            return tuple(int(v) for v in value)
        choices = _choices(spec)
        for v in value:
            if not isinstance(v, str) or v not in choices:
                raise ConfigError(name, f"{name} entries must be among: {', '.join(choices)}")
        if len(set(value)) != len(value):
            raise ConfigError(name, f"{name} must not repeat an entry")
        return tuple(value)
    if kind == "choice_per_layer":
        return _check_per_layer(spec, value)
    raise AssertionError(f"unknown field type {kind}")  # pragma: no cover - table is fixed


def _check_per_layer(spec: FieldSpec, value: Any) -> str | tuple[str, ...]:
    """A name, or a list of names (one per hidden layer, checked against ``hidden`` by
    :func:`_check_combination`); a list of one name is that name."""
    name, choices = spec.name, _choices(spec)
    among = ", ".join(choices)
    if isinstance(value, str):
        if value not in choices:
            raise ConfigError(name, f"{name} must be one of: {among} (or a list, one per layer)")
        return value
    if not isinstance(value, (list, tuple)):
        raise ConfigError(name, f"{name} must be a name or a list of names, one per hidden layer")
    _, max_len = _lengths(spec)
    if not 1 <= len(value) <= max_len:
        raise ConfigError(
            name, f"{name} must list 1 to {max_len} names (one per hidden layer), got {len(value)}"
        )
    for v in value:
        if not isinstance(v, str) or v not in choices:
            raise ConfigError(name, f"{name} entries must be among: {among}; got {v!r}")
    return value[0] if len(value) == 1 else tuple(value)


def canonical_per_layer(value: str | tuple[str, ...]) -> str | tuple[str, ...]:
    """The simplest form of a ``choice_per_layer`` value: equal names are one name."""
    return value[0] if not isinstance(value, str) and len(set(value)) == 1 else value


def _classes(values: Mapping[str, Any]) -> int | None:
    """Classes of the data set (generators: their own; custom: the ``classes`` field);
    None for regression."""
    dataset = values["dataset"]
    if dataset == CUSTOM:
        classes: int = values["classes"]
        return classes
    return CLASSES.get(dataset)


def _check_combination(values: Mapping[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    """Cross-field rules; each broken rule as (fields involved, message)."""
    problems: list[tuple[tuple[str, ...], str]] = []
    regression = values["dataset"] in REGRESSION
    output, loss = values["output"], values["loss"]
    if output == "softmax" and loss != "ce":
        problems.append((("output", "loss"), f"output softmax needs loss ce, not {loss}"))
    if output not in LOSSES[loss].outputs:
        problems.append(
            (
                ("loss", "output"),
                f"loss {loss} needs output {' or '.join(LOSSES[loss].outputs)}, not {output}",
            )
        )
    problem = "regression" if regression else "classification"
    if output not in PROBLEM_OUTPUTS[problem]:
        other = "classification" if regression else "regression"
        problems.append(
            (
                ("output", "dataset"),
                f"output {output} is for {other}; {problem} data set "
                f"{values['dataset']} needs output "
                f"{' or '.join(PROBLEM_OUTPUTS[problem])} ({other} data sets: "
                f"{', '.join(d for d in DATASETS if (d in REGRESSION) != regression)})",
            )
        )
    activation, hidden = values["activation"], values["hidden"]
    if not isinstance(activation, str) and len(activation) != len(hidden):
        problems.append(
            (
                ("activation", "hidden"),
                f"activation lists {len(activation)} names ({','.join(activation)}) for "
                f"{len(hidden)} hidden layer{'s' if len(hidden) != 1 else ''}: give one "
                f"name per hidden layer, or one name for all of them",
            )
        )
    classes = _classes(values)
    if classes and classes > 2 and output != "softmax":
        problems.append(
            (
                ("output", "dataset", "classes"),
                f"data set {values['dataset']} has {classes} classes: it needs "
                f"output softmax with loss ce (one unit per class), not output "
                f"{output}",
            )
        )
    if values["init"] == "uniform" and not values["init_low"] < values["init_high"]:
        problems.append((("init_high", "init_low"), "uniform init needs init_low < init_high"))
    if (
        values["optimizer"] == "sgd"
        and values["nesterov"]
        and (values["momentum"] <= 0 or values["dampening"] != 0)
    ):
        problems.append(
            (("nesterov", "momentum", "dampening"), "nesterov needs momentum > 0 and dampening 0")
        )
    return problems


class Config:
    """An immutable, validated set of settings; attribute per field (``cfg.lr``).

    ``Config(**changes)`` is ``Config.from_dict(changes)``. Lists are stored as
    tuples (hashable); :meth:`to_dict` gives lists back.
    """

    __slots__ = ("_given", "_values")
    _values: dict[str, Any]  # field name to its validated value
    # The fields someone set: named in Config(...), or changed by a replace (a replace
    # that repeats a value, as a client sending its whole config does, sets nothing).
    # A train_share nobody set follows the data set's kind (_kind_defaults). Not part
    # of equality: Config(train_share=50) == Config().
    _given: frozenset[str]

    def __init__(self, **values: Any):
        given = frozenset(values)
        object.__setattr__(self, "_values", _validated(_DEFAULTS, values, given, given))
        object.__setattr__(self, "_given", given)

    # -- construction

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Config:
        """Validate a full or partial dict (missing fields take their defaults)."""
        if not isinstance(d, dict):
            raise ConfigError("config", "config must be a dict of settings")
        return cls(**d)

    def replace(self, changes: dict[str, Any]) -> Config:
        """A new Config: this one with ``changes`` (validated) on top."""
        if not isinstance(changes, dict):
            raise ConfigError("config", "changes must be a dict of settings")
        new = object.__new__(Config)
        given = set(self._given)
        values = _validated(self._values, changes, self._given, given)
        object.__setattr__(new, "_values", values)
        object.__setattr__(new, "_given", frozenset(given))
        return new

    # Immutable: a copy is the Config itself; pickling goes through from_dict, so a
    # file or another process can only ever give back a validated Config.

    def __copy__(self) -> Config:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Config:
        return self

    def __reduce__(self) -> tuple[Callable[[dict[str, Any]], Config], tuple[dict[str, Any]]]:
        return (Config.from_dict, (self.to_dict(),))

    # -- views

    def __getattr__(self, name: str) -> Any:
        try:
            return object.__getattribute__(self, "_values")[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Config is immutable; use cfg.replace({...})")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(self._values.items()))

    def __repr__(self) -> str:
        values = self._values
        changed = {k: v for k, v in values.items() if v != default_of(k, values)}
        return "Config(" + ", ".join(f"{k}={v!r}" for k, v in changed.items()) + ")"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of every field (lists, not tuples)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self._values.items()}

    @staticmethod
    def schema() -> list[dict[str, Any]]:
        """JSON-safe description of every field, in table order."""
        return [spec.describe() for spec in FIELDS]

    def needs_rebuild(self, other: Config) -> bool:
        """True if a non-live field differs: the network and data must be rebuilt."""
        return any(
            self._values[spec.name] != other._values[spec.name] for spec in FIELDS if not spec.live
        )

    def changed_fields(self, other: Config) -> list[str]:
        """Names of the fields whose values differ, in table order."""
        return [s.name for s in FIELDS if self._values[s.name] != other._values[s.name]]

    # -- derived quantities the Trainer needs

    @property
    def is_custom(self) -> bool:
        """Whether the data set is the user's own points (``custom`` or
        ``custom_regression``), which live with the run rather than a generator."""
        return self.dataset in (CUSTOM, CUSTOM_REGRESSION)

    @property
    def task(self) -> str:
        return "regression" if self.dataset in REGRESSION else "classification"

    @property
    def n_classes(self) -> int | None:
        """Classes of the data: a generator's own (2 for the Playground's problems),
        ``classes`` for your own points (``dataset`` "custom"), None for regression."""
        return _classes(self._values)

    def sizes(self) -> list[int]:
        """``[n_features, *hidden, n_out]``: one output unit, or one per class for a
        softmax output."""
        out = self.n_classes if self.output == "softmax" else 1
        return [len(self.features), *self.hidden, out]

    def activations(self) -> tuple[str, ...]:
        """The hidden activation of each hidden layer, inputs first: ``activation``
        repeated when it is one name."""
        return per_layer(self.activation, len(self.hidden))

    @property
    def activation_text(self) -> str:
        """``activation`` as written in a URL: ``relu``, or ``relu,tanh`` per layer."""
        return _encode(SPECS["activation"], self.activation)

    def penalty(self) -> tuple[float, float]:
        """(l1, l2) for :meth:`engine.network.MLP.loss_and_grads`."""
        if self.regularization == "l1":
            return self.reg_rate, 0.0
        if self.regularization == "l2":
            return 0.0, self.reg_rate
        return 0.0, 0.0

    def optimizer_kwargs(self) -> dict[str, Any]:
        """The chosen optimizer's hyper-parameters under their torch.optim names, fed
        by the fields its class declares (``fields``: ``betas=(beta1, beta2)``...)."""
        return {
            arg: self._fed_by(source) for arg, source in OPTIMIZERS[self.optimizer].fields.items()
        }

    def init_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :class:`engine.network.MLP` for the initialiser: the
        fields it declares, and ``bias_init`` unless it sets its own biases."""
        initializer = INITIALIZERS[self.init]
        kwargs = {name: self._values[name] for name in initializer.fields.values()}
        if initializer.bias is None:
            kwargs["bias_init"] = self.bias_init
        return kwargs

    def _fed_by(self, source: str | tuple[str, ...]) -> Any:
        """A field's value, or a tuple of several fields' values."""
        if isinstance(source, str):
            return self._values[source]
        return tuple(self._values[name] for name in source)

    # -- URL

    def to_query(self) -> str:
        """Compact ``key=value&...`` of the non-default fields (:func:`default_of`), in
        table order."""
        parts = []
        for spec in FIELDS:
            value = self._values[spec.name]
            if value != default_of(spec.name, self._values):
                parts.append(f"{spec.name}={quote(_encode(spec, value), safe=',._-')}")
        return "&".join(parts)

    @classmethod
    def from_query(cls, query: str) -> Config:
        """Parse :meth:`to_query`'s format (a leading ``?`` or ``#`` is allowed)."""
        if not isinstance(query, str):
            raise ConfigError("query", "query must be a string")
        query = query.lstrip("?#")
        values: dict[str, Any] = {}
        for part in query.split("&"):
            if not part:
                continue
            key, sep, raw = part.partition("=")
            key = unquote(key)
            spec = SPECS.get(key)
            if spec is None:
                raise ConfigError(key, f"{key} is not a setting")
            if not sep:
                raise ConfigError(key, f"{key} needs a value ({key}=...)")
            values[key] = _decode(spec, unquote(raw))
        return cls(**values)


def _validated(
    base: Mapping[str, Any],
    changes: Mapping[str, Any],
    given: frozenset[str],
    now_given: set[str] | frozenset[str],
) -> dict[str, Any]:
    """``base`` with ``changes`` on top, each checked on its own, then together.
    ``given``: the fields of ``base`` someone set; ``now_given``: those of the result,
    a set to which every change of value is added (Config(...) passes its own keys)."""
    merged = dict(base)
    for key, value in changes.items():
        spec = SPECS.get(key)
        if spec is None:
            raise ConfigError(key, f"{key} is not a setting")
        merged[key] = _check_value(spec, value)
        if isinstance(now_given, set) and merged[key] != base[key]:
            now_given.add(key)
    _kind_defaults(base, merged, given | frozenset(now_given))
    _raise_combination(merged, changes.keys())
    # after the length check: a list of equal names is checked, then said as one name
    merged["activation"] = canonical_per_layer(merged["activation"])
    return merged


def _kind_defaults(base: Mapping[str, Any], merged: dict[str, Any], given: frozenset[str]) -> None:
    """A dataset of another kind (generated, your own points) brings its own
    ``train_share`` default unless someone set train_share (``given``):
    Trainer(Config(), data=(X, y)) trains on every point, Trainer(Config(train_share=50),
    data=(X, y)) holds half of them out."""
    old, new = _data_kind(base["dataset"]), _data_kind(merged["dataset"])
    if old != new and "train_share" not in given:
        merged["train_share"] = TRAIN_SHARE_DEFAULTS[new]


def _raise_combination(values: Mapping[str, Any], changed: Iterable[str]) -> None:
    problems = _check_combination(values)
    if problems:
        fields, message = problems[0]
        changed_names = set(changed)
        name = next((f for f in fields if f in changed_names), fields[0])
        raise ConfigError(name, message)


def _encode(spec: FieldSpec, value: Any) -> str:
    if spec.type == "bool":
        return "1" if value else "0"
    if spec.type == "float":
        return repr(value)
    if spec.type in ("int_list", "choice_list", "choice_per_layer") and not isinstance(value, str):
        return ",".join(str(v) for v in value)
    return str(value)


_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _decode(spec: FieldSpec, raw: str) -> Any:
    """A query string's text, parsed per the field's type (validated afterwards)."""
    kind, name = spec.type, spec.name
    if kind == "int":
        if not _INT.match(raw):
            raise ConfigError(name, f"{name} must be an integer in {_range_text(spec)}")
        return int(raw)
    if kind == "float":
        if not _FLOAT.match(raw):
            raise ConfigError(name, f"{name} must be a number in {_range_text(spec)}")
        return float(raw)
    if kind == "bool":
        if raw not in ("0", "1", "true", "false"):
            raise ConfigError(name, f"{name} must be 0 or 1")
        return raw in ("1", "true")
    if kind == "choice":
        return raw
    if kind == "choice_per_layer":  # one name, or one per hidden layer
        return raw.split(",") if "," in raw else raw
    items = raw.split(",") if raw else []
    if kind == "int_list":
        if not all(_INT.match(item) for item in items):
            raise ConfigError(name, f"{name} entries must be integers in {_range_text(spec)}")
        return [int(item) for item in items]
    return items
