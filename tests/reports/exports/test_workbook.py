"""The run workbook (.xlsx)."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from reports import workbook_bytes
from tests.reports import fixtures as fx

SHEETS = ["Summary", "Reps", "Accounts", "Quotas", "Moves", "Capacity", "Reconcile", "Assumptions"]


@pytest.fixture(scope="module")
def book() -> tuple[object, bytes, dict[str, pd.DataFrame]]:
    run = fx.make_run()
    data = workbook_bytes(run)
    # keep_default_na=False: the region "NA" is a region, not a missing value.
    sheets = pd.read_excel(
        io.BytesIO(data), sheet_name=None, engine="calamine", keep_default_na=False, na_values=[""]
    )
    return run, data, sheets


def test_sheets_and_values(book) -> None:
    run, _, sheets = book
    assert list(sheets) == [*SHEETS, "Plan accounts", "Plan reps"]
    accounts = sheets["Accounts"]
    assert accounts["account_id"].tolist() == run.assignment["account_id"].tolist()
    assert accounts["rep_id"].tolist() == run.assignment["rep_id"].tolist()
    assert accounts["region"].tolist() == run.assignment["region"].tolist()
    assert accounts["potential"].tolist() == pytest.approx(run.assignment["potential"].tolist())
    reps = sheets["Reps"].set_index("rep_id")
    expected = run.reps.set_index("rep_id")
    assert reps["quota"].tolist() == pytest.approx(expected["quota"].tolist())
    assert reps["balance_ratio"].tolist() == pytest.approx(expected["balance_ratio"].tolist())
    assert reps.loc["R4", "start_date"] == pd.Timestamp("2027-05-01")
    moves = sheets["Moves"]
    moved = run.assignment[run.assignment["moved"]]
    assert moves["account_id"].tolist() == moved["account_id"].tolist()
    assert (moves["rep_id"] != moves["previous_owner"]).all()
    summary = sheets["Summary"].set_index("Key figure")["Value"]
    assert summary["Scenario"] == run.name
    assert summary["Accounts"] == 30
    assert summary["Moved accounts"] == run.metrics["moved"]["accounts"]
    assert summary["Quota, rep total"] == pytest.approx(run.metrics["quota"]["total"])


def test_quota_pivot_with_totals(book) -> None:
    run, _, sheets = book
    q = sheets["Quotas"]
    body, total = q.iloc[:-1].set_index("rep_id"), q.iloc[-1]
    periods = sorted(run.quotas["period"].unique())
    assert [c for c in q.columns if c[:2] == "20"] == periods
    wide = run.quotas.pivot_table(index="rep_id", columns="period", values="quota", aggfunc="sum")
    for p in periods:
        assert body[p].tolist() == pytest.approx(wide[p].tolist())
    assert total["rep_id"] == "Total"
    assert body["Total"].tolist() == pytest.approx(run.reps["quota"].tolist())
    assert round(total["Total"] * 100) == round(run.metrics["quota"]["total"] * 100)
    assert round(total[periods[0]] * 100) == round(wide[periods[0]].sum() * 100)


def test_injection_cells_are_text_with_an_apostrophe(book) -> None:
    _, data, sheets = book
    names = sheets["Accounts"].set_index("account_id")["name"]
    assert names["A001"] == '\'=HYPERLINK("http://example.invalid","x")'
    assert names["A002"] == "'-minus company"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet_xml = "".join(z.read(n).decode() for n in z.namelist() if "worksheets/sheet" in n)
    assert "<f>" not in sheet_xml  # no formula anywhere


def test_layout_formats_and_frozen_header(book) -> None:
    _, data, _ = book
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = z.read("xl/styles.xml").decode()
        sheets = [z.read(f"xl/worksheets/sheet{i}.xml").decode() for i in range(1, 6)]
    assert 'formatCode="#,##0.00"' in styles
    assert 'formatCode="0.0%"' in styles
    for xml in sheets:
        assert 'state="frozen"' in xml
        assert "<autoFilter" in xml
        assert "<cols>" in xml


def test_same_run_same_bytes(book) -> None:
    run, data, _ = book
    assert workbook_bytes(run) == data


def test_empty_run_still_makes_a_workbook() -> None:
    from solver.results.run_data import RunData

    run = RunData("x", pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {"status": "infeasible"})
    sheets = pd.read_excel(io.BytesIO(workbook_bytes(run)), sheet_name=None, engine="calamine")
    assert list(sheets) == [*SHEETS, "Plan accounts", "Plan reps"]
