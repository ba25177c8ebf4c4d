"""The frozen, validated assignment problem: column arrays, built once at the edge.

Accounts are grouped into *units* (an account family, or a single account):
the model assigns units, the checker verifies accounts. Units live in one
*block* (segment x region), the block of their root account; blocks are
independent of each other except for the plan-wide disruption budget.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.errors import InputError, InputProblem

NO_OWNER = -1
#: The account's owner is set but is not a rep of this plan (left, or unknown).
DEPARTED_OWNER = -2


@dataclass(frozen=True)
class Problem:
    """Accounts, reps and units as aligned numpy arrays (accounts sorted by id).

    All money-like quantities are floats in currency units; quotas, which must
    conserve cents, are computed separately in `solver.quotas`.
    """

    account_ids: np.ndarray
    account_segment: np.ndarray
    account_region: np.ndarray
    potential: np.ndarray
    workload: np.ndarray
    arr: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    owner: np.ndarray  # rep index, NO_OWNER or DEPARTED_OWNER
    owner_id: np.ndarray  # raw previous owner id ("" when none)
    pin: np.ndarray  # rep index or -1
    unit: np.ndarray  # unit index of each account
    unit_block: np.ndarray  # block index of each unit
    rep_ids: np.ndarray
    rep_segment: np.ndarray
    rep_region: np.ndarray
    rep_block: np.ndarray  # block index of each rep (-1: no account in its block)
    capacity_factor: np.ndarray
    rep_lat: np.ndarray
    rep_lon: np.ndarray
    max_accounts: np.ndarray  # nan = no limit
    max_workload: np.ndarray  # nan = no limit
    blocks: tuple[tuple[str, str], ...]  # (segment, region) per block index

    def replace(self, **changes: object) -> Problem:
        """A what-if: a new Problem with some arrays replaced."""
        return dataclasses.replace(self, **changes)

    @property
    def n_accounts(self) -> int:
        return len(self.account_ids)

    @property
    def n_reps(self) -> int:
        return len(self.rep_ids)

    @property
    def n_units(self) -> int:
        return len(self.unit_block)

    def block_name(self, b: int) -> str:
        seg, reg = self.blocks[b]
        return f"{seg} x {reg}"

    def account_block(self) -> np.ndarray:
        return self.unit_block[self.unit]

    def unit_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum an account-level array per unit."""
        return np.bincount(self.unit, weights=values, minlength=self.n_units)


def build_problem(accounts: pd.DataFrame, reps: pd.DataFrame) -> Problem:
    """Build a Problem from prepared tables.

    ``accounts`` needs: account_id, segment, region, potential, workload, arr,
    lat, lon, current_owner, locked_owner, family_id. ``reps`` needs: rep_id,
    segment, region, capacity_factor, lat, lon, max_accounts, max_workload.
    Inputs are re-sorted by id so the result does not depend on row order.
    """
    acc = accounts.sort_values("account_id", kind="stable").reset_index(drop=True)
    rp = reps.sort_values("rep_id", kind="stable").reset_index(drop=True)
    rep_ids = rp["rep_id"].astype(str).to_numpy()
    rep_index = pd.Series(np.arange(len(rp)), index=rep_ids)

    owner_raw = acc["current_owner"].astype("string").fillna("")
    owner = owner_raw.map(rep_index).to_numpy(dtype=float)
    owner = np.where(np.isnan(owner), np.where(owner_raw.to_numpy() == "", NO_OWNER, DEPARTED_OWNER), owner)
    pin_raw = acc["locked_owner"].astype("string")
    pin = pin_raw.map(rep_index).to_numpy(dtype=float)
    unknown_pin = pin_raw.notna().to_numpy() & np.isnan(pin)
    if unknown_pin.any():
        i = int(np.flatnonzero(unknown_pin)[0])
        raise InputError(
            InputProblem(
                "accounts",
                None,
                "locked_owner",
                f"account {acc['account_id'][i]} is pinned to "
                f"{pin_raw[i]!r}, which is not a rep of this plan",
            )
        )
    pin = np.where(np.isnan(pin), -1, pin).astype(np.int64)

    # units: one per family root, in order of first (sorted) member
    unit_codes, _unit_roots = pd.factorize(acc["family_id"].astype(str), sort=True)
    potential = acc["potential"].to_numpy(dtype=float)
    acc_seg = acc["segment"].astype(str).to_numpy()
    acc_reg = acc["region"].astype(str).to_numpy()
    # a unit's block is its root's block, or its largest member's when the root is absent
    is_root = acc["account_id"].astype(str).to_numpy() == acc["family_id"].astype(str).to_numpy()
    order = np.lexsort((-potential, ~is_root, unit_codes))
    first = order[np.r_[True, np.diff(unit_codes[order]) != 0]]
    unit_seg, unit_reg = acc_seg[first], acc_reg[first]

    unit_key = np.char.add(np.char.add(unit_seg.astype(str), "\x1f"), unit_reg.astype(str))
    keys, unit_block = np.unique(unit_key, return_inverse=True)
    block_keys = [tuple(k.split("\x1f")) for k in keys.tolist()]
    rep_seg = rp["segment"].astype(str).to_numpy()
    rep_reg = rp["region"].astype(str).to_numpy()
    rep_key = np.char.add(np.char.add(rep_seg.astype(str), "\x1f"), rep_reg.astype(str))
    pos = np.searchsorted(keys, rep_key).clip(0, max(len(keys) - 1, 0))
    found = (keys[pos] == rep_key) if len(keys) else np.zeros(len(rep_key), dtype=bool)
    rep_block = np.where(found, pos, -1).astype(np.int64)

    def num(df: pd.DataFrame, col: str, default: float) -> np.ndarray:
        if col not in df.columns:
            return np.full(len(df), default)
        return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=default)

    return Problem(
        account_ids=acc["account_id"].astype(str).to_numpy(),
        account_segment=acc_seg,
        account_region=acc_reg,
        potential=potential,
        workload=num(acc, "workload", 1.0),
        arr=num(acc, "arr", 0.0),
        lat=num(acc, "lat", np.nan),
        lon=num(acc, "lon", np.nan),
        owner=owner.astype(np.int64),
        owner_id=owner_raw.to_numpy(dtype=object),
        pin=pin,
        unit=unit_codes.astype(np.int64),
        unit_block=unit_block.astype(np.int64),
        rep_ids=rep_ids,
        rep_segment=rep_seg,
        rep_region=rep_reg,
        rep_block=rep_block,
        capacity_factor=rp["capacity_factor"].to_numpy(dtype=float),
        rep_lat=num(rp, "lat", np.nan),
        rep_lon=num(rp, "lon", np.nan),
        max_accounts=num(rp, "max_accounts", np.nan),
        max_workload=num(rp, "max_workload", np.nan),
        blocks=tuple(block_keys),
    )
