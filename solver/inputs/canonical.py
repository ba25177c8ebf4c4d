"""Text table -> canonical accounts or reps table: the second layer of reading.

`read_canonical` maps the user's headers to the canonical columns of
`solver.inputs.columns`, parses each kind, normalises ids, countries and lists,
and runs the table checks of `solver.inputs.validation`, gathering every
problem of the file into one `InputError`. It is kept apart from the file
formats (`solver.inputs.table_files`) so each layer can be read and tested
on its own; `solver.inputs.readers` is the public entry point over both.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from solver.errors import InputError, InputProblem
from solver.inputs.columns import (
    ACCOUNTS,
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
from solver.inputs.table_files import read_table
from solver.inputs.typed_table import source_conflicts
from solver.inputs.validation import check_accounts, check_reps, row_problems

__all__ = ["UnknownCountry", "read_canonical"]

log = logging.getLogger(__name__)

UnknownCountry = Literal["error", "keep"]


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


def read_canonical(
    path: str | Path, spec: TableSpec, on_unknown: UnknownCountry, numeric: Sequence[str] = ()
) -> pd.DataFrame:
    """Read ``path`` as the table ``spec`` describes; every problem of the file in one `InputError`."""
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
