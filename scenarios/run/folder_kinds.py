"""Which folders terraquota wrote: by their marker, or by their own content.

A folder written by `scenarios.run.runfolder` holds the marker file `MARKER`,
except a run folder without a plan (infeasible, no solution): the contract
says it holds only metrics.json, explanation.txt and scenario.toml, so it is
recognised by its content instead. Folders written by earlier versions carry
no marker either and are recognised the same way: a metrics.json (or, for a
tracking folder, a tracking.json) with terraquota's own keys, and nothing but
names terraquota writes there. One foreign file, hidden or not, and the folder
is someone else's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "MARKER",
    "is_terraquota_folder",
    "needs_marker",
    "recognised_by_content",
    "run_metrics_signed",
]

#: Marker file in every folder terraquota writes (but a run folder without a plan).
MARKER = ".terraquota"

#: Files of a run folder, of every command that writes one (run, replan, re-solve, batch).
RUN_FILES = frozenset(
    {
        "assignment.csv",
        "reps.csv",
        "quotas.csv",
        "metrics.json",
        "scenario.toml",
        "explanation.txt",
        "inputs.json",
        "inputs.sha256",
        "capacity.csv",
        "reconcile.csv",
        "changes.csv",
        "changes.json",
        "events.csv",
        "replan.json",
        "map.png",
        "map.svg",
        "choropleth_potential.png",
        "choropleth_quota.png",
        "report.html",
        "workbook.xlsx",
    }
)
SALESFORCE_FILES = frozenset(
    {
        "Account.csv",
        "ForecastingQuota.csv",
        "Territory2.csv",
        "UserTerritory2Association.csv",
        "ObjectTerritory2Association.csv",
        "README.txt",
    }
)
#: Files of a tracking folder (``snapshots/DATE.csv`` and ``managers/<id>/`` besides).
TRACKING_FILES = frozenset(
    {
        "attainment_by_rep.csv",
        "attainment_by_manager.csv",
        "attainment_by_region.csv",
        "attainment_by_segment.csv",
        "attainment_total.csv",
        "forecast.csv",
        "forecast_overrides.csv",
        "tracking.json",
        "dashboard.html",
        "pace_to_date.csv",
        "change_since_previous.csv",
    }
)
_MANAGER_FILES = frozenset({"dashboard.html", "workbook.xlsx"})
_SNAPSHOT = re.compile(r"^\d{4}-\d{2}-\d{2}\.csv$")

#: A metrics.json terraquota writes names the run and its status, and the solver (a run)
#: or the run it re-plans (a re-plan).
_METRICS_ORIGIN = ("solver", "replan_of")
_STATUSES = frozenset({"optimal", "feasible", "infeasible", "no_solution", "error"})
_PLAN_STATUSES = frozenset({"optimal", "feasible"})
_NO_PLAN_FILES = frozenset({"metrics.json", "explanation.txt", "scenario.toml"})
_TRACKING_KEYS = ("name", "periods", "counts")
#: A signature file larger than this is not one terraquota wrote (and is not read whole).
_MAX_SIGNATURE_BYTES = 8 << 20


def _json_object(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def run_metrics_signed(data: bytes) -> bool:
    """True when ``data`` is a metrics.json terraquota wrote (its keys, a known status)."""
    metrics = _json_object(data)
    if metrics is None or not isinstance(metrics.get("name"), str):
        return False
    return metrics.get("status") in _STATUSES and any(k in metrics for k in _METRICS_ORIGIN)


def _tracking_signed(data: bytes) -> bool:
    summary = _json_object(data)
    return summary is not None and all(k in summary for k in _TRACKING_KEYS)


def needs_marker(files: Mapping[str, bytes]) -> bool:
    """False for a run folder without a plan: exactly the contract's three files, no marker.

    (A batch member keeps its inputs' digest beside them.)
    """
    if set(files) - {"inputs.sha256"} != _NO_PLAN_FILES or not run_metrics_signed(files["metrics.json"]):
        return True
    metrics = _json_object(files["metrics.json"]) or {}
    return metrics.get("status") in _PLAN_STATUSES


def _read_small(path: Path) -> bytes | None:
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > _MAX_SIGNATURE_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _only(folder: Path, names: frozenset[str], pattern: re.Pattern[str] | None = None) -> bool:
    """True when ``folder`` holds regular files only, each named in ``names`` (or matching)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return False
    return all(
        p.is_file() and not p.is_symlink() and (p.name in names or bool(pattern and pattern.match(p.name)))
        for p in entries
    )


def _run_entry_known(entry: Path) -> bool:
    if entry.is_symlink():
        return False
    if entry.is_dir():
        if entry.name == "salesforce":
            return _only(entry, SALESFORCE_FILES)
        return entry.name == "tracking" and is_terraquota_folder(entry)
    return entry.is_file() and entry.name in RUN_FILES


def _tracking_entry_known(entry: Path) -> bool:
    if entry.is_symlink():
        return False
    if entry.is_dir():
        if entry.name == "snapshots":
            return _only(entry, frozenset(), _SNAPSHOT)
        if entry.name == "managers":
            try:
                teams = list(entry.iterdir())
            except OSError:
                return False
            return all(t.is_dir() and not t.is_symlink() and _only(t, _MANAGER_FILES) for t in teams)
        return False
    return entry.is_file() and entry.name in TRACKING_FILES


def recognised_by_content(path: Path) -> str | None:
    """The kind of terraquota folder ``path`` is by its content ("run", "tracking"), else None."""
    path = Path(path)
    try:
        entries = list(path.iterdir())
    except OSError:
        return None
    metrics = _read_small(path / "metrics.json")
    if metrics is not None and run_metrics_signed(metrics):
        return "run" if all(_run_entry_known(e) for e in entries) else None
    summary = _read_small(path / "tracking.json")
    if summary is not None and _tracking_signed(summary):
        return "tracking" if all(_tracking_entry_known(e) for e in entries) else None
    return None


def is_terraquota_folder(path: Path) -> bool:
    """True when ``path`` is a folder terraquota wrote: it holds the marker, or its content says so."""
    path = Path(path)
    if (path / MARKER).is_file():
        return True
    return path.is_dir() and not path.is_symlink() and recognised_by_content(path) is not None
