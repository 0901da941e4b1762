"""Learning-rate schedules against PyTorch's own ``torch.optim.lr_scheduler`` classes.

The numbers are torch's, kept in tests/fixtures/schedule_cases.json by
tests/fixtures/make_schedule_fixtures.py (CI has no torch): StepLR(20, 0.5),
CosineAnnealingLR(100, 0.001), CyclicLR in its three modes (one with SGD momentum,
which ``cycle_momentum=False`` leaves alone) and OneCycleLR (cos; three-phase linear),
each stepped once per epoch for 150 epochs of full-batch SGD. Where torch is installed,
the same runs are made live too (importorskip), so the fixture cannot drift from it.
"""

from __future__ import annotations

import numpy as np
import pytest
from schedule_helpers import assert_weights_close, engine_run, fixture, generator

from engine.schedules import SCHEDULES, lr_sequence

FIXTURE = fixture()
CASES = FIXTURE["cases"]


def test_the_fixture_covers_every_schedule_torch_has_a_class_for():
    assert {case["config"]["lr_schedule"] for case in CASES.values()} == set(SCHEDULES) - {
        "constant"
    }
    assert FIXTURE["epochs"] == 150


@pytest.mark.parametrize("name", CASES)
def test_the_rates_are_torchs_epoch_by_epoch(name):
    case = CASES[name]
    ours = lr_sequence(case["config"] | _defaults_for(case), 0, FIXTURE["epochs"])
    np.testing.assert_allclose(ours, case["lrs"], rtol=1e-13, atol=0)


@pytest.mark.parametrize("name", CASES)
def test_weights_after_150_epochs_of_sgd_match_torch(name):
    case = CASES[name]
    trainer, lrs = engine_run(case["config"], FIXTURE["data"], FIXTURE["epochs"])
    np.testing.assert_allclose(lrs, case["lrs"], rtol=1e-13, atol=0)
    assert_weights_close(trainer, case["weights"], rtol=1e-9)
    # cycle_momentum=False: the momentum the run was given is the one it keeps
    assert trainer.optimizer.momentum == case["momentum_after"]


def test_torch_cycles_the_momentum_unless_told_not_to():
    """Why the exported scripts pass cycle_momentum=False: torch's default would have
    moved SGD's momentum (the fixture's run kept 0.5, the given value)."""
    case = CASES["cyclic_triangular2_momentum"]
    assert case["momentum_after"] == 0.5
    assert "cycle_momentum" in generator().CASES["cyclic_triangular2_momentum"]["torch"][1]


@pytest.mark.parametrize("name", CASES)
def test_live_torch_gives_the_fixture(name):
    pytest.importorskip("torch")
    module = generator()
    theirs = module.run_case(module.CASES[name], module.setup(), FIXTURE["epochs"])
    assert theirs["lrs"] == pytest.approx(CASES[name]["lrs"], rel=1e-15)
    trainer, _ = engine_run(CASES[name]["config"], FIXTURE["data"], FIXTURE["epochs"])
    assert_weights_close(trainer, theirs["weights"], rtol=1e-9)


def _defaults_for(case: dict) -> dict:
    """The Config's defaults for the fields a case leaves out (lr_sequence reads the
    values it is given)."""
    from engine import Config

    return {k: v for k, v in Config().to_dict().items() if k not in case["config"]}
