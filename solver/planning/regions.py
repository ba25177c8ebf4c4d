"""Regions below the country: subdivisions, ZIP prefixes, NUTS codes and polygons.

A ``[regions]`` entry (`solver.config.region_entry`) is a country, an ISO
3166-2 subdivision, a US ZIP prefix, a NUTS code or a polygon file. Each
account must fall in exactly one region: one mask per region (the union of
its entries' masks), and the accounts in none or in several are named with
the entries that matched them, so the user can fix the scenario or the row.

Accounts without a country (kept by ``on_unknown_country="keep"``) are left
without a region and not reported here: the reader already listed them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import shapely

from solver.config import RegionKind
from solver.errors import InputProblem
from solver.inputs.geocode import state_codes, zip5

__all__ = ["account_subdivisions", "match_regions"]

#: accounts named per kind of problem before a count of the rest.
MAX_ROWS_REPORTED = 20

Entries = Mapping[str, tuple[tuple[RegionKind, str], ...]]


def account_subdivisions(accounts: pd.DataFrame) -> pd.Series:
    """ISO 3166-2 code of each account's state (``US-CA``, ``CA-ON``, ``DE-BY``), else NA.

    US states and Canadian provinces are recognised by code or name; for other
    countries the state must already be a code (``BY``) or a full ISO code
    (``DE-BY``).
    """
    country = accounts["country"].astype("string")
    raw = _text(accounts, "state")
    state = raw.str.strip().str.upper()
    known = state_codes(country, raw).to_numpy(dtype=object, na_value=None)
    c = country.to_numpy(dtype=object, na_value=None)
    st = state.to_numpy(dtype=object, na_value=None)
    full = _flags(state.str.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}")) & _flags(state.str[:2] == country)
    short = _flags(state.str.fullmatch(r"[A-Z0-9]{1,3}")) & ~_flags(country.isin(["US", "CA"]))
    out = np.full(len(accounts), None, dtype=object)
    has_known = np.array([k is not None for k in known], dtype=bool)
    out[has_known] = [f"{a}-{b}" for a, b in zip(c[has_known], known[has_known], strict=True)]
    out[full] = st[full]
    pick = short & ~has_known
    out[pick] = [f"{a}-{b}" for a, b in zip(c[pick], st[pick], strict=True)]
    return pd.Series(out, index=accounts.index, dtype="string")


def _flags(values: pd.Series) -> np.ndarray:
    """Boolean mask of a nullable result, NA as False."""
    return values.to_numpy(dtype=bool, na_value=False)


def _text(accounts: pd.DataFrame, column: str) -> pd.Series:
    if column in accounts.columns:
        return accounts[column].astype("string")
    return pd.Series(pd.NA, index=accounts.index, dtype="string")


def _entry_mask(
    kind: RegionKind,
    value: str,
    facts: pd.DataFrame,
    points: np.ndarray,
    polygons: Mapping[str, shapely.Geometry],
) -> np.ndarray:
    if kind == "country":
        col = facts["country"] == value
    elif kind == "subdivision":
        col = facts["subdivision"] == value
    elif kind == "zip":
        col = (facts["country"] == "US") & facts["zip"].str.startswith(value)
    elif kind == "nuts":
        col = facts["nuts"].str.startswith(value)
    else:
        return np.asarray(shapely.contains_xy(polygons[value], points[:, 0], points[:, 1]), dtype=bool)
    return _flags(col)


def _describe(kind: RegionKind, value: str) -> str:
    return {"zip": f"zip:{value}", "polygons": f"polygons of {value}"}.get(kind, value)


def match_regions(
    accounts: pd.DataFrame,
    entries: Entries,
    polygons: Mapping[str, shapely.Geometry] | None = None,
    file: str = "accounts",
) -> tuple[pd.Series, list[InputProblem]]:
    """Region of each account, and a problem for each account in none or several.

    Parameters
    ----------
    accounts : pandas.DataFrame
        ``country`` (ISO alpha-2) and, as the entries need them, ``state``,
        ``postal_code``, ``nuts``, ``lat``/``lon``. The index gives the
        spreadsheet row numbers of the problems.
    entries : mapping
        Region -> parsed entries (`solver.config.PlanParams.region_entries`).
    polygons : mapping, optional
        Polygon file path (as in the entries) -> its union geometry (WGS84).
    """
    polygons = polygons or {}
    facts = pd.DataFrame(
        {
            "country": accounts["country"].astype("string"),
            "subdivision": account_subdivisions(accounts),
            "zip": zip5(_text(accounts, "postal_code")),
            "nuts": _text(accounts, "nuts").str.strip().str.upper(),
        },
        index=accounts.index,
    )
    lat = pd.to_numeric(accounts.get("lat"), errors="coerce") if "lat" in accounts else None
    lon = pd.to_numeric(accounts.get("lon"), errors="coerce") if "lon" in accounts else None
    n = len(accounts)
    points = (
        np.column_stack([lon.to_numpy(dtype=float), lat.to_numpy(dtype=float)])
        if lat is not None and lon is not None
        else np.full((n, 2), np.nan)
    )
    names = list(entries)
    hits = np.zeros((n, len(names)), dtype=bool)
    masks: list[tuple[str, np.ndarray]] = []
    for j, region in enumerate(names):
        for kind, value in entries[region]:
            mask = _entry_mask(kind, value, facts, points, polygons)
            hits[:, j] |= mask
            masks.append((f"{region} ({_describe(kind, value)})", mask))
    count = hits.sum(axis=1)
    first = np.argmax(hits, axis=1) if names else np.zeros(n, dtype=int)
    region = pd.Series(
        np.where(count == 1, np.asarray([*names, ""], dtype=object)[first], None),
        index=accounts.index,
        dtype="string",
    )
    rows = _rows(accounts.index)
    located = facts["country"].notna().to_numpy(dtype=bool)
    problems = _nuts_problems(file, entries, facts, located & (count == 0))
    problems += _none_problems(file, rows, located & (count == 0), facts, points)
    problems += _several_problems(file, rows, count > 1, masks)
    return region, problems


#: how to give accounts a NUTS code: terraquota ships no NUTS data (its licence keeps it out).
NUTS_HOW = (
    "add a `nuts` column (each account's NUTS code, e.g. DE212) to the accounts, or use a polygon "
    'file of NUTS boundaries instead (e.g. "NUTS_2021.geojson#DE21" with Eurostat\'s GISCO file); '
    "terraquota ships no NUTS codes or boundaries"
)


def _nuts_problems(
    file: str, entries: Entries, facts: pd.DataFrame, unplaced: np.ndarray
) -> list[InputProblem]:
    """One problem saying how to fix NUTS entries when unplaced accounts have no NUTS code."""
    codes = [value for region in entries for kind, value in entries[region] if kind == "nuts"]
    if not codes:
        return []
    without = int((unplaced & facts["nuts"].isna().to_numpy(dtype=bool)).sum())
    if not without:
        return []
    return [
        InputProblem(
            file,
            None,
            "nuts",
            f"[regions] names NUTS codes ({', '.join(codes[:5])}{', ...' if len(codes) > 5 else ''}) "
            f"but {without:,} accounts in no region have no NUTS code: {NUTS_HOW}",
        )
    ]


def _rows(index: pd.Index) -> np.ndarray:
    if index.name == "row" and pd.api.types.is_integer_dtype(index):
        return index.to_numpy()
    return np.arange(len(index)) + 2


def _none_problems(
    file: str, rows: np.ndarray, mask: np.ndarray, facts: pd.DataFrame, points: np.ndarray
) -> list[InputProblem]:
    out = []
    where = np.flatnonzero(mask)
    for i in where[:MAX_ROWS_REPORTED]:
        f = facts.iloc[i]
        parts = [f"country {f['country']}"]
        parts += [f"{k} {f[k]}" for k in ("subdivision", "zip", "nuts") if pd.notna(f[k])]
        if np.isfinite(points[i]).all():
            parts.append(f"at {points[i, 1]:.4f}, {points[i, 0]:.4f}")
        out.append(
            InputProblem(file, int(rows[i]), "region", f"falls in no [regions] entry ({', '.join(parts)})")
        )
    if len(where) > MAX_ROWS_REPORTED:
        out.append(
            InputProblem(
                file, None, "region", f"{len(where) - MAX_ROWS_REPORTED} more rows fall in no region"
            )
        )
    return out


def _several_problems(
    file: str, rows: np.ndarray, mask: np.ndarray, masks: list[tuple[str, np.ndarray]]
) -> list[InputProblem]:
    out = []
    where = np.flatnonzero(mask)
    for i in where[:MAX_ROWS_REPORTED]:
        matched = ", ".join(label for label, m in masks if m[i])
        out.append(
            InputProblem(
                file,
                int(rows[i]),
                "region",
                f"falls in several regions: {matched}; an account must be in exactly one",
            )
        )
    if len(where) > MAX_ROWS_REPORTED:
        out.append(
            InputProblem(
                file, None, "region", f"{len(where) - MAX_ROWS_REPORTED} more rows fall in several regions"
            )
        )
    return out
