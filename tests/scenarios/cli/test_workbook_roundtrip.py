"""Excel both ways: edit a run's workbook with openpyxl, load the edits into the next run."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests.tests_paths import TINY

openpyxl = pytest.importorskip("openpyxl")

LOOSE = 'extends = "scenario.toml"\nname = "wb"\n\n[assignment]\nbalance = { potential = 0.5 }\n'


def _invoke(*args: str) -> subprocess.CompletedProcess[str]:
    from typer.testing import CliRunner

    from scenarios.cli.commands import app

    result = CliRunner().invoke(app, list(args))
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def _cell(ws, key: str, column: str):  # type: ignore[no-untyped-def]
    """The cell of ``column`` in the row whose first column is ``key``."""
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == key:
            return row[header.index(column)]
    raise KeyError(key)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wb")
    for f in ("accounts.csv", "reps.csv", "scenario.toml"):
        shutil.copy(TINY / f, root / f)
    (root / "wb.toml").write_text(LOOSE)
    done = _invoke("run", str(root / "wb.toml"), "-o", str(root / "run1"))
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def _edit(root: Path, name: str, rep_of_a01: str = "R2") -> Path:
    wb = openpyxl.load_workbook(root / "run1" / "workbook.xlsx")
    assert _cell(wb["Accounts"], "A01", "rep_id").value == "R1"
    _cell(wb["Accounts"], "A01", "rep_id").value = rep_of_a01
    _cell(wb["Reps"], "R1", "quota").value = 123.45
    _cell(wb["Reps"], "R3", "start_date").value = dt.datetime(2027, 5, 1)
    out = root / name
    wb.save(out)
    return out


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_the_new_run_honours_every_edit(first_run: Path) -> None:
    edited = _edit(first_run, "edited.xlsx")
    out = first_run / "run2"
    done = _invoke(
        "run", str(first_run / "wb.toml"), "--from-workbook", str(edited), "-o", str(out), "--no-render"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    owner = _csv(out / "assignment.csv").set_index("account_id")["rep_id"]
    assert owner["A01"] == "R2"  # the owner change is a pin
    reps = _csv(out / "reps.csv").set_index("rep_id")
    assert reps.loc["R1", "quota"] == "123.45"  # the quota edit is an override, to the cent
    assert reps.loc["R3", "start_date"] == "2027-05-01"
    assert float(reps.loc["R3", "capacity_factor"]) == pytest.approx(9 / 12)  # May to January
    # the team's remainder is re-spread: NA reps still add up to NA's quota (hedge.rep is 0)
    na = reps[reps["region"] == "NA"]["quota"].astype(float).sum()
    first = _csv(first_run / "run1" / "reps.csv")
    assert na == pytest.approx(first[first["region"] == "NA"]["quota"].astype(float).sum(), abs=0.001)
    quotas = _csv(out / "quotas.csv")
    assert quotas[quotas["rep_id"] == "R1"]["quota"].astype(float).sum() == pytest.approx(123.45)
    # an untouched workbook changes nothing
    same = first_run / "run3"
    book = first_run / "run1" / "workbook.xlsx"
    assert (
        _invoke("run", str(first_run / "wb.toml"), "--from-workbook", str(book), "-o", str(same)).returncode
        == 0
    )
    for name in ("assignment.csv", "reps.csv", "quotas.csv"):
        assert (same / name).read_bytes() == (first_run / "run1" / name).read_bytes(), name


def test_the_data_workbook_key_loads_the_same_edits(first_run: Path) -> None:
    edited = _edit(first_run, "edited_key.xlsx")
    (first_run / "wb_key.toml").write_text(
        LOOSE.replace('name = "wb"', 'name = "wb"\n\n[data]\nworkbook = "edited_key.xlsx"')
    )
    out = first_run / "run_key"
    done = _invoke("run", str(first_run / "wb_key.toml"), "-o", str(out), "--no-render")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _csv(out / "reps.csv").set_index("rep_id").loc["R1", "quota"] == "123.45"
    assert edited.exists()


def test_a_bad_edit_names_sheet_row_and_column(first_run: Path) -> None:
    edited = _edit(first_run, "bad.xlsx", rep_of_a01="R9")
    done = _invoke(
        "run", str(first_run / "wb.toml"), "--from-workbook", str(edited), "-o", str(first_run / "x")
    )
    assert done.returncode == 2
    text = " ".join((done.stdout + done.stderr).split())
    cell = _cell(openpyxl.load_workbook(edited)["Accounts"], "A01", "rep_id").coordinate
    assert f"cell Accounts!{cell}, row 2, column 'rep_id': 'R9' is not a rep of this plan" in text
    assert not (first_run / "x").exists()


def _quota_edit(
    root: Path, name: str, quota: object, end_date: dt.datetime | None = None
) -> tuple[Path, str]:
    """A workbook whose R1 quota (and end date) the planner changed; the quota cell's Excel name."""
    wb = openpyxl.load_workbook(root / "run1" / "workbook.xlsx")
    cell = _cell(wb["Reps"], "R1", "quota")
    cell.value = quota
    if end_date is not None:
        _cell(wb["Reps"], "R1", "end_date").value = end_date
    wb.save(root / name)
    return root / name, f"Reps!{cell.coordinate}"


@pytest.mark.parametrize(
    ("quota", "end_date", "why"),
    [
        # NA's team quota is 1,000.00 x 1.1 x its share: 5,000.00 is above it
        (
            5000,
            None,
            r"rep R1: quota override 5000\.00; team NA / SMB / M1: the quota overrides of R1 add up",
        ),
        ("lots", None, r"'lots' is not an amount >= 0"),
        (-5, None, r"'-5' is not an amount >= 0"),
        # R1 leaves before the plan year (2027-02-01) starts
        (100, dt.datetime(2026, 12, 31), "rep R1: a quota override but no capacity in the plan year"),
    ],
)
def test_a_bad_quota_override_from_the_workbook_names_its_cell(
    first_run: Path, quota: object, end_date: dt.datetime | None, why: str
) -> None:
    edited, cell = _quota_edit(first_run, "bad_quota.xlsx", quota, end_date)
    out = first_run / "bad_quota"
    done = _invoke("run", str(first_run / "wb.toml"), "--from-workbook", str(edited), "-o", str(out))
    assert done.returncode == 2, done.stdout + done.stderr
    text = " ".join((done.stdout + done.stderr).split())
    row = cell.split("!")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert re.search(re.escape(f"{edited}, cell {cell}, row {row}, column 'quota': ") + why, text), text
    assert "reps.csv" not in text
    assert not out.exists()
