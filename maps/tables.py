"""Preparing run tables for drawing: filters, stable order, coordinates, labels."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

_NAME_CHARS = 22


def as_list(value: str | Sequence[str] | None) -> list[str] | None:
    """None stays None; one string becomes a one-item list."""
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def select(
    assignment: pd.DataFrame,
    reps: pd.DataFrame,
    region: str | Sequence[str] | None,
    manager_id: str | Sequence[str] | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accounts and reps kept by the region / manager filters.

    A region filter keeps accounts and reps of those regions; a manager
    filter keeps that manager's reps and the accounts they own.
    """
    regions, managers = as_list(region), as_list(manager_id)
    for wanted, table, column, name in (
        (regions, assignment, "region", "assignment"),
        (regions, reps, "region", "reps"),
        (managers, reps, "manager_id", "reps"),
    ):
        if wanted is not None and column not in table:
            raise ValueError(f"cannot filter on {column}: the {name} table has no {column} column")
    if regions is not None:
        keep = assignment["region"].astype("string").isin(regions).fillna(False)
        assignment = assignment[keep.to_numpy(dtype=bool)]
        keep = reps["region"].astype("string").isin(regions).fillna(False)
        reps = reps[keep.to_numpy(dtype=bool)]
    if managers is not None:
        keep = reps["manager_id"].astype("string").isin(managers).fillna(False)
        reps = reps[keep.to_numpy(dtype=bool)]
        owned = assignment["rep_id"].astype("string").isin(reps["rep_id"].astype("string"))
        assignment = assignment[owned.fillna(False).to_numpy(dtype=bool)]
    return assignment, reps


def sort_accounts(assignment: pd.DataFrame) -> pd.DataFrame:
    """Accounts in account_id order with a fresh index, so row order never changes an image."""
    if "account_id" not in assignment:
        return assignment.reset_index(drop=True)
    ids = assignment["account_id"].astype("string").to_numpy(dtype=object, na_value="")
    return assignment.iloc[np.argsort(ids, kind="stable")].reset_index(drop=True)


def coordinates(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """lat and lon as float arrays; missing, unparsable or out-of-range values become NaN."""
    missing = pd.Series(np.nan, index=table.index)
    lat = pd.to_numeric(table.get("lat", missing), errors="coerce").astype("Float64")
    lon = pd.to_numeric(table.get("lon", missing), errors="coerce").astype("Float64")
    lat_a = lat.to_numpy(dtype=float, na_value=np.nan)
    lon_a = lon.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(lat_a) | ~np.isfinite(lon_a) | (np.abs(lat_a) > 90) | (np.abs(lon_a) > 180)
    lat_a[bad] = np.nan
    lon_a[bad] = np.nan
    return lat_a, lon_a


def rep_labels(reps: pd.DataFrame) -> pd.Series:
    """Display name per rep_id: the name, or "TBH <rep_id>" for planned hires.

    A table without a name column labels every rep by its rep_id. Long
    names are shortened; names shared by two reps get their rep_id appended
    so legend entries stay distinct.

    Returns
    -------
    pandas.Series
        Labels indexed by rep_id, in the order of ``reps``.
    """
    ids = reps["rep_id"].astype("string")
    if "name" in reps:
        names = reps["name"].astype("string").str.strip().replace("", pd.NA)
        label = names.fillna("TBH " + ids)
    else:
        label = ids.copy()
    long = label.str.len() > _NAME_CHARS
    label = label.where(~long, label.str.slice(0, _NAME_CHARS - 1) + "…")
    dup = label.duplicated(keep=False)
    label = label.where(~dup, label + " (" + ids + ")")
    return pd.Series(label.to_numpy(), index=pd.Index(ids.to_numpy(), name="rep_id"))


def sort_reps(reps: pd.DataFrame) -> pd.DataFrame:
    """Reps in rep_id order with a fresh index, so row order never changes an image."""
    ids = reps["rep_id"].astype("string").to_numpy(dtype=object, na_value="")
    return reps.iloc[np.argsort(ids, kind="stable")].reset_index(drop=True)


def rep_homes(reps: pd.DataFrame) -> pd.DataFrame:
    """rep_id, label, lat, lon of reps whose home coordinates are known, by rep_id."""
    reps = sort_reps(reps)
    lat, lon = coordinates(reps)
    homes = pd.DataFrame(
        {
            "rep_id": reps["rep_id"].astype("string").to_numpy(),
            "label": rep_labels(reps).to_numpy(),
            "lat": lat,
            "lon": lon,
        }
    )
    return homes[np.isfinite(lat)].reset_index(drop=True)
