"""Run every benchmark in turn: `python -m bench` (what `make bench` calls).

Each benchmark prints medians and ratios measured in one run; none of them fails. A
benchmark whose module is missing or errors is reported and the others still run.
"""

import importlib
import sys
import traceback

BENCHMARKS = [
    "bench.engine",
    "bench.sweep",
    "bench.landscape",
    "bench.stream",
    "bench.browser",
    "bench.abuse",
    "bench.classes",
    "bench.checkpoint",
    "bench.estimators",
]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        try:
            module = importlib.import_module(name)
            module.main()
        except Exception:  # a broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
    if failed:
        print(f"\nbenchmarks that raised: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
