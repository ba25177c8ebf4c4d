"""Table files -> text tables: the first layer of reading what users bring.

`read_table` turns a CSV, Excel, Parquet or JSON file into a table of *text*:
the user's headers, every value a string (``"00123"`` stays ``"00123"``,
nothing is guessed), blanks as NA, fully blank rows dropped, and the index set
to the row number a spreadsheet user sees (header = row 1, first record =
row 2; Parquet and JSON records are numbered the same way, as if exported to
CSV). It lives apart from the canonical-column layer (`solver.inputs.canonical`)
because several readers need only the text: opportunities, overrides, events,
plan tables and workbook edits all start here.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solver.errors import InputError, InputProblem

__all__ = ["SUFFIXES", "decode_text", "read_table"]

#: File extensions `read_table` understands.
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".parquet", ".json")


def _text_series(values: pd.Series) -> pd.Series:
    """Any column -> ``string`` dtype, losslessly and without locale.

    Whole floats print without ``.0`` (an id stored as 1001.0 in Parquet or
    Excel is ``"1001"``); dates print as ``YYYY-MM-DD``.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        out = values.map({True: "true", False: "false"})
        return out.astype("string")
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype("Int64").astype("string")
    if pd.api.types.is_float_dtype(values.dtype):
        v = values.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(v) & (np.floor(v) == v) & (np.abs(v) < 2.0**53)
        text = np.where(whole, np.where(whole, v, 0).astype(np.int64).astype(str), v.astype(str))
        return pd.Series(text, index=values.index, dtype="string").where(~np.isnan(v))
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.map(_cell_text).astype("string")
    return values.map(_cell_text, na_action="ignore").astype("string")


def _cell_text(value: Any) -> str | None:
    """One cell of a spreadsheet or JSON record -> text (None when empty)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        number = float(value)
        if math.isfinite(number) and number == math.floor(number) and abs(number) < 2.0**53:
            return str(int(number))
        return repr(number)
    if isinstance(value, dt.datetime | pd.Timestamp):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.strftime("%Y-%m-%d")
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon (European Excel) or tab: whichever the header line uses most."""
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda s: (counts[s], s == ","))
    return best if counts[best] else ","


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark names, or UTF-16 recognised by its zero bytes; else None."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    head = data[:4096]
    if len(head) >= 4 and head.count(0) * 3 > len(head):  # text with every other byte zero
        return "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
    return None


def decode_text(data: bytes, file: str, notes: list[str]) -> str:
    """Text of a table file: BOM-marked UTF-8/16/32, UTF-16 without BOM, UTF-8, else Latin-1."""
    encoding = _encoding(data)
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            why = (
                f"looks like {encoding.upper()} (byte-order mark or zero bytes) but cannot be decoded "
                f"as {encoding.upper()}: {exc.reason} at byte {exc.start}"
            )
            raise InputError(InputProblem(file, None, None, why)) from None
        if encoding != "utf-8-sig":
            notes.append(f"{file}: read as {encoding.upper()}")
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        notes.append(f"{file}: not valid UTF-8; read as Latin-1")
        return data.decode("latin-1")


def _read_csv(path: Path, file: str, notes: list[str], sheet: str | int | None) -> pd.DataFrame:
    text = decode_text(path.read_bytes(), file, notes)
    if not text.strip():
        return pd.DataFrame()
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=_sniff_delimiter(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found:
            want, line, saw = (int(g) for g in found.groups())
            raise InputError(
                InputProblem(file, line, None, f"this line has {saw} fields but the header has {want}")
            ) from None
        raise InputError(InputProblem(file, None, None, f"cannot parse as CSV: {exc}")) from None


def _read_excel(path: Path, file: str, notes: list[str], sheet: str | int | None) -> pd.DataFrame:
    grid = pd.read_excel(
        path,
        sheet_name=0 if sheet is None else sheet,
        header=None,
        dtype=object,
        engine="calamine",
        keep_default_na=False,
        na_filter=False,
    )
    return grid.apply(_text_series) if len(grid.columns) else grid


def _records_grid(headers: list[str], columns: list[pd.Series]) -> pd.DataFrame:
    """Headers + columns -> a grid whose first row is the header (like a CSV)."""
    body = pd.concat([_text_series(c).reset_index(drop=True) for c in columns], axis=1)
    body.columns = range(len(headers))
    head = pd.DataFrame([headers], dtype="string")
    return pd.concat([head, body], ignore_index=True)


def _read_parquet(path: Path, file: str, notes: list[str], sheet: str | int | None) -> pd.DataFrame:
    table = pd.read_parquet(path)
    if not len(table.columns):
        return pd.DataFrame()
    return _records_grid(
        [str(c) for c in table.columns], [table.iloc[:, i] for i in range(len(table.columns))]
    )


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and "records" not in value:
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _json_records(data: Any) -> list[Any]:
    """The record list of a Salesforce CLI tree export, a query result, or a plain list."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if isinstance(data.get("records"), list):
            return data["records"]
        result = data.get("result")
        if isinstance(result, dict) and isinstance(result.get("records"), list):
            return result["records"]
    raise ValueError('expected a list of records or an object with a "records" list')


def _read_json(path: Path, file: str, notes: list[str], sheet: str | int | None) -> pd.DataFrame:
    text = decode_text(path.read_bytes(), file, notes)
    if not text.strip():
        return pd.DataFrame()
    try:
        records = _json_records(json.loads(text))
    except (json.JSONDecodeError, ValueError) as exc:
        raise InputError(InputProblem(file, None, None, f"cannot read as JSON records: {exc}")) from None
    bad = [i for i, r in enumerate(records) if not isinstance(r, dict)]
    if bad:
        raise InputError(InputProblem(file, bad[0] + 2, None, "each JSON record must be an object"))
    flat = [_flatten(r) for r in records]
    headers = list(dict.fromkeys(k for r in flat for k in r))
    if not headers:
        return pd.DataFrame()
    frame = pd.DataFrame.from_records(flat, columns=headers)
    ref = "attributes.referenceId"
    if ref in frame.columns and "Id" not in frame.columns:
        # A Salesforce CLI tree export carries no Id: the referenceId is the record's
        # key, and children point at it as "@<referenceId>".
        refs = set(frame[ref].dropna().astype(str))
        frame = frame.rename(columns={ref: "Id"})
        headers = [("Id" if h == ref else h) for h in headers]
        for col in frame.columns:
            vals = frame[col]
            if vals.dtype == object or pd.api.types.is_string_dtype(vals.dtype):
                is_ref = vals.map(lambda v: isinstance(v, str) and v[:1] == "@" and v[1:] in refs)
                if is_ref.any():
                    frame[col] = vals.where(~is_ref, vals.str.slice(1))
        notes.append(f"{file}: record ids taken from the tree export's referenceId")
    return _records_grid(headers, [frame.iloc[:, i] for i in range(len(headers))])


_READERS = {
    ".csv": _read_csv,
    ".xlsx": _read_excel,
    ".xlsm": _read_excel,
    ".xls": _read_excel,
    ".parquet": _read_parquet,
    ".json": _read_json,
}


def read_table(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a table file as text, by its extension.

    Parameters
    ----------
    path
        ``.csv`` (UTF-8 with or without BOM, else Latin-1; comma, semicolon
        or tab separated), ``.xlsx``/``.xlsm``/``.xls`` (first sheet unless
        ``sheet``), ``.parquet``, or ``.json`` (a Salesforce CLI tree export
        ``{"records": [...]}``, a ``sf data query --json`` result, or a plain
        list of records; nested objects become ``Parent.Field`` columns).
    sheet
        Excel sheet name or 0-based index.

    Returns
    -------
    pandas.DataFrame
        The user's headers as columns (stripped; duplicates kept), values as
        ``string`` with blanks NA, fully blank rows dropped, index = spreadsheet
        row number (named ``"row"``). ``attrs["source"]`` is ``str(path)``.

    Raises
    ------
    InputError
        Missing, unreadable or empty file; a header without data rows; a CSV
        line with more fields than the header.
    """
    file = str(path)
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(InputProblem(file, None, None, "file not found"))
    if path.is_dir():
        raise InputError(InputProblem(file, None, None, "is a folder, not a table file"))
    reader = _READERS.get(suffix)
    if reader is None:
        raise InputError(
            InputProblem(
                file,
                None,
                None,
                f"unsupported file type {suffix or '(none)'!r}; use one of {', '.join(SUFFIXES)}",
            )
        )
    notes: list[str] = []
    try:
        grid = reader(path, file, notes, sheet)
    except InputError:
        raise
    except Exception as exc:  # a corrupt workbook, a truncated Parquet file, ...
        kind = {".json": "JSON", ".parquet": "Parquet", ".csv": "CSV"}.get(suffix, "Excel")
        raise InputError(
            InputProblem(file, None, None, f"cannot read as {kind}: {type(exc).__name__}: {exc}")
        ) from None
    table = _grid_to_table(grid, file)
    footer = _report_footer(table)
    if footer:
        table = table.iloc[:-footer]
        notes.append(f"{file}: dropped the {footer}-line Salesforce report footer")
        if table.empty:
            raise InputError(InputProblem(file, None, None, "the file has a header row but no data rows"))
    table.attrs["source"] = file
    table.attrs["notes"] = notes
    return table


def _grid_to_table(grid: pd.DataFrame, file: str) -> pd.DataFrame:
    """First non-blank row = header; rows numbered as in the spreadsheet."""
    if grid.empty:
        raise InputError(InputProblem(file, None, None, "the file is empty"))
    cells = grid.apply(lambda c: c.astype("string").str.strip()).replace("", pd.NA)
    filled = cells.notna().any(axis=1).to_numpy(dtype=bool)
    if not filled.any():
        raise InputError(InputProblem(file, None, None, "the file is empty"))
    head = int(np.flatnonzero(filled)[0])
    headers = [("" if pd.isna(h) else str(h)) for h in cells.iloc[head].tolist()]
    body = cells.iloc[head + 1 :][filled[head + 1 :]]
    if body.empty:
        raise InputError(InputProblem(file, None, None, "the file has a header row but no data rows"))
    body = body.set_axis(headers, axis=1)
    body.index = pd.Index(body.index.to_numpy(dtype=np.int64) + 1, name="row")
    return body


_FOOTER = re.compile(
    r"^(?:copyright \(c\)|confidential information|grand totals? \(|generated by)", re.IGNORECASE
)


def _report_footer(table: pd.DataFrame) -> int:
    """Number of trailing rows that form a Salesforce report export's footer.

    A report exported as CSV or Excel ends with lines that fill only the first
    cell ("Grand Totals (12 records)", the report name, "Copyright (c) 2000-2024
    salesforce.com, inc. ...", "Confidential Information - Do Not Distribute",
    "Generated By: ..."). The trailing block of first-cell-only rows is a footer
    when one of its lines is such a marker; a one-column table has none.
    """
    if table.shape[1] < 2:
        return 0
    only_first = (table.iloc[:, 1:].isna().all(axis=1)).to_numpy(dtype=bool)
    if not only_first[-1]:
        return 0
    data_rows = np.flatnonzero(~only_first)
    block = len(only_first) - (int(data_rows[-1]) + 1 if len(data_rows) else 0)
    tail = table.iloc[-block:, 0].astype("string")
    return block if tail.str.contains(_FOOTER).fillna(False).any() else 0
