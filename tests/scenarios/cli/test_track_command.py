"""`terraquota track`: the tiny run tracked from opportunities, end to end through the CLI."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from scenarios.cli.commands import app
from scenarios.run.runfolder import MARKER, write_folder_atomically
from scenarios.run.runner import run_scenario
from scenarios.run.scenario import load_scenario
from tests.tests_paths import TINY

FILES = [
    "attainment_by_manager.csv",
    "attainment_by_region.csv",
    "attainment_by_rep.csv",
    "attainment_by_segment.csv",
    "attainment_total.csv",
    "dashboard.html",
    "forecast.csv",
    "forecast_overrides.csv",
    "tracking.json",
]

# Salesforce-style export: ids, owner ids, stages; one opportunity has no
# owner (its account's planned owner counts), one owner is not in the plan.
OPPORTUNITIES = """Id,OwnerId,AccountId,Name,Amount,CloseDate,StageName,Probability,ForecastCategoryName
O1,R1,A01,"=cmd|' /C calc'!A0",120.50,2027-03-10,Closed Won,100,Closed
O2,R2,A05,Upsell,80,2027-05-02,Negotiation/Review,90,Commit
O3,,A09,Renewal,60,2027-09-30,Closed Won,100,Closed
O4,R3,A10,Expansion,200,2027-12-01,Value Proposition,50,Pipeline
O5,R9,,Old deal,40,2027-04-01,Closed Won,100,Closed
O6,R1,A02,Next year,70,2028-03-01,Prospecting,10,Pipeline
"""
OVERRIDES = """manager_id,period,commit,best_case,note
M1,2027-05-01,150,,"+1 from the Q2 review"
"""


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    outcome = run_scenario(load_scenario(TINY / "scenario.toml"), render=False)
    return write_folder_atomically(tmp_path_factory.mktemp("runs") / "tiny", outcome.files)


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def test_track_writes_tables_and_dashboard(tiny_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    (tmp_path / "opps.csv").write_text(OPPORTUNITIES, encoding="utf-8")
    (tmp_path / "over.csv").write_text(OVERRIDES, encoding="utf-8")
    result = _invoke("track", str(run), str(tmp_path / "opps.csv"), "--overrides", str(tmp_path / "over.csv"))
    assert result.exit_code == 0, result.output
    folder = run / "tracking"
    assert sorted(p.name for p in folder.iterdir() if p.name != MARKER) == FILES

    summary = json.loads((folder / "tracking.json").read_text())
    assert summary["counts"]["outside_periods"] == 1  # O6 closes after the plan year
    assert summary["counts"]["owner_sources"] == {"account": 1, "owner_id": 5}
    assert summary["counts"]["owners_outside_plan"] == 1  # R9

    total = _csv(folder, "attainment_total.csv").set_index("period")
    assert total.loc["total", "bookings"] == "220.50"  # O1 + O3 + O5
    assert total.loc["total", "quota"] == "1100.00"  # the tiny plan's rep quotas
    reps = _csv(folder, "attainment_by_rep.csv")
    year = reps[reps["period"] == "total"].set_index("rep_id")
    assert year.loc["R9", "in_plan"] == "false" and year.loc["R9", "bookings"] == "40.00"
    owner_of_a09 = _csv(run, "assignment.csv").set_index("account_id").loc["A09", "rep_id"]
    assert float(year.loc[owner_of_a09, "bookings"]) >= 60.0

    forecast = _csv(folder, "forecast.csv")
    m1 = forecast[
        (forecast["level"] == "manager") & (forecast["key"] == "M1") & (forecast["period"] == "2027-05-01")
    ]
    assert m1["commit"].item() == "150.00" and m1["overridden"].item() == "true"
    assert m1["note"].item() == "'+1 from the Q2 review"  # neutralised for spreadsheets
    overrides = _csv(folder, "forecast_overrides.csv")
    assert overrides[["commit_rollup", "commit", "commit_difference"]].values.tolist() == [
        ["80.00", "150.00", "70.00"]
    ]
    by_level = (
        forecast[forecast["period"] == "total"]
        .groupby("level")["commit"]
        .apply(lambda s: round(s.astype(float).sum(), 2))
    )
    assert (by_level == by_level.iloc[0]).all()  # rep, manager, region, segment and total agree

    html = (folder / "dashboard.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html and not re.search(r"(src|href)=\"https?:", html)
    assert "1 opportunities close outside the plan periods" in html


def test_same_inputs_same_bytes_and_custom_output(tiny_run: Path, tmp_path: Path) -> None:
    (tmp_path / "opps.csv").write_text(OPPORTUNITIES, encoding="utf-8")
    out = []
    for name in ("a", "b"):
        result = _invoke("track", str(tiny_run), str(tmp_path / "opps.csv"), "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        out.append({p.name: p.read_bytes() for p in (tmp_path / name).iterdir()})
    assert out[0] == out[1]
    assert not (tiny_run / "tracking").exists()


def test_bad_inputs_exit_2_and_write_nothing(tiny_run: Path, tmp_path: Path) -> None:
    bad = OPPORTUNITIES.replace("2027-05-02", "05/02/2027")
    (tmp_path / "opps.csv").write_text(bad, encoding="utf-8")
    (tmp_path / "over.csv").write_text("manager_id,period,commit\nM7,2027-05-01,10\n", encoding="utf-8")
    target = tmp_path / "out"
    result = _invoke(
        "track",
        str(tiny_run),
        str(tmp_path / "opps.csv"),
        "--overrides",
        str(tmp_path / "over.csv"),
        "-o",
        str(target),
    )
    assert result.exit_code == 2
    assert "row 3" in result.output and "CloseDate" in result.output
    assert not target.exists()
    (tmp_path / "opps.csv").write_text(OPPORTUNITIES, encoding="utf-8")
    result = _invoke(
        "track",
        str(tiny_run),
        str(tmp_path / "opps.csv"),
        "--overrides",
        str(tmp_path / "over.csv"),
        "-o",
        str(target),
    )
    assert result.exit_code == 2 and "manages no rep" in result.output
    result = _invoke("track", str(tiny_run), str(tmp_path / "opps.csv"), "--stage", "Pilot=high")
    assert result.exit_code == 2 and "not a probability" in result.output
    assert not target.exists()


def test_maven_pipeline_through_the_cli(shared_data: Path, tmp_path: Path) -> None:
    pipeline = shared_data / "crm" / "maven_crm_sales_opportunities" / "sales_pipeline.csv"
    teams = shared_data / "crm" / "maven_crm_sales_opportunities" / "sales_teams.csv"
    if not pipeline.exists():
        pytest.skip(f"missing {pipeline} (../shared/data/crm)")
    team = pd.read_csv(teams)
    run = tmp_path / "maven"
    reps = pd.DataFrame(
        {
            "rep_id": [f"A{i:02d}" for i in range(1, 36)],
            "name": team["sales_agent"],
            "segment": "ALL",
            "region": team["regional_office"],
            "manager_id": team["manager"].str.split().str[0],
        }
    )
    quotas = pd.DataFrame(
        [
            (r, p, 60_000.0)
            for r in reps["rep_id"]
            for p in ("2017-01-01", "2017-04-01", "2017-07-01", "2017-10-01")
        ],
        columns=["rep_id", "period", "quota"],
    )
    buf = {"reps.csv": reps, "quotas.csv": quotas}
    files = {k: v.to_csv(index=False).encode() for k, v in buf.items()}
    files["metrics.json"] = b'{"name": "maven", "status": "optimal"}'
    write_folder_atomically(run, files)
    result = _invoke("track", str(run), str(pipeline), "--stage", "Engaging=0.5")
    assert result.exit_code == 0, result.output
    managers = pd.read_csv(run / "tracking" / "attainment_by_manager.csv")
    year = managers[managers["period"] == "total"]
    assert len(year) == 6 and year["bookings"].sum() == pytest.approx(10_005_534.0)
    assert pd.read_csv(io.StringIO((run / "tracking" / "forecast.csv").read_text()))["level"].nunique() == 5
