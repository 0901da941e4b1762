"""docs/EXPERIMENTS.md regenerates from its own commands (python -m bench.experiments)."""

from __future__ import annotations

import shlex

from app.sweep_cli import build_parser, config_from_args, parse_grid
from bench.experiments import DOC, commands, regenerate

SMALL = """# Title

Some prose that stays.

```
$ playground sweep --seeds 3 --epochs 20 --grid hidden=2/3
old table
```

(wall time 99.00 s on the shared machine)

More prose.

```
$ playground sweep --seeds 2 --epochs 10 --preset seed003-tanh-adam
another old table
```

The end.
"""


def test_every_command_in_the_document_is_a_valid_sweep():
    found = commands(DOC.read_text(encoding="utf-8"))
    assert len(found) >= 8
    for command in found:
        args = build_parser().parse_args(shlex.split(command))
        config_from_args(args)
        parse_grid(args.grid)


def test_regenerate_replaces_the_outputs_and_wall_times_and_keeps_the_prose():
    text = regenerate(SMALL)
    assert "old table" not in text and "99.00 s" not in text
    assert text.startswith("# Title\n\nSome prose that stays.\n\n```\n$ playground sweep")
    assert "# 3 seeds, 0 to 2, 20 epochs; base: defaults\nhidden  solved" in text
    assert "# 2 seeds, 4 to 5, 10 epochs;" in text  # the preset's seed
    assert text.count("(wall time ") == 2 and "\nMore prose.\n" in text
    assert text.endswith("The end.\n")
    assert regenerate(text, only={99}) == text  # no such table: nothing changes
