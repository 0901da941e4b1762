"""NumPy Playground's engine: small neural networks in pure NumPy, K replicas at a time.

No Flask, no threads, no I/O: usable from a notebook. See docs/ENGINE.md.

>>> from engine import MLP, make_optimizer
>>> net = MLP([2, 4, 1], activation="tanh", output="sigmoid", replicas=3, seed=0)
>>> opt = make_optimizer("adam", net.params, lr=0.01)
>>> X = [[0, 0], [0, 1], [1, 0], [1, 1]]
>>> y = [[0], [1], [1], [0]]
>>> loss, grads = net.loss_and_grads(X, y, loss="bce")
>>> opt.step(grads)
>>> loss.shape
(3,)
"""

from . import reference
from .activations import ACTIVATIONS
from .config import FIELDS, SPECS, Config, FieldSpec
from .datasets import DATASETS, Dataset, Split, make_dataset
from .diagnostics import (
    Diagnosis,
    StuckReport,
    check_gradients,
    classify_outcomes,
    diagnose,
    diagnose_trainer,
    explain_stuck,
)
from .errors import ConfigError, DataError, PlaygroundError
from .features import FEATURES, make_features
from .gradcheck import gradient_check
from .initializers import INITIALIZERS
from .landscape import Landscape, TrajectoryRecorder, loss_landscape
from .layout import Layout, ParamArray
from .losses import LOSSES
from .network import MLP, ParamList
from .optimizers import OPTIMIZERS, Optimizer, make_optimizer
from .sweep import GridResult, SweepResult, sweep, sweep_grid, wilson_interval
from .trainer import DataSplit, Frame, Trainer

schema = Config.schema

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "FEATURES",
    "FIELDS",
    "INITIALIZERS",
    "LOSSES",
    "MLP",
    "OPTIMIZERS",
    "SPECS",
    "Config",
    "ConfigError",
    "DataError",
    "PlaygroundError",
    "DataSplit",
    "Dataset",
    "FieldSpec",
    "Frame",
    "Layout",
    "Optimizer",
    "ParamArray",
    "ParamList",
    "Split",
    "Trainer",
    "gradient_check",
    "reference",
    "make_dataset",
    "make_features",
    "make_optimizer",
    "schema",
    "Diagnosis",
    "StuckReport",
    "check_gradients",
    "classify_outcomes",
    "diagnose",
    "diagnose_trainer",
    "explain_stuck",
    "Landscape",
    "TrajectoryRecorder",
    "loss_landscape",
    "GridResult",
    "SweepResult",
    "sweep",
    "sweep_grid",
    "wilson_interval",
]
