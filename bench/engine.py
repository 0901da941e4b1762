"""Engine speed, from one run: ``python -m bench.engine`` (also run by ``python -m bench``).

Prints medians of 11 timed repeats and the ratios to the issue's targets:

1. full-batch steps/s of a 2-4-2-1 net on 400 points (float64), SGD and Adam, for the
   engine (``loss_and_grads`` + ``opt.step``) and for the plain NumPy baseline in
   ``bench/baseline_numpy.py`` (target: engine >= 2x baseline);
2. epochs/s with mini-batches of 10 on 250 points, through the Trainer, with the
   per-epoch history (full train and test losses and accuracies) included
   (target >= 1,000);
3. network-steps/s for K = 1, 10, 100, 1000 replicas
   (target: K = 1000 >= 5x the baseline's single-network rate);
4. the time of one frame: a 100 x 100 grid with every neuron's output of a
   2-8x6-1 net (target <= 3 ms).

Engine and baseline repeats alternate, so that both see the same machine load; the
load average is printed, since on a shared machine it moves every figure, and ratios
and rates are also given in CPU time (``process_time``), which other processes disturb
less. The
hidden activation is tanh (the page's default); ReLU is shown alongside.
Benchmarks report; they never fail.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.baseline_numpy import (  # noqa: E402
    BaselineAdam,
    BaselineMLP,
    BaselineSGD,
    train_minibatch_epoch,
)
from engine import MLP, Config, Trainer, make_dataset, make_optimizer  # noqa: E402

REPEATS = 11
SIZES = [2, 4, 2, 1]
Run = Callable[[int], None]


def rates(runs: dict[str, Run], count: int, repeats: int = REPEATS) -> dict[str, float]:
    """Median over ``repeats`` of count / seconds for each run, the runs interleaved.

    Wall-clock seconds; the CPU-time (``process_time``) medians, less sensitive to
    other processes on a shared machine, are kept in ``CPU_RATES`` by the same names.
    """
    for run in runs.values():
        run(max(1, count // 10))  # warm-up: buffers, caches
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            t0, c0 = time.perf_counter(), time.process_time()
            run(count)
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    for name, ts in cpu.items():
        CPU_RATES[name] = count / max(statistics.median(ts), 1e-9)
    return {name: count / statistics.median(ts) for name, ts in wall.items()}


CPU_RATES: dict[str, float] = {}


def median_seconds(run: Callable[[], object], repeats: int = 31) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of one call."""
    run()
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def xor_points(n_train: int):
    """The Playground's XOR data on [-6, 6]², n_train training points."""
    data = make_dataset("xor", n_points=2 * n_train, train_share=50, seed=0)
    return data.train.points, data.train.y


def engine_full_batch(activation: str, optimizer: str, X, y, replicas: int = 1):
    net = MLP(SIZES, activation, "sigmoid", replicas=replicas, seed=0)
    opt = make_optimizer(optimizer, net.params, lr=0.1 if optimizer == "sgd" else 0.01)

    def run(count: int) -> None:
        for _ in range(count):
            _, grads = net.loss_and_grads(X, y)
            opt.step(grads)

    return run, net


def baseline_full_batch(activation: str, optimizer: str, X, y):
    net = BaselineMLP(SIZES, activation, seed=0)
    opt = BaselineSGD(net, 0.1) if optimizer == "sgd" else BaselineAdam(net, 0.01)

    def run(count: int) -> None:
        for _ in range(count):
            _, dW, db = net.loss_and_grads(X, y)
            opt.step(dW, db)

    return run, net


def check_same_numbers(X, y) -> float:
    """The engine and the baseline train the same net to the same numbers."""
    worst = 0.0
    for activation in ("tanh", "relu"):
        for optimizer in ("sgd", "adam"):
            run_e, net_e = engine_full_batch(activation, optimizer, X, y)
            run_b, net_b = baseline_full_batch(activation, optimizer, X, y)
            run_e(50)
            run_b(50)
            for W_e, W_b in zip(net_e.params[0::2], net_b.W, strict=True):
                worst = max(worst, float(np.abs(W_e[0] - W_b).max()))
    return worst


def flag(ok: bool) -> str:
    return "meets target" if ok else "BELOW target"


def main() -> None:
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"numpy {np.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {load}; medians of {REPEATS} repeats\n"
    )
    X, y = xor_points(400)
    print(
        f"engine vs baseline weights after 50 identical steps: max |diff| = "
        f"{check_same_numbers(X, y):.1e}\n"
    )

    # 1. one network, full batch
    print("1. full batch, 2-4-2-1, 400 points, float64: steps/s")
    baseline_rate = {}
    for activation in ("tanh", "relu"):
        for optimizer in ("sgd", "adam"):
            r = rates(
                {
                    "engine": engine_full_batch(activation, optimizer, X, y)[0],
                    "baseline": baseline_full_batch(activation, optimizer, X, y)[0],
                },
                1000,
            )
            e, b = r["engine"], r["baseline"]
            cpu_ratio = CPU_RATES["engine"] / CPU_RATES["baseline"]
            baseline_rate[activation, optimizer] = b
            print(
                f"   {activation:4s} {optimizer:4s}  engine {e:8,.0f}  baseline {b:8,.0f}  "
                f"ratio {e / b:4.2f}x (CPU time: {cpu_ratio:4.2f}x)  "
                f"(target 2x: {flag(e >= 2 * b)})"
            )
    tr = Trainer(Config(dataset="xor", n_points=800, train_share=50, hidden=[4, 2]))
    rate = rates({"trainer": tr.step}, 1000)["trainer"]
    print(f"   Trainer.step, tanh adam, history + 400 test points each epoch: {rate:,.0f} epochs/s")

    # 2. mini-batch
    print("\n2. mini-batch 10 on 250 points, 2-4-2-1 tanh: epochs/s")
    Xm, ym = xor_points(250)
    net = BaselineMLP(SIZES, "tanh", seed=0)
    base_opt = BaselineSGD(net, 0.03)
    rng = np.random.default_rng(0)

    def baseline_epochs(count: int) -> None:
        for _ in range(count):
            train_minibatch_epoch(net, base_opt, Xm, ym, 10, rng)

    runs: dict[str, Run] = {"baseline": baseline_epochs}
    for optimizer in ("sgd", "adam"):
        tr = Trainer(
            Config(
                dataset="xor",
                n_points=500,
                train_share=50,
                hidden=[4, 2],
                batch_size=10,
                optimizer=optimizer,
                lr=0.03,
            )
        )
        assert len(tr.train) == 250 and len(tr.test) == 250
        runs[optimizer] = tr.step
    r = rates(runs, 200)
    for optimizer in ("sgd", "adam"):
        print(
            f"   engine Trainer, {optimizer:4s} (with the per-epoch history): "
            f"{r[optimizer]:7,.0f} (CPU time: {CPU_RATES[optimizer]:6,.0f})  "
            f"(target 1,000: {flag(r[optimizer] >= 1000)})"
        )
    print(f"   baseline, sgd (training only, no evaluation):  {r['baseline']:7,.0f}")

    # 3. replicas
    print("\n3. replicas, full batch 2-4-2-1 on 400 points, adam: network-steps/s")
    for activation in ("tanh", "relu"):
        # One interleaved set per activation: the baseline's single network and the
        # engine at each K, each repeat doing 2,000 network-steps (K=1000: 2 steps).
        runs: dict[str, Run] = {"baseline": baseline_full_batch(activation, "adam", X, y)[0]}
        for k in (1, 10, 100, 1000):
            run, _ = engine_full_batch(activation, "adam", X, y, replicas=k)
            runs[f"K={k}"] = lambda count, run=run, k=k: run(max(1, count // k))
        r = rates(runs, 2000)  # count / s, and count = network-steps for every run
        per_k = {k: r[f"K={k}"] for k in (1, 10, 100, 1000)}
        cells = "  ".join(f"K={k}: {v:9,.0f}" for k, v in per_k.items())
        b = r["baseline"]
        print(f"   {activation:4s}  {cells}   baseline: {b:,.0f}")
        cpu_ratio = CPU_RATES["K=1000"] / CPU_RATES["baseline"]
        print(
            f"         K=1000 / baseline single network = {per_k[1000] / b:5.1f}x "
            f"(CPU time: {cpu_ratio:4.1f}x)  (target 5x: {flag(per_k[1000] >= 5 * b)})"
        )

    # 4. frame
    print("\n4. frame: 100 x 100 grid, every neuron, 2-8x6-1")
    for activation in ("tanh", "relu"):
        tr = Trainer(Config(hidden=[8] * 6, activation=activation))
        seconds, cpu = median_seconds(lambda tr=tr: tr.frame(100))
        print(
            f"   {activation:4s}  {seconds * 1e3:5.2f} ms (CPU time: {cpu * 1e3:4.2f} ms)  "
            f"(target 3 ms: {flag(seconds <= 3e-3)})"
        )


if __name__ == "__main__":
    main()
