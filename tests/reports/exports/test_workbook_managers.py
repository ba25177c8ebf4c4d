"""Manager sheets of the run workbook and the sheet-name rules behind them."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import pandas as pd

from reports import workbook_bytes
from reports.exports.sheet_names import MAX_SHEET_NAME, unique_sheet_names
from tests.reports import fixtures as fx

STANDARD = ["Summary", "Reps", "Accounts", "Quotas", "Moves", "Capacity", "Reconcile", "Assumptions"]
#: Hidden sheets of the plan as written, always last.
HIDDEN = ["Plan accounts", "Plan reps"]


def _sheets(data: bytes) -> dict[str, pd.DataFrame]:
    return pd.read_excel(
        io.BytesIO(data), sheet_name=None, engine="calamine", keep_default_na=False, na_values=[""]
    )


def test_sheet_names_follow_excel_rules() -> None:
    long = "M" * 40
    names = unique_sheet_names(
        ["a/b:c*d?e[f]g\\h", long, long, "summary", "", "'quoted'", "History"], taken=STANDARD
    )
    assert names[0] == "a_b_c_d_e_f_g_h"
    assert names[1] == "M" * MAX_SHEET_NAME
    assert names[2] == "M" * (MAX_SHEET_NAME - 4) + " (2)"
    assert names[3] == "summary (2)"  # Excel compares names ignoring case
    assert names[4] == "Sheet"
    assert names[5] == "quoted"
    assert names[6] == "Sheet History"
    assert all(len(n) <= MAX_SHEET_NAME for n in names)
    lowered = [n.lower() for n in names + STANDARD]
    assert len(set(lowered)) == len(lowered)


def test_no_manager_sheets_unless_asked() -> None:
    assert list(_sheets(workbook_bytes(fx.make_run()))) == [*STANDARD, *HIDDEN]


def test_one_sheet_per_manager_with_its_reps_and_accounts() -> None:
    run = fx.make_run()
    sheets = _sheets(workbook_bytes(run, manager_sheets=True))
    assert list(sheets) == [*STANDARD, "M1", "M2", *HIDDEN]
    reps = run.reps.set_index("rep_id")
    for manager in ("M1", "M2"):
        sheet = sheets[manager]
        mine = reps.index[reps["manager_id"] == manager].tolist()
        assert sorted(sheet["rep_id"].unique()) == sorted(mine)
        wanted = run.assignment[run.assignment["rep_id"].isin(mine)]["account_id"]
        assert sorted(sheet["account_id"].dropna()) == sorted(wanted)
        keys = list(zip(sheet["rep_id"], sheet["account_id"].fillna(""), strict=True))
        assert keys == sorted(keys)  # by rep, then account
        assert {"rep_name", "rep_segment", "potential"} <= set(sheet.columns)
    total = sum(len(sheets[m]["account_id"].dropna()) for m in ("M1", "M2"))
    assert total == len(run.assignment)


def test_manager_sheets_have_frozen_header_and_autofilter_and_tricky_names() -> None:
    run = fx.make_run()
    reps = run.reps.copy()
    reps["manager_id"] = reps["manager_id"].map({"M1": "EMEA/North: [Team*]", "M2": None})
    data = workbook_bytes(replace(run, reps=reps), manager_sheets=True)
    sheets = _sheets(data)
    assert list(sheets)[len(STANDARD) :] == ["EMEA_North_ _Team__", "No manager", *HIDDEN]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        first = len(STANDARD) + 1
        xml = [z.read(f"xl/worksheets/sheet{i}.xml").decode() for i in (first, first + 1)]
    for sheet in xml:
        assert 'ySplit="1"' in sheet
        assert "<autoFilter" in sheet


def test_manager_sheets_same_bytes_twice() -> None:
    run = fx.make_run()
    first = workbook_bytes(run, manager_sheets=True)
    shuffled = replace(run, reps=run.reps.sample(frac=1.0, random_state=3))
    assert first == workbook_bytes(run, manager_sheets=True) == workbook_bytes(shuffled, manager_sheets=True)
