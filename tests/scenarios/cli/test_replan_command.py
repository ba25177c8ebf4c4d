"""`terraquota replan` and `terraquota plan-hires` end to end on the hand-checkable instance."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scenarios.run.runfolder import MARKER, write_folder_atomically
from scenarios.run.runner import run_scenario
from scenarios.run.scenario import load_scenario
from tests.tests_paths import TINY

EVENTS = """event,date,rep_id,segment,region,account_id
leave,2027-08-01,R2,,,
join,2027-08-01,J1,SMB,NA,
transfer,2027-08-01,R4,,,A08
"""


def _invoke(*args: str) -> subprocess.CompletedProcess[str]:
    from typer.testing import CliRunner

    from scenarios.cli.commands import app

    result = CliRunner().invoke(app, list(args))
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, root / f)
    outcome = run_scenario(load_scenario(root / "scenario.toml"), render=False)
    write_folder_atomically(root / "run", outcome.files)
    (root / "events.csv").write_text(EVENTS)
    return root


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_replan_writes_a_run_folder_with_changes(tiny_run: Path) -> None:
    out = tiny_run / "replanned"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scenarios",
            "replan",
            str(tiny_run / "run"),
            str(tiny_run / "events.csv"),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    names = {p.name for p in out.iterdir()}
    assert {
        "assignment.csv",
        "reps.csv",
        "quotas.csv",
        "metrics.json",
        "scenario.toml",
        "changes.csv",
        "events.csv",
        "map.png",
        "report.html",
        "workbook.xlsx",
    } <= names
    a = _csv(out / "assignment.csv").set_index("account_id")
    # R2's three accounts: one to R1 (target 400 of 600), two to J1 (capacity 0.5: target 200)
    assert a.loc[["A04", "A05", "A06"], "rep_id"].value_counts().to_dict() == {"J1": 2, "R1": 1}
    assert a.loc["A08", "rep_id"] == "R4" and a.loc["A08", "reason"].startswith("transfer")
    assert set(a.index[a["moved"] == "true"]) == {"A04", "A05", "A06", "A08"}
    q = _csv(out / "quotas.csv")
    q["cents"] = (q["quota"].astype(float) * 100).round().astype(int)
    assert q["cents"].sum() == 110_000  # the company total, to the cent
    by = q.pivot_table(index="rep_id", columns="period", values="cents", aggfunc="sum")
    assert by.loc["R2"].tolist() == [6_875, 6_875, 0, 0]  # keeps the periods worked
    assert by.loc["J1"].tolist()[:2] == [0, 0] and by.loc["J1"].sum() > 0
    changes = _csv(out / "changes.csv")
    assert changes[changes["kind"] == "event"]["event"].tolist() == ["join", "leave", "transfer"]
    moved = changes[changes["kind"] == "account"]
    assert set(moved["account_id"]) == {"A04", "A05", "A06", "A08"}
    leaver = changes[(changes["kind"] == "event") & (changes["rep_id"] == "R2")].iloc[0]
    assert (leaver["quota_before"], leaver["quota_after"]) == ("275.00", "137.50")
    assert sum(float(x) for x in moved[moved["from_rep"] == "R2"]["quota_moved"]) == pytest.approx(137.50)
    m = json.loads((out / "metrics.json").read_text())
    assert m["quota"]["conserved"] is True and m["quota"]["total"] == "1100.00"
    assert m["replan"]["events"] == 3 and m["moved"]["accounts"] == 4


def test_bad_events_exit_2_naming_row_and_column(tiny_run: Path) -> None:
    bad = tiny_run / "bad_events.csv"
    bad.write_text("event,date,rep_id,segment,region,account_id\nleave,2027-08-01,R9,,,\n")
    done = _invoke("replan", str(tiny_run / "run"), str(bad), "-o", str(tiny_run / "never"))
    assert done.returncode == 2
    assert "row 2" in done.stderr and "column 'rep_id'" in done.stderr and "R9" in done.stderr
    assert not (tiny_run / "never").exists()


def test_losing_a_block_s_last_rep_is_infeasible_and_explained(tiny_run: Path) -> None:
    events = tiny_run / "last_rep.csv"
    events.write_text(
        "event,date,rep_id,segment,region,account_id\nleave,2027-09-01,R3,,,\nleave,2027-09-01,R4,,,\n"
    )
    out = tiny_run / "infeasible"
    done = _invoke("replan", str(tiny_run / "run"), str(events), "-o", str(out), "--no-render")
    assert done.returncode == 3
    names = {p.name for p in out.iterdir() if p.name != MARKER}
    assert names == {"metrics.json", "explanation.txt", "scenario.toml"}
    assert "SMB x EMEA" in (out / "explanation.txt").read_text()
    assert json.loads((out / "metrics.json").read_text())["status"] == "infeasible"


def test_replan_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    done = _invoke("replan", str(tmp_path), str(tmp_path / "e.csv"), "-o", str(tmp_path / "x"))
    assert done.returncode == 2 and "not a run folder" in done.stderr


CAPACITY = """
[capacity]
productivity = 200.0
lead_time_months = 1
ote = 50000.0
"""


def test_plan_hires_appends_placeholder_rows(tmp_path: Path) -> None:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    (tmp_path / "hires.toml").write_text('extends = "scenario.toml"\nname = "hires"\n' + CAPACITY)
    out = tmp_path / "reps_with_hires.csv"
    done = _invoke("plan-hires", str(tmp_path / "hires.toml"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    reps = _csv(out)
    assert list(reps.columns) == [*list(_csv(TINY / "reps.csv").columns), "ote"]
    assert reps["rep_id"].tolist()[:4] == ["R1", "R2", "R3", "R4"]
    hires = reps.iloc[4:].set_index("rep_id")
    # NA needs 2.5 reps of capacity (500 / 200), has 2.0: one hire, needed by August;
    # EMEA needs 2.5, has 1.5 (R4 from August): one hire from the plan's first day
    assert hires.index.tolist() == ["TBH-EMEA-SMB-01", "TBH-NA-SMB-01"]
    assert hires["start_date"].tolist() == ["2027-02-01", "2027-08-01"]
    assert (hires["name"] == "").all() and (hires["ote"] == "50000.00").all()
    assert "2 hires proposed" in done.stdout


def test_same_inputs_give_the_same_bytes(tiny_run: Path) -> None:
    a = run_scenario(load_scenario(tiny_run / "scenario.toml"), render=False).files
    b = run_scenario(load_scenario(tiny_run / "scenario.toml"), render=False).files
    for name in ("capacity.csv", "reconcile.csv", "quotas.csv"):
        assert a[name] == b[name], name
    outs = []
    for name in ("r1", "r2"):
        out = tiny_run / name
        done = _invoke(
            "replan", str(tiny_run / "run"), str(tiny_run / "events.csv"), "-o", str(out), "--no-render"
        )
        assert done.returncode == 0, done.stderr
        outs.append(
            {f: (out / f).read_bytes() for f in ("assignment.csv", "quotas.csv", "changes.csv", "reps.csv")}
        )
    assert outs[0] == outs[1]
