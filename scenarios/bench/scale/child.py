"""The child side of the ladder: generate and solve one rung in this process, report its row.

Each rung runs in a fresh subprocess (`scenarios.bench.scale.process`) so that
its peak RSS is its own; this module is what that subprocess runs.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import signal
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from scenarios.bench.scale.sizes import RULE_SETS, SEED, SIZES, ScaleSize, generate_instance

__all__ = ["child_main", "measure_size"]


def measure_size(
    size: ScaleSize,
    time_limit: float,
    profile_path: Path | None = None,
    rule_set: str = "every",
    dask_workers: int | None = None,
) -> dict[str, object]:
    """Generate and solve one size in this process; the figures of one table row.

    Called in the child process (see `run_size`); also usable directly. With
    ``dask_workers`` the blocks and pieces run on a LocalCluster of that many
    single-threaded workers (`scenarios.run.engine`), started before the clock.
    """
    if dask_workers is None:
        return _measure(size, time_limit, profile_path, rule_set)
    from scenarios.run.engine import dask_engine, worker_peak_rss_mb

    with dask_engine(workers=dask_workers):
        row = _measure(size, time_limit, profile_path, rule_set)
        row["workers_peak_rss_mb"] = worker_peak_rss_mb()
    return row


def _measure(
    size: ScaleSize, time_limit: float, profile_path: Path | None, rule_set: str
) -> dict[str, object]:
    from solver.assignment import solve
    from solver.assignment.checker import rep_targets, rep_totals
    from solver.assignment.terms import active_reps
    from solver.config import AssignmentConfig

    profiler = None
    if profile_path is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    problem = generate_instance(size)
    gen_s = time.perf_counter() - t0
    rule_set = size.rules or rule_set
    rules = AssignmentConfig(
        balance=RULE_SETS[rule_set].balance,
        weights=RULE_SETS[rule_set].weights,
        max_moved_share=RULE_SETS[rule_set].max_moved_share,
        time_limit=time_limit,
        seed=SEED,
    )
    t1 = time.perf_counter()
    result = solve(problem, rules)
    solve_s = time.perf_counter() - t1
    if profiler is not None and profile_path is not None:
        profiler.disable()
        _write_profile(profiler, profile_path)

    worst = float("nan")
    if result.status.has_plan:
        act = active_reps(problem)
        got = rep_totals(problem, result.rep_of_account, problem.potential)
        target = rep_targets(problem, problem.potential)
        ok = act & (target > 0)
        worst = float(np.max(np.abs(got[ok] / target[ok] - 1.0)))
    return {
        "status": str(result.status),
        "seconds": solve_s,
        "generate_seconds": gen_s,
        "objective": float(result.objective) if result.status.has_plan else float("nan"),
        "bound": float(result.bound) if np.isfinite(result.bound) else float("nan"),
        "gap": float(result.gap) if result.status.has_plan else float("nan"),
        "worst_balance_dev": worst,
        "moved_share": float(result.terms.get("disruption", float("nan"))),
        "rules": rule_set,
        "explanation": result.explanation or "",
        "blocks": [
            {
                "block": b.block,
                "accounts": b.accounts,
                "reps": b.reps,
                "status": str(b.status),
                "seconds": round(b.seconds, 3),
                "gap": b.gap,
                "pieces": b.pieces,
            }
            for b in result.blocks
        ],
    }


def _write_profile(profiler: object, path: Path, top: int = 15) -> None:
    import io
    import pstats

    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)  # type: ignore[arg-type]
    stats.sort_stats("cumulative").print_stats(top)
    path.write_text(buf.getvalue(), encoding="utf-8")


def child_main(args: argparse.Namespace) -> int:
    # the parent sends SIGUSR1 before stopping a size: the stack shows where it was
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    size = replace(SIZES[args.child], generator=args.generator)
    profile = Path(args.profile_file) if args.profile_file else None
    row = measure_size(size, args.time_limit, profile, args.rules, args.dask_workers)
    Path(args.result).write_text(json.dumps(row), encoding="utf-8")
    return 0
