"""Optional cross-check against torch.optim itself; skipped when torch is absent.

CI has no torch; run it by hand in a venv with torch to confirm that the update
rules (not only our reading of the formulas) agree.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import make_optimizer

torch = pytest.importorskip("torch")

CASES = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.2}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.3, "initial_accumulator_value": 0.2}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.01, "betas": (0.5, 0.9), "amsgrad": True}),
    ("rprop", {"lr": 0.05}),
    ("rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
]
TORCH = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam", "rprop": "Rprop"}


@pytest.mark.parametrize(("name", "hyper"), CASES)
def test_matches_torch_optim(name, hyper):
    rng = np.random.default_rng(0)
    p0 = rng.normal(size=(3, 4))
    grads = rng.normal(size=(20, 3, 4))
    grads[5:8] *= -1  # sign changes for Rprop
    ours = p0.copy()
    opt = make_optimizer(name, [ours], **hyper)
    theirs = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    topt = getattr(torch.optim, TORCH[name])([theirs], **hyper)
    for g in grads:
        opt.step([g])
        theirs.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


# ---- the reference (the fast path's oracle) against torch autograd ---------------------

REFERENCE_ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": torch.relu,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "elu": torch.nn.functional.elu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": torch.nn.functional.softplus,
    "swish": torch.nn.functional.silu,
}
OUTPUTS = {
    "linear": lambda z: z,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softmax": lambda z: torch.softmax(z, dim=1),
}
PAIRS = [
    ("sigmoid", "bce"),
    ("sigmoid", "mse"),
    ("tanh", "mse"),
    ("linear", "mse"),
    ("softmax", "ce"),
]
REGS = {"none": (0.0, 0.0), "l1": (0.01, 0.0), "l2": (0.0, 0.05), "l1+l2": (0.01, 0.05)}


@pytest.mark.parametrize("reg", REGS)
@pytest.mark.parametrize(("output", "loss"), PAIRS)
@pytest.mark.parametrize("activation", REFERENCE_ACTIVATIONS)
def test_the_reference_matches_torch_autograd(activation, output, loss, reg):
    from engine import reference

    rng = np.random.default_rng(1)
    sizes = [2, 4, 3, 5 if output == "softmax" else 1]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        params += [rng.normal(0, 0.8, (fan_in, fan_out)), rng.normal(0, 0.3, fan_out)]
    X = rng.normal(size=(9, 2))
    labels = (rng.random((9, 1)) > 0.5).astype(float)
    y = {
        "sigmoid": labels,
        "tanh": 2 * labels - 1,
        "linear": rng.normal(size=(9, 1)),
        "softmax": rng.integers(0, 5, 9),
    }[output]
    l1, l2 = REGS[reg]
    value, grads = reference.loss_and_grads(params, X, y, activation, output, loss, l1, l2)

    tp = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    a = torch.tensor(X)
    for i in range(0, len(tp), 2):
        z = a @ tp[i] + tp[i + 1]
        last = i == len(tp) - 2
        a = OUTPUTS[output](z) if last else REFERENCE_ACTIVATIONS[activation](z)
    target = torch.tensor(y)
    if loss == "ce":  # torch's own cross-entropy from the logits, mean over the points
        data = torch.nn.functional.cross_entropy(z, target)
    elif loss == "bce":
        data = torch.nn.functional.binary_cross_entropy_with_logits(z, target)
    else:
        data = torch.nn.functional.mse_loss(a, target)
    weights = tp[0::2]
    total = data + sum(l1 * w.abs().sum() + 0.5 * l2 * (w**2).sum() for w in weights)
    total.backward()
    assert value == pytest.approx(total.item(), rel=1e-13)
    for mine, theirs in zip(grads, tp, strict=True):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("k", [1, 4])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_the_fast_softmax_net_matches_torch_cross_entropy(activation, k):
    """MLP itself (K replicas, its programs) against F.cross_entropy, 6 classes."""
    from engine import MLP

    rng = np.random.default_rng(7)
    net = MLP(
        [2, 5, 6], activation, "softmax", replicas=k, init="normal", init_std=0.9, bias_init=0.2
    )
    X = rng.normal(size=(11, 2))
    y = rng.integers(0, 6, 11)
    value, grads = net.loss_and_grads(X, y, loss="ce")
    for r in range(k):
        tp = [torch.tensor(p[r], dtype=torch.float64, requires_grad=True) for p in net.params]
        h = REFERENCE_ACTIVATIONS[activation](torch.tensor(X) @ tp[0] + tp[1])
        total = torch.nn.functional.cross_entropy(h @ tp[2] + tp[3], torch.tensor(y))
        total.backward()
        assert value[r] == pytest.approx(total.item(), rel=1e-13)
        for mine, theirs in zip(grads, tp, strict=True):
            np.testing.assert_allclose(mine[r], theirs.grad.numpy(), rtol=1e-12, atol=1e-15)
