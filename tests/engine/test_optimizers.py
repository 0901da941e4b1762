"""Each optimizer's first three steps against its published formula, worked by hand.

The expected values are computed here, element by element in plain Python floats,
straight from the formulas in torch.optim's documentation, never by calling the
engine's own code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import MLP, make_optimizer
from engine.optimizers import OPTIMIZERS

P0 = [0.5, -1.0, 2.0, 0.0, -0.25, 1.5]
# Three gradients with sign changes, a zero and repeated values, so that every
# branch of Rprop (grow, shrink, hold) and every moment update is exercised.
GRADS = [
    [0.1, -2.0, 0.5, 0.0, 3.0, -1.0],
    [0.2, 1.0, -0.5, 1.0, 3.0, -1.0],
    [-0.3, 1.0, 0.5, 1.0, 0.0, -2.0],
]


def engine_steps(name: str, **hyper) -> list[np.ndarray]:
    """Params after each of 3 steps, on a (K=2, 3) array; replica 1 mirrors the first."""
    p = np.array([P0[:3], P0[3:]])
    opt = make_optimizer(name, [p], **hyper)
    out = []
    for g in GRADS:
        opt.step([np.array([g[:3], g[3:]])])
        out.append(p.ravel().copy())
    return out


def check(name, expected, **hyper):
    got = engine_steps(name, **hyper)
    for step, (e, g) in enumerate(zip(expected, got, strict=True), start=1):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15, err_msg=f"step {step}")


def by_hand(update):
    """Apply ``update(i, p, g, state, t) -> new p`` to each entry for 3 steps."""
    p = list(P0)
    states = [{} for _ in p]
    out = []
    for t, g in enumerate(GRADS, start=1):
        p = [update(i, p[i], g[i], states[i], t) for i in range(len(p))]
        out.append(list(p))
    return out


@pytest.mark.parametrize(
    ("momentum", "dampening", "nesterov"),
    [(0.0, 0.0, False), (0.9, 0.0, False), (0.9, 0.3, False), (0.8, 0.0, True)],
)
def test_sgd(momentum, dampening, nesterov):
    lr = 0.1

    def update(i, p, g, s, t):
        # b_1 = g_1; b_t = momentum b_{t-1} + (1 - dampening) g_t
        if momentum:
            s["b"] = g if t == 1 else momentum * s["b"] + (1 - dampening) * g
            d = g + momentum * s["b"] if nesterov else s["b"]
        else:
            d = g
        return p - lr * d

    check("sgd", by_hand(update), lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov)


@pytest.mark.parametrize(("lr_decay", "init_acc"), [(0.0, 0.0), (0.5, 0.1)])
def test_adagrad(lr_decay, init_acc):
    lr, eps = 0.2, 1e-10

    def update(i, p, g, s, t):
        clr = lr / (1 + (t - 1) * lr_decay)
        s["sum"] = s.get("sum", init_acc) + g * g
        return p - clr * g / (math.sqrt(s["sum"]) + eps)

    check("adagrad", by_hand(update), lr=lr, lr_decay=lr_decay, initial_accumulator_value=init_acc)


@pytest.mark.parametrize(
    ("momentum", "centered"), [(0.0, False), (0.0, True), (0.7, False), (0.7, True)]
)
def test_rmsprop(momentum, centered):
    lr, alpha, eps = 0.01, 0.9, 1e-8

    def update(i, p, g, s, t):
        s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * g * g
        if centered:
            s["c"] = alpha * s.get("c", 0.0) + (1 - alpha) * g
            avg = math.sqrt(s["v"] - s["c"] ** 2) + eps
        else:
            avg = math.sqrt(s["v"]) + eps
        if momentum:
            s["b"] = momentum * s.get("b", 0.0) + g / avg
            return p - lr * s["b"]
        return p - lr * g / avg

    check(
        "rmsprop",
        by_hand(update),
        lr=lr,
        alpha=alpha,
        eps=eps,
        momentum=momentum,
        centered=centered,
    )


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam(amsgrad):
    lr, b1, b2, eps = 0.05, 0.8, 0.9, 1e-8

    def update(i, p, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        v = s["v"]
        if amsgrad:
            s["vmax"] = max(s.get("vmax", 0.0), s["v"])
            v = s["vmax"]
        m_hat = s["m"] / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        return p - lr * m_hat / (math.sqrt(v_hat) + eps)

    check("adam", by_hand(update), lr=lr, betas=(b1, b2), eps=eps, amsgrad=amsgrad)


def test_adam_first_step_is_lr_times_sign():
    """The classic sanity check: Adam's first step moves every entry by ~lr."""
    steps = engine_steps("adam", lr=0.01)
    moved = np.abs(steps[0] - np.array(P0))
    nonzero = np.array([g != 0 for g in GRADS[0]])
    np.testing.assert_allclose(moved[nonzero], 0.01, rtol=1e-6)
    assert moved[~nonzero].max() == 0.0


def test_rprop():
    lr, eta_minus, eta_plus, smin, smax = 0.1, 0.5, 1.2, 1e-6, 0.15

    def update(i, p, g, s, t):
        prev = s.get("prev", 0.0)
        step = s.get("step", lr)
        if g * prev > 0:
            step = min(step * eta_plus, smax)
        elif g * prev < 0:
            step = max(step * eta_minus, smin)
            g = 0.0  # iRprop-: no move right after a sign change
        s["step"], s["prev"] = step, g
        return p - math.copysign(step, g) if g != 0 else p

    check("rprop", by_hand(update), lr=lr, etas=(eta_minus, eta_plus), step_sizes=(smin, smax))


def test_rprop_first_three_steps_by_number():
    """A fully written-out case: g = +1, +1, -1 from p = 0 with lr 0.1."""
    p = np.zeros((1, 1))
    opt = make_optimizer("rprop", [p], lr=0.1)
    seen = []
    for g in (1.0, 1.0, -1.0):
        opt.step([np.full((1, 1), g)])
        seen.append(p.item())
    # -0.1; then the same sign: step 0.12 -> -0.22; then a sign change: step 0.06, no move
    np.testing.assert_allclose(seen, [-0.1, -0.22, -0.22])
    np.testing.assert_allclose(opt.state[0]["step_size"], 0.06)


# ---------------------------------------------------------------- behaviour


@pytest.mark.parametrize("name", ["sgd", "adagrad", "rmsprop", "adam", "rprop"])
def test_flat_paramlist_and_plain_list_agree(name):
    """The network's one-buffer fast path gives the same numbers as a list of arrays."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2))
    y = (rng.random((6, 1)) > 0.5).astype(float)
    a = MLP([2, 3, 2, 1], "tanh", "sigmoid", replicas=3, seed=1)
    b = a.copy()
    hyper = {"lr": 0.05, "momentum": 0.5} if name in ("sgd", "rmsprop") else {"lr": 0.05}
    opt_a = make_optimizer(name, a.params, **hyper)  # the ParamList: flat path
    opt_b = make_optimizer(name, list(b.params), **hyper)  # a plain list
    for _ in range(4):
        opt_a.step(a.loss_and_grads(X, y)[1])
        opt_b.step(b.loss_and_grads(X, y)[1])
    for pa, pb in zip(a.params, b.params, strict=True):
        np.testing.assert_allclose(pa, pb, rtol=1e-13, atol=1e-15)


def test_hyper_parameters_change_without_losing_state():
    """Adam with lr changed before step 3 = moments of steps 1-2 kept, new lr used."""
    p = np.array([[1.0]])
    opt = make_optimizer("adam", [p], lr=0.1, betas=(0.9, 0.99))
    g = [np.array([[0.5]]), np.array([[-0.2]]), np.array([[0.3]])]
    opt.step([g[0]])
    opt.step([g[1]])
    opt.lr = 0.01
    opt.set_hyper(betas=(0.5, 0.99))
    opt.step([g[2]])
    m = v = 0.0
    q = 1.0
    for t, (gt, lr, b1) in enumerate(
        zip([0.5, -0.2, 0.3], [0.1, 0.1, 0.01], [0.9, 0.9, 0.5], strict=True), start=1
    ):
        m = b1 * m + (1 - b1) * gt
        v = 0.99 * v + 0.01 * gt * gt
        q -= lr / (1 - b1**t) * m / (math.sqrt(v) / math.sqrt(1 - 0.99**t) + 1e-8)
    np.testing.assert_allclose(p.item(), q, rtol=1e-12)
    assert opt.t == 3


@pytest.mark.parametrize("name", ["sgd", "adagrad", "rmsprop", "adam", "rprop"])
def test_inactive_replicas_are_left_untouched(name):
    p = np.ones((3, 2))
    opt = make_optimizer(name, [p], lr=0.1)
    g = np.array([[1.0, -1.0], [np.nan, np.inf], [2.0, 0.5]])
    active = np.array([True, False, True])
    opt.step([g], active=active)
    opt.step([g], active=active)
    np.testing.assert_array_equal(p[1], [1.0, 1.0])
    assert np.isfinite(p).all()
    assert (p[[0, 2]] != 1.0).any()


def test_bad_names_and_values_are_refused():
    p = [np.zeros((1, 2))]
    with pytest.raises(ValueError, match="unknown optimizer"):
        make_optimizer("lbfgs", p)
    with pytest.raises(TypeError, match="weight_decay"):
        make_optimizer("sgd", p, weight_decay=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        make_optimizer("adam", p, lr=-1.0)
    with pytest.raises(ValueError, match="beta"):
        make_optimizer("adam", p, betas=(1.0, 0.999))
    with pytest.raises(ValueError, match="Nesterov"):
        make_optimizer("sgd", p, nesterov=True)
    with pytest.raises(ValueError, match="eta"):
        make_optimizer("rprop", p, etas=(1.5, 1.2))


def test_a_refused_change_leaves_the_old_hyper_parameters():
    opt = make_optimizer("adam", [np.zeros((1, 2))], lr=0.1)
    with pytest.raises(ValueError):
        opt.set_hyper(lr=0.5, betas=(1.5, 0.9))
    assert opt.lr == 0.1 and opt.betas == (0.9, 0.999)


def test_defaults_are_torchs():
    p = [np.zeros((1, 1))]
    assert make_optimizer("sgd", p).hyper == {
        "lr": 1e-3,
        "momentum": 0.0,
        "dampening": 0.0,
        "nesterov": False,
    }
    assert make_optimizer("adam", p).hyper == {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "amsgrad": False,
    }
    assert make_optimizer("rmsprop", p).hyper == {
        "lr": 1e-2,
        "alpha": 0.99,
        "eps": 1e-8,
        "momentum": 0.0,
        "centered": False,
    }
    assert make_optimizer("adagrad", p).hyper == {
        "lr": 1e-2,
        "lr_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
    }
    assert make_optimizer("rprop", p).hyper == {
        "lr": 1e-2,
        "etas": (0.5, 1.2),
        "step_sizes": (1e-6, 50.0),
    }


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_declares_its_display_name_and_rule(name):
    cls = OPTIMIZERS[name]
    assert cls.name == name and cls.label and cls.rule.startswith(f"torch.optim.{cls.__name__}'s")
