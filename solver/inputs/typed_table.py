"""A text table (as `solver.inputs.readers.read_table` returns it) -> typed canonical columns.

The accounts and reps readers have their own, richer pipeline (countries,
families, id harmonisation). The smaller tables of tracking (opportunities,
forecast overrides) only need the common part: match the user's headers to a
`solver.inputs.columns.TableSpec` (aliases, Salesforce names, an explicit
``columns`` mapping), combine several source columns, parse each kind, and
report every bad value with file, row, column and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from solver.errors import InputProblem
from solver.inputs.columns import ColumnSpec, TableSpec, header_key, parse_dates, parse_numbers
from solver.inputs.validation import row_problems

__all__ = ["TypedTable", "source_conflicts", "typed_table"]

#: Columns whose aliases hold the same fact in two forms (a code and a name): they
#: are combined, never compared.
_TWO_FORMS = frozenset({"country", "state"})


@dataclass
class TypedTable:
    """The typed columns of one file and what was found wrong with it.

    Attributes
    ----------
    frame
        Every column of the spec (absent ones all-NA), index = spreadsheet row.
    headers
        Canonical name -> the user's header it came from (present columns only).
    problems
        Bad values and missing required columns.
    bad
        Canonical name -> mask of rows whose value could not be parsed.
    dropped
        Headers nothing claimed, in file order.
    """

    frame: pd.DataFrame
    headers: dict[str, str]
    problems: list[InputProblem] = field(default_factory=list)
    bad: dict[str, np.ndarray] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    def present(self, name: str) -> bool:
        """True when the file had a column for ``name``."""
        return name in self.headers

    def header(self, name: str) -> str:
        """The user's header of ``name`` (the canonical name when absent)."""
        return self.headers.get(name, name)


def _empty(spec: ColumnSpec, n: int) -> pd.Series:
    if spec.kind == "date":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if spec.kind == "float":
        return pd.Series(np.nan, index=range(n), dtype="float64")
    return pd.Series(pd.NA, index=range(n), dtype=spec.dtype)


def _apply_mapping(
    headers: list[str], columns: Mapping[str, str], spec: TableSpec, file: str
) -> tuple[list[str], list[InputProblem]]:
    """Rename the headers named by an explicit ``columns`` mapping to their canonical names."""
    problems: list[InputProblem] = []
    out = list(headers)
    keys = [header_key(h) for h in headers]
    for canonical, user in columns.items():
        if canonical not in spec.names:
            problems.append(
                InputProblem(
                    file, None, user, f"unknown column {canonical!r}; use one of {', '.join(spec.names)}"
                )
            )
            continue
        pos = [i for i, k in enumerate(keys) if k == header_key(user)]
        if not pos:
            found = ", ".join(repr(h) for h in headers if h) or "none"
            problems.append(
                InputProblem(
                    file,
                    None,
                    user,
                    f"the column mapping names {user!r} for {canonical!r}, "
                    f"but the file has no such column; the columns found are: {found}",
                )
            )
            continue
        out[pos[0]] = canonical
    return out, problems


def _comparable(spec: ColumnSpec, text: pd.Series) -> pd.Series:
    if spec.kind in ("int", "float"):
        values, _ = parse_numbers(text)
        return pd.Series(values, index=text.index).astype("Float64").astype("string")
    return text.astype("string").str.casefold()


def source_conflicts(
    table: pd.DataFrame, positions: list[int], spec: ColumnSpec, file: str
) -> list[InputProblem]:
    """Two columns feeding one canonical column: the same header twice, or aliases that disagree.

    ``Name`` and ``NAME`` are one column given twice; ``account_id`` and
    ``Id`` are aliases, allowed when they agree on every row where both are
    filled. Either mistake would otherwise silently take the first column.
    """
    headers = [str(h) for h in table.columns]
    problems: list[InputProblem] = []
    first = positions[0]
    rows = table.index.to_numpy(dtype=np.int64)
    for pos in positions[1:]:
        a, b = headers[first], headers[pos]
        if header_key(a) == header_key(b):
            why = (
                f"the column {spec.name!r} is given twice: {a!r} (column {first + 1}) and "
                f"{b!r} (column {pos + 1}); keep one"
            )
            problems.append(InputProblem(file, None, b, why))
            continue
        if spec.name in _TWO_FORMS:
            continue
        left = _comparable(spec, table.iloc[:, first].reset_index(drop=True))
        right = _comparable(spec, table.iloc[:, pos].reset_index(drop=True))
        differ = (left.notna() & right.notna() & (left != right)).fillna(False).to_numpy(dtype=bool)
        va = table.iloc[:, first].to_numpy(dtype=object)[differ]
        vb = table.iloc[:, pos].to_numpy(dtype=object)[differ]
        whys = [
            f"{a!r} and {b!r} both give {spec.name} and disagree ({x!r} vs {y!r}); keep one column"
            for x, y in zip(va, vb, strict=True)
        ]
        problems += row_problems(file, b, rows[differ], whys)
    return problems


def _combine(table: pd.DataFrame, positions: list[int]) -> pd.Series:
    """First source column, blanks filled from the next ones (priority order)."""
    text = table.iloc[:, positions[0]].reset_index(drop=True)
    for pos in positions[1:]:
        text = text.fillna(table.iloc[:, pos].reset_index(drop=True))
    return text.astype("string")


def _parse(
    spec: ColumnSpec, text: pd.Series, rows: np.ndarray, file: str, header: str
) -> tuple[pd.Series, np.ndarray, list[InputProblem]]:
    values_text = text.to_numpy(dtype=object)
    if spec.kind in ("id", "text"):
        return text, np.zeros(len(text), dtype=bool), []
    if spec.kind == "date":
        parsed, bad = parse_dates(text)
        why = [f"{v!r} is not an ISO date (YYYY-MM-DD)" for v in values_text[bad]]
        return parsed.reset_index(drop=True), bad, row_problems(file, header, rows[bad], why)
    values, bad = parse_numbers(text)
    problems = row_problems(file, header, rows[bad], [f"{v!r} is not a number" for v in values_text[bad]])
    with np.errstate(invalid="ignore"):
        low = np.isfinite(values) & (values < spec.lower) if spec.lower is not None else np.zeros_like(bad)
        high = np.isfinite(values) & (values > spec.upper) if spec.upper is not None else np.zeros_like(bad)
    out = low | high
    if out.any():
        if spec.upper is not None:
            span = f"must lie in [{spec.lower:g}, {spec.upper:g}]"
        else:
            span = f"must be >= {spec.lower:g}"
        whys = [f"{v!r} is out of range: {header} {span}" for v in values_text[out]]
        problems += row_problems(file, header, rows[out], whys)
    bad = bad | out
    return pd.Series(np.where(bad, np.nan, values), dtype="float64"), bad, problems


def typed_table(
    table: pd.DataFrame,
    spec: TableSpec,
    file: str,
    *,
    columns: Mapping[str, str] | None = None,
) -> TypedTable:
    """Match, combine and parse the columns of a text table.

    Parameters
    ----------
    table
        Text table from `solver.inputs.readers.read_table` (index = spreadsheet row).
    spec
        The canonical columns.
    file
        Name used in problems.
    columns
        Explicit mapping canonical name -> the user's header; it wins over
        the aliases (blanks are still filled from alias-matched columns).

    Returns
    -------
    TypedTable
        Problems are collected, not raised: the caller adds its own checks
        and raises them all at once.
    """
    headers = [str(h) for h in table.columns]
    problems: list[InputProblem] = []
    if columns:
        headers, problems = _apply_mapping(headers, columns, spec, file)
    claimed, unknown = spec.match(headers)
    original = [str(h) for h in table.columns]
    for name in spec.required:
        if name not in claimed:
            found = ", ".join(repr(h) for h in original if h) or "none"
            aliases = list(spec[name].aliases)
            also = f" (or {', '.join(aliases)})" if aliases else ""
            problems.append(
                InputProblem(
                    file,
                    None,
                    name,
                    f"required column {name!r}{also} is missing; the columns found are: {found}",
                )
            )
    rows = table.index.to_numpy(dtype=np.int64)
    n = len(rows)
    cols: dict[str, pd.Series] = {}
    bad: dict[str, np.ndarray] = {}
    used: dict[str, str] = {}
    for spec_col in spec.columns:
        positions = claimed.get(spec_col.name)
        if not positions:
            cols[spec_col.name] = _empty(spec_col, n)
            continue
        used[spec_col.name] = original[positions[0]]
        problems += source_conflicts(table, positions, spec_col, file)
        text = _combine(table, positions)
        values, bad_mask, parsed = _parse(spec_col, text, rows, file, used[spec_col.name])
        cols[spec_col.name] = values
        bad[spec_col.name] = bad_mask
        problems += parsed
    frame = pd.DataFrame(cols).astype({c.name: c.dtype for c in spec.columns})
    frame.index = pd.Index(rows, name="row")
    dropped = [original[i] or f"(column {i + 1}, no header)" for i in unknown]
    return TypedTable(frame=frame, headers=used, problems=problems, bad=bad, dropped=dropped)
