"""Whether the demo's rules can all hold, block by block (`demo_feasibility_report`).

The tight scenario's disruption budget is set from it, and the tests check the
generator's margins with it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scenarios.demo.data.accounts import demo_blocks, estimate_potential, isin, segment_of
from scenarios.demo.data.geometry import km_matrix
from scenarios.demo.data.homes import REACH_K
from scenarios.demo.data.reps import capacity_factors
from scenarios.demo.plan import BALANCE_TOLERANCE, REGIONS


def demo_feasibility_report(
    accounts: pd.DataFrame, reps: pd.DataFrame, *, reach_k: int = REACH_K
) -> pd.DataFrame:
    """Per block: can the demo's balance, family and continuity rules all hold?

    Potential is estimated as the demo scenarios score it (`estimate_potential`);
    targets follow CONTRACT.md (block potential x capacity factor / block's sum).

    Parameters
    ----------
    accounts : pd.DataFrame
        The accounts table (as written, or as read back from accounts.csv).
    reps : pd.DataFrame
        The reps table.
    reach_k : int
        Nearest reps per account a pruning solver keeps (for ``min_reach_ratio``).

    Returns
    -------
    pd.DataFrame
        One row per region x segment: ``accounts``, ``reps``, ``active_reps``
        (capacity factor > 0), ``block_potential``, ``min_rep_target`` (smallest
        positive target), ``largest_family_accounts``, ``largest_family_potential``,
        ``largest_family_share`` (of ``min_rep_target``), ``former_potential``
        (owned by reps no longer on the team: must move), ``excess_potential``
        (above each rep's target x 1.05: must move) and ``min_moved_potential``
        (their sum, a lower bound on the potential any feasible plan moves) and
        ``min_reach_ratio``: the smallest, over active reps, of the potential of the
        accounts that have the rep among their ``reach_k`` nearest reps or as owner,
        divided by its target (below 1, a solver pruning to that many nearest reps
        cannot fill the rep and finds the block infeasible).
    """
    acc = accounts.copy()
    rep = reps.copy()
    for frame, cols in ((acc, ("parent_id", "current_owner")), (rep, ("start_date", "end_date"))):
        for c in cols:
            frame[c] = frame[c].astype(object).where(frame[c].notna(), "").astype(str)
    acc["potential"] = estimate_potential(acc["employees"], acc["annual_revenue"])
    acc["segment"] = segment_of(acc["employees"])
    region_of = {c: r for r, cs in REGIONS.items() for c in cs}
    acc["region"] = acc["country"].map(region_of)
    acc["family"] = np.where(acc["parent_id"] != "", acc["parent_id"], acc["account_id"])
    rep["cf"] = capacity_factors(rep["start_date"], rep["end_date"])
    keys = ["region", "segment"]
    block_pot = acc.groupby(keys)["potential"].sum()
    rep["target"] = (
        rep.set_index(keys).index.map(block_pot).to_numpy(float)
        * rep["cf"].to_numpy()
        / rep.groupby(keys)["cf"].transform("sum").to_numpy()
    )
    book = acc.groupby("current_owner")["potential"].sum()
    rep["book"] = rep["rep_id"].map(book).fillna(0.0)
    rep["excess"] = np.clip(rep["book"] - (1 + BALANCE_TOLERANCE) * rep["target"], 0.0, None)
    fam = acc.groupby([*keys, "family"])["potential"].agg(["sum", "size"]).reset_index()
    former = acc["current_owner"].ne("") & ~isin(acc["current_owner"], rep["rep_id"])
    rows = []
    for region, segment in demo_blocks():
        a = acc[(acc["region"] == region) & (acc["segment"] == segment)]
        r = rep[(rep["region"] == region) & (rep["segment"] == segment)]
        f = fam[(fam["region"] == region) & (fam["segment"] == segment)]
        positive = r.loc[r["cf"] > 0, "target"]
        min_target = float(positive.min()) if len(positive) else math.nan
        largest = f.loc[f["sum"].idxmax()] if len(f) else None
        former_pot = float(a.loc[former.loc[a.index], "potential"].sum())
        excess = float(r["excess"].sum())
        rows.append(
            {
                "region": region,
                "segment": segment,
                "accounts": len(a),
                "reps": len(r),
                "active_reps": int((r["cf"] > 0).sum()),
                "block_potential": float(a["potential"].sum()),
                "min_rep_target": min_target,
                "largest_family_accounts": int(largest["size"]) if largest is not None else 0,
                "largest_family_potential": float(largest["sum"]) if largest is not None else 0.0,
                "largest_family_share": (float(largest["sum"]) / min_target) if largest is not None else 0.0,
                "former_potential": former_pot,
                "excess_potential": excess,
                "min_moved_potential": former_pot + excess,
                "min_reach_ratio": _min_reach_ratio(a, r[r["cf"] > 0], reach_k),
            }
        )
    return pd.DataFrame(rows)


def _min_reach_ratio(acc: pd.DataFrame, reps: pd.DataFrame, k: int) -> float:
    """Smallest reach / target over ``reps`` (see `demo_feasibility_report`)."""
    if len(acc) == 0 or len(reps) == 0:
        return math.nan
    d = km_matrix(acc["lat"].to_numpy(float), acc["lon"].to_numpy(float), reps["lat"], reps["lon"])
    k = min(k, len(reps))
    rows = np.arange(len(acc))
    reachable = np.zeros(d.shape, dtype=bool)
    reachable[rows[:, None], np.argpartition(d, k - 1, axis=1)[:, :k]] = True
    owner = pd.Index(reps["rep_id"]).get_indexer(acc["current_owner"])
    reachable[rows[owner >= 0], owner[owner >= 0]] = True
    reach = (reachable * acc["potential"].to_numpy()[:, None]).sum(axis=0)
    return float(np.min(reach / reps["target"].to_numpy()))
