"""`terraquota plan-hires`: the cost of the hires and the gap they leave; headcount and budget sizing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.tests_paths import TINY

CAPACITY = """
[plan]
currency = "EUR"

[capacity]
productivity = 200.0
lead_time_months = 1
ote = 50000.0
"""


def _invoke(*args: str) -> subprocess.CompletedProcess[str]:
    from typer.testing import CliRunner

    from scenarios.cli.commands import app

    result = CliRunner().invoke(app, list(args))
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def _scenario(tmp_path: Path, extra: str = "") -> Path:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    path = tmp_path / "hires.toml"
    path.write_text('extends = "scenario.toml"\nname = "hires"\n' + CAPACITY + extra)
    return path


def test_plan_hires_prints_the_cost_and_the_gap_left(tmp_path: Path) -> None:
    done = _invoke("plan-hires", str(_scenario(tmp_path)), "-o", str(tmp_path / "out.csv"))
    assert done.returncode == 0, done.stderr
    # EMEA's hire works the whole year (50,000.00), NA's from August 1 (184 of 365 days: 25,205.48)
    out = " ".join(done.stdout.split())
    assert "2 hires cost EUR 75,205 in the plan year" in out
    assert "capacity gap left after them: 0.00 FTE" in out


def test_headcount_when_only_some_blocks_set_max_reps(tmp_path: Path) -> None:
    """Regression: this exited 1 with a traceback (a NaN max_reps in the sizing)."""
    for limit in ("headcount = 6", "budget = 400000.0"):
        extra = "\n[capacity.blocks.EMEA.SMB]\nmax_reps = 3\n"
        path = _scenario(tmp_path, extra)
        path.write_text(path.read_text().replace("ote = 50000.0", f"ote = 50000.0\n{limit}"))
        done = _invoke("plan-hires", str(path), "-o", str(tmp_path / "out.csv"))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "hires proposed" in done.stdout
