"""``python -m scenarios.bench.scale``: the ladder from the command line, and the child of each rung.

`scenarios.bench.scale.process` starts each rung as this module with
``--child``; without it, the whole ladder runs and its table is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scenarios.bench.scale import __doc__ as scale_doc
from scenarios.bench.scale import (
    child_main,
    format_scale_table,
    parse_sizes,
    run_scale_suite,
    scale_summary_lines,
)
from scenarios.bench.scale.sizes import GENERATORS, RULE_SETS, SIZES

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the ladder and print its table, or one rung with ``--child``; the exit code."""
    parser = argparse.ArgumentParser(prog="python -m scenarios.bench.scale", description=scale_doc)
    parser.add_argument("--sizes", default=None, help="comma-separated: 1k,10k,100k,1m")
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--out", type=Path, default=Path("bench-out/scale"))
    parser.add_argument("--profile", action="store_true", help="write profile-<size>.txt (cProfile)")
    parser.add_argument("--rules", choices=sorted(RULE_SETS), default="every", help="rule set")
    parser.add_argument("--dask-workers", type=int, default=None, help="solve on a local Dask cluster")
    parser.add_argument("--child", choices=sorted(SIZES), help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--profile-file", help=argparse.SUPPRESS)
    parser.add_argument("--generator", choices=GENERATORS, default="synthetic", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args)
    from rich.console import Console

    console = Console(width=max(Console().width, 160))
    df, details = run_scale_suite(
        args.out,
        sizes=parse_sizes(args.sizes),
        time_limit=args.time_limit,
        profile=args.profile,
        rule_set=args.rules,
        progress=console.log,
        dask_workers=args.dask_workers,
    )
    console.print(format_scale_table(df))
    for line in scale_summary_lines(df, details):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
