"""What `terraquota run` prints: the quota with its currency and fiscal periods, the warnings,
log lines without source locations."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.tests_paths import TINY

FINANCE = """extends = "scenario.toml"
name = "fin"

[plan]
currency = "EUR"
fiscal_year_start = 2

[warnings]
min_share_reaching_quota = 0.99
"""


def _invoke(*args: str) -> subprocess.CompletedProcess[str]:
    from typer.testing import CliRunner

    from scenarios.cli.commands import app

    result = CliRunner().invoke(app, list(args))
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def test_summary_reads_like_finance(tmp_path: Path) -> None:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    (tmp_path / "fin.toml").write_text(FINANCE)
    done = _invoke("run", str(tmp_path / "fin.toml"), "-o", str(tmp_path / "out"), "--no-render")
    assert done.returncode == 0, done.stdout + done.stderr
    out = " ".join(done.stdout.split())
    # target 1,000.00 with a 10% region hedge; quarters of a fiscal year starting in February
    assert "quota EUR 1,100.00 for a target of EUR 1,000.00, quarters FY27 Q1 to FY27 Q4" in out
    warnings = json.loads((tmp_path / "out" / "metrics.json").read_text())["warnings"]
    reach = [w for w in warnings if w["code"] == "few_reps_reach_quota"]
    assert reach and reach[0]["threshold"] == 0.99
    assert f"warning: {reach[0]['message']}" in out
    assert "commands.py:" not in done.stderr
    # quotas.csv keeps ISO dates
    assert "2027-02-01" in (tmp_path / "out" / "quotas.csv").read_text()


def test_an_override_above_the_team_quota_exits_2_naming_the_reps_file(tmp_path: Path) -> None:
    for f in ("accounts.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    lines = (TINY / "reps.csv").read_text().splitlines()
    lines = [lines[0] + ",quota_override"] + [
        line + (",5000" if line.startswith("R1,") else ",") for line in lines[1:]
    ]
    (tmp_path / "reps.csv").write_text("\n".join(lines) + "\n")
    done = _invoke("run", str(tmp_path / "scenario.toml"), "-o", str(tmp_path / "out"), "--no-render")
    assert done.returncode == 2
    text = " ".join((done.stdout + done.stderr).split())
    # R1 is the first record: spreadsheet row 2
    assert f"{tmp_path / 'reps.csv'}, row 2, column 'quota_override': rep R1: quota override 5000.00;" in text
    assert "team NA / SMB / M1: the quota overrides of R1 add up to 5000.00, above the team's quota" in text
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("override", "end_date", "why"),
    [
        ("abc", "", "row 3, column 'quota_override': 'abc' is not a number"),
        ("-5", "", "row 3, column 'quota_override': '-5' is negative"),
        # R2 leaves before the plan year (2027-02-01) starts
        ("100", "2026-12-31", "row 3, column 'quota_override': rep R2: a quota override but no capacity"),
    ],
)
def test_a_bad_override_names_the_reps_row_and_column(
    tmp_path: Path, override: str, end_date: str, why: str
) -> None:
    for f in ("accounts.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    lines = (TINY / "reps.csv").read_text().splitlines()
    lines = [lines[0] + ",quota_override"] + [
        (line.replace("2021-03-01,,", f"2021-03-01,{end_date},") + f",{override}")
        if line.startswith("R2,")
        else line + ","
        for line in lines[1:]
    ]
    (tmp_path / "reps.csv").write_text("\n".join(lines) + "\n")
    done = _invoke("run", str(tmp_path / "scenario.toml"), "-o", str(tmp_path / "out"), "--no-render")
    assert done.returncode == 2, done.stdout + done.stderr
    text = " ".join((done.stdout + done.stderr).split())
    assert f"{tmp_path / 'reps.csv'}, {why}" in text


def test_a_level_without_weight_names_the_reps_row(tmp_path: Path) -> None:
    for f in ("accounts.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    lines = (TINY / "reps.csv").read_text().splitlines()
    levels = {"R1": "senior", "R2": "lead", "R3": "junior", "R4": "junior"}
    lines = [lines[0] + ",level"] + [line + "," + levels[line.split(",")[0]] for line in lines[1:]]
    (tmp_path / "reps.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "lv.toml").write_text(
        'extends = "scenario.toml"\nname = "lv"\n\n[quota]\nlevel_weights = { senior = 1.2, junior = 1.0 }\n'
    )
    done = _invoke("run", str(tmp_path / "lv.toml"), "-o", str(tmp_path / "out"), "--no-render")
    assert done.returncode == 2
    text = " ".join((done.stdout + done.stderr).split())
    # R2 is the second record: spreadsheet row 3
    assert f"{tmp_path / 'reps.csv'}, row 3, column 'level': rep R2: level 'lead' has no weight" in text


def test_region_and_segment_targets_that_contradict_exit_2(tmp_path: Path) -> None:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    # every rep sells SMB: SMB fixed at 500.00 cannot hold with a company target of 1,000.00
    (tmp_path / "both.toml").write_text(
        'extends = "scenario.toml"\nname = "both"\n\n[quota]\n'
        "targets = { region = { EMEA = 600.0 }, segment = { SMB = 500.0 } }\n"
    )
    done = _invoke("run", str(tmp_path / "both.toml"), "-o", str(tmp_path / "out"), "--no-render")
    assert done.returncode == 2, done.stdout + done.stderr
    text = " ".join((done.stdout + done.stderr).split())
    where = f"{tmp_path / 'both.toml'}, column 'quota.targets'"
    assert f"{where}: the fixed targets contradict each other" in text
    assert "region EMEA 600.00, the unfixed regions (remaining 400.00) (together 1000.00)" in text
    assert "only in segment SMB 500.00" in text
    assert not (tmp_path / "out").exists()
