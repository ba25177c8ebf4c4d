"""Formula-injection neutralisation of exported text cells."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.exports.safe_cells import (
    FORMULA_PREFIXES,
    csv_bytes,
    neutralise,
    neutralise_frame,
    neutralise_series,
)
from solver.inputs.formula_text import PLAIN_NUMBER


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=", "-"],
)
def test_dangerous_text_gets_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Acme", "a=b", " =1", "'=1", "1-2", "R-1"])
def test_harmless_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text


def test_numeric_columns_are_untouched() -> None:
    s = pd.Series([-1.5, 2.0, np.nan])
    out = neutralise_series(s)
    assert out.dtype == s.dtype
    pd.testing.assert_series_equal(out, s)
    ints = pd.Series([-3, 4], dtype="int64")
    pd.testing.assert_series_equal(neutralise_series(ints), ints)


def test_text_column_only_dangerous_cells_change_and_missing_stays_missing() -> None:
    s = pd.Series(["=1+1", "ok", None, "-5", "@x"])
    out = neutralise_series(s)
    assert out.iloc[0] == "'=1+1"
    assert out.iloc[1] == "ok"
    assert pd.isna(out.iloc[2])
    assert out.iloc[3] == "-5"  # a plain number written as text (a formatted figure) runs nothing
    assert out.iloc[4] == "'@x"
    assert s.iloc[0] == "=1+1"  # the input is not modified


def test_mixed_object_column_leaves_numbers_as_numbers() -> None:
    s = pd.Series(["=cmd", -7, 2.5, None], dtype=object)
    out = neutralise_series(s)
    assert out.tolist()[:3] == ["'=cmd", -7, 2.5]
    assert isinstance(out.iloc[1], int)
    assert neutralise_series(pd.Series([1, -2], dtype=object)).tolist() == [1, -2]


def test_frame_neutralises_text_columns_only() -> None:
    df = pd.DataFrame({"name": ["+x", "y"], "amount": [-1.0, 2.0], "flag": [True, False]})
    out = neutralise_frame(df)
    assert out["name"].tolist() == ["'+x", "y"]
    pd.testing.assert_series_equal(out["amount"], df["amount"])
    pd.testing.assert_series_equal(out["flag"], df["flag"])
    assert df["name"].tolist() == ["+x", "y"]


@given(st.text(max_size=20))
def test_neutralised_text_never_starts_a_formula(text: str) -> None:
    out = neutralise(text)
    assert not out.startswith(FORMULA_PREFIXES) or re.fullmatch(PLAIN_NUMBER, out)
    assert out in (text, "'" + text)
    series_out = neutralise_series(pd.Series([text], dtype=object)).iloc[0]
    assert series_out == out


@pytest.mark.parametrize("text", ["-12.5", "+3", "1e5", "-0.25E-3", ".5"])
def test_plain_numbers_as_text_are_values_not_formulas(text: str) -> None:
    assert neutralise(text) == text


def test_the_csv_writer_neutralises_text_and_keeps_formatted_figures() -> None:
    frame = pd.DataFrame(
        {"name": ['=HYPERLINK("x")', "-2+3", "@SUM(1)", "+", "Acme"], "lon": ["-73.5", "1", "", "2", "3"]}
    )
    text = csv_bytes(frame).decode()
    assert text.splitlines()[1:] == [
        '"\'=HYPERLINK(""x"")",-73.5',
        "'-2+3,1",
        "'@SUM(1),",
        "'+,2",
        "Acme,3",
    ]
