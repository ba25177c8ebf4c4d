"""One list of warnings for a finished plan: what a finance or sales leader must not miss.

A run can be "optimal" for its rules and still be a plan nobody can sell:
expected bookings far below quota, few reps likely to reach quota, caps or
quota/OTE ratios breached, a capacity gap with no hires planned. Each warning
is read from the run's metrics (so old runs can be checked too) and carries
its figure and the threshold it crossed (``[warnings]`` in the scenario).
"""

from __future__ import annotations

from typing import Any

from solver.config import WarningsConfig

#: At most this many reps or blocks are named in one message (the figure counts them all).
MAX_NAMED = 10


def _warning(code: str, message: str, figure: float, threshold: float, unit: str) -> dict[str, Any]:
    return {"code": code, "message": message, "figure": figure, "threshold": threshold, "unit": unit}


def _named(items: list[str]) -> str:
    more = len(items) - MAX_NAMED
    return ", ".join(items[:MAX_NAMED]) + (f" and {more} more" if more > 0 else "")


def plan_warnings(metrics: dict[str, Any], limits: WarningsConfig) -> list[dict[str, Any]]:
    """Warnings of one run from its metrics.json content, in a fixed order.

    Each warning: ``code``, ``message`` (plain words, with figures),
    ``figure``, ``threshold`` and ``unit`` ("share", "FTE", "reps", "ratio").
    """
    quota = metrics.get("quota") or {}
    capacity = metrics.get("capacity") or {}
    return [
        *_bookings(capacity, limits),
        *_reaching(quota, limits),
        *_caps(quota, limits),
        *_ote(quota),
        *_capacity_gap(capacity, limits),
        *_no_hire_plan(capacity, limits),
        *_overrides(quota, limits),
    ]


def _bookings(capacity: dict[str, Any], limits: WarningsConfig) -> list[dict[str, Any]]:
    ratio = (capacity.get("total") or {}).get("bookings_vs_quota")
    if ratio is None or ratio >= limits.min_bookings_vs_quota:
        return []
    return [
        _warning(
            "bookings_below_quota",
            f"expected bookings are {ratio:.0%} of the quota total "
            f"(warning below {limits.min_bookings_vs_quota:.0%}): the team's capacity cannot carry the quota",
            ratio,
            limits.min_bookings_vs_quota,
            "share",
        )
    ]


def _reaching(quota: dict[str, Any], limits: WarningsConfig) -> list[dict[str, Any]]:
    share = (quota.get("fairness") or {}).get("expected_share_reaching_quota")
    if share is None or share >= limits.min_share_reaching_quota:
        return []
    return [
        _warning(
            "few_reps_reach_quota",
            f"{share:.0%} of reps are expected to reach quota "
            f"(warning below {limits.min_share_reaching_quota:.0%})",
            share,
            limits.min_share_reaching_quota,
            "share",
        )
    ]


def _caps(quota: dict[str, Any], limits: WarningsConfig) -> list[dict[str, Any]]:
    caps = (quota.get("fairness") or {}).get("caps") or {}
    outside = caps.get("reps_outside_cap")
    if outside is None or outside <= limits.max_reps_outside_cap:
        return []
    return [
        _warning(
            "reps_outside_cap",
            f"{outside} reps' quotas change by more than max_change {caps.get('max_change'):.0%} against "
            f"last year (warning above {limits.max_reps_outside_cap})",
            float(outside),
            float(limits.max_reps_outside_cap),
            "reps",
        )
    ]


def _ote(quota: dict[str, Any]) -> list[dict[str, Any]]:
    check = quota.get("quota_to_ote") or {}
    breaches = check.get("breaches") or []
    if not breaches:
        return []
    named = [f"{b['rep_id']} ({b['ratio']:.1f}x)" for b in breaches]
    return [
        _warning(
            "quota_to_ote",
            f"{len(breaches)} reps have a quota above {check['max']:g}x their on-target earnings: "
            f"{_named(named)}",
            float(breaches[0]["ratio"]),
            float(check["max"]),
            "ratio",
        )
    ]


def _blocks(capacity: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return sorted((capacity.get("blocks") or {}).items())


def _capacity_gap(capacity: dict[str, Any], limits: WarningsConfig) -> list[dict[str, Any]]:
    gap = (capacity.get("total") or {}).get("capacity_gap")
    if gap is None or gap <= limits.max_capacity_gap:
        return []
    short = [
        f"{name} {b['capacity_gap']:.1f}"
        for name, b in _blocks(capacity)
        if (b.get("capacity_gap") or 0) > limits.max_capacity_gap
    ]
    where = f"; short: {_named(short)}" if short else ""
    return [
        _warning(
            "capacity_gap",
            f"the revenue target needs {gap:.1f} FTE of productive capacity more than the team has "
            f"(warning above {limits.max_capacity_gap:g} FTE){where}",
            gap,
            limits.max_capacity_gap,
            "FTE",
        )
    ]


def _no_hire_plan(capacity: dict[str, Any], limits: WarningsConfig) -> list[dict[str, Any]]:
    out = []
    for name, b in _blocks(capacity):
        gap = b.get("capacity_gap") or 0.0
        if gap > limits.max_capacity_gap and not b.get("to_be_hired"):
            out.append(
                _warning(
                    "no_hire_plan",
                    f"{name} is {gap:.1f} FTE short of its revenue target and has no to-be-hired reps "
                    f"(warning above {limits.max_capacity_gap:g} FTE): run plan-hires",
                    gap,
                    limits.max_capacity_gap,
                    "FTE",
                )
            )
    return out


def _overrides(quota: dict[str, Any], limits: WarningsConfig) -> list[dict[str, Any]]:
    out = []
    for o in quota.get("overrides") or []:
        ratio = o.get("ratio")
        if ratio is not None and ratio > limits.max_override_to_expected:
            out.append(
                _warning(
                    "override_above_capacity",
                    f"rep {o['rep_id']}'s quota override {float(o['override']):,.2f} is {ratio:.2f}x "
                    f"what its territory is expected to book ({o['expected']:,.2f}; warning above "
                    f"{limits.max_override_to_expected:g}x)",
                    ratio,
                    limits.max_override_to_expected,
                    "ratio",
                )
            )
    return out
