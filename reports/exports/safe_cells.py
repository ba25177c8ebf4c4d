"""Neutralise spreadsheet formula injection in exported text cells.

Account and rep names come from CRM data that anyone may have typed. A cell
such as ``=HYPERLINK("http://evil", "x")`` in a CSV or workbook would be run
as a formula when the file is opened in a spreadsheet. Following the OWASP
guidance on CSV injection, a text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading apostrophe, so it is shown
as text. Numbers are left untouched: ``-12.5`` (stored as a number, or as
the text of a plain number, as the run's CSVs format their figures) is a
number, not a formula; ``-2+3`` is not a plain number and is prefixed.

`csv_bytes` is the one writer of every CSV a person may open (run, replan,
comparison, tracking, batch and benchmark tables, Salesforce files), so each
neutralises the same way as the workbook. Identifiers are never altered here:
the readers refuse an id that looks like a formula (`looks_like_formula`),
so Salesforce ids reach the files exact.
"""

from __future__ import annotations

import pandas as pd

from solver.inputs.formula_text import FORMULA_PREFIXES, formula_mask, looks_like_formula

__all__ = [
    "FORMULA_PREFIXES",
    "csv_bytes",
    "is_text_column",
    "looks_like_formula",
    "neutralise",
    "neutralise_frame",
    "neutralise_series",
]


def neutralise(value: str) -> str:
    """One text value, with a leading apostrophe when it could run as a formula."""
    return "'" + value if looks_like_formula(value) else value


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
    mask = formula_mask(series)
    if not mask.any():
        return series
    if series.dtype == object:  # only the suspect cells are looked at one by one
        mask[mask] = [isinstance(v, str) for v in series[mask]]
    else:
        mask &= series.notna().to_numpy(dtype=bool)
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


def csv_bytes(frame: pd.DataFrame, float_format: str | None = None) -> bytes:
    """The CSV of ``frame`` (no index, ``\\n`` line ends, UTF-8), formula cells neutralised."""
    text = neutralise_frame(frame).to_csv(index=False, lineterminator="\n", float_format=float_format)
    return text.encode("utf-8")
