"""Segments, regions and potential: the account-side business rules.

Segment: the account's own ``segment`` when given, else its employee band.
Region: the scenario's ``[regions]`` entries (countries, or finer: see
`solver.planning.regions`).
Potential: the account's own ``potential`` when given, else the weighted
percentile-rank score of the scoring data points times ``potential_scale``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import shapely

from solver.config import PlanParams, ScoringConfig, SegmentsConfig
from solver.errors import InputProblem
from solver.inputs.columns import ACCOUNTS
from solver.planning.regions import match_regions

#: Report at most this many rows per kind of problem, then a count: a file with
#: 40,000 accounts outside every region needs one line, not 40,000.
MAX_ROWS_REPORTED = 20

_CANONICAL = frozenset(ACCOUNTS.names)


def _row_numbers(index: pd.Index, positions: np.ndarray) -> np.ndarray:
    """Spreadsheet row numbers: the readers' index when it is one, else position + 2."""
    if index.name == "row" and pd.api.types.is_integer_dtype(index):
        return index.to_numpy()[positions]
    return positions + 2


def _rows_problem(
    file: str, rows: np.ndarray, column: str, why: str, values: pd.Series | None = None
) -> list[InputProblem]:
    """``rows`` are spreadsheet row numbers (see `_row_numbers`)."""
    out: list[InputProblem] = []
    for i, r in enumerate(rows[:MAX_ROWS_REPORTED]):
        detail = f" (value {values.iloc[i]!r})" if values is not None else ""
        out.append(InputProblem(file, int(r), column, why + detail))
    if len(rows) > MAX_ROWS_REPORTED:
        out.append(InputProblem(file, None, column, f"{len(rows) - MAX_ROWS_REPORTED} more rows: {why}"))
    return out


def derive_segments(
    accounts: pd.DataFrame, segments: SegmentsConfig, file: str = "accounts"
) -> tuple[pd.Series, list[InputProblem]]:
    """Segment per account (given value wins over the employee band)."""
    given = accounts["segment"].astype("string") if "segment" in accounts else None
    out = pd.Series(pd.NA, index=accounts.index, dtype="string")
    if given is not None:
        out = given.copy()
    need = out.isna().to_numpy()
    problems: list[InputProblem] = []
    if need.any():
        if not segments.bands:
            rows = np.flatnonzero(need)
            return out, _rows_problem(
                file,
                _row_numbers(accounts.index, rows),
                "segment",
                "no segment given and the scenario defines no [segments] bands",
            )
        emp = pd.to_numeric(accounts["employees"], errors="coerce").to_numpy(dtype=float)
        for name, (lo, hi) in segments.bands.items():
            hit = need & (emp >= lo) & (emp < hi)
            out[hit] = name
        missing_emp = need & np.isnan(emp)
        outside = need & ~np.isnan(emp) & out.isna().to_numpy()
        problems += _rows_problem(
            file,
            _row_numbers(accounts.index, np.flatnonzero(missing_emp)),
            "employees",
            "no segment given and no employee count to derive it from",
        )
        problems += _rows_problem(
            file,
            _row_numbers(accounts.index, np.flatnonzero(outside)),
            "employees",
            "employee count falls in no [segments] band",
            accounts.loc[outside, "employees"],
        )
    known = set(segments.bands)
    if given is not None and known:
        bad = given.notna() & ~given.isin(known)
        problems += _rows_problem(
            file,
            _row_numbers(accounts.index, np.flatnonzero(bad.to_numpy())),
            "segment",
            f"segment is not one of the scenario's segments ({', '.join(sorted(known))})",
            given[bad],
        )
    return out, problems


def derive_regions(
    countries: pd.Series, region_of_country: dict[str, str], file: str = "accounts"
) -> tuple[pd.Series, list[InputProblem]]:
    """Region per account from its ISO country code."""
    codes = countries.astype("string").str.upper()
    regions = codes.map(region_of_country).astype("string")
    unmapped = (regions.isna() & codes.notna()).to_numpy()
    problems: list[InputProblem] = []
    if unmapped.any():
        listed = ", ".join(sorted(set(codes[unmapped].dropna())))
        problems += _rows_problem(
            file,
            _row_numbers(countries.index, np.flatnonzero(unmapped)),
            "country",
            f"country is in no [regions] entry (unmapped countries: {listed})",
            codes[unmapped],
        )
    return regions, problems


def assign_regions(
    accounts: pd.DataFrame,
    params: PlanParams,
    polygons: Mapping[str, shapely.Geometry] | None = None,
    file: str = "accounts",
) -> tuple[pd.Series, list[InputProblem]]:
    """Region per account: by country alone, or by any `solver.config.region_entry` kind.

    A scenario whose regions list only countries keeps the plain country map
    (and its messages); any other entry switches to `solver.planning.regions`.
    """
    if params.countries_only():
        return derive_regions(accounts["country"], params.region_of_country(), file)
    return match_regions(accounts, params.region_entries(), polygons, file)


def score_potential(accounts: pd.DataFrame, scoring: ScoringConfig) -> pd.Series:
    """Weighted percentile-rank score of the scoring data points, times the scale.

    Percentile ranks make data points of different units (heads, dollars,
    fit scores) comparable and tame heavy tails. An account lacking a data
    point is scored on the points it has (weights renormalised); an account
    lacking all of them scores 0.
    """
    num = np.zeros(len(accounts))
    den = np.zeros(len(accounts))
    for column, weight in sorted(scoring.weights.items()):
        values = pd.to_numeric(accounts[column], errors="coerce")
        ranks = values.rank(pct=True, method="average").to_numpy(dtype=float)
        have = ~np.isnan(ranks)
        num[have] += weight * ranks[have]
        den[have] += weight
    score = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return pd.Series(score * scoring.potential_scale, index=accounts.index, name="potential")


def _columns_found(accounts: pd.DataFrame) -> list[str]:
    """The user's headers when the table came from a reader, else the frame's columns."""
    given = accounts.attrs.get("columns")
    if given is None:
        return [str(c) for c in accounts.columns]
    extra = [c for c in accounts.columns if c not in given and c not in _CANONICAL]
    return [*given.values(), *extra, *accounts.attrs.get("dropped_columns", [])]


def scoring_problems(
    accounts: pd.DataFrame, scoring: ScoringConfig, file: str = "accounts"
) -> list[InputProblem]:
    """Data points of ``[scoring] weights`` that the table lacks or that hold no numbers.

    A canonical column the file does not have (the reader adds it all blank)
    counts as missing: scoring on it would silently give every account 0.
    """
    given = accounts.attrs.get("columns")
    found = ", ".join(repr(h) for h in _columns_found(accounts)) or "none"
    problems = []
    for column in sorted(scoring.weights):
        absent = column not in accounts.columns or (
            given is not None and column in _CANONICAL and column not in given
        )
        if absent:
            problems.append(
                InputProblem(
                    file,
                    None,
                    column,
                    f"[scoring] weights name {column!r}, which is not a column of the accounts table; "
                    f"the columns found are: {found}",
                )
            )
        elif not pd.api.types.is_numeric_dtype(accounts[column].dtype):
            problems.append(
                InputProblem(
                    file,
                    None,
                    column,
                    f"[scoring] weights name {column!r}, which is not a numeric column",
                )
            )
    return problems


def derive_potential(
    accounts: pd.DataFrame, scoring: ScoringConfig, file: str = "accounts"
) -> tuple[pd.Series, list[InputProblem]]:
    """Potential per account: given values win; the score fills the rest.

    Any numeric column can score: the canonical ones (employees,
    annual_revenue, arr, ...) and extra columns the reader kept (see
    `solver.inputs.readers.read_accounts` ``numeric``).
    """
    has_potential = "potential" in accounts.columns and accounts["potential"].notna().all()
    problems = [] if has_potential else scoring_problems(accounts, scoring, file)
    if problems:
        return pd.Series(np.nan, index=accounts.index), problems
    if has_potential:
        return pd.to_numeric(accounts["potential"], errors="coerce").astype(float), problems
    scored = score_potential(accounts, scoring)
    if "potential" in accounts.columns:
        given = pd.to_numeric(accounts["potential"], errors="coerce")
        return given.fillna(scored).astype(float), problems
    return scored.astype(float), problems
