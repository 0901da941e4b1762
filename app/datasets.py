"""Small previews of every data set, for the page's data-set picker (/api/datasets)."""

from __future__ import annotations

import functools

import numpy as np

from engine import Config
from engine.datasets import GENERATED, make_dataset, task_of

PREVIEW_POINTS = 100


@functools.lru_cache(maxsize=1)
def dataset_previews() -> dict[str, dict]:
    """``{name: {"problem", "classes", "domain", "points": [[x, y, label], ...]}}`` at the
    defaults, for every generator (your own points have no preview: they are yours)."""
    defaults = Config()
    previews = {}
    for name in GENERATED:
        data = make_dataset(
            name,
            n_points=PREVIEW_POINTS,
            noise=defaults.noise,
            train_share=defaults.train_share,
            seed=defaults.data_seed,
        )
        parts = [(data.train.points, data.train.y)]
        if not data.test_is_train:
            parts.append((data.test.points, data.test.y))
        points = np.concatenate([p for p, _ in parts])
        labels = np.concatenate([y for _, y in parts]).reshape(-1, 1)
        rows = np.round(np.hstack([points, labels]), 4).tolist()
        previews[name] = {
            "problem": task_of(name),
            "classes": data.classes,
            "domain": [float(v) for v in data.domain],
            "points": rows,
        }
    return previews
