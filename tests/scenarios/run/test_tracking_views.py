"""track --as-of keeps dated snapshots and reports pace and change; --per-manager splits by team."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from reports.formatting import fmt_money, fmt_pct, fmt_signed_money
from scenarios.run.runfolder import write_folder_atomically
from scenarios.run.runner import run_scenario
from scenarios.run.scenario import load_scenario
from scenarios.run.tracking import track_folder
from tests.tests_paths import TINY

OPPS = """opportunity_id,account_id,amount,close_date,stage
O1,A01,100,2027-03-01,Closed Won
O2,A02,50,2027-05-10,Closed Won
O3,A07,80,2027-04-01,Closed Won
O4,A08,40,2027-06-01,Prospecting
"""


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, root / f)
    write_folder_atomically(
        root / "run", run_scenario(load_scenario(root / "scenario.toml"), render=False).files
    )
    (root / "opps.csv").write_text(OPPS)
    return root


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False).set_index("rep_id")


def test_as_of_keeps_snapshots_and_reports_pace_and_change(tiny_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "t"
    track_folder(tiny_run / "run", tiny_run / "opps.csv", out, as_of=dt.date(2027, 4, 15))
    first = _csv(out / "pace_to_date.csv")
    # O2 closes after the as-of date: not booked yet
    assert first.loc["R1", "bookings"] == "100.00" and first.loc["total", "bookings"] == "180.00"
    assert not (out / "change_since_previous.csv").exists()
    track_folder(tiny_run / "run", tiny_run / "opps.csv", out, as_of=dt.date(2027, 6, 1))
    assert sorted(p.name for p in (out / "snapshots").iterdir()) == ["2027-04-15.csv", "2027-06-01.csv"]
    change = _csv(out / "change_since_previous.csv")
    assert (
        change.loc["R1", "bookings_change"] == "50.00" and change.loc["R1", "previous_as_of"] == "2027-04-15"
    )
    pace = _csv(out / "pace_to_date.csv")
    to_date, booked = float(pace.loc["total", "quota_to_date"]), float(pace.loc["total", "bookings"])
    assert float(pace.loc["total", "pace"]) == pytest.approx(booked / to_date, abs=1e-6)
    assert 0 < to_date < float(pace.loc["total", "quota"])
    # the first snapshot is carried over byte for byte
    assert _csv(out / "snapshots" / "2027-04-15.csv").loc["R1", "bookings"] == "100.00"


def test_a_quota_to_date_is_whole_before_and_none_after_the_year(tiny_run: Path, tmp_path: Path) -> None:
    track_folder(tiny_run / "run", tiny_run / "opps.csv", tmp_path / "a", as_of=dt.date(2026, 1, 1))
    track_folder(tiny_run / "run", tiny_run / "opps.csv", tmp_path / "b", as_of=dt.date(2029, 1, 1))
    before, after = _csv(tmp_path / "a" / "pace_to_date.csv"), _csv(tmp_path / "b" / "pace_to_date.csv")
    assert before.loc["total", "quota_to_date"] == "0.00"
    assert after.loc["total", "quota_to_date"] == after.loc["total", "quota"]


def test_per_manager_files_hold_only_the_team(tiny_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "t"
    track_folder(tiny_run / "run", tiny_run / "opps.csv", out, per_manager=True)
    assert sorted(p.name for p in (out / "managers").iterdir()) == ["M1", "M2"]
    for manager, mine, theirs in (("M1", "Ada Boston", "Cy London"), ("M2", "Cy London", "Ada Boston")):
        with zipfile.ZipFile(io.BytesIO((out / "managers" / manager / "workbook.xlsx").read_bytes())) as z:
            text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        assert mine in text and theirs not in text
        page = (out / "managers" / manager / "dashboard.html").read_text()
        assert mine in page and theirs not in page


def _as_of_rows(page: str) -> list[str]:
    """Rep ids of the dashboard's as-of table."""
    table = page[page.index('id="as-of"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<tr><td data-v="([^"]+)">', table)


def test_the_dashboards_show_the_as_of_figures_of_the_csv_files(tiny_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "t"
    track_folder(tiny_run / "run", tiny_run / "opps.csv", out, as_of=dt.date(2027, 4, 15))
    first = (out / "dashboard.html").read_text()
    assert "As of 2027-04-15" in first and "No earlier snapshot" in first and "Change since" not in first
    track_folder(tiny_run / "run", tiny_run / "opps.csv", out, as_of=dt.date(2027, 6, 1), per_manager=True)
    page = (out / "dashboard.html").read_text()
    pace = _csv(out / "pace_to_date.csv").loc["total"]
    change = _csv(out / "change_since_previous.csv")
    assert "As of 2027-06-01" in page and "Change since 2027-04-15" in page
    assert fmt_money(float(pace["quota_to_date"])) in page and fmt_money(float(pace["bookings"])) in page
    assert f"pace {fmt_pct(float(pace['pace']))} of quota to date" in page
    booked_since = sum(float(v) for v in change["bookings_change"])
    assert f"bookings {fmt_signed_money(booked_since)}" in page
    assert _as_of_rows(page) == ["R1", "R2", "R3", "R4"]
    for manager, team in (("M1", ["R1", "R2"]), ("M2", ["R3", "R4"])):
        mine = (out / "managers" / manager / "dashboard.html").read_text()
        assert "Change since 2027-04-15" in mine and _as_of_rows(mine) == team
        team_pace = _csv(out / "pace_to_date.csv").loc[team]
        team_booked = sum(float(v) for v in team_pace["bookings"])
        assert f'<div class="value">{fmt_money(team_booked)}</div>' in mine


def test_a_dashboard_without_as_of_has_no_dated_section(tiny_run: Path, tmp_path: Path) -> None:
    track_folder(tiny_run / "run", tiny_run / "opps.csv", tmp_path / "t")
    assert 'id="as-of"' not in (tmp_path / "t" / "dashboard.html").read_text()
