"""No CSV of a run folder lets a spreadsheet run a formula typed into the CRM."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from scenarios.run.runner import run_scenario
from scenarios.run.scenario import load_scenario
from solver.errors import InputError
from solver.inputs.formula_text import looks_like_formula
from tests.tests_paths import TINY

HOSTILE = ['=HYPERLINK("http://evil","x")', "\r=1+1", "-2+3", "@SUM(A1)", "+cmd"]


def _copy_tiny(tmp_path: Path) -> Path:
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, tmp_path / f)
    return tmp_path / "scenario.toml"


def _set_cells(path: Path, column: str, values: list[str]) -> None:
    rows = list(csv.reader(path.open(newline="")))
    at = rows[0].index(column)
    for row, value in zip(rows[1:], values, strict=False):
        row[at] = value
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)


def test_formula_text_in_names_is_neutralised_in_every_csv(tmp_path: Path) -> None:
    scenario = _copy_tiny(tmp_path)
    _set_cells(tmp_path / "accounts.csv", "name", HOSTILE)
    _set_cells(tmp_path / "reps.csv", "name", HOSTILE[:4])
    files = run_scenario(load_scenario(scenario)).files
    csvs = {name: data for name, data in files.items() if name.endswith(".csv")}
    assert {"assignment.csv", "reps.csv", "salesforce/Account.csv"} <= set(csvs)
    raw = [
        (name, cell)
        for name, data in csvs.items()
        for row in csv.reader(io.StringIO(data.decode("utf-8")))
        for cell in row
        if looks_like_formula(cell)
    ]
    assert raw == []
    text = csvs["assignment.csv"].decode()
    assert "'=1+1" in text  # the reader trims the carriage return, the writer then neutralises


@pytest.mark.parametrize("column", ["account_id", "current_owner"])
def test_an_id_that_looks_like_a_formula_is_an_input_error(tmp_path: Path, column: str) -> None:
    scenario = _copy_tiny(tmp_path)
    _set_cells(tmp_path / "accounts.csv", column, ["=A1"])
    with pytest.raises(InputError) as e:
        run_scenario(load_scenario(scenario), render=False)
    problem = next(p for p in e.value.problems if "formula" in p.why)
    assert (problem.file, problem.row, problem.column) == (str(tmp_path / "accounts.csv"), 2, column)
