"""End to end through the installed `terraquota` command: exit codes, messages, files."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.run.runfolder import MARKER
from tests.tests_paths import TINY

CONTRACT_FILES = {
    "assignment.csv",
    "reps.csv",
    "quotas.csv",
    "metrics.json",
    "scenario.toml",
    "map.png",
    "report.html",
    "workbook.xlsx",
}


def terraquota(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command, in a fresh process (exit codes, no traceback, files)."""
    return subprocess.run(
        [sys.executable, "-m", "scenarios", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def terraquota_in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """The same command line in this process (fast, for the many malformed-input cases)."""
    from typer.testing import CliRunner

    from scenarios.cli.commands import app

    result = CliRunner().invoke(app, list(args))
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def test_bad_scenario_key_exits_2(tmp_path: Path) -> None:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    (tmp_path / "bad.toml").write_text('extends = "scenario.toml"\nname = "bad"\n[quota]\ntargett = 5\n')
    done = terraquota("run", str(tmp_path / "bad.toml"))
    assert done.returncode == 2
    assert "quota.targett" in done.stderr and "did you mean 'quota.target'" in done.stderr


def test_run_writes_the_contract_run_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = terraquota("run", str(TINY / "scenario.toml"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} >= CONTRACT_FILES
    assert {p.name for p in (out / "salesforce").iterdir()} >= {
        "Account.csv",
        "ForecastingQuota.csv",
    }
    m = json.loads((out / "metrics.json").read_text())
    for key in (
        "status",
        "objective",
        "bound",
        "gap",
        "seconds",
        "seed",
        "solver",
        "counts",
        "moved",
        "balance",
        "quota",
    ):
        assert key in m
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging folders left


@pytest.mark.slow
def test_same_inputs_and_seed_give_identical_files(tmp_path: Path) -> None:
    digests = []
    for name in ("a", "b"):
        done = terraquota("run", str(TINY / "scenario.toml"), "-o", str(tmp_path / name))
        assert done.returncode == 0
        digests.append(
            {
                f: hashlib.sha256((tmp_path / name / f).read_bytes()).hexdigest()
                for f in ("assignment.csv", "reps.csv", "quotas.csv", "map.png", "workbook.xlsx")
            }
        )
    assert digests[0] == digests[1]


def test_infeasible_plan_exits_3_with_explanation(tmp_path: Path) -> None:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    (tmp_path / "tight.toml").write_text(
        'extends = "scenario.toml"\nname = "tight"\n[assignment]\nmax_moved_share = 0.1\n'
    )
    done = terraquota("run", str(tmp_path / "tight.toml"), "-o", str(tmp_path / "out"))
    assert done.returncode == 3, done.stderr
    files = {p.name for p in (tmp_path / "out").iterdir() if p.name != MARKER}
    assert files == {"metrics.json", "explanation.txt", "scenario.toml"}
    text = (tmp_path / "out" / "explanation.txt").read_text()
    assert "max_moved_share = 10.0%" in text
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["status"] == "infeasible"


@pytest.mark.slow
def test_compare_two_runs(tmp_path: Path) -> None:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    (tmp_path / "b.toml").write_text(
        'extends = "scenario.toml"\nname = "tiny-b"\n[assignment]\nbalance = { potential = 0.5 }\n'
    )
    assert terraquota("run", str(tmp_path / "scenario.toml"), "-o", str(tmp_path / "a")).returncode == 0
    assert terraquota("run", str(tmp_path / "b.toml"), "-o", str(tmp_path / "b")).returncode == 0
    done = terraquota("compare", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(tmp_path / "cmp"))
    assert done.returncode == 0, done.stderr
    assert {"map.png", "report.html", "kpis.csv"} <= {p.name for p in (tmp_path / "cmp").iterdir()}


def test_compare_rejects_a_non_run_folder(tmp_path: Path) -> None:
    done = terraquota("compare", str(tmp_path), str(tmp_path), "-o", str(tmp_path / "cmp"))
    assert done.returncode == 2 and "not a run folder" in done.stderr


@pytest.mark.slow
def test_small_demo_end_to_end(tmp_path: Path) -> None:
    demo = tmp_path / 'demo & "co" é'  # recorded paths survive the move from the build folder
    done = terraquota("demo", "-o", str(demo), "--accounts", "1500", "--reps", "30")
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p.name for p in tmp_path.iterdir()] == [demo.name] and (demo / MARKER).is_file()
    runs = sorted(p.name for p in (demo / "runs").iterdir())
    assert runs == ["fy27-baseline", "fy27-emea-hires", "fy27-tight-disruption"]
    for r in runs:
        assert {p.name for p in (demo / "runs" / r).iterdir()} >= CONTRACT_FILES
    assert {"map.png", "report.html"} <= {p.name for p in (demo / "comparison").iterdir()}
    baseline = demo / "runs" / "fy27-baseline"
    tracking = baseline / "tracking"
    assert {"dashboard.html", "attainment_by_rep.csv", "forecast.csv"} <= {p.name for p in tracking.iterdir()}
    assert json.loads((tracking / "tracking.json").read_text())["inputs"]["run"] == str(baseline)
    # the run's recorded inputs are the demo's own: commands that check them accept the run
    again = terraquota(
        "track", str(baseline), str(demo / "inputs" / "opportunities.csv"), "-o", str(tmp_path / "t")
    )
    assert again.returncode == 0, again.stderr


def test_run_with_alternatives_writes_one_folder_per_plan(tmp_path: Path) -> None:
    done = terraquota(
        "run",
        str(TINY / "scenario.toml"),
        "-o",
        str(tmp_path / "tiny"),
        "--alternatives",
        "3",
        "--min-diff",
        "0.1",
        "--max-gap",
        "2",
        "--no-render",
    )
    assert done.returncode == 0, done.stderr
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert folders[0] == "tiny" and len(folders) >= 2
    plans = [(tmp_path / f / "assignment.csv").read_text() for f in folders]
    assert len(set(plans)) == len(plans)  # every plan differs
    for f in folders[1:]:
        m = json.loads((tmp_path / f / "metrics.json").read_text())
        assert m["name"] == f and m["bound"] <= m["objective"]
