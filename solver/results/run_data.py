"""The tables of one finished run, as renderers see them.

Renderers (maps, reports) work from this value only, so they can draw a run
that was just solved or one read back from its folder, identically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

#: dtype of the id-like columns: always strings, never numbers, so that
#: '00123' stays '00123'.
_ID_COLUMNS = ("account_id", "rep_id", "previous_owner", "manager_id", "family_id")


@dataclass(frozen=True)
class RunData:
    """One run: assignment, reps and quotas tables, metrics, resolved scenario.

    Columns follow the run folder described in CONTRACT.md (extended):

    - ``assignment``: account_id, rep_id, segment, region, previous_owner,
      moved, reason, name, country, state, lat, lon, potential, workload, arr,
      family_id
    - ``reps``: rep_id, name, segment, region, manager_id, start_date,
      end_date, lat, lon, accounts, potential, workload, arr, capacity_factor,
      target_potential, balance_ratio, quota, accounts_gained, accounts_lost
    - ``quotas``: rep_id, period, quota
    """

    name: str
    assignment: pd.DataFrame
    reps: pd.DataFrame
    quotas: pd.DataFrame
    metrics: dict[str, Any]
    scenario_toml: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_folder(cls, folder: Path | str) -> RunData:
        """Read a run folder written by `terraquota run`."""
        folder = Path(folder)
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        dtypes = {c: "string" for c in _ID_COLUMNS}

        def table(name: str) -> pd.DataFrame:
            path = folder / name
            if not path.exists():
                return pd.DataFrame()
            return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])

        scenario = folder / "scenario.toml"
        # the finance view and the reconcile table, for the workbook's sheets
        extras = {
            key: table(f"{key}.csv") for key in ("capacity", "reconcile") if (folder / f"{key}.csv").exists()
        }
        return cls(
            name=str(metrics.get("name", folder.name)),
            assignment=table("assignment.csv"),
            reps=table("reps.csv"),
            quotas=table("quotas.csv"),
            metrics=metrics,
            scenario_toml=scenario.read_text(encoding="utf-8") if scenario.exists() else "",
            extras=extras,
        )
