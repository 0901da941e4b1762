"""The fast path against the readable reference (engine/reference.py), its oracle.

For every hidden activation × output × loss × regularisation: the network's loss and
gradients (K = 1 and K > 1, float64 and float32, one input set for all replicas or
one per replica as mini-batches are), every layer's values as diagnostics and frames
read them, and whole Trainer runs (full batch and mini-batch, each replica with its
own shuffle) against the reference's equations and a plain SGD loop over them.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine import ACTIVATIONS, LOSSES, MLP, Config, Trainer, reference
from engine.activations import OUTPUTS
from engine.network import generator_from_state

PAIRS = [(out, loss) for loss, spec in LOSSES.items() for out in spec.outputs]
REGS = {"none": (0.0, 0.0), "l1": (0.01, 0.0), "l2": (0.0, 0.05), "l1+l2": (0.01, 0.05)}
KINKED = ("relu", "leaky_relu")  # f' jumps at 0
# derandomize: the same examples on every run and machine (no flaky CI)
PROPERTY = settings(max_examples=6, deadline=None, derandomize=True)
TOLERANCE = {"float64": (1e-9, 1e-12), "float32": (2e-4, 2e-5)}  # rtol, atol per unit scale

hidden_layers = st.lists(st.integers(1, 5), min_size=0, max_size=3)


def test_the_reference_knows_every_activation_and_loss():
    for name in ACTIVATIONS:  # each declaration carries its readable f and f'
        f, f_prime = reference.formulas(name)
        assert callable(f) and callable(f_prime)
    assert {loss for _, loss in PAIRS} == set(LOSSES)


CLASSES = 3  # the softmax nets' output units


def _out_units(output: str) -> int:
    return CLASSES if output == "softmax" else 1


def _targets(rng, output: str, shape) -> np.ndarray:
    if output == "softmax":  # integer labels, (N,) or (K, N)
        return rng.integers(0, CLASSES, shape[:-1])
    labels = (rng.random(shape) > 0.5).astype(float)
    if output == "tanh":
        return 2 * labels - 1
    if output == "linear":
        return rng.normal(size=shape)
    return labels


def _close(fast, ref, dtype: str, what: str) -> None:
    rtol, atol = TOLERANCE[dtype]
    scale = 1.0 + float(np.max(np.abs(ref))) if np.size(ref) else 1.0
    np.testing.assert_allclose(
        np.asarray(fast, float), ref, rtol=rtol, atol=atol * scale, err_msg=what
    )


def _away_from_kinks(params, X, activation):
    """No hidden pre-activation within rounding of a ReLU kink (f' differs there)."""
    names = [activation] if isinstance(activation, str) else activation
    if not set(names) & set(KINKED):
        return True
    layers = reference.forward(params, X, activation)
    return all(np.abs(Z).min() > 1e-4 for Z, _ in layers[:-1])


@pytest.mark.parametrize("reg", REGS)
@pytest.mark.parametrize(("output", "loss"), PAIRS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@PROPERTY
@given(
    hidden=hidden_layers,
    k=st.sampled_from([1, 4]),
    dtype=st.sampled_from(["float64", "float32"]),
    n=st.integers(1, 12),
    per_replica=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_loss_and_gradients_match_the_reference(
    activation, output, loss, reg, hidden, k, dtype, n, per_replica, seed
):
    rng = np.random.default_rng(seed)
    net = MLP([2, *hidden, _out_units(output)], activation, output, replicas=k, dtype=dtype)
    net.flat[...] = rng.normal(0.0, 0.8, net.flat.shape)
    X = rng.normal(size=(k, n, 2) if per_replica else (n, 2))
    y = _targets(rng, output, (k, n, 1) if per_replica else (n, 1))
    l1, l2 = REGS[reg]
    params = [[p[r].astype(float) for p in net.params] for r in range(k)]
    inputs = [(X[r] if per_replica else X, y[r] if per_replica else y) for r in range(k)]
    assume(
        all(
            _away_from_kinks(p, x.astype(net.dtype).astype(float), activation)
            for p, (x, _) in zip(params, inputs, strict=True)
        )
    )
    value, grads = net.loss_and_grads(X, y, loss=loss, l1=l1, l2=l2)
    for r in range(k):
        x, t = inputs[r]
        x = x.astype(net.dtype).astype(float)  # what the net sees in its own dtype
        ref_value, ref_grads = reference.loss_and_grads(
            params[r], x, t, activation, output, loss, l1, l2
        )
        _close(value[r], ref_value, dtype, f"loss of replica {r}")
        for entry, g, ref_g in zip(net.layout, grads, ref_grads, strict=True):
            _close(g[r], ref_g, dtype, f"{entry.name} of replica {r}")


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_layer_as_diagnostics_and_frames_read_it_matches_the_reference(
    activation, output, dtype, monkeypatch
):
    """forward_layers (diagnostics: all replicas, here in chunks of replicas, the last
    one a single replica), forward, and layer_outputs (frames: one replica, float32,
    weights scaled in copies) against the reference's (Z, A) per layer."""
    monkeypatch.setattr("engine.network.CHUNK_ELEMENTS", 2048)  # 3 replicas a chunk
    rng = np.random.default_rng(hash((activation, output, dtype)) % 2**32)
    net = MLP([3, 5, 4, _out_units(output)], activation, output, replicas=7, dtype=dtype)
    net.flat[...] = rng.normal(0.0, 0.7, net.flat.shape)
    X = rng.uniform(-3, 3, (130, 3))
    before = net.flat.copy()
    kept = net.forward_layers(X)
    out = net.forward(X)
    for r in (0, 3, 6):
        params = [p[r].astype(float) for p in net.params]
        layers = reference.forward(params, X.astype(net.dtype).astype(float), activation, output)
        for index, ((Z, A), (ref_Z, ref_A)) in enumerate(zip(kept, layers, strict=True)):
            _close(Z[r].T, ref_Z, dtype, f"Z{index + 1} of replica {r}")
            _close(A[r].T, ref_A, dtype, f"A{index + 1} of replica {r}")
        _close(out[r], layers[-1][1], dtype, f"forward of replica {r}")
        frame = net.layer_outputs(X, replica=r, dtype="float32")
        _close(frame[0].T, X, "float32", "frame inputs")
        for index, (mine, (_, ref_A)) in enumerate(zip(frame[1:], layers, strict=True)):
            _close(mine.T, ref_A, "float32", f"frame layer {index + 1} of replica {r}")
    np.testing.assert_array_equal(net.flat, before)  # frames scale copies, never the net


def _reference_run(trainer: Trainer, epochs: int, lr: float) -> tuple[list, list]:
    """Plain SGD over the reference's gradients, replica by replica, from the trainer's
    starting weights, with each replica's own generator shuffling its mini-batches as
    the Trainer's docstring says: (final params per replica, loss per epoch and replica)."""
    cfg = trainer.config
    X, T = trainer.train.X.astype(float), trainer.train.target.astype(float)
    n = len(X)
    b = cfg.batch_size if 0 < cfg.batch_size < n else n
    l1, l2 = cfg.penalty()
    finals, losses = [], []
    for r, rng in enumerate(trainer.net.rngs):
        rng = generator_from_state(rng.bit_generator.state)
        params = [p[r].astype(float) for p in trainer.net.params]
        curve = []
        for _ in range(epochs):
            curve.append(
                reference.loss_and_grads(
                    params, X, T, cfg.activation, cfg.output, cfg.loss, l1, l2
                )[0]
            )
            order = rng.permutation(n) if b < n else np.arange(n)
            for start in range(0, n, b):
                batch = order[start : start + b]
                _, grads = reference.loss_and_grads(
                    params, X[batch], T[batch], cfg.activation, cfg.output, cfg.loss, l1, l2
                )
                params = [p - lr * g for p, g in zip(params, grads, strict=True)]
        curve.append(
            reference.loss_and_grads(params, X, T, cfg.activation, cfg.output, cfg.loss, l1, l2)[0]
        )
        finals.append(params)
        losses.append(curve)
    return finals, losses


@pytest.mark.parametrize("reg", ["none", "l1", "l2"])
@pytest.mark.parametrize(("output", "loss"), PAIRS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@settings(max_examples=3, deadline=None, derandomize=True)
@given(
    k=st.sampled_from([1, 3]),
    dtype=st.sampled_from(["float64", "float32"]),
    batch=st.sampled_from([0, 5]),
    hidden=st.lists(st.integers(1, 4), min_size=1, max_size=2),
)
def test_trainer_runs_match_plain_sgd_over_the_reference(
    activation, output, loss, reg, k, dtype, batch, hidden
):
    """Full batch (one update an epoch) and mini-batches of 5 over each replica's own
    shuffle: the weights after 3 epochs and the recorded training losses."""
    # points on [-6, 6]²: a step small enough that no run blows up in 3 epochs
    lr = 0.003 if output == "linear" else 0.05
    dataset = {"linear": "plane", "softmax": "blobs3"}.get(output, "circle")
    cfg = Config(
        dataset=dataset,
        n_points=28,
        noise=20,
        hidden=hidden,
        activation=activation,
        output=output,
        loss=loss,
        optimizer="sgd",
        lr=lr,
        batch_size=batch,
        regularization=reg,
        reg_rate=0.01 if reg != "none" else 0.0,
        dtype=dtype,
        init="normal",
        init_std=0.6,
        bias_init=0.1,
    )
    trainer = Trainer(cfg, replicas=k)
    finals, losses = _reference_run(trainer, 3, lr)
    trainer.step(3)
    history = trainer.history["train_loss"]
    for r in range(k):
        for entry, p, ref in zip(trainer.net.layout, trainer.net.params, finals[r], strict=True):
            _close(p[r], ref, dtype, f"{entry.name} of replica {r}")
        _close(history[:, r], losses[r], dtype, f"training losses of replica {r}")


# ---- one activation per hidden layer -------------------------------------------------

per_layer_nets = st.lists(st.integers(1, 4), min_size=2, max_size=3).flatmap(
    lambda hidden: st.tuples(
        st.just(hidden),
        st.lists(st.sampled_from(list(ACTIVATIONS)), min_size=len(hidden), max_size=len(hidden)),
    )
)


@pytest.mark.parametrize(("output", "loss"), PAIRS)
@settings(max_examples=12, deadline=None, derandomize=True)
@given(net_shape=per_layer_nets, k=st.sampled_from([1, 4]), seed=st.integers(0, 2**32 - 1))
def test_per_layer_activations_match_the_reference(output, loss, net_shape, k, seed):
    """Each hidden layer its own activation: loss, gradients, every layer's (Z, A) and
    the frames' float32 pass against the reference, which applies layer l's name."""
    hidden, names = net_shape
    rng = np.random.default_rng(seed)
    net = MLP([2, *hidden, _out_units(output)], names, output, replicas=k)
    assert net.activations == tuple(names)
    net.flat[...] = rng.normal(0.0, 0.8, net.flat.shape)
    X = rng.normal(size=(9, 2))
    y = _targets(rng, output, (9, 1))
    params = [[p[r].copy() for p in net.params] for r in range(k)]
    assume(all(_away_from_kinks(p, X, names) for p in params))
    value, grads = net.loss_and_grads(X, y, loss=loss, l1=0.01)
    kept = net.forward_layers(X)
    for r in range(k):
        ref_value, ref_grads = reference.loss_and_grads(params[r], X, y, names, output, loss, 0.01)
        _close(value[r], ref_value, "float64", f"loss of replica {r}")
        for entry, g, ref_g in zip(net.layout, grads, ref_grads, strict=True):
            _close(g[r], ref_g, "float64", f"{entry.name} of replica {r}")
        layers = reference.forward(params[r], X, names, output)
        frame = net.layer_outputs(X, replica=r, dtype="float32")
        for index, ((Z, A), (ref_Z, ref_A)) in enumerate(zip(kept, layers, strict=True)):
            _close(Z[r].T, ref_Z, "float64", f"Z{index + 1} of replica {r}")
            _close(A[r].T, ref_A, "float64", f"A{index + 1} of replica {r}")
            _close(frame[index + 1].T, ref_A, "float32", f"frame layer {index + 1}")


def test_a_per_layer_trainer_run_matches_plain_sgd_over_the_reference():
    """relu, then tanh, then sigmoid hidden layers, mini-batches: the Trainer's weights
    and losses after 3 epochs are the reference's plain SGD's."""
    cfg = Config(
        dataset="circle",
        n_points=28,
        noise=20,
        hidden=[3, 4, 2],
        activation=["relu", "tanh", "sigmoid"],
        optimizer="sgd",
        lr=0.05,
        batch_size=5,
        init="normal",
        init_std=0.6,
        bias_init=0.1,
    )
    trainer = Trainer(cfg, replicas=2)
    assert trainer.net.activations == ("relu", "tanh", "sigmoid")
    finals, losses = _reference_run(trainer, 3, 0.05)
    trainer.step(3)
    for r in range(2):
        for entry, p, ref in zip(trainer.net.layout, trainer.net.params, finals[r], strict=True):
            _close(p[r], ref, "float64", f"{entry.name} of replica {r}")
        _close(trainer.history["train_loss"][:, r], losses[r], "float64", "training losses")


def test_an_mlp_refuses_a_list_of_the_wrong_length():
    with pytest.raises(ValueError, match="3 names for 2 hidden layers"):
        MLP([2, 3, 3, 1], ["relu", "tanh", "elu"])
