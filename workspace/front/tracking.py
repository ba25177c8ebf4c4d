"""In-year tracking of a version: its run, the newest opportunities export, the managers' overrides.

The same library calls as `terraquota track` (`solver.tracking`), fed from
the workspace's files and override history instead of command-line paths.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pandas as pd

from solver.errors import InputError
from solver.tracking import Tracking, read_opportunities, resolve_owners, track
from solver.tracking.overrides import overrides_from_table
from workspace.front.models import ForecastOverride, OpportunityUpload

#: what the upload form accepts (the readers choose by extension)
SUFFIXES = (".csv", ".xlsx", ".parquet")
LEVELS = ("rep", "manager", "region", "segment", "total")


def tracking_dir(version: Any) -> Path:
    return Path(version.folder) / "tracking"


def latest_upload(version: Any) -> OpportunityUpload | None:
    return OpportunityUpload.objects.filter(version=version).order_by("-id").first()


def current_overrides(version: Any) -> pd.DataFrame | None:
    """The newest override per manager and period, as the overrides table `terraquota track` reads."""
    latest: dict[tuple[str, str], ForecastOverride] = {}
    for o in ForecastOverride.objects.filter(version=version).order_by("id"):
        latest[(o.manager_id, o.period)] = o
    if not latest:
        return None
    rows = [
        {
            "manager_id": o.manager_id,
            "period": o.period,
            "commit": None if o.commit is None else str(o.commit),
            "best_case": None if o.best_case is None else str(o.best_case),
            "note": o.note or None,
        }
        for o in latest.values()
    ]
    return overrides_from_table(pd.DataFrame(rows, dtype="string"), "forecast overrides")


@functools.lru_cache(maxsize=8)
def _opportunities(path: str, mtime_ns: int) -> pd.DataFrame:
    return read_opportunities(path)


def read_upload(path: Path) -> pd.DataFrame:
    """The opportunities of an uploaded export (InputError names row, column and why)."""
    return _opportunities(str(path), path.stat().st_mtime_ns)


def tracking_of(version: Any, upload: OpportunityUpload) -> Tracking:
    """Attainment and forecast of the version's run from the upload and the current overrides."""
    from solver.results import RunData

    run = RunData.from_folder(version.run_dir)
    opportunities = read_upload(tracking_dir(version) / upload.stored_name)
    owners = None
    if not run.assignment.empty:
        owners = pd.Series(
            run.assignment["rep_id"].astype("string").to_numpy(),
            index=run.assignment["account_id"].astype("string"),
        )
    resolved = resolve_owners(opportunities, run.reps, owners)
    return track(resolved, run.reps, run.quotas, current_overrides(version))


def problems_of(error: InputError) -> list[dict[str, Any]]:
    """Input problems for the page, with file names only (no server paths)."""
    return [
        {"file": Path(p.file).name, "row": p.row, "column": p.column, "why": p.why} for p in error.problems
    ]
