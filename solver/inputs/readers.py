"""Read the accounts and reps tables from CSV, Excel, Parquet or JSON.

Two layers:

- `read_table` turns a file into a table of *text*: the user's headers, every
  value a string (``"00123"`` stays ``"00123"``, nothing is guessed), blanks
  as NA, fully blank rows dropped, and the index set to the row number a
  spreadsheet user sees (header = row 1, first record = row 2; Parquet and
  JSON records are numbered the same way, as if exported to CSV).
- `read_accounts` / `read_reps` map the headers to the canonical columns of
  `solver.inputs.columns` (Salesforce API names, Data Loader UPPERCASE names and
  report labels included), parse each kind, normalise ids and countries, and
  run the table checks of `solver.inputs.validation`. Every problem in the file is
  collected and raised as one `InputError`.

Salesforce ids: 15-character ids are widened to 18 characters when the table
is *Salesforce-sourced*: one of its id columns arrived under a Salesforce name
or label (``Id``, ``OwnerId``, "Account ID", "User ID", ...), or one of its
id values is a checksum-valid 18-character id. The whole table is then
widened, not only that column, so that a hand-added ``locked_owner`` column
copied from a report matches the owner ids. `read_inputs` also harmonises the
two tables (`solver.inputs.validation.harmonise_ids`).

Accounts whose country cannot be determined (blank country and a state that
is not a US state or Canadian province; or a value that is no country) are an
error by default. With ``on_unknown_country="keep"`` they load with country NA
and the problems are returned in ``df.attrs["warnings"]``: the planner can
then leave them unassigned and list them, which a RevOps analyst can act on,
instead of refusing a whole CRM export for two bad addresses.

The returned tables carry, in ``df.attrs``: ``source`` (the path),
``columns`` (canonical name -> the user's header), ``dropped_columns``
(headers that matched nothing, in file order), ``warnings`` (list of
`InputProblem`), ``notes`` (what was inferred or converted, for the log) and
``salesforce_ids`` (whether ids were treated as Salesforce ids).
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import logging
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from solver.errors import InputError, InputProblem
from solver.inputs.columns import (
    ACCOUNTS,
    REPS,
    ColumnSpec,
    TableSpec,
    header_key,
    parse_dates,
    parse_numbers,
)
from solver.inputs.countries import (
    country_names,
    normalise_countries,
    state_to_country,
    unknown_country_why,
)
from solver.inputs.sfid import id18_mask, to_id18_series
from solver.inputs.typed_table import source_conflicts
from solver.inputs.validation import check_accounts, check_reps, cross_check, harmonise_ids, row_problems

__all__ = ["SUFFIXES", "read_accounts", "read_inputs", "read_reps", "read_table"]

log = logging.getLogger(__name__)

#: File extensions `read_table` understands.
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".parquet", ".json")

UnknownCountry = Literal["error", "keep"]


# --------------------------------------------------------------------------- files -> text


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


# --------------------------------------------------------------------------- text -> canonical


class _Reading:
    """Problems, warnings and notes gathered while one file is read."""

    def __init__(self, file: str, spec: TableSpec, table: pd.DataFrame):
        self.file = file
        self.spec = spec
        self.table = table
        self.rows = table.index.to_numpy(dtype=np.int64)
        self.headers = [str(h) for h in table.columns]
        self.problems: list[InputProblem] = []
        self.warnings: list[InputProblem] = []
        self.notes: list[str] = list(table.attrs.get("notes", []))
        self.bad: dict[str, np.ndarray] = {}
        self.text: dict[str, pd.Series] = {}
        self.source: dict[str, np.ndarray] = {}  # canonical -> header position per row
        self.salesforce = False
        claimed, unknown = spec.match(self.headers)
        self.claimed = claimed
        self.dropped = [self.headers[i] or f"(column {i + 1}, no header)" for i in unknown]

    def header_of(self, name: str) -> str:
        return self.headers[self.claimed[name][0]] if name in self.claimed else name

    def row_headers(self, name: str, mask: np.ndarray) -> list[str]:
        return [self.headers[i] for i in self.source[name][mask]]

    def add(self, name: str, mask: np.ndarray, whys: list[str], *, warn: bool = False) -> None:
        """Problems at the masked rows, each located at the header its value came from."""
        if not mask.any():
            return
        sink = self.warnings if warn else self.problems
        rows, headers = self.rows[mask], self.row_headers(name, mask)
        for header in dict.fromkeys(headers):
            pick = np.array([h == header for h in headers])
            sink.extend(row_problems(self.file, header, rows[pick], list(np.asarray(whys)[pick])))

    def combine_sources(self) -> None:
        """One text column per canonical column; blanks of a source filled from the next."""
        n = len(self.rows)
        for name, positions in self.claimed.items():
            self.problems += source_conflicts(self.table, positions, self.spec[name], self.file)
            text = self.table.iloc[:, positions[0]].reset_index(drop=True)
            src = np.full(n, positions[0], dtype=np.int64)
            for pos in positions[1:]:
                other = self.table.iloc[:, pos].reset_index(drop=True)
                fill = (text.isna() & other.notna()).to_numpy(dtype=bool)
                text = text.where(~fill, other)
                src[fill] = pos
            self.text[name] = text.astype("string")
            self.source[name] = src
        used = [self.headers[p] for ps in self.claimed.values() for p in ps[1:]]
        if used:
            self.notes.append(f"{self.file}: blanks filled from lower-priority columns {', '.join(used)}")


def _empty(spec: ColumnSpec, n: int) -> pd.Series:
    if spec.kind == "date":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if spec.kind == "float":
        return pd.Series(np.nan, index=range(n), dtype="float64")
    return pd.Series(pd.NA, index=range(n), dtype=spec.dtype)


def _parse_column(r: _Reading, spec: ColumnSpec) -> pd.Series:
    """Parse one canonical text column to its kind; record bad values."""
    raw = r.text[spec.name]
    values_text = raw.to_numpy(dtype=object)
    if spec.kind in ("id", "text"):
        return raw
    if spec.kind == "date":
        parsed, bad = parse_dates(raw)
        r.bad[spec.name] = bad
        r.add(spec.name, bad, [f"{v!r} is not an ISO date (YYYY-MM-DD)" for v in values_text[bad]])
        return parsed
    values, bad = parse_numbers(raw)
    noun = "a whole number" if spec.kind == "int" else "a number"
    r.add(spec.name, bad, [f"{v!r} is not {noun}" for v in values_text[bad]])
    if spec.kind == "int":
        frac = np.isfinite(values) & (np.floor(values) != values)
        r.add(spec.name, frac, [f"{v!r} is not a whole number" for v in values_text[frac]])
        huge = np.isfinite(values) & (np.abs(values) >= 2.0**53)
        r.add(spec.name, huge, [f"{v!r} is too large" for v in values_text[huge]])
        bad = bad | frac | huge
    with np.errstate(invalid="ignore"):
        low = np.isfinite(values) & (values < spec.lower) if spec.lower is not None else None
        high = np.isfinite(values) & (values > spec.upper) & ~bad if spec.upper is not None else None
    if spec.lower != 0 and low is not None and high is not None:
        out = low | high
        span = f"[{spec.lower:g}, {spec.upper:g}]"
        r.add(spec.name, out, [f"{v!r} is outside {span}" for v in values_text[out]])
        low = high = None
    if high is not None:
        limit = f"{spec.upper:g}, the largest {r.header_of(spec.name)} accepted (a typo or a unit mix-up?)"
        r.add(spec.name, high, [f"{v!r} is above {limit}" for v in values_text[high]])
        bad = bad | high
    if low is not None:
        bad = bad | low
        r.add(
            spec.name,
            low,
            [
                f"{v!r} is negative; {r.header_of(spec.name)} must be >= {spec.lower:g}"
                for v in values_text[low]
            ],
        )
    r.bad[spec.name] = bad
    values = np.where(bad, np.nan, values)
    if spec.kind == "int":
        return pd.Series(
            pd.array(np.where(np.isnan(values), 0, values).astype(np.int64), dtype="Int64"),
        ).mask(np.isnan(values))
    return pd.Series(values, dtype="float64")


def _normalise_ids(r: _Reading, out: dict[str, pd.Series]) -> None:
    """Widen 15-character Salesforce ids when the table is Salesforce-sourced (module doc)."""
    present = [c for c in r.spec.id_columns if c in r.claimed]
    by_header = [c for c in present if r.spec.is_salesforce_header(c, r.header_of(c))]
    by_value = [c for c in present if id18_mask(out[c]).any()]
    r.salesforce = bool(by_header or by_value)
    if not r.salesforce:
        return
    total = 0
    for c in present:
        out[c], n = to_id18_series(out[c])
        total += n
    if total:
        why = (
            f"headers {', '.join(r.header_of(c) for c in by_header)}"
            if by_header
            else "18-character ids in the table"
        )
        r.notes.append(f"{r.file}: widened {total} 15-character Salesforce ids to 18 characters ({why})")


def _normalise_countries(r: _Reading, out: dict[str, pd.Series], on_unknown: UnknownCountry) -> None:
    raw = out["country"]
    codes, unknown = normalise_countries(raw)
    blank = raw.isna().to_numpy(dtype=bool)
    values_text = raw.to_numpy(dtype=object)
    warn = on_unknown == "keep"
    r.add("country", unknown, [unknown_country_why(v) for v in values_text[unknown]], warn=warn)
    state = out["state"] if "state" in r.claimed else pd.Series(pd.NA, index=raw.index, dtype="string")
    inferred = state_to_country(state)
    use = blank & inferred.notna().to_numpy(dtype=bool)
    codes = codes.where(~use, inferred)
    if use.any():
        counts = inferred[use].value_counts().sort_index()
        r.notes.append(
            f"{r.file}: blank country inferred from the state for {int(use.sum())} accounts ("
            + ", ".join(f"{k}: {v}" for k, v in counts.items())
            + ")"
        )
    missing = blank & ~use
    if missing.any():
        state_codes, _ = normalise_countries(state)
        names = country_names()
        whys = []
        for s, c in zip(
            state.to_numpy(dtype=object)[missing], state_codes.to_numpy(dtype=object)[missing], strict=True
        ):
            if pd.isna(s):
                whys.append("country is blank")
            elif not pd.isna(c):
                whys.append(
                    f"country is blank and state {s!r} is not a US state or Canadian province; "
                    f"it looks like a country ({c}, {names[c]}): put it in the country column"
                )
            else:
                whys.append(
                    f"country is blank and state {s!r} is not a US state or Canadian province, "
                    "so the country cannot be inferred"
                )
        r.add("country", missing, whys, warn=warn)
    out["country"] = codes


def _normalise_list(r: _Reading, spec: ColumnSpec, values: pd.Series) -> pd.Series:
    """``"us; France"`` -> ``"FR;US"``: split on ';', normalise, sort, de-duplicate."""
    items = values.str.split(";").explode().str.strip()
    items = items[items.notna() & (items != "")]
    if spec.normalise == "country_list":
        codes, unknown = normalise_countries(items)
        if unknown.any():
            bad_rows = np.isin(np.arange(len(values)), items.index[unknown])
            first_bad = items[unknown].groupby(level=0).first()
            whys = [
                f"{v!r} in {spec.name} is not an ISO country code or English country name"
                for v in first_bad.reindex(np.flatnonzero(bad_rows)).to_numpy(dtype=object)
            ]
            r.add(spec.name, bad_rows, whys)
        items = codes[~unknown]
    else:
        items = items.str.lower()
    joined = items.groupby(level=0).agg(lambda s: ";".join(sorted(set(s))))
    return joined.reindex(range(len(values))).astype("string")


def _finish(r: _Reading, out: dict[str, pd.Series]) -> pd.DataFrame:
    n = len(r.rows)
    cols = {}
    for spec in r.spec.columns:
        col = out.get(spec.name)
        cols[spec.name] = _empty(spec, n) if col is None else col.reset_index(drop=True)
    df = pd.DataFrame(cols)
    df = df.astype({s.name: s.dtype for s in r.spec.columns})
    df.index = pd.Index(r.rows, name="row")
    df.attrs.update(
        source=r.file,
        columns={c: r.header_of(c) for c in r.spec.names if c in r.claimed},
        dropped_columns=r.dropped,
        warnings=[],
        notes=r.notes,
        salesforce_ids=r.salesforce,
    )
    return df


def _extra_numbers(r: _Reading, names: Sequence[str]) -> dict[str, pd.Series]:
    """Numeric columns outside the canonical set (e.g. an in-house ``intent_score``).

    A name that no header matches is a problem listing the columns found, so a
    typo in ``[scoring] weights`` is caught before anything is scored.
    """
    unclaimed = {header_key(h): pos for pos, h in enumerate(r.headers) if h in r.dropped}
    out: dict[str, pd.Series] = {}
    for name in dict.fromkeys(names):
        pos = unclaimed.get(header_key(name))
        if pos is None:
            found = ", ".join(repr(h) for h in r.headers if h) or "none"
            r.problems.append(
                InputProblem(
                    r.file, None, name, f"column {name!r} is not in the file; the columns found are: {found}"
                )
            )
            continue
        raw = r.table.iloc[:, pos].reset_index(drop=True).astype("string")
        values, bad = parse_numbers(raw)
        header = r.headers[pos]
        texts = raw.to_numpy(dtype=object)[bad]
        r.problems.extend(
            row_problems(r.file, header, r.rows[bad], [f"{v!r} is not a number" for v in texts])
        )
        out[name] = pd.Series(values, index=pd.Index(r.rows, name="row"), dtype="float64")
        r.dropped = [h for h in r.dropped if h != header]
    return out


def _read(
    path: str | Path, spec: TableSpec, on_unknown: UnknownCountry, numeric: Sequence[str] = ()
) -> pd.DataFrame:
    if on_unknown not in ("error", "keep"):
        raise ValueError(f"on_unknown_country must be 'error' or 'keep', not {on_unknown!r}")
    table = read_table(path)
    r = _Reading(str(path), spec, table)
    extra = _extra_numbers(r, [n for n in numeric if n not in spec.names])
    missing = [c for c in spec.required if c not in r.claimed]
    for c in missing:
        found = ", ".join(repr(h) for h in r.headers if h) or "none"
        aliases = list(spec[c].aliases)
        also = f" (or {', '.join(aliases)})" if aliases else ""
        r.problems.append(
            InputProblem(
                r.file, None, c, f"required column {c!r}{also} is missing; the columns found are: {found}"
            )
        )
    r.combine_sources()
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.name not in r.claimed:
            continue
        out[col.name] = _parse_column(r, col)
        if col.normalise == "lower":
            out[col.name] = out[col.name].str.lower()
        elif col.normalise in ("country_list", "lower_list"):
            out[col.name] = _normalise_list(r, col, out[col.name])
    _normalise_ids(r, out)
    if "country" in out:
        _normalise_countries(r, out, on_unknown)
    df = _finish(r, out)
    for name, values in extra.items():
        df[name] = values
    check = check_accounts if spec is ACCOUNTS else check_reps
    r.problems.extend(check(df, skip=r.bad))
    if r.problems:
        raise InputError(r.problems)
    df.attrs["warnings"] = sorted(r.warnings, key=lambda p: (p.row or 0, p.column or "", p.why))
    for note in r.notes:
        log.info(note)
    return df


def read_accounts(
    path: str | Path, *, on_unknown_country: UnknownCountry = "error", numeric: Sequence[str] = ()
) -> pd.DataFrame:
    """Read and validate the accounts table.

    Parameters
    ----------
    path
        CSV, Excel, Parquet or JSON file (see `read_table`).
    on_unknown_country
        ``"error"`` (default): an account whose country cannot be determined
        is an input problem. ``"keep"``: it loads with country NA and the
        problem goes to ``attrs["warnings"]`` instead.
    numeric
        Further columns to keep as numbers under these names (matched like
        any header, case- and punctuation-insensitively), e.g. the data
        points of ``[scoring] weights``; a name the file lacks is a problem.

    Returns
    -------
    pandas.DataFrame
        The canonical accounts columns (`solver.inputs.columns.ACCOUNTS`, absent
        optional ones all-NA), rows in file order, index = spreadsheet row.

    Raises
    ------
    InputError
        With every problem in the file.
    """
    return _read(path, ACCOUNTS, on_unknown_country, numeric)


def read_reps(path: str | Path) -> pd.DataFrame:
    """Read and validate the reps table (see `read_accounts` for the shape)."""
    return _read(path, REPS, "error")


def read_inputs(
    accounts_path: str | Path,
    reps_path: str | Path,
    *,
    on_unknown_country: UnknownCountry = "error",
    numeric: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read both tables, harmonise their ids and cross-check them.

    Problems of both files and of the cross-checks are raised together.

    Returns
    -------
    tuple[pandas.DataFrame, pandas.DataFrame]
        ``(accounts, reps)``.
    """
    problems: list[InputProblem] = []
    accounts = reps = None
    try:
        accounts = read_accounts(accounts_path, on_unknown_country=on_unknown_country, numeric=numeric)
    except InputError as exc:
        problems += exc.problems
    try:
        reps = read_reps(reps_path)
    except InputError as exc:
        problems += exc.problems
    if accounts is not None and reps is not None:
        accounts, reps = harmonise_ids(accounts, reps)
        problems += cross_check(accounts, reps)
    if problems:
        raise InputError(problems)
    assert accounts is not None and reps is not None
    return accounts, reps
