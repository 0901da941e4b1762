"""The one Config schema: defaults, validation, replace, URL round trips."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import FIELDS, Config, ConfigError, DataError, PlaygroundError
from engine.config import SPECS
from engine.datasets import custom_data


def test_defaults_round_trip():
    cfg = Config()
    assert Config.from_dict(cfg.to_dict()) == cfg
    assert Config.from_dict({}) == cfg
    assert cfg.to_query() == ""
    assert Config.from_query("") == cfg
    assert cfg.hidden == (2,) and cfg.to_dict()["hidden"] == [2]
    assert cfg.sizes() == [2, 2, 1]


def test_documented_defaults():
    cfg = Config()
    assert (cfg.dataset, cfg.activation, cfg.output, cfg.loss) == ("xor4", "tanh", "sigmoid", "bce")
    assert (cfg.optimizer, cfg.lr, cfg.init, cfg.batch_size) == ("adam", 0.03, "glorot_uniform", 0)


def test_schema_is_json_safe_and_complete():
    schema = Config.schema()
    text = json.dumps(schema, allow_nan=False)  # no tuples, NaN or numpy scalars
    assert json.loads(text) == schema
    names = [f["name"] for f in schema]
    assert names == [f.name for f in FIELDS] and len(set(names)) == len(names)
    for f in schema:
        assert {
            "name",
            "type",
            "default",
            "min",
            "max",
            "choices",
            "live",
            "label",
            "min_len",
            "max_len",
        } <= set(f)
        if f["type"] in ("int", "float"):
            assert f["min"] <= f["default"] <= f["max"]
        if f["type"] == "choice":
            assert f["default"] in f["choices"]
    by_name = {f["name"]: f for f in schema}
    assert by_name["lr"] == {**by_name["lr"], "type": "float", "min": 1e-6, "max": 10, "live": True}
    assert by_name["hidden"]["min_len"] == 0 and by_name["hidden"]["max_len"] == 6
    assert by_name["features"]["min_len"] == 1


BAD = [
    ({"lr": 0.0}, "lr", "[1e-06, 10]"),
    ({"lr": 11}, "lr", "[1e-06, 10]"),
    ({"lr": float("nan")}, "lr", None),
    ({"lr": math.inf}, "lr", None),
    ({"lr": "0.1"}, "lr", "number"),
    ({"lr": True}, "lr", "number"),
    ({"n_points": 3}, "n_points", "[4, 2000]"),
    ({"n_points": 100.0}, "n_points", "integer"),
    ({"n_points": True}, "n_points", "integer"),
    ({"n_points": "100"}, "n_points", "integer"),
    ({"nesterov": 1}, "nesterov", "true or false"),
    ({"dataset": "mnist"}, "dataset", "xor4"),
    ({"activation": "gelu"}, "activation", "relu"),
    ({"hidden": [2] * 7}, "hidden", "0 to 6"),
    ({"hidden": [0]}, "hidden", "[1, 8]"),
    ({"hidden": [9]}, "hidden", "[1, 8]"),
    ({"hidden": [True]}, "hidden", "integers"),
    ({"hidden": "2"}, "hidden", "list"),
    ({"features": []}, "features", "1 to 7"),
    ({"features": ["x1", "x3"]}, "features", "among"),
    ({"features": ["x1", "x1"]}, "features", "repeat"),
    ({"noise": -1}, "noise", "[0, 50]"),
    ({"train_share": 101}, "train_share", "[10, 100]"),
    ({"seed": -1}, "seed", "2147483647"),
    ({"batch_size": 2001}, "batch_size", "[0, 2000]"),
    ({"bogus": 1}, "bogus", "not a setting"),
    ({"output": "tanh"}, "output", "bce"),  # tanh output with the default bce loss
    ({"loss": "bce", "output": "linear", "dataset": "plane"}, "loss", "sigmoid"),
    ({"dataset": "plane"}, "dataset", "regression"),  # sigmoid output on regression
    ({"dataset": "plane", "loss": "mse", "output": "sigmoid"}, "output", "linear or tanh"),
    ({"output": "linear", "loss": "mse"}, "output", "classification"),
    ({"init": "uniform", "init_low": 0.3, "init_high": 0.1}, "init_high", "init_low"),
    ({"optimizer": "sgd", "nesterov": True}, "nesterov", "momentum"),
]


@pytest.mark.parametrize(("values", "field", "text"), BAD)
def test_bad_values_name_their_field(values, field, text):
    with pytest.raises(ConfigError) as err:
        Config.from_dict(values)
    assert err.value.field == field
    if text:
        assert text in err.value.message
    assert isinstance(err.value, ValueError)


def test_message_names_the_allowed_range():
    with pytest.raises(ConfigError) as err:
        Config().replace({"lr": 100})
    assert err.value.message == "lr must be a number in [1e-06, 10]"


def test_replace_validates_only_on_top_of_the_current_config():
    cfg = Config(dataset="plane", output="linear", loss="mse")
    assert cfg.replace({"lr": 0.1}).lr == 0.1
    assert cfg.replace({"lr": 0.1}).dataset == "plane"
    with pytest.raises(ConfigError) as err:
        cfg.replace({"output": "sigmoid"})
    assert err.value.field == "output"
    # the two fields changed together are fine
    assert Config().replace({"output": "tanh", "loss": "mse"}).output == "tanh"
    with pytest.raises(ConfigError):
        cfg.replace({"lr": "fast"})
    assert cfg.lr == 0.03  # unchanged: immutable
    with pytest.raises(AttributeError):
        cfg.lr = 1.0


def test_ints_are_accepted_for_floats_and_stored_as_floats():
    cfg = Config(lr=1, noise=5)
    assert cfg.lr == 1.0 and isinstance(cfg.lr, float)
    assert json.dumps(cfg.to_dict())


def test_needs_rebuild_only_for_non_live_fields():
    cfg = Config()
    for change in (
        {"lr": 0.1},
        {"optimizer": "sgd"},
        {"batch_size": 1},
        {"grid": 20},
        {"regularization": "l2", "reg_rate": 0.1},
        {"speed": 30},
        {"beta1": 0.5},
    ):
        assert not cfg.needs_rebuild(cfg.replace(change)), change
    for change in (
        {"hidden": [3]},
        {"seed": 1},
        {"dataset": "circle"},
        {"activation": "relu"},
        {"dtype": "float32"},
        {"noise": 5.0},
        {"features": ["x1", "x2", "x1x2"]},
        {"init": "he_normal"},
    ):
        assert cfg.needs_rebuild(cfg.replace(change)), change
    assert {f.name for f in FIELDS if f.live} >= {"lr", "optimizer", "batch_size", "grid"}


def test_query_format_is_simple():
    cfg = Config(
        hidden=[4, 3], lr=0.1, nesterov=False, amsgrad=True, features=["x1"], dataset="circle"
    )
    q = cfg.to_query()
    assert q == "dataset=circle&features=x1&hidden=4,3&lr=0.1&amsgrad=1"
    assert Config.from_query("?" + q) == cfg
    assert Config(hidden=[]).to_query() == "hidden="
    assert Config.from_query("hidden=").hidden == ()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lr=abc", "lr"),
        ("lr=nan", "lr"),
        ("lr=inf", "lr"),
        ("n_points=1.5", "n_points"),
        ("amsgrad=yes", "amsgrad"),
        ("hidden=2,x", "hidden"),
        ("nope=1", "nope"),
        ("lr", "lr"),
        ("lr=20", "lr"),
    ],
)
def test_bad_queries_name_their_field(query, field):
    with pytest.raises(ConfigError) as err:
        Config.from_query(query)
    assert err.value.field == field


def _value_strategy(spec):
    if spec.type == "int":
        return st.integers(int(spec.min), int(spec.max))
    if spec.type == "float":
        return st.floats(spec.min, spec.max, allow_nan=False, allow_infinity=False)
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "choice":
        return st.sampled_from(spec.choices)
    if spec.type == "int_list":
        return st.lists(
            st.integers(int(spec.min), int(spec.max)), min_size=spec.min_len, max_size=spec.max_len
        )
    if spec.type == "choice_per_layer":  # one name per hidden layer: per_layer_configs()
        return st.one_of(
            st.sampled_from(spec.choices),
            st.lists(st.sampled_from(spec.choices), min_size=1, max_size=1),
        )
    return st.lists(
        st.sampled_from(spec.choices), min_size=spec.min_len, max_size=spec.max_len, unique=True
    )


@st.composite
def configs(draw):
    """Random valid Configs: random fields changed, invalid combinations skipped."""
    names = draw(st.lists(st.sampled_from(list(SPECS)), max_size=12, unique=True))
    values = {name: draw(_value_strategy(SPECS[name])) for name in names}
    try:
        return Config.from_dict(values)
    except ConfigError:
        return Config.from_dict(
            {
                k: v
                for k, v in values.items()
                if k not in ("output", "loss", "dataset", "nesterov", "init", "init_low")
                and k not in ("init_high", "lr_schedule", "pct_start", "total_steps", "three_phase")
            }
        )


@settings(max_examples=300, deadline=None)
@given(configs())
def test_query_round_trip(cfg):
    assert Config.from_query(cfg.to_query()) == cfg
    assert Config.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


# ---- activation: one name, or one per hidden layer --------------------------------------


@st.composite
def per_layer_configs(draw):
    hidden = draw(st.lists(st.integers(1, 8), min_size=0, max_size=6))
    names = st.sampled_from(list(SPECS["activation"].choices))
    activation = draw(
        st.one_of(names, st.lists(names, min_size=len(hidden), max_size=len(hidden)))
        if len(hidden) > 1
        else names
    )
    return Config(hidden=hidden, activation=activation)


@settings(max_examples=100, deadline=None)
@given(per_layer_configs())
def test_per_layer_activations_round_trip_through_the_url_and_json(cfg):
    assert Config.from_query(cfg.to_query()) == cfg
    assert Config.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    assert len(cfg.activations()) == len(cfg.hidden)


def test_activation_takes_one_name_per_hidden_layer_and_writes_it_compactly():
    cfg = Config(hidden=[4, 3], activation=["relu", "tanh"])
    assert cfg.activation == ("relu", "tanh") and cfg.to_dict()["activation"] == ["relu", "tanh"]
    assert cfg.activations() == ("relu", "tanh")
    assert cfg.to_query() == "hidden=4,3&activation=relu,tanh"
    assert Config.from_query("hidden=4,3&activation=relu,tanh") == cfg
    assert cfg.activation_text == "relu,tanh"
    # one name is every hidden layer's
    assert Config(hidden=[4, 3], activation="relu").activations() == ("relu", "relu")


@pytest.mark.parametrize(
    "given", [["relu"], ["relu", "relu"], ("relu", "relu", "relu")], ids=["one", "two", "three"]
)
def test_a_list_of_one_name_or_of_equal_names_is_that_name(given):
    hidden = [3] * max(2, len(given))
    cfg = Config(hidden=hidden, activation=given)
    assert (
        cfg.activation == "relu"
        and cfg.to_query() == f"hidden={','.join(map(str, hidden))}&activation=relu"
    )
    assert cfg == Config(hidden=hidden, activation="relu")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"hidden": [4, 3], "activation": ["relu", "tanh", "elu"]}, "activation", "3 names"),
        ({"hidden": [4, 3], "activation": ["relu", "relu", "relu"]}, "activation", "3 names"),
        ({"hidden": [], "activation": ["relu", "tanh"]}, "activation", "0 hidden layers"),
        ({"hidden": [4, 3], "activation": []}, "activation", "1 to 6 names"),
        ({"hidden": [4, 3], "activation": ["relu", "cosine"]}, "activation", "'cosine'"),
        ({"hidden": [4, 3], "activation": ["relu", 3]}, "activation", "among"),
        ({"activation": 3}, "activation", "a name or a list"),
        ({"activation": "cosine"}, "activation", "one of"),
    ],
)
def test_a_bad_per_layer_activation_names_activation_and_the_reason(changes, field, words):
    with pytest.raises(ConfigError, match=words) as err:
        Config(**changes)
    assert err.value.field == field


def test_changing_the_depth_under_a_per_layer_list_is_refused_naming_hidden():
    cfg = Config(hidden=[4, 3], activation=["relu", "tanh"])
    with pytest.raises(ConfigError, match="2 names .* for 3 hidden layers") as err:
        cfg.replace({"hidden": [4, 3, 2]})
    assert err.value.field == "hidden"
    grown = cfg.replace({"hidden": [4, 3, 2], "activation": ["relu", "tanh", "tanh"]})
    assert grown.activations() == ("relu", "tanh", "tanh")
    # one name follows any depth
    assert Config(hidden=[4, 3], activation="relu").replace({"hidden": [1]}).activations() == (
        "relu",
    )


def test_a_url_with_a_wrong_length_list_names_activation():
    with pytest.raises(ConfigError) as err:
        Config.from_query("hidden=4&activation=relu,tanh")
    assert err.value.field == "activation"


# ---- which fields each optimizer / initialiser reads (the page shows only those) -------


def _nudged(spec) -> object:
    """Another valid value of an optimizer or init field."""
    if spec.type == "bool":
        return not spec.default
    lo, hi, d = spec.min, spec.max, spec.default
    return d + (hi - d) / 3 if d < hi else d - (d - lo) / 3


def test_optimizer_fields_are_exactly_what_each_optimizer_reads():
    from engine.config import OPTIMIZER_FIELDS

    assert set(OPTIMIZER_FIELDS) == set(SPECS["optimizer"].choices)
    hyper = [s for s in FIELDS if s.group == "optimizer" and s.name not in ("optimizer", "lr")]
    for name, fields in OPTIMIZER_FIELDS.items():
        base = Config(optimizer=name, momentum=0.5)  # nesterov needs momentum
        read = {
            s.name
            for s in hyper
            if base.replace({s.name: _nudged(s)}).optimizer_kwargs() != base.optimizer_kwargs()
        }
        assert read == set(fields), name
    assert Config.schema()[[f["name"] for f in Config.schema()].index("optimizer")]["extra"][
        "fields"
    ] == {k: list(v) for k, v in OPTIMIZER_FIELDS.items()}


def test_init_fields_are_exactly_what_each_initialiser_reads():
    from engine import Trainer
    from engine.config import INIT_FIELDS

    init_specs = [s for s in FIELDS if s.name in ("init_low", "init_high", "init_mean", "init_std")]
    for init in SPECS["init"].choices:
        base = Config(init=init, init_low=-0.5, init_high=0.5, init_mean=0.1, init_std=0.2)
        start = Trainer(base).net.flat
        read = set()
        for spec in init_specs:
            nudged = {"init_low": -0.25, "init_high": 0.75, "init_mean": 0.3, "init_std": 0.4}[
                spec.name
            ]
            if (Trainer(base.replace({spec.name: nudged})).net.flat != start).any():
                read.add(spec.name)
        assert read == set(INIT_FIELDS.get(init, ())), init


def test_problem_defaults_make_valid_configs_for_every_data_set():
    from engine.config import PROBLEM_DEFAULTS, REGRESSION

    extra = SPECS["dataset"].extra
    assert extra["problem_defaults"] == PROBLEM_DEFAULTS
    assert extra["classes"]["blobs5"] == 5 and extra["classes"]["xor"] == 2
    for dataset in SPECS["dataset"].choices:
        classes = extra["classes"].get(dataset, 2)
        kind = (
            "regression"
            if dataset in REGRESSION
            else "multiclass"
            if classes > 2
            else "classification"
        )
        Config(dataset=dataset, **PROBLEM_DEFAULTS[kind])  # no ConfigError
        for other in set(PROBLEM_DEFAULTS) - {kind}:
            if {kind, other} == {"classification", "multiclass"}:
                continue  # two classes take either: one sigmoid unit, or a 2-way softmax
            with pytest.raises(ConfigError):
                Config(dataset=dataset, **PROBLEM_DEFAULTS[other])


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"dataset": "blobs3"}, "dataset", "3 classes: it needs output softmax"),
        (
            {"dataset": "custom", "classes": 4, "output": "tanh", "loss": "mse"},
            "output",
            "4 classes",
        ),
        ({"output": "softmax"}, "output", "output softmax needs loss ce"),
        ({"loss": "ce"}, "loss", "loss ce needs output softmax"),
        ({"dataset": "plane", "output": "softmax", "loss": "ce"}, "output", "regression"),
        ({"output": "softmax", "loss": "mse"}, "output", "needs loss ce"),
        ({"classes": 7}, "classes", "[2, 6]"),
    ],
)
def test_multiclass_combinations_that_make_no_sense_are_refused(changes, field, words):
    with pytest.raises(ConfigError) as err:
        Config(**changes)
    assert err.value.field == field and words in err.value.message


def test_the_output_layer_has_one_unit_per_class_with_softmax():
    assert Config(dataset="spiral5", hidden=[8, 8], output="softmax", loss="ce").sizes() == [
        2,
        8,
        8,
        5,
    ]
    assert Config(dataset="custom", classes=4, output="softmax", loss="ce").n_classes == 4
    assert Config(output="softmax", loss="ce").sizes() == [2, 2, 2]  # XOR, two classes
    assert (
        Config().sizes() == [2, 2, 1]
        and Config(dataset="plane", output="linear", loss="mse").n_classes is None
    )


def test_the_schemas_outputs_per_problem_are_what_the_config_accepts():
    """The page offers only these; checked against Config's own validation."""
    from engine.activations import OUTPUT_ACTIVATIONS

    (dataset,) = [f for f in Config.schema() if f["name"] == "dataset"]
    problem_outputs = dataset["extra"]["problem_outputs"]
    for name in ("xor4", "plane"):
        problem = "regression" if name in dataset["extra"]["regression"] else "classification"
        for output in OUTPUT_ACTIVATIONS:
            try:
                loss = "ce" if output == "softmax" else "mse"  # softmax takes only ce
                Config.from_dict({"dataset": name, "output": output, "loss": loss})
                accepted = True
            except ConfigError:
                accepted = False
            assert accepted == (output in problem_outputs[problem]), (name, output)


def test_every_refusal_is_one_family_with_a_field_and_a_message():
    """ConfigError and DataError (and the app's ValidationError) share one base, so one
    ``except PlaygroundError`` (or ``ValueError``) answers them all with their field."""

    with pytest.raises(PlaygroundError) as config_err:
        Config(lr=-1)
    with pytest.raises(PlaygroundError) as data_err:
        custom_data([[0.0, 0.0], [1.0, 1.0]], [0.5, 1.0], "classification")
    assert isinstance(config_err.value, ConfigError) and config_err.value.field == "lr"
    assert isinstance(data_err.value, DataError) and data_err.value.field == "labels"
    assert issubclass(PlaygroundError, ValueError)
    # the message alone when it names its field already, else "field: message"
    assert str(PlaygroundError("lr", "lr must be positive")) == "lr must be positive"
    assert str(PlaygroundError("points", "none given")) == "points: none given"


def test_is_custom_is_true_for_your_own_points_only():
    assert not Config().is_custom
    assert Config(dataset="custom", output="softmax", loss="ce", classes=3).is_custom
    assert Config(dataset="custom_regression", output="linear", loss="mse").is_custom
