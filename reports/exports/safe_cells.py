"""Neutralise spreadsheet formula injection in exported text cells.

Account and rep names come from CRM data that anyone may have typed. A cell
such as ``=HYPERLINK("http://evil", "x")`` in a CSV or workbook would be run
as a formula when the file is opened in a spreadsheet. Following the OWASP
guidance on CSV injection, a text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading apostrophe, so it is shown
as text. Numeric columns are left untouched: ``-12.5`` stored as a number is
a number, not a formula; only text is ever prefixed.
"""

from __future__ import annotations

import pandas as pd

#: First characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_PATTERN = r"^[=+\-@\t\r]"


def neutralise(value: str) -> str:
    """One text value, with a leading apostrophe when it could run as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def is_text_column(series: pd.Series) -> bool:
    """True for string/object columns (numbers, booleans and dates are not text)."""
    return pd.api.types.is_string_dtype(series) or pd.api.types.is_object_dtype(series)


def neutralise_series(series: pd.Series) -> pd.Series:
    """Prefix the dangerous text cells of a column; other columns come back as is.

    In an object column holding mixed values only the ``str`` cells are
    touched, so a number stored in it stays a number.
    """
    if not is_text_column(series):
        return series
    try:
        mask = series.str.match(_PATTERN, na=False).astype(bool)
    except AttributeError:  # an object column without any text in it
        return series
    if not mask.any():
        return series
    out = series.copy()
    out[mask] = "'" + series[mask].astype(str)
    return out


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with every text column neutralised."""
    out = frame.copy()
    for column in out.columns:
        out[column] = neutralise_series(out[column])
    return out
