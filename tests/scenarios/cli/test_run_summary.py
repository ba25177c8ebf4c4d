"""What `terraquota run` prints: the quota with its currency and fiscal periods, the warnings,
log lines without source locations."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

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
