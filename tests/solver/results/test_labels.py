"""Currency codes and fiscal-period labels."""

from __future__ import annotations

import datetime as dt

import pytest

from solver.results.labels import Labels, fiscal_label


@pytest.mark.parametrize(
    ("day", "start", "named_by", "periods", "label"),
    [
        (dt.date(2027, 2, 1), 2, "start", "quarter", "FY27 Q1"),
        (dt.date(2027, 5, 1), 2, "start", "quarter", "FY27 Q2"),
        (dt.date(2028, 1, 1), 2, "start", "quarter", "FY27 Q4"),
        (dt.date(2027, 2, 1), 2, "end", "quarter", "FY28 Q1"),
        (dt.date(2026, 10, 1), 10, "end", "quarter", "FY27 Q1"),
        (dt.date(2027, 3, 1), 1, "end", "quarter", "FY27 Q1"),
        (dt.date(2027, 4, 1), 2, "start", "month", "FY27 M03"),
        (dt.date(2099, 12, 1), 12, "start", "quarter", "FY99 Q1"),
    ],
)
def test_fiscal_labels(day: dt.date, start: int, named_by: str, periods: str, label: str) -> None:
    assert fiscal_label(day, start, named_by, periods) == label


def test_labels_are_neutral_without_a_calendar_or_currency() -> None:
    plain = Labels.of_toml('[plan]\nstart = "2027-02-01"\n')
    assert plain.period("2027-05-01") == "2027-05-01"
    assert plain.money("1,234") == "1,234" and plain.header("Quota") == "Quota"
    fin = Labels.of_toml('[plan]\nstart = "2027-02-01"\ncurrency = "EUR"\nfiscal_year_start = 2\n')
    assert fin.period("2027-05-01") == "FY27 Q2"
    assert fin.money("1,234") == "EUR 1,234" and fin.header("Quota") == "Quota (EUR)"
    assert fin.money("—") == "—"
