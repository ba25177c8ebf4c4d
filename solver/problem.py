"""The frozen, validated assignment problem: column arrays, built once at the edge.

Accounts are grouped into *units* (an account family, or a single account):
the model assigns units, the checker verifies accounts. Units live in one
*block* (segment x region), the block of their root account; blocks are
independent of each other except for the plan-wide disruption budget.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from solver.errors import InputError, InputProblem

#: Per-rep limits a Problem may carry (nan = no limit).
REP_LIMITS = ("max_accounts", "max_workload", "max_accounts_lost", "max_accounts_gained")

NO_OWNER = -1
#: The account's owner is set but is not a rep of this plan (left, or unknown).
DEPARTED_OWNER = -2


@dataclass(frozen=True)
class Problem:
    """Accounts, reps and units as aligned numpy arrays (accounts sorted by id).

    All money-like quantities are floats in currency units; quotas, which must
    conserve cents, are computed separately in `solver.quotas.cascade`.
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
    # optional rules (None: not given; `limit`, `forbidden_pairs` and
    # `solver.assignment.eligibility` read them)
    account_country: np.ndarray | None = None  # ISO code per account ("" unknown)
    account_language: np.ndarray | None = None  # lower-case language per account ("" unknown)
    rep_countries: np.ndarray | None = None  # ";"-joined ISO codes per rep ("" any)
    rep_languages: np.ndarray | None = None  # ";"-joined languages per rep ("" any)
    forbidden: np.ndarray | None = None  # (k, 2) int64 (account, rep) pairs, sorted
    max_accounts_lost: np.ndarray | None = None  # per rep; nan = no limit
    max_accounts_gained: np.ndarray | None = None  # per rep; nan = no limit

    def replace(self, **changes: Any) -> Problem:
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

    def limit(self, name: str) -> np.ndarray:
        """A per-rep limit (max_accounts, max_workload, max_accounts_lost,
        max_accounts_gained); nan where the rep has none."""
        if name not in REP_LIMITS:
            raise ValueError(f"unknown rep limit {name!r}")
        values = getattr(self, name)
        return np.full(self.n_reps, np.nan) if values is None else values

    def forbidden_pairs(self) -> np.ndarray:
        """(k, 2) array of forbidden (account, rep) index pairs (k may be 0)."""
        if self.forbidden is None:
            return np.zeros((0, 2), dtype=np.int64)
        return self.forbidden


def build_problem(accounts: pd.DataFrame, reps: pd.DataFrame, forbid: pd.DataFrame | None = None) -> Problem:
    """Build a Problem from prepared tables.

    ``accounts`` needs: account_id, segment, region, potential, workload, arr,
    lat, lon, current_owner, locked_owner, family_id; optional: country,
    language, forbidden_reps (";"-separated rep ids). ``reps`` needs: rep_id,
    segment, region, capacity_factor, lat, lon, max_accounts, max_workload;
    optional: countries, languages (";"-joined lists), max_accounts_lost,
    max_accounts_gained. ``forbid`` (optional) holds (account_id, rep_id)
    pairs that must not be chosen. Inputs are re-sorted by id so the result
    does not depend on row order.
    """
    acc = accounts.sort_values("account_id", kind="stable").reset_index(drop=True)
    rp = reps.sort_values("rep_id", kind="stable").reset_index(drop=True)
    rep_ids = rp["rep_id"].astype(str).to_numpy()
    rep_index = pd.Series(np.arange(len(rp)), index=rep_ids)
    owner_raw, owner = _owners(acc, rep_index)
    pin = _pins(acc, rep_index)
    unit_codes, unit_block, block_keys, rep_block = _units_and_blocks(acc, rp)
    account_ids = acc["account_id"].astype(str).to_numpy()
    return Problem(
        account_ids=account_ids,
        account_segment=acc["segment"].astype(str).to_numpy(),
        account_region=acc["region"].astype(str).to_numpy(),
        potential=acc["potential"].to_numpy(dtype=float),
        workload=_numbers(acc, "workload", 1.0),
        arr=_numbers(acc, "arr", 0.0),
        lat=_numbers(acc, "lat", np.nan),
        lon=_numbers(acc, "lon", np.nan),
        owner=owner.astype(np.int64),
        owner_id=owner_raw.to_numpy(dtype=object),
        pin=pin,
        unit=unit_codes.astype(np.int64),
        unit_block=unit_block.astype(np.int64),
        rep_ids=rep_ids,
        rep_segment=rp["segment"].astype(str).to_numpy(),
        rep_region=rp["region"].astype(str).to_numpy(),
        rep_block=rep_block,
        capacity_factor=rp["capacity_factor"].to_numpy(dtype=float),
        rep_lat=_numbers(rp, "lat", np.nan),
        rep_lon=_numbers(rp, "lon", np.nan),
        max_accounts=_numbers(rp, "max_accounts", np.nan),
        max_workload=_numbers(rp, "max_workload", np.nan),
        blocks=tuple(block_keys),
        account_country=_texts(acc, "country"),
        account_language=_texts(acc, "language", lower=True),
        rep_countries=_texts(rp, "countries"),
        rep_languages=_texts(rp, "languages", lower=True),
        forbidden=forbidden_pairs(acc, account_ids, rep_index, forbid),
        max_accounts_lost=_numbers(rp, "max_accounts_lost", np.nan),
        max_accounts_gained=_numbers(rp, "max_accounts_gained", np.nan),
    )


def _owners(acc: pd.DataFrame, rep_index: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Today's owner ids, and their rep indices (NO_OWNER blank, DEPARTED_OWNER not a rep here)."""
    owner_raw = acc["current_owner"].astype("string").fillna("")
    owner = owner_raw.map(rep_index).to_numpy(dtype=float)
    owner = np.where(np.isnan(owner), np.where(owner_raw.to_numpy() == "", NO_OWNER, DEPARTED_OWNER), owner)
    return owner_raw, owner


def _pins(acc: pd.DataFrame, rep_index: pd.Series) -> np.ndarray:
    """Pinned rep index per account (-1 when free); a pin to a stranger is an input error."""
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
    return np.where(np.isnan(pin), -1, pin).astype(np.int64)


def _units_and_blocks(
    acc: pd.DataFrame, rp: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]], np.ndarray]:
    """Units (one per family root, in order of first sorted member), their blocks, and each rep's block.

    A unit's block is its root's block, or its largest member's when the root
    is absent; a rep whose segment x region holds no unit gets block -1.
    """
    unit_codes, _unit_roots = pd.factorize(acc["family_id"].astype(str), sort=True)
    potential = acc["potential"].to_numpy(dtype=float)
    acc_seg = acc["segment"].astype(str).to_numpy()
    acc_reg = acc["region"].astype(str).to_numpy()
    is_root = acc["account_id"].astype(str).to_numpy() == acc["family_id"].astype(str).to_numpy()
    order = np.lexsort((-potential, ~is_root, unit_codes))
    first = order[np.r_[True, np.diff(unit_codes[order]) != 0]]
    unit_key = _block_key(acc_seg[first], acc_reg[first])
    keys, unit_block = np.unique(unit_key, return_inverse=True)
    block_keys = [(seg, reg) for seg, reg in (k.split("\x1f") for k in keys.tolist())]
    rep_key = _block_key(rp["segment"].astype(str).to_numpy(), rp["region"].astype(str).to_numpy())
    pos = np.searchsorted(keys, rep_key).clip(0, max(len(keys) - 1, 0))
    found = (keys[pos] == rep_key) if len(keys) else np.zeros(len(rep_key), dtype=bool)
    rep_block = np.where(found, pos, -1).astype(np.int64)
    return unit_codes, unit_block, block_keys, rep_block


def _block_key(segment: np.ndarray, region: np.ndarray) -> np.ndarray:
    """One sortable text key per segment x region (a separator no id contains)."""
    return np.char.add(np.char.add(segment.astype(str), "\x1f"), region.astype(str))


def _numbers(df: pd.DataFrame, col: str, default: float) -> np.ndarray:
    """A numeric column as floats, ``default`` where absent or blank."""
    if col not in df.columns:
        return np.full(len(df), default)
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=default)


def _texts(df: pd.DataFrame, col: str, lower: bool = False) -> np.ndarray | None:
    """A trimmed text column as objects (None when the table lacks it)."""
    if col not in df.columns:
        return None
    values = df[col].astype("string").fillna("").str.strip()
    return (values.str.lower() if lower else values).to_numpy(dtype=object)


def forbidden_pairs(
    acc: pd.DataFrame, account_ids: np.ndarray, rep_index: pd.Series, forbid: pd.DataFrame | None
) -> np.ndarray | None:
    """(account, rep) index pairs from the ``forbidden_reps`` column and a forbid table.

    Unknown ids are input errors: a forbidden pair that silently matches
    nothing would let the plan break a rule the user believes holds.
    """
    parts = []
    if "forbidden_reps" in acc.columns:
        col = acc["forbidden_reps"].astype("string")
        items = col.str.split(";").explode().str.strip()
        items = items[items.notna() & (items != "")]
        parts.append(
            pd.DataFrame(
                {"account_id": account_ids[items.index.to_numpy(dtype=np.int64)], "rep_id": items.to_numpy()},
            ).assign(source="accounts", column="forbidden_reps")
        )
    if forbid is not None and len(forbid):
        parts.append(
            pd.DataFrame(
                {
                    "account_id": forbid["account_id"].astype(str).str.strip().to_numpy(),
                    "rep_id": forbid["rep_id"].astype(str).str.strip().to_numpy(),
                }
            ).assign(source="forbid", column="rep_id")
        )
    if not parts:
        return None
    pairs = pd.concat(parts, ignore_index=True)
    acc_index = pd.Series(np.arange(len(account_ids)), index=account_ids)
    a = pairs["account_id"].map(acc_index).to_numpy(dtype=float)
    r = pairs["rep_id"].map(rep_index).to_numpy(dtype=float)
    bad = np.isnan(a) | np.isnan(r)
    if bad.any():
        problems = []
        for i in np.flatnonzero(bad)[:20]:
            what = (
                f"account {pairs['account_id'][i]!r} is not in the accounts table"
                if np.isnan(a[i])
                else f"rep {pairs['rep_id'][i]!r} is not a rep of this plan"
            )
            problems.append(
                InputProblem(
                    str(pairs["source"][i]),
                    None,
                    "account_id" if np.isnan(a[i]) else str(pairs["column"][i]),
                    f"forbidden pair ({pairs['account_id'][i]}, {pairs['rep_id'][i]}): {what}",
                )
            )
        raise InputError(problems)
    out = np.unique(np.column_stack([a, r]).astype(np.int64), axis=0)
    return out.reshape(-1, 2)
