"""`terraquota explain RUN_DIR ACCOUNT_ID` end to end on the tiny instance (tests/data/tiny).

In the tiny plan (see tests/solver/test_tiny.py) R1 gives Newark (A04) to R2
to balance NA at tolerance 0; R3 keeps its pinned London (A07); the
Glasgow/Edinburgh family (A11, A12) goes to R4.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenarios.cli.commands import app
from scenarios.run.runfolder import write_folder_atomically
from scenarios.run.runner import run_scenario
from scenarios.run.scenario import load_scenario
from tests.tests_paths import TINY


def _explain(*args: str) -> subprocess.CompletedProcess[str]:
    result = CliRunner().invoke(app, ["explain", *args])
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outcome = run_scenario(load_scenario(TINY / "scenario.toml"), render=False)
    assert outcome.exit_code == 0
    return write_folder_atomically(tmp_path_factory.mktemp("runs") / "tiny", outcome.files)


def test_moved_account_names_its_rep_reason_band_and_alternative(run_dir: Path) -> None:
    done = _explain(str(run_dir), "A04")
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    assert "Account A04 (SMB x NA, potential 100, previous owner R1) is assigned to R2." in out
    assert "reason recorded by the run: moved to balance territories" in out
    assert "owner: previous owner R1 (moved)" in out
    assert "moving this account away would break R2's lower band by 100" in out
    # the only alternative, R1: cheaper (no move) but breaks both bands by 100
    assert "- R1: objective -" in out and "potential moved -100" in out
    assert "R1 would hold 400, 100 above its upper band 300" in out
    assert "R2 would hold 200, 100 below its lower band 300" in out
    assert "2 rep(s) of other blocks or without capacity are not eligible" in out


def test_pinned_account_and_family(run_dir: Path) -> None:
    out = " ".join(_explain(str(run_dir), "A07").stdout.split())
    assert "is assigned to R3" in out and "pinned: locked_owner = R3" in out
    assert "- R4:" in out and "pin: A07 is pinned to R3" in out
    out = " ".join(_explain(str(run_dir), "A12").stdout.split())
    assert "is assigned to R4" in out and "family: goes with its family as one unit (A11, A12)" in out
    assert "potential moved -100" in out  # moving the family back to R3 un-moves both accounts


def test_unknown_account_exits_2_with_a_hint(run_dir: Path) -> None:
    done = _explain(str(run_dir), "A99")
    assert done.returncode == 2
    assert "account 'A99' is not in this run (12 accounts)" in done.stderr and "A09" in done.stderr


def test_folder_that_is_not_a_run_exits_2(tmp_path: Path) -> None:
    done = _explain(str(tmp_path), "A01")
    assert done.returncode == 2 and "not a run folder" in done.stderr
    done = _explain(str(tmp_path / "missing"), "A01")
    assert done.returncode == 2 and "not a folder" in done.stderr


def test_run_without_a_plan_exits_2(run_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "infeasible"
    shutil.copytree(run_dir, broken)
    (broken / "assignment.csv").unlink()
    done = _explain(str(broken), "A01")
    assert done.returncode == 2 and "this run has no plan" in done.stderr


def test_plan_that_no_longer_matches_its_inputs_exits_2(run_dir: Path, tmp_path: Path) -> None:
    stale = tmp_path / "stale"
    shutil.copytree(run_dir, stale)
    lines = (stale / "assignment.csv").read_text().splitlines()
    (stale / "assignment.csv").write_text("\n".join(lines[:-1]) + "\n")
    done = _explain(str(stale), "A01")
    assert done.returncode == 2 and "does not match its inputs" in done.stderr
