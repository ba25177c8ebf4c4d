"""The dated and per-manager parts of a tracking folder.

``--as-of DATE`` keeps one snapshot per call in ``snapshots/DATE.csv`` (the
snapshots of earlier calls are carried into the rewritten folder), writes
``pace_to_date.csv`` (each rep's quota to date, bookings and pace, and the
total) and, when an earlier snapshot exists, ``change_since_previous.csv``.
``--per-manager`` writes ``managers/<manager_id>/dashboard.html`` and
``workbook.xlsx`` holding only that manager's team.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd

from reports.exports.safe_cells import csv_bytes
from reports.html.dashboard import render_dashboard
from scenarios.run.folder_kinds import is_terraquota_folder
from solver.errors import InputError, InputProblem
from solver.money import to_cents
from solver.results.run_data import RunData
from solver.tracking.pace import SNAPSHOT_MEASURES, AsOf, change_since, snapshot
from solver.tracking.rollup import Tracking

__all__ = ["as_of_files", "as_of_state", "closed_by", "manager_files", "previous_snapshots"]

_SNAPSHOT = re.compile(r"^snapshots/(\d{4}-\d{2}-\d{2})\.csv$")
_CENTS = ("quota", "quota_to_date", *SNAPSHOT_MEASURES)


def closed_by(opportunities: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The opportunities as known on ``as_of``: deals closed after it are left out."""
    later = opportunities["is_closed"].to_numpy(dtype=bool) & (
        pd.to_datetime(opportunities["close_date"]) > pd.Timestamp(as_of)
    ).to_numpy(dtype=bool)
    return opportunities[~later]


def previous_snapshots(folder: Path) -> dict[str, bytes]:
    """Snapshot files of an earlier tracking folder at ``folder`` (none when it is not one)."""
    snaps = Path(folder) / "snapshots"
    if not (is_terraquota_folder(folder) and snaps.is_dir()):
        return {}
    return {
        f"snapshots/{p.name}": p.read_bytes()
        for p in sorted(snaps.glob("*.csv"))
        if _SNAPSHOT.match(f"snapshots/{p.name}")
    }


def _money_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in _CENTS:
        out[c] = [f"{int(v) / 100:.2f}" for v in out[c]]
    out["pace"] = ["" if pd.isna(v) else f"{v:.6f}" for v in out["pace"]]
    return out


def _read_snapshot(data: bytes, name: str) -> pd.DataFrame:
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    try:
        for c in _CENTS:
            frame[c] = [to_cents(v) for v in frame[c]]
    except (KeyError, ValueError) as e:
        raise InputError(InputProblem(name, None, None, f"not a tracking snapshot: {e}")) from None
    return frame


def as_of_state(tracking: Tracking, as_of: dt.date, earlier: dict[str, bytes]) -> AsOf:
    """The snapshot of ``as_of`` and its change since the latest earlier snapshot (if any)."""
    current = snapshot(tracking, as_of)
    dates = sorted(
        m.group(1) for k in earlier if (m := _SNAPSHOT.match(k)) and m.group(1) < as_of.isoformat()
    )
    if not dates:
        return AsOf(as_of, current)
    name = f"snapshots/{dates[-1]}.csv"
    return AsOf(as_of, current, change_since(current, _read_snapshot(earlier[name], name)))


def as_of_files(state: AsOf, earlier: dict[str, bytes]) -> dict[str, bytes]:
    """Snapshot of the date, the earlier ones, pace to date and the change since the previous one."""
    today = f"snapshots/{state.date.isoformat()}.csv"
    files = {k: v for k, v in earlier.items() if k != today}
    files[today] = csv_bytes(_money_text(state.reps))
    totals = state.totals()
    total = {"rep_id": "total", "manager_id": "", "as_of": state.date.isoformat()}
    total |= {c: int(totals[c]) for c in _CENTS}
    total["pace"] = totals["pace"]
    pace = pd.concat([state.reps, pd.DataFrame([total])], ignore_index=True)
    files["pace_to_date.csv"] = csv_bytes(_money_text(pace))
    if state.change is not None:
        change = state.change.copy()
        for c in change.columns:
            if c.endswith("_change"):
                change[c] = [f"{int(v) / 100:.2f}" for v in change[c]]
        files["change_since_previous.csv"] = csv_bytes(change)
    return files


def _team(tracking: Tracking, manager: str) -> Tracking:
    reps = tracking.reps[tracking.reps["manager_id"].astype("string") == manager]
    over = tracking.overrides
    if "manager_id" in over:
        over = over[over["manager_id"].astype("string") == manager]
    return dataclasses.replace(
        tracking, reps=reps.reset_index(drop=True), overrides=over.reset_index(drop=True)
    )


def _team_run(run: RunData, manager: str) -> RunData:
    reps = run.reps[run.reps["manager_id"].astype("string") == manager]
    team = set(reps["rep_id"].astype(str))
    assignment = run.assignment[run.assignment["rep_id"].astype(str).isin(team)]
    quotas = run.quotas[run.quotas["rep_id"].astype(str).isin(team)]
    # whole-plan figures stay out of a manager's workbook: only how the plan was made
    metrics = {k: run.metrics[k] for k in ("status", "solver", "seed") if k in run.metrics}
    return RunData(
        f"{run.name} - {manager}",
        assignment.reset_index(drop=True),
        reps.reset_index(drop=True),
        quotas.reset_index(drop=True),
        metrics,
        run.scenario_toml,
    )


def manager_files(tracking: Tracking, run: RunData, name: str, as_of: AsOf | None = None) -> dict[str, bytes]:
    """One dashboard and one workbook per manager of the run, each with only that team."""
    from reports import workbook_bytes

    managers = sorted(run.reps["manager_id"].dropna().astype(str).unique())
    files: dict[str, bytes] = {}
    for manager in managers:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", manager)
        team = _team(tracking, manager)
        team_as_of = None if as_of is None else as_of.team(team.reps["rep_id"].astype(str).unique())
        page = render_dashboard(team, name=f"{name} - {manager}", as_of=team_as_of)
        files[f"managers/{safe}/dashboard.html"] = page.encode("utf-8")
        files[f"managers/{safe}/workbook.xlsx"] = workbook_bytes(_team_run(run, manager))
    return files
