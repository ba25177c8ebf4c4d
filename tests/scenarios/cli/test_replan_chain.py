"""Re-plans chain, and every command that reads a run's inputs notices when they changed."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from scenarios.cli.explain import explain_in_run
from scenarios.cli.replan import replan_run
from scenarios.run.runfolder import write_folder_atomically
from scenarios.run.runner import run_scenario
from scenarios.run.scenario import load_scenario
from scenarios.run.tracking import track_folder
from solver.errors import InputError
from tests.tests_paths import TINY

FIRST = "event,date,rep_id,segment,region,account_id\nleave,2027-08-01,R2,,,\njoin,2027-08-01,J1,SMB,NA,\n"
SECOND = "event,date,rep_id,segment,region,account_id\ntransfer,2027-09-01,J1,,,A02\n"
COMPARED = ("assignment.csv", "reps.csv", "quotas.csv", "changes.csv", "events.csv")


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    outcome = run_scenario(load_scenario(tmp_path / "scenario.toml"), render=False)
    write_folder_atomically(tmp_path / "run", outcome.files)
    (tmp_path / "first.csv").write_text(FIRST)
    (tmp_path / "second.csv").write_text(SECOND)
    (tmp_path / "both.csv").write_text(FIRST + SECOND.split("\n", 1)[1])
    return tmp_path


def _replan(run: Path, events: Path, out: Path) -> int:
    return replan_run(run, events, out, render=False, console=_quiet(), log=lambda _m: None)


def _untimed(path: Path) -> object:
    """metrics.json without its wall-clock seconds (the only figure two solves may differ in)."""

    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "seconds"}
        return [strip(v) for v in value] if isinstance(value, list) else value

    return strip(json.loads(path.read_text()))


def test_a_replanned_run_replans_like_the_original_with_both_event_files(tiny: Path) -> None:
    assert _replan(tiny / "run", tiny / "first.csv", tiny / "r1") == 0
    assert _replan(tiny / "r1", tiny / "second.csv", tiny / "r2") == 0
    assert _replan(tiny / "run", tiny / "both.csv", tiny / "r12") == 0
    for name in COMPARED:
        assert (tiny / "r2" / name).read_bytes() == (tiny / "r12" / name).read_bytes(), name
    assert _untimed(tiny / "r2" / "metrics.json") == _untimed(tiny / "r12" / "metrics.json")
    assert "A02,J1" in (tiny / "r2" / "assignment.csv").read_text()


def test_a_chain_whose_original_run_was_replaced_is_refused(tiny: Path) -> None:
    assert _replan(tiny / "run", tiny / "first.csv", tiny / "r1") == 0
    outcome = run_scenario(load_scenario(tiny / "scenario.toml"), render=False)
    files = dict(outcome.files)
    files["assignment.csv"] = files["assignment.csv"].replace(b"A01,R1", b"A01,R2")
    write_folder_atomically(tiny / "run", files)
    with pytest.raises(InputError, match="has been replaced since"):
        _replan(tiny / "r1", tiny / "second.csv", tiny / "r2")


def _change_potential(tiny: Path) -> Path:
    accounts = tiny / "accounts.csv"
    text = accounts.read_text()
    head, first, rest = text.split("\n", 2)
    fields = first.split(",")
    fields[head.split(",").index("potential")] = "900"
    accounts.write_text("\n".join([head, ",".join(fields), rest]))
    return accounts


def test_explain_replan_and_track_name_an_input_changed_since_the_run(tiny: Path) -> None:
    accounts = _change_potential(tiny)
    (tiny / "opps.csv").write_text(
        "opportunity_id,account_id,amount,close_date,stage\nO1,A01,10,2027-03-01,Closed Won\n"
    )
    calls = [
        lambda: _replan(tiny / "run", tiny / "first.csv", tiny / "r1"),
        lambda: explain_in_run(tiny / "run", "A01", console=_quiet()),
        lambda: track_folder(tiny / "run", tiny / "opps.csv", tiny / "t"),
    ]
    for call in calls:
        with pytest.raises(InputError) as e:
            call()
        (problem,) = e.value.problems
        assert problem.file == str(accounts) and "changed since the run" in problem.why
    assert not (tiny / "r1").exists() and not (tiny / "t").exists()


def test_a_missing_input_is_named(tiny: Path) -> None:
    (tiny / "reps.csv").unlink()
    with pytest.raises(InputError, match="no longer exists") as e:
        explain_in_run(tiny / "run", "A01", console=_quiet())
    assert e.value.problems[0].file == str(tiny / "reps.csv")


def test_a_manager_event_moves_the_rep_s_quotas_to_the_new_team_from_the_date(tiny: Path) -> None:
    (tiny / "manager.csv").write_text(
        "event,date,rep_id,segment,region,account_id,manager_id\nmanager,2027-08-01,R2,,,,M2\n"
    )
    assert _replan(tiny / "run", tiny / "manager.csv", tiny / "r") == 0
    quotas = (tiny / "r" / "quotas.csv").read_text().splitlines()
    r2 = [line.split(",") for line in quotas if line.startswith("R2,")]
    assert [(p, m) for _, p, _, m in r2] == [
        ("2027-02-01", "M1"),
        ("2027-05-01", "M1"),
        ("2027-08-01", "M2"),
        ("2027-11-01", "M2"),
    ]
    assert "R2,Ben Philly,SMB,NA,M2," in (tiny / "r" / "reps.csv").read_text()
    assert (tiny / "r" / "assignment.csv").read_bytes().count(b",true,") == 0  # no account moves
    (tiny / "opps.csv").write_text(
        "opportunity_id,account_id,amount,close_date,stage\nO1,A05,10,2027-09-01,Closed Won\n"
    )
    track_folder(tiny / "r", tiny / "opps.csv", tiny / "t")
    by_manager = (tiny / "t" / "attainment_by_manager.csv").read_text()
    assert "M2,3,2027-08-01," in by_manager and "M1,1,2027-08-01," in by_manager
