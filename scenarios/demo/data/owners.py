"""Today's book: account families, owners (uneven, compact territories), pins, customers' ARR."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.demo.data.accounts import demo_blocks, isin
from scenarios.demo.data.geometry import capacitated_nearest, km_matrix
from scenarios.demo.plan import POTENTIAL_SCALE

_SHARE_OWNED, _SHARE_FORMER = 0.85, 0.03  # the rest (~12%) are new logos
_CUSTOMER_SHARE = 0.40
_CHILD_SHARE = 0.03
_PIN_SHARE = 0.005
_MAX_PINS_PER_REP = 2
_DRIFT_SHARE = 0.10  # owned accounts whose owner is not the nearest-by-territory rep
_FAMILY_SIZE_P = {2: 0.50, 3: 0.25, 4: 0.15, 5: 0.10}
_FAMILY_TARGET_SHARE = 0.25  # largest family potential <= this x smallest rep target


def families(
    acc: pd.DataFrame, min_target: dict[tuple[str, str], float], rng: np.random.Generator
) -> np.ndarray:
    """~3% of accounts become children of a parent of the same country and band.

    Family size is capped per block so the largest family stays below a quarter of
    the block's smallest rep target (no account can score above potential_scale).
    """
    parent = np.full(len(acc), "", dtype=object)
    sizes = np.array(list(_FAMILY_SIZE_P))
    p = np.array(list(_FAMILY_SIZE_P.values()))
    ids = acc["account_id"].to_numpy()
    for (_country, segment, region), grp in acc.groupby(["country", "segment", "region"], sort=True):
        cap = int(_FAMILY_TARGET_SHARE * min_target.get((region, segment), 0.0) // POTENTIAL_SCALE)
        allowed = sizes[sizes <= cap]
        n_children = rng.binomial(len(grp), _CHILD_SHARE)
        if len(allowed) == 0 or n_children == 0:
            continue
        fam = rng.choice(allowed, size=n_children, p=p[: len(allowed)] / p[: len(allowed)].sum())
        kids = fam - 1
        keep = np.cumsum(kids) <= n_children
        kids = kids[keep]
        if len(kids) == 0 or len(kids) + kids.sum() > len(grp):
            continue
        members = rng.permutation(grp.index.to_numpy())
        parents = members[: len(kids)]
        children = members[len(kids) : len(kids) + kids.sum()]
        parent[children] = ids[np.repeat(parents, kids)]
    return parent


def assign_owners(acc: pd.DataFrame, reps: pd.DataFrame, rng: np.random.Generator) -> None:
    """Today's territories: compact, deliberately uneven books; former owners; new logos.

    Each block's owned families go to its employed reps nearest-first up to per-rep
    book sizes drawn from lognormal(0, 0.25) (`capacitated_nearest`), then ~10%
    drift to one of the 2nd-4th nearest reps. Children inherit the parent's owner.
    """
    n = len(acc)
    is_child = acc["parent_id"].to_numpy() != ""
    root = np.where(is_child, acc["parent_id"], acc["account_id"])
    pos = pd.Series(np.arange(n), index=acc["account_id"].to_numpy())
    root_pos = pos.loc[root].to_numpy()
    fam_pot = np.bincount(root_pos, weights=acc["potential"].to_numpy(), minlength=n)
    u = rng.random(n)
    status = np.select([u < _SHARE_OWNED, u < _SHARE_OWNED + _SHARE_FORMER], ["owned", "former"], "new")
    owner = np.full(n, "", dtype=object)
    for b, (region, segment) in enumerate(demo_blocks()):
        in_block = ((acc["region"] == region) & (acc["segment"] == segment)).to_numpy() & ~is_child
        owner[in_block & (status == "former")] = f"R-FORMER-{b + 1:02d}"
        a = np.flatnonzero(in_block & (status == "owned"))
        team = reps[(reps["region"] == region) & (reps["segment"] == segment) & (reps["kind"] != "tbh")]
        if len(a) == 0:
            continue
        dist = km_matrix(acc["lat"].to_numpy()[a], acc["lon"].to_numpy()[a], team["lat"], team["lon"])
        w = fam_pot[a]
        mult = np.exp(rng.normal(0.0, 0.25, size=len(team)))
        target = w.sum() * mult / mult.sum()
        choice = capacitated_nearest(dist, w, target)
        nearest = np.argsort(dist, axis=1, kind="stable")[:, 1 : min(4, len(team))]
        drift = rng.random(len(a)) < _DRIFT_SHARE
        if nearest.shape[1] > 0:
            pick = rng.integers(0, nearest.shape[1], size=len(a))
            choice = np.where(drift, nearest[np.arange(len(a)), pick], choice)
        owner[a] = team["rep_id"].to_numpy()[choice]
    acc["current_owner"] = owner[root_pos]


def pins(acc: pd.DataFrame, reps: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """~0.5% of accounts pinned to today's owner: tenured reps only, at most two each,
    outside families and not above the block's median potential."""
    stable = reps.loc[reps["kind"] == "stable", "rep_id"]
    pot = acc["potential"]
    median = pot.groupby([acc["region"], acc["segment"]]).transform("median")
    in_family = (acc["parent_id"] != "").to_numpy() | isin(acc["account_id"], acc["parent_id"])
    cand = acc.index[isin(acc["current_owner"], stable) & ~in_family & (pot <= median).to_numpy()].to_numpy()
    cand = rng.permutation(cand)
    per_rep = acc.loc[cand, "current_owner"].groupby(acc.loc[cand, "current_owner"]).cumcount()
    cand = cand[per_rep.to_numpy() < _MAX_PINS_PER_REP]
    chosen = cand[: round(_PIN_SHARE * len(acc))]
    out = np.full(len(acc), "", dtype=object)
    out[chosen] = acc.loc[chosen, "current_owner"].to_numpy()
    return out


def customer_arr(acc: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Customers (~40% of all accounts, all of them owned today) pay ARR ~ revenue^0.7."""
    owned = (acc["current_owner"] != "").to_numpy()
    p = min(1.0, _CUSTOMER_SHARE / max(owned.mean(), 1e-9))
    customer = owned & (rng.random(len(acc)) < p)
    rev = np.maximum(acc["annual_revenue"].to_numpy(float), 10_000.0)
    arr = np.round(0.29 * rev**0.7 * np.exp(rng.normal(0.0, 0.4, size=len(acc))))
    return np.where(customer, arr, np.nan)
