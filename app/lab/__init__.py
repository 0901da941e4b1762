"""The lab: restart-lab runs, phase diagrams, gradient checks and loss landscapes, off
the live sessions' threads, in a worker process the app owns.

* :mod:`app.lab.requests`: what a client may ask, checked into typed requests;
* :mod:`app.lab.jobs`: the job records that travel to the worker process, and their cost;
* :mod:`app.lab.phase`: a phase diagram's grid and each cell's shape;
* :mod:`app.lab.worker`: :class:`LabWorker`, one session's jobs (its limits, its cancels);
* :mod:`app.lab.process`: :class:`LabRunner`, the worker process and its turn-taking;
* :mod:`app.lab.fair`: which runs start, one per session in turn;
* :mod:`app.lab.runs`: how each kind of job runs there, and what it answers.

The app owns its runner (flaskr's ``create_app``: per-app objects, no process
globals): :func:`install` makes one in ``app.extensions[EXTENSION]``, the socket
handlers reach it with :func:`get_runner` and give it to each session's LabWorker
(:func:`worker_for`), and whoever stops the app stops it (:meth:`LabRunner.stop`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .jobs import MAX_COST, TooCostly
from .process import LabRunner
from .requests import parse_lab, parse_landscape, parse_phase
from .worker import LabWorker, worker_for

if TYPE_CHECKING:
    from flask import Flask

EXTENSION = "playground.lab"


def install(app: Flask) -> LabRunner:
    """Give ``app`` its own LabRunner (its worker process starts on the first job)."""
    runner = app.extensions[EXTENSION] = LabRunner()
    return runner


def get_runner(app: Flask) -> LabRunner:
    """``app``'s LabRunner (see :func:`install`)."""
    return app.extensions[EXTENSION]


__all__ = [
    "EXTENSION",
    "MAX_COST",
    "LabRunner",
    "LabWorker",
    "TooCostly",
    "get_runner",
    "install",
    "parse_lab",
    "parse_landscape",
    "parse_phase",
    "worker_for",
]
