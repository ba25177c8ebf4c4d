"""The whole ladder: every rung in turn (the 1k baseline first), the ratios, and results.csv.

The orchestration only: rungs, measurement and formatting live in the
sibling modules of `scenarios.bench.scale`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scenarios.bench.scale.process import MEMORY_SHARE, mem_available_mb, run_size
from scenarios.bench.scale.sizes import BASELINE, GENERATORS, SIZES, ScaleSize
from scenarios.bench.scale.tables import RESULT_COLUMNS, results_to_csv, target_text, vs_bound
from scenarios.run.runfolder import write_file_atomically

__all__ = ["run_scale_suite"]

logger = logging.getLogger(__name__)


def run_scale_suite(
    out_dir: Path,
    *,
    sizes: list[ScaleSize] | None = None,
    time_limit: float | None = None,
    profile: bool = False,
    rule_set: str = "every",
    progress: Callable[[str], None] | None = None,
    dask_workers: int | None = None,
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Run the ladder (1k baseline first), write ``results.csv`` into ``out_dir``.

    Parameters
    ----------
    sizes
        Sizes to run (default: all four); the 1k baseline is added when missing.
    time_limit
        Solver seconds for every size; default: each size's own limit (its target).
    profile
        Also write ``profile-<size>.txt`` (top 15 by cumulative time) per size.
    rule_set
        ``every`` (every rule), ``core`` (potential balance only) or ``least`` (+-5%, moves only).
    dask_workers
        Solve every size's blocks and pieces on a local Dask cluster of this many
        workers (their peak RSS is added to the size's).

    Returns
    -------
    (table, details)
        The results table (`RESULT_COLUMNS`) and per size the child's full
        record (per-block seconds, explanation).
    """
    wanted = list(sizes) if sizes is not None else list(SIZES.values())
    run = sorted({*wanted, SIZES[BASELINE]}, key=lambda s: (s.accounts, GENERATORS.index(s.generator)))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cap = MEMORY_SHARE * mem_available_mb()
    rows: list[dict[str, object]] = []
    for i, size in enumerate(run, 1):
        tl = float(time_limit) if time_limit is not None else size.time_limit
        if progress:
            progress(
                f"[{i}/{len(run)}] {size.label}: {size.accounts:,} accounts x {size.reps:,} reps, {tl:g} s"
            )
        size_cap = min(cap, 2 * size.rss_target_mb) if size.rss_target_mb else cap
        prof = out_dir / f"profile-{size.name}.txt" if profile else None
        row = run_size(
            size, tl, memory_cap_mb=size_cap, profile_path=prof, rule_set=rule_set, dask_workers=dask_workers
        )
        row.setdefault("rules", size.rules or rule_set)
        row["vs_bound"] = vs_bound(row)
        row["targets"] = target_text(size, row)
        row["baseline"] = size.label == BASELINE
        rows.append(row)
    df = pd.DataFrame(rows)
    base = df.loc[df["size"] == BASELINE].iloc[0]
    base_rate = float(base["seconds"]) / float(base["accounts"])
    df["s_per_account_vs_1k"] = (df["seconds"] / df["accounts"]) / base_rate
    table = df[list(RESULT_COLUMNS)].reset_index(drop=True)
    write_file_atomically(out_dir / "results.csv", results_to_csv(table))
    return table, rows
