"""Views of a quota plan: bottom-up quotas, the reconcile table, and fairness.

- Bottom-up: the quota each territory implies, potential x target
  penetration (per segment when given; by default the company target over
  the total potential, so that the bottom-up total is the unhedged target).
- Reconcile: per node of every level, the top-down quota, the bottom-up sum
  of its reps, the gap, and the conservation check of its children.
- Fairness: each rep's quota / potential (and its coefficient of variation
  across reps), and the expected share of reps reaching quota when bookings
  are normal around potential x penetration with a relative spread that is
  calibrated from last year's bookings when given (their coefficient of
  variation against the same expectation), else ``attainment_spread``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from solver.config import QuotaConfig
from solver.errors import ConservationError
from solver.quotas.cascade import QuotaPlan, check_nodes

#: Relative spread of bookings around their expectation when there is no history.
DEFAULT_SPREAD = 0.25
#: Reps with history needed to calibrate the spread.
MIN_HISTORY = 3


@dataclass(frozen=True)
class QuotaViews:
    """Bottom-up quotas, the reconcile table and the fairness figures of a plan."""

    penetration: dict[str, float]  # segment -> penetration used
    bottom_up: pd.Series  # rep_id -> cents
    reconcile: pd.DataFrame
    fairness_reps: pd.DataFrame  # rep_id, quota, potential, ratio, expected, p_reach
    fairness: dict[str, Any]
    notes: tuple[str, ...] = ()


def bottom_up(
    potential: pd.Series, segment: pd.Series, config: QuotaConfig
) -> tuple[pd.Series, dict[str, float], list[str]]:
    """Cents each rep's territory implies: potential x penetration of its segment.

    ``potential`` and ``segment`` are indexed by rep_id.
    """
    total = float(potential.sum())
    default = config.target / total if total > 0 else 0.0
    notes = []
    segments = sorted(set(segment.astype(str)))
    pen = {}
    for s in segments:
        given = config.penetration_of(s)
        pen[s] = float(given) if given is not None else default
    if config.penetration is None:
        notes.append(f"penetration not given: target / total potential = {default:.6g}")
    elif isinstance(config.penetration, dict):
        missing = [s for s in segments if s not in config.penetration]
        if missing:
            notes.append(f"penetration of {', '.join(missing)} not given: using {default:.6g}")
    rate = segment.astype(str).map(pen).astype(float)
    cents = np.rint(potential.astype(float).to_numpy() * rate.to_numpy() * 100).astype(np.int64)
    return pd.Series(cents, index=potential.index), pen, notes


def reconcile(plan: QuotaPlan, bottom_up_cents: pd.Series) -> pd.DataFrame:
    """Per node: top-down quota, bottom-up sum of its reps, gap, and its children's conservation.

    Raises `ConservationError` when any node's children do not add up.
    """
    check_nodes(plan.nodes)
    nodes = plan.nodes.copy()
    bu = {}
    reps = nodes["level"] == "rep"
    for node in nodes.loc[reps, "node"]:
        bu[(int(nodes["depth"].max()), str(node))] = int(bottom_up_cents.get(node, 0))
    for depth in range(int(nodes["depth"].max()), -1, -1):
        level_rows = nodes[nodes["depth"] == depth]
        for parent, group in level_rows.groupby("parent", sort=False):
            key = (depth - 1, str(parent))
            bu[key] = bu.get(key, 0) + sum(bu.get((depth, str(n)), 0) for n in group["node"])
    nodes["bottom_up_cents"] = [
        bu.get((int(d), str(n)), 0) for d, n in zip(nodes["depth"], nodes["node"], strict=True)
    ]
    nodes["gap_cents"] = nodes["quota_cents"] - nodes["bottom_up_cents"]
    nodes["gap_share"] = np.where(
        nodes["bottom_up_cents"] > 0,
        nodes["gap_cents"] / nodes["bottom_up_cents"].where(nodes["bottom_up_cents"] > 0, 1),
        np.nan,
    )
    nodes["conserved"] = nodes["children_total_cents"] == nodes["children_sum_cents"]
    if not nodes["conserved"].all():
        raise ConservationError("reconcile: a level does not add up")
    total_bu = int(bottom_up_cents.sum())
    if bu.get((-1, "company"), 0) != total_bu:
        raise ConservationError("bottom-up quotas do not roll up to their total")
    return nodes


def _normal_sf(z: np.ndarray) -> np.ndarray:
    """P(Z >= z) for a standard normal, elementwise."""
    erfc = np.frompyfunc(math.erfc, 1, 1)
    return np.asarray(erfc(np.asarray(z, dtype=float) / math.sqrt(2)), dtype=float) / 2


def spread_from_history(
    bookings: pd.Series, expected: pd.Series, config: QuotaConfig
) -> tuple[float, str, int]:
    """Relative spread of bookings around their expectation: (spread, source, reps used)."""
    ok = bookings.notna() & (bookings > 0) & (expected > 0)
    if int(ok.sum()) >= MIN_HISTORY:
        x = bookings[ok].astype(float) / expected[ok].astype(float)
        cv = float(np.std(x) / np.mean(x))
        if cv > 0:
            return cv, "history", int(ok.sum())
    if config.attainment_spread is not None:
        return float(config.attainment_spread), "scenario", 0
    return DEFAULT_SPREAD, "default", 0


def fairness(
    quota_cents: pd.Series,
    potential: pd.Series,
    expected_cents: pd.Series,
    bookings: pd.Series,
    config: QuotaConfig,
    *,
    caps: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-rep quota / potential and chance of reaching quota, and their summary.

    All series are indexed by rep_id; ``expected_cents`` is the bottom-up quota
    (the mean of the attainment model), ``bookings`` last year's (nan: none).
    """
    q = quota_cents.astype(float) / 100
    pot = potential.reindex(q.index).fillna(0.0).astype(float)
    mu = expected_cents.reindex(q.index).fillna(0).astype(float) / 100
    carrying = q > 0
    spread, source, used = spread_from_history(bookings.reindex(q.index), mu, config)
    ratio = (q / pot).where((pot > 0) & carrying)
    z = (q - mu) / (spread * mu.where(mu > 0, 1.0))
    p = pd.Series(np.where(mu > 0, _normal_sf(z.to_numpy()), 0.0), index=q.index).where(carrying)
    reps = pd.DataFrame(
        {
            "rep_id": q.index,
            "quota": q.to_numpy(),
            "potential": pot.to_numpy(),
            "ratio": ratio.to_numpy(),
            "expected": mu.to_numpy(),
            "p_reach": p.to_numpy(),
        }
    )
    r = ratio.dropna()
    summary: dict[str, Any] = {
        "reps": int(carrying.sum()),
        "quota_potential_ratio": {
            "mean": float(r.mean()) if len(r) else None,
            "min": float(r.min()) if len(r) else None,
            "max": float(r.max()) if len(r) else None,
            "cv": float(np.std(r) / np.mean(r)) if len(r) and np.mean(r) > 0 else None,
        },
        "attainment_model": {"spread": spread, "spread_source": source, "history_reps": used},
        "expected_share_reaching_quota": float(p.dropna().mean()) if p.notna().any() else None,
        "expected_reps_reaching_quota": float(p.dropna().sum()),
    }
    if caps is not None and len(caps):
        capped = caps[caps["reference"].notna()]
        summary["caps"] = {
            "max_change": config.max_change,
            "reps_with_reference": len(capped),
            "reps_outside_cap": int((~capped["within"]).sum()),
        }
    return reps, summary


def quota_views(
    plan: QuotaPlan,
    potential: pd.Series,
    segment: pd.Series,
    bookings: pd.Series,
    config: QuotaConfig,
) -> QuotaViews:
    """Bottom-up, reconcile and fairness of ``plan`` (rep series indexed by rep_id)."""
    bu, pen, notes = bottom_up(potential, segment, config)
    table = reconcile(plan, bu)
    rep_q = plan.reps.set_index("rep_id")["quota_cents"]
    fair_reps, summary = fairness(rep_q, potential, bu, bookings, config, caps=plan.caps)
    return QuotaViews(pen, bu, table, fair_reps, summary, tuple(notes))
