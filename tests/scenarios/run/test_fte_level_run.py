"""A run with reps' `fte` and `level`: book targets, quotas and capacity all weigh them; figures by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.tests_paths import TINY

LEVELS = {"R1": "junior,", "R2": "junior,0.5", "R3": "junior,", "R4": "senior,"}
SCENARIO = (
    'extends = "scenario.toml"\nname = "fte"\n\n[quota]\nlevel_weights = { senior = 2.0, junior = 1.0 }\n'
)


def _invoke(*args: str) -> int:
    from typer.testing import CliRunner

    from scenarios.cli.commands import app

    return CliRunner().invoke(app, list(args)).exit_code


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fte")
    for f in ("accounts.csv", "scenario.toml"):
        shutil.copy(TINY / f, root / f)
    lines = (TINY / "reps.csv").read_text().splitlines()
    rows = [lines[0] + ",level,fte"] + [line + "," + LEVELS[line.split(",")[0]] for line in lines[1:]]
    (root / "reps.csv").write_text("\n".join(rows) + "\n")
    (root / "fte.toml").write_text(SCENARIO)
    assert _invoke("run", str(root / "fte.toml"), "-o", str(root / "out"), "--no-render") == 0
    return root / "out"


def test_book_targets_weigh_fte_and_level(run: Path) -> None:
    reps = pd.read_csv(run / "reps.csv", keep_default_na=False).set_index("rep_id")
    # capacity_factor keeps its contract meaning (tenure and dates only): R4 starts 2027-08-01 -> 6 / 12
    assert reps["capacity_factor"].tolist() == [1.0, 1.0, 1.0, 0.5]
    # NA (600 of potential): R1 junior 1.0 x 1, R2 junior 0.5 FTE -> weights 1 : 0.5 -> 400 and 200.
    # EMEA (600): R3 junior 1 x 1, R4 senior 2.0 x capacity 0.5 -> weights 1 : 1 -> 300 and 300.
    assert reps["target_potential"].tolist() == [400.0, 200.0, 300.0, 300.0]
    assert reps["potential"].tolist() == [400.0, 200.0, 300.0, 300.0]  # balance tolerance 0
    # quotas: 1,000.00 x 1.1 (region hedge) = 1,100.00, 550.00 a region (equal potential);
    # NA by book 400 : 200 -> 366.67 and 183.33; EMEA 275.00 each: quota share = book share
    assert reps["quota"].tolist() == [366.67, 183.33, 275.0, 275.0]


def test_capacity_weighs_fte_not_level(run: Path) -> None:
    cap = pd.read_csv(run / "capacity.csv", keep_default_na=False).set_index("region")
    # NA: R1 1.0 + R2 0.5 FTE; EMEA: R3 1.0 + R4 0.5 (its dates; the senior level adds no capacity)
    assert cap.loc["NA", "productive_capacity"] == pytest.approx(1.5)
    assert cap.loc["EMEA", "productive_capacity"] == pytest.approx(1.5)
    assert cap.loc["total", "productive_capacity"] == pytest.approx(3.0)
    assert cap.loc["NA", "active_reps"] == 2
