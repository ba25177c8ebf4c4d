"""`terraquota track`: attainment and forecast of a finished run from CRM opportunities.

Reads the run folder (reps.csv, quotas.csv, assignment.csv), the
opportunities table and optional manager overrides, and writes the tracking
folder atomically (default ``RUN_DIR/tracking``):

- ``attainment_by_rep.csv``, ``attainment_by_manager.csv``,
  ``attainment_by_region.csv``, ``attainment_by_segment.csv``,
  ``attainment_total.csv``: quota, bookings, won and lost deals, attainment,
  per period and for the plan year (period ``total``);
- ``forecast.csv``: every level (rep, manager, region, segment, total) with
  open and weighted pipeline, commit and best case (roll-up, after
  overrides, difference);
- ``forecast_overrides.csv``: each override against the roll-up it replaces;
- ``tracking.json``: periods, counts of what was left out and why, inputs;
- ``dashboard.html``: the same, for people.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console

from reports.exports.safe_cells import csv_bytes
from reports.html.dashboard import render_dashboard
from scenarios.run.inputs_digest import check_inputs_unchanged
from scenarios.run.output_path import check_output
from scenarios.run.runfolder import write_folder_atomically
from scenarios.run.runner import json_bytes
from scenarios.run.tracking_views import (
    as_of_files,
    as_of_state,
    closed_by,
    manager_files,
    previous_snapshots,
)
from solver.errors import InputError, InputProblem
from solver.results.run_data import RunData
from solver.tracking.opportunities import Stage, read_opportunities, resolve_owners
from solver.tracking.overrides import read_overrides
from solver.tracking.pace import AsOf
from solver.tracking.rollup import (
    Tracking,
    attainment_table,
    forecast_table,
    overrides_table,
    track,
)

__all__ = ["load_run", "pace_line", "parse_as_of", "parse_pairs", "track_folder", "tracking_files"]

_RATIOS = ("attainment", "weighted_attainment", "pipeline_coverage")
_MONEY = (
    "quota",
    "bookings",
    "open_pipeline",
    "weighted_pipeline",
    "weighted_forecast",
    "commit_rollup",
    "commit",
    "commit_adjustment",
    "best_case_rollup",
    "best_case",
    "best_case_adjustment",
    "commit_difference",
    "best_case_difference",
)


def _csv(frame: pd.DataFrame) -> bytes:
    """Money with two decimals, ratios with six, booleans true/false, text neutralised."""
    out = frame.copy()
    for c in out.columns:
        if c in _MONEY:
            out[c] = out[c].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
        elif c in _RATIOS:
            out[c] = out[c].map(lambda v: "" if pd.isna(v) or not np.isfinite(v) else f"{v:.6f}")
        elif pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].map({True: "true", False: "false"})
    return csv_bytes(out)


def parse_pairs(items: list[str] | None, option: str, *, number: bool = False) -> dict[str, str]:
    """``["a=b", ...]`` from a repeatable CLI option -> ``{"a": "b"}``; bad items are input problems."""
    out: dict[str, str] = {}
    problems = []
    for item in items or []:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            problems.append(InputProblem(option, None, None, f"{item!r} is not NAME=VALUE"))
            continue
        if number:
            try:
                x = float(value)
            except ValueError:
                x = float("nan")
            if not 0.0 <= x <= 1.0:
                problems.append(InputProblem(option, None, key, f"{value!r} is not a probability in [0, 1]"))
                continue
        out[key] = value
    if problems:
        raise InputError(problems)
    return out


def load_run(run_dir: Path) -> RunData:
    """The run to track; a folder without a plan is an input problem."""
    problems = []
    for name in ("metrics.json", "reps.csv", "quotas.csv"):
        if not (run_dir / name).is_file():
            problems.append(
                InputProblem(str(run_dir / name), None, None, "missing: is this a finished run folder?")
            )
    if problems:
        raise InputError(problems)
    check_inputs_unchanged(run_dir)
    return RunData.from_folder(run_dir)


def _account_owners(run: RunData) -> pd.Series | None:
    a = run.assignment
    if a.empty or "account_id" not in a or "rep_id" not in a:
        return None
    return pd.Series(a["rep_id"].astype("string").to_numpy(), index=a["account_id"].astype("string"))


def tracking_files(
    tracking: Tracking,
    *,
    name: str,
    sources: Mapping[str, str] | None = None,
    as_of: AsOf | None = None,
) -> dict[str, bytes]:
    """Every file of the tracking folder, as bytes."""
    files: dict[str, bytes] = {}
    for level in ("rep", "manager", "region", "segment"):
        files[f"attainment_by_{level}.csv"] = _csv(attainment_table(tracking, level))
    files["attainment_total.csv"] = _csv(attainment_table(tracking, "total"))
    files["forecast.csv"] = _csv(forecast_table(tracking))
    files["forecast_overrides.csv"] = _csv(overrides_table(tracking))
    summary = {
        "name": name,
        "periods": tracking.periods.labels,
        "period_end": tracking.periods.end.strftime("%Y-%m-%d"),
        "counts": tracking.counts,
        "overrides": len(tracking.overrides),
        "inputs": dict(sorted((sources or {}).items())),
    }
    files["tracking.json"] = json_bytes(summary)
    page = render_dashboard(tracking, name=name, sources=sources, as_of=as_of)
    files["dashboard.html"] = page.encode("utf-8")
    return files


def parse_as_of(text: str | None) -> dt.date | None:
    """``--as-of`` as a date; anything but YYYY-MM-DD is an input problem."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            InputProblem("--as-of", None, None, f"{text!r} is not an ISO date (YYYY-MM-DD)")
        ) from None


def pace_line(files: dict[str, bytes]) -> str:
    """One line: bookings against quota to date, and the change since the previous snapshot."""
    pace = pd.read_csv(io.BytesIO(files["pace_to_date.csv"]), dtype=str, keep_default_na=False)
    total = pace[pace["rep_id"] == "total"].iloc[0]
    share = f"{float(total['pace']):.1%}" if total["pace"] else "-"
    line = (
        f"as of {total['as_of']}: bookings {float(total['bookings']):,.2f} against "
        f"{float(total['quota_to_date']):,.2f} of quota to date (pace {share})"
    )
    if "change_since_previous.csv" in files:
        change = pd.read_csv(io.BytesIO(files["change_since_previous.csv"]), dtype=str, keep_default_na=False)
        delta = sum(float(v) for v in change["bookings_change"])
        line += f"; since {change['previous_as_of'].iloc[0]}: bookings {delta:+,.2f}"
    return line


def _read_inputs(
    run_dir: Path,
    opportunities: Path,
    overrides: Path | None,
    columns: Mapping[str, str] | None,
    stages: Mapping[str, float | Stage] | None,
) -> tuple[RunData, pd.DataFrame, pd.DataFrame | None]:
    """The run, its opportunities and the overrides; every problem of the three at once."""
    problems: list[InputProblem] = []
    run = opps = over = None
    try:
        run = load_run(run_dir)
    except InputError as e:
        problems += e.problems
    try:
        opps = read_opportunities(opportunities, columns=columns, stages=stages)
    except InputError as e:
        problems += e.problems
    if overrides is not None:
        try:
            over = read_overrides(overrides)
        except InputError as e:
            problems += e.problems
    if problems:
        raise InputError(problems)
    assert run is not None and opps is not None
    return run, opps, over


def _print_summary(
    console: Console, tracking: Tracking, dated: dict[str, bytes] | None, written: Path
) -> None:
    """The plan year's figures, the as-of line when dated, and where the folder is."""
    year = forecast_table(tracking)
    year = year[(year["level"] == "total") & (year["period"] == "total")].iloc[0]
    share = "-" if pd.isna(year["attainment"]) else f"{year['attainment']:.1%}"
    console.print(
        f"quota {year['quota']:,.2f} · bookings {year['bookings']:,.2f} ({share}) · "
        f"commit {year['commit']:,.2f} · best case {year['best_case']:,.2f} · "
        f"weighted forecast {year['weighted_forecast']:,.2f}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if dated is not None:
        console.print(pace_line(dated), markup=False, highlight=False, soft_wrap=True)
    console.print(f"tracking folder: {written}", markup=False, highlight=False, soft_wrap=True)


def track_folder(
    run_dir: Path,
    opportunities: Path,
    output: Path | None = None,
    *,
    overrides: Path | None = None,
    columns: Mapping[str, str] | None = None,
    stages: Mapping[str, float | Stage] | None = None,
    console: Console | None = None,
    as_of: dt.date | None = None,
    per_manager: bool = False,
) -> Path:
    """Track a run from its opportunities and write the tracking folder.

    Parameters
    ----------
    run_dir
        A finished run folder.
    opportunities
        The opportunities table (see `solver.tracking.opportunities.read_opportunities`).
    output
        Folder to write; default ``run_dir / "tracking"``.
    overrides
        Optional manager overrides table (`solver.tracking.overrides.read_overrides`).
    columns, stages
        Passed to `read_opportunities`.
    console
        Where to print the summary.
    as_of
        Track as on this date (deals closed later are left out), keep a dated
        snapshot and report pace to date and the change since the previous
        snapshot (`scenarios.run.tracking_views`).
    per_manager
        Also one dashboard and one workbook per manager, holding only their team.

    Returns
    -------
    pathlib.Path
        The folder written.

    Raises
    ------
    InputError
        Every problem of the run folder, the opportunities and the overrides.
    """
    run_dir = Path(run_dir)
    sources_read = [run_dir, Path(opportunities)] + ([Path(overrides)] if overrides is not None else [])
    target = check_output(Path(output) if output is not None else run_dir / "tracking", inputs=sources_read)
    run, opps, over = _read_inputs(run_dir, opportunities, overrides, columns, stages)
    if as_of is not None:
        opps = closed_by(opps, as_of)
    resolved = resolve_owners(opps, run.reps, _account_owners(run))
    tracking = track(resolved, run.reps, run.quotas, over)
    sources = {"run": str(run_dir), "opportunities": str(opportunities)}
    if overrides is not None:
        sources["overrides"] = str(overrides)
    state = earlier = None
    if as_of is not None:
        earlier = previous_snapshots(target)
        state = as_of_state(tracking, as_of, earlier)
    files = tracking_files(tracking, name=run.name, sources=sources, as_of=state)
    if state is not None and earlier is not None:
        files.update(as_of_files(state, earlier))
    if per_manager:
        files.update(manager_files(tracking, run, run.name, state))
    written = write_folder_atomically(target, files, kind="tracking")
    if console is not None:
        _print_summary(console, tracking, files if as_of is not None else None, written)
    return written
