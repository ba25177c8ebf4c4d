"""A run's metrics.json turned into the figures and warnings a page shows.

Pure functions of the metrics dict, so the plans list, the plan page and the
comparison all say the same thing about a run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

#: an optimality gap above this is worth a warning
GAP_WARN = 0.01


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    note: str = ""
    warn: bool = False


def number(x: Any) -> float | None:
    """A metrics value as a float (metrics hold money as strings), None when absent."""
    if x is None or x == "":
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def money(x: Any) -> str:
    v = number(x)
    if v is None:
        return "–"
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= scale:
            return f"{v / scale:,.2f}{suffix}"
    return f"{v:,.2f}"


def share(x: Any, digits: int = 1) -> str:
    v = number(x)
    return "–" if v is None else f"{100 * v:.{digits}f}%"


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def headline(m: dict[str, Any] | None) -> list[Figure]:
    """The few figures the plans list shows per version."""
    if not m:
        return []
    gap = number(m.get("gap"))
    tol = number(_get(m, "tolerances", "potential"))
    dev = number(_get(m, "balance", "potential", "max_abs_deviation"))
    return [
        Figure("status", str(m.get("status", "")), warn=m.get("status") not in ("optimal", "feasible")),
        Figure("gap", share(gap, 2), warn=gap is not None and gap > GAP_WARN),
        Figure(
            "balance",
            f"±{share(dev)}" if dev is not None else "–",
            note=f"tolerance ±{share(tol)}" if tol is not None else "",
            warn=dev is not None and tol is not None and dev > tol + 1e-9,
        ),
        Figure("moved", share(_get(m, "moved", "potential_share")), note="of potential"),
        Figure("quota", money(_get(m, "quota", "total"))),
    ]


def warnings(m: dict[str, Any] | None) -> list[str]:
    """What a planner should look at before submitting this run."""
    if not m:
        return []
    out: list[str] = []
    status = m.get("status")
    if status not in ("optimal", "feasible"):
        out.append(f"the run is {status}: there is no plan to submit")
    gap = number(m.get("gap"))
    if gap is not None and gap > GAP_WARN:
        out.append(f"optimality gap {share(gap, 2)}: a better plan may exist (raise the time limit)")
    for metric, tol in (m.get("tolerances") or {}).items():
        dev = number(_get(m, "balance", metric, "max_abs_deviation"))
        if dev is not None and number(tol) is not None and dev > float(tol) + 1e-9:
            out.append(f"{metric} balance: a rep is {share(dev)} off target (tolerance ±{share(tol)})")
    if _get(m, "quota", "conserved") is False:
        out.append("quotas do not add up to the target at every level")
    cap_gap = number(_get(m, "capacity", "total", "capacity_gap"))
    if cap_gap is not None and cap_gap > 0.05:
        out.append(f"capacity: {cap_gap:.1f} FTE short of what the revenue target needs")
    out.extend(str(n) for n in m.get("notes") or [])
    out.extend(str(n) for n in _get(m, "quota", "quota_notes") or [])
    return out


def sections(m: dict[str, Any] | None) -> list[tuple[str, list[Figure]]]:
    """The plan page's summary: solve, balance, disruption, capacity, quota."""
    if not m:
        return []
    counts = m.get("counts") or {}
    solve = [
        Figure("status", str(m.get("status", "")), warn=m.get("status") not in ("optimal", "feasible")),
        Figure("objective", f"{number(m.get('objective')) or 0:.4f}"),
        Figure("bound", f"{number(m.get('bound')) or 0:.4f}"),
        Figure("gap", share(m.get("gap"), 2), warn=(number(m.get("gap")) or 0) > GAP_WARN),
        Figure("time", f"{number(m.get('seconds')) or 0:.1f} s", note=str(m.get("solver", ""))),
        Figure(
            "accounts", f"{counts.get('accounts', 0):,}", note=f"{counts.get('pinned_accounts', 0):,} pinned"
        ),
        Figure("reps", f"{counts.get('reps', 0):,}", note=f"{counts.get('to_be_hired', 0):,} to be hired"),
    ]
    tolerances = m.get("tolerances") or {}
    balance = []
    for metric, stats in sorted((m.get("balance") or {}).items()):
        dev, tol = number(stats.get("max_abs_deviation")), number(tolerances.get(metric))
        balance.append(
            Figure(
                metric,
                f"±{share(dev)}",
                note=f"cv {number(stats.get('cv')) or 0:.3f}"
                + (f", tolerance ±{share(tol)}" if tol is not None else ""),
                warn=dev is not None and tol is not None and dev > tol + 1e-9,
            )
        )
    moved = m.get("moved") or {}
    disruption = [
        Figure("accounts moved", f"{moved.get('accounts', 0):,}", note=share(moved.get("accounts_share"))),
        Figure("potential moved", money(moved.get("potential")), note=share(moved.get("potential_share"))),
        Figure("ARR moved", money(moved.get("arr")), note=share(moved.get("arr_share"))),
    ]
    total = _get(m, "capacity", "total") or {}
    capacity = (
        [
            Figure(
                "headcount", f"{total.get('reps', 0):,}", note=f"{total.get('to_be_hired', 0):,} to be hired"
            ),
            Figure("ramped capacity", f"{number(total.get('ramped_capacity')) or 0:.1f} FTE"),
            Figure("required capacity", f"{number(total.get('required_capacity')) or 0:.1f} FTE"),
            Figure(
                "hiring gap",
                f"{number(total.get('capacity_gap')) or 0:.1f} FTE",
                warn=(number(total.get("capacity_gap")) or 0) > 0.05,
            ),
            Figure("cost (OTE)", money(total.get("cost"))),
            Figure(
                "expected bookings",
                money(total.get("expected_bookings")),
                note=f"{share(total.get('bookings_vs_quota'))} of quota",
            ),
        ]
        if total
        else []
    )
    q = m.get("quota") or {}
    rec = _get(q, "reconcile", "company") or {}
    quota = (
        [
            Figure("target", money(q.get("target"))),
            Figure(
                "region total",
                money(q.get("region_total")),
                note=f"hedge {share(_get(q, 'hedge', 'region'))}",
            ),
            Figure("rep total", money(q.get("rep_total")), note=f"hedge {share(_get(q, 'hedge', 'rep'))}"),
            Figure(
                "reconciles",
                "yes" if q.get("conserved") else "no",
                note=f"bottom-up {money(rec.get('bottom_up'))}",
                warn=q.get("conserved") is False,
            ),
        ]
        if q
        else []
    )
    named = (
        ("Solve", solve),
        ("Balance", balance),
        ("Disruption", disruption),
        ("Capacity", capacity),
        ("Quota", quota),
    )
    return [(name, figs) for name, figs in named if figs]
