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
TORCH = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam",
         "rprop": "Rprop"}


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
