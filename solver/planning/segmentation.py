"""Segments, regions and potential: the account-side business rules.

Segment: the account's own ``segment`` when given, else its employee band.
Region: the scenario's country -> region map.
Potential: the account's own ``potential`` when given, else the weighted
percentile-rank score of the scoring data points times ``potential_scale``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from solver.config import ScoringConfig, SegmentsConfig
from solver.errors import InputProblem

#: Report at most this many rows per kind of problem, then a count: a file with
#: 40,000 accounts outside every region needs one line, not 40,000.
MAX_ROWS_REPORTED = 20


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


def derive_potential(
    accounts: pd.DataFrame, scoring: ScoringConfig, file: str = "accounts"
) -> tuple[pd.Series, list[InputProblem]]:
    """Potential per account: given values win; the score fills the rest."""
    problems: list[InputProblem] = []
    missing = [c for c in scoring.weights if c not in accounts.columns]
    if missing:
        problems.append(
            InputProblem(
                file,
                None,
                missing[0],
                f"[scoring] weights name data point(s) {', '.join(missing)} that the accounts "
                "table does not have",
            )
        )
        return pd.Series(np.nan, index=accounts.index), problems
    scored = score_potential(accounts, scoring)
    if "potential" in accounts.columns:
        given = pd.to_numeric(accounts["potential"], errors="coerce")
        return given.fillna(scored).astype(float), problems
    return scored.astype(float), problems
