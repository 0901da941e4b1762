"""Where a sweep's tasks run: here, in local processes, or on a Dask cluster.

A sweep (:mod:`engine.sweep`) is a list of independent tasks, each a pure function
of picklable inputs (a cell's Config and a chunk of its seeds). An executor runs
``fn(task, progress=..., cancel=...)`` for each, wherever it likes and in any order,
and hands each result back with the task's index. It never changes a number: the
tasks are the same whatever runs them, and a task computes the same numbers in any
process, so ``workers=2`` or a cluster gives what one process gives, bit for bit.

* :class:`SerialExecutor`: one task after another in this process; progress after
  every block of epochs, cancel checked as often.
* :class:`ProcessExecutor`: ``workers`` local processes (``spawn``: safe in a program
  that has threads, and what every platform has). A cancel, or Ctrl-C, sets an event
  every worker checks between blocks of epochs: each running task stops within a
  block, tasks not started never start, every process ends, and the tasks that had
  finished are kept. The workers ignore SIGINT themselves (a terminal sends it to
  the whole process group): the parent decides, so no worker dies half-way through
  writing its answer. A worker also stops when its parent is gone.
* :class:`DaskExecutor`: an existing Dask distributed cluster (``dask scheduler`` and
  ``dask worker`` on any machines with this package installed: the task's function
  is pickled by reference, no code of ours is shipped). A worker lost mid-sweep is
  survived: the scheduler runs its tasks again elsewhere, and as tasks are pure, the
  results are the same. Dask is an optional extra (``pip install
  'numpy-playground[cluster]'``), imported only here and only when asked for.
  Progress comes per finished task; a cancel releases the tasks not yet finished
  (a task already running on a worker runs to its end, unseen).

Why not ``multiprocessing.Pool`` or joblib: ``concurrent.futures`` gives futures the
loop can wait on with a timeout (to poll the cancel token and the progress queue)
and cancel, from the standard library.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import multiprocessing
import os
import queue
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event

POLL_SECONDS = 0.1  # how often the parent checks the cancel token and the progress queue
PROGRESS_INTERVAL = 0.1  # a worker's progress reports per task, at most this often
CLUSTER_EXTRA = "pip install 'numpy-playground[cluster]'"

Task = Any
OnDone = Callable[[int, Any], None]  # (task index, its result)
OnProgress = Callable[[int, int], None]  # (task index, epochs it has done)


class CancelToken(Protocol):
    """Anything with ``is_set()`` (e.g. ``threading.Event``): the engine imports no
    threading."""

    def is_set(self) -> bool: ...


class TaskFunction(Protocol):
    """``fn(task, progress=None, cancel=None)``: the task's result, or None if
    ``cancel`` was set before it finished; ``progress(epochs)`` after every block."""

    def __call__(
        self,
        task: Task,
        progress: Callable[[int], Any] | None = None,
        cancel: CancelToken | None = None,
    ) -> Any: ...


class Executor(Protocol):
    def run(
        self,
        fn: TaskFunction,
        tasks: Sequence[Task],
        on_done: OnDone,
        on_progress: OnProgress | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        """Run ``fn`` on every task; ``on_done(i, result)`` as each finishes (in this
        thread, in any order). Returns when all are done, or, once ``cancel`` is set,
        when those under way have stopped (the ones that finished are reported)."""


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message says what to install."""


def cpu_count() -> int:
    """The cores this process may use (its affinity mask where the OS has one)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def parse_workers(workers: int | str) -> int:
    """``workers`` as a count: ``"auto"`` is every core (:func:`cpu_count`)."""
    if workers == "auto":
        return cpu_count()
    if isinstance(workers, str):
        try:
            workers = int(workers)
        except ValueError:
            raise ValueError(f"workers must be a number or 'auto', got {workers!r}") from None
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be >= 1 or 'auto', got {workers!r}")
    return workers


def make_executor(
    workers: int | str = 1,
    scheduler: Any = None,
) -> SerialExecutor | ProcessExecutor | DaskExecutor:
    """The executor for ``workers`` local processes (1: this one), or for a Dask
    ``scheduler`` (an address such as ``"tcp://10.0.0.5:8786"``, or a
    ``distributed.Client``)."""
    if scheduler is not None:
        if workers not in (1, "1"):
            raise ValueError(
                "give workers or a scheduler, not both: a cluster's workers are its own"
            )
        return DaskExecutor(scheduler)
    n = parse_workers(workers)
    return SerialExecutor() if n == 1 else ProcessExecutor(n)


# ---- here ----------------------------------------------------------------------------------


class SerialExecutor:
    """Every task in turn, in this process."""

    def run(
        self,
        fn: TaskFunction,
        tasks: Sequence[Task],
        on_done: OnDone,
        on_progress: OnProgress | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        for i, task in enumerate(tasks):
            report = None if on_progress is None else (lambda e, i=i: on_progress(i, e))
            result = fn(task, progress=report, cancel=cancel)
            if result is None:  # cancelled: the later tasks never start
                return
            on_done(i, result)


# ---- local processes -----------------------------------------------------------------------

# In a worker process: set once by the initializer, read by every task it runs.
_stop: Event | None = None
_reports: Queue[tuple[int, int]] | None = None


def _init_worker(stop: Event, reports: Queue[tuple[int, int]]) -> None:
    global _stop, _reports
    # Ctrl-C reaches every process of the terminal's group: the parent turns it into
    # a cancel, which this worker sees through _stop at its next block.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Waiting on its call queue, a worker would never see its parent go.
    end_with_parent()
    _stop, _reports = stop, reports


def spawn_context() -> multiprocessing.context.SpawnContext:
    """The way every worker process here starts: ``spawn``, safe in a program that
    has threads (``fork`` would copy them half-alive), and what every platform has.
    The server's lab process (app/lab/process.py) starts the same way."""
    return multiprocessing.get_context("spawn")


def parent_alive() -> bool:
    """False once this process's parent is gone. A parent killed by a signal runs no
    exit handlers, so nobody stops its daemon processes: they watch it instead."""
    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


# Linux's parent-death signal (prctl(2)): SIGUSR1 rather than SIGKILL because the
# kernel sends it when the *thread* that started the child ends (the server starts
# its lab process from a short-lived handler thread), not only its process; the
# handler ends this process only if the parent process is really gone.
PR_SET_PDEATHSIG = 1
PARENT_DEATH_SIGNAL = getattr(signal, "SIGUSR1", None)  # Windows has none
PARENT_GONE_EXIT = 3  # the exit status of a child that ended because its parent did


def end_with_parent() -> None:
    """Call first thing in a child process: it ends at once when its parent does.

    Why at once, not by returning: a child's exit waits for its queues' feeder
    threads, and a feeder blocked on a full pipe whose only reader was the parent
    waits for ever (issue 24: the server's lab process, 115 MB, and its resource
    tracker outlived a worker killed with kill -9). ``os._exit`` leaves them; the
    resource tracker then sees every holder of its pipe gone and ends too.

    On Linux, the parent-death signal (set here, then the parent re-checked, in case
    it died before) ends the process within a moment; elsewhere, and as a fallback,
    the callers' own watch (:func:`parent_alive`, polled) calls :func:`parent_gone`.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    parent_pid = parent.pid

    def on_signal(signum: int, frame: object) -> None:
        if os.getppid() != parent_pid:  # reparented: the parent process is gone
            parent_gone()

    if sys.platform.startswith("linux") and PARENT_DEATH_SIGNAL is not None:
        # ValueError: not the main thread, where handlers live; the watch serves then
        with contextlib.suppress(ValueError, OSError, AttributeError):
            signal.signal(PARENT_DEATH_SIGNAL, on_signal)
            ctypes.CDLL(None, use_errno=True).prctl(
                PR_SET_PDEATHSIG, int(PARENT_DEATH_SIGNAL), 0, 0, 0
            )
    if os.getppid() != parent_pid:
        parent_gone()


def parent_gone() -> None:
    """End this process now (see :func:`end_with_parent`): no exit handler runs."""
    os._exit(PARENT_GONE_EXIT)


class _WorkerCancel:
    """The cancel token a task sees in a worker: the parent's event, or the parent gone."""

    def is_set(self) -> bool:
        if _stop is not None and _stop.is_set():
            return True
        return not parent_alive()


def _run_in_worker(fn: TaskFunction, index: int, task: Task) -> Any:
    last = -math.inf

    def progress(epochs: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_INTERVAL and _reports is not None:
            last = now
            _reports.put((index, int(epochs)))

    return fn(task, progress=progress, cancel=_WorkerCancel())


class ProcessExecutor:
    """Tasks on ``workers`` local processes (started for the run, ended after it)."""

    def __init__(self, workers: int):
        self.workers = parse_workers(workers)

    def run(
        self,
        fn: TaskFunction,
        tasks: Sequence[Task],
        on_done: OnDone,
        on_progress: OnProgress | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        if not tasks:
            return
        ctx = spawn_context()
        stop = ctx.Event()
        reports: Queue[tuple[int, int]] = ctx.Queue()
        pool = ProcessPoolExecutor(
            max_workers=min(self.workers, len(tasks)),
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(stop, reports),
        )
        futures: dict[Future[Any], int] = {}
        try:
            with one_blas_thread_each():  # the pool spawns its processes on submit
                futures = {
                    pool.submit(_run_in_worker, fn, i, task): i for i, task in enumerate(tasks)
                }
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                _drain(reports, on_progress)
                for future in sorted(done, key=futures.__getitem__):
                    if future.cancelled():
                        continue
                    result = future.result()  # a task's exception ends the run here
                    if result is not None:
                        on_done(futures[future], result)
                if cancel is not None and cancel.is_set() and not stop.is_set():
                    # tasks under way stop at their next block; the others never start
                    stop.set()
                    for future in pending:
                        future.cancel()
        finally:
            stop.set()
            for future in futures:
                future.cancel()
            pool.shutdown(wait=True)
            reports.close()
            reports.join_thread()


# A worker process is one core's worth of work: N processes, each with OpenBLAS's own
# threads (one per core), put N x cores threads on the cores, and on the 2-core machine
# two workers were slower than one process (0.69x, bench.sweep under load; 1.22x with
# one thread each). The user's own setting wins.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def one_blas_thread_each() -> Iterator[None]:
    """Processes spawned inside start with one BLAS thread (unless the environment
    says otherwise); this process's environment is restored after."""
    added = [name for name in BLAS_THREAD_VARIABLES if name not in os.environ]
    for name in added:
        os.environ[name] = "1"
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def _drain(reports: Queue[tuple[int, int]], on_progress: OnProgress | None) -> None:
    while True:
        try:
            index, epochs = reports.get_nowait()
        except (queue.Empty, OSError, ValueError):
            return
        if on_progress is not None:
            on_progress(index, epochs)


# ---- a Dask cluster ------------------------------------------------------------------------


def import_distributed() -> ModuleType:
    """``distributed``, or :class:`MissingExtra` saying how to install it."""
    try:
        import distributed
    except ImportError as err:
        raise MissingExtra(
            f"running on a Dask cluster needs Dask's distributed scheduler "
            f"({err.name or 'distributed'} is not installed): "
            f"{CLUSTER_EXTRA}"
        ) from None
    return distributed


class DaskExecutor:
    """Tasks on a Dask distributed cluster: ``scheduler`` is its address (a client is
    opened for the run and closed after it) or a ``distributed.Client`` (kept open)."""

    def __init__(self, scheduler: Any, connect_timeout: float = 30.0):
        self.scheduler = scheduler
        self.connect_timeout = connect_timeout
        import_distributed()

    def run(
        self,
        fn: TaskFunction,
        tasks: Sequence[Task],
        on_done: OnDone,
        on_progress: OnProgress | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        distributed = import_distributed()
        if not tasks:
            return
        own = isinstance(self.scheduler, str)
        client = (
            distributed.Client(self.scheduler, timeout=self.connect_timeout, set_as_default=False)
            if own
            else self.scheduler
        )
        futures: list[Any] = []  # distributed.Future
        try:
            with client.as_current():
                futures = client.map(fn, list(tasks), pure=False)
                self._collect(distributed, futures, tasks, on_done, on_progress, cancel)
        finally:
            if futures:
                client.cancel(futures)
            if own:
                client.close()

    @staticmethod
    def _collect(
        distributed: ModuleType,
        futures: list[Any],
        tasks: Sequence[Task],
        on_done: OnDone,
        on_progress: OnProgress | None,
        cancel: CancelToken | None,
    ) -> None:
        # pure=False above: every run is new work, never a result cached by the cluster
        index = {future.key: i for i, future in enumerate(futures)}
        pending = set(futures)
        while pending:
            if cancel is not None and cancel.is_set():
                return
            try:
                done, pending = distributed.wait(
                    pending, timeout=POLL_SECONDS, return_when="FIRST_COMPLETED"
                )
            except TimeoutError:
                continue
            for future in sorted(done, key=lambda f: index[f.key]):
                result = future.result()  # a task's exception ends the run here
                i = index[future.key]
                if on_progress is not None:
                    on_progress(i, _epochs(tasks[i]))
                on_done(i, result)


def _epochs(task: Task) -> int:
    return int(getattr(task, "epochs", 0))
