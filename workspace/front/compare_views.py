"""Two versions side by side: headline figures, per-rep changes, and the accounts that moved."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from workspace import access
from workspace.front import summary
from workspace.front.pages import page_view, problem, version_of
from workspace.front.tables import run_table
from workspace.plans import services

#: (label, path into metrics.json, kind) of the comparison's rows
ROWS = (
    ("status", ("status",), "text"),
    ("optimality gap", ("gap",), "share"),
    ("headcount", ("capacity", "total", "reps"), "count"),
    ("to be hired", ("capacity", "total", "to_be_hired"), "count"),
    ("cost (OTE)", ("capacity", "total", "cost"), "money"),
    ("ramped capacity (FTE)", ("capacity", "total", "ramped_capacity"), "fte"),
    ("required capacity (FTE)", ("capacity", "total", "required_capacity"), "fte"),
    ("hiring gap (FTE)", ("capacity", "total", "capacity_gap"), "fte"),
    ("expected bookings", ("capacity", "total", "expected_bookings"), "money"),
    ("quota total", ("quota", "total"), "money"),
    ("bookings vs quota", ("capacity", "total", "bookings_vs_quota"), "share"),
    ("company target", ("quota", "target"), "money"),
    ("accounts moved", ("moved", "accounts"), "count"),
    ("potential moved", ("moved", "potential_share"), "share"),
    ("balance (max deviation)", ("balance", "potential", "max_abs_deviation"), "share"),
)


def _at(m: dict[str, Any] | None, path: tuple[str, ...]) -> Any:
    node: Any = m or {}
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _show(value: Any, kind: str) -> str:
    if kind == "text":
        return "–" if value is None else str(value)
    if kind == "money":
        return summary.money(value)
    if kind == "share":
        return summary.share(value, 2)
    v = summary.number(value)
    if v is None:
        return "–"
    return f"{v:,.0f}" if kind == "count" else f"{v:,.1f}"


def kpi_rows(a: dict[str, Any] | None, b: dict[str, Any] | None) -> list[dict[str, str]]:
    rows = []
    for label, path, kind in ROWS:
        va, vb = _at(a, path), _at(b, path)
        na, nb = summary.number(va), summary.number(vb)
        delta = ""
        if kind != "text" and na is not None and nb is not None and _show(va, kind) != _show(vb, kind):
            delta = ("+" if nb > na else "−") + _show(abs(nb - na), kind)
        rows.append({"label": label, "a": _show(va, kind), "b": _show(vb, kind), "delta": delta})
    return rows


def rep_deltas(a: pd.DataFrame, b: pd.DataFrame, allowed: frozenset[str] | None) -> pd.DataFrame:
    """Reps whose accounts, potential, balance or quota differ, largest quota change first."""
    cols = ["accounts", "potential", "balance_ratio", "quota"]
    left = a.set_index("rep_id")[cols].add_suffix("_a")
    right = b.set_index("rep_id")[["name", "segment", "region", *cols]]
    right = right.rename(columns={c: f"{c}_b" for c in cols})
    both = right.join(left, how="outer")
    for c in cols:
        both[f"{c}_delta"] = both[f"{c}_b"].fillna(0) - both[f"{c}_a"].fillna(0)
    changed = np.zeros(len(both), dtype=bool)
    for c in cols:
        changed |= np.abs(both[f"{c}_delta"].to_numpy(float)) > 1e-9
    both = both.loc[changed]
    if allowed is not None:
        both = both.loc[both.index.isin(allowed)]
    order = np.argsort(-np.abs(both["quota_delta"].to_numpy(float)), kind="stable")
    return both.iloc[order].reset_index()


@require_GET
@page_view()
def compare(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = services.get_plan(plan_id)
    latest = plan.latest().number
    try:
        na = int(request.GET.get("a", max(1, latest - 1)))
        nb = int(request.GET.get("b", latest))
    except ValueError:
        return problem(request, "a and b must be version numbers")
    va, vb = version_of(plan_id, na), version_of(plan_id, nb)
    scope = access.scope_for(request.user, vb)
    context: dict[str, Any] = {
        "plan": plan,
        "a": va,
        "b": vb,
        "versions": list(plan.versions.order_by("-number")),
        "kpis": kpi_rows(va.metrics(), vb.metrics()),
        "reps": None,
        "can_team": access.can(request.user, access.Action.READ_TEAM),
    }
    ra, rb = run_table(va, "reps.csv"), run_table(vb, "reps.csv")
    if ra is not None and rb is not None and context["can_team"]:
        deltas = rep_deltas(ra, rb, None if scope.full else scope.rep_ids)
        context["reps"] = deltas.astype(object).where(deltas.notna(), None).to_dict("records")[:300]
        context["reps_total"] = len(deltas)
    return render(request, "front/compare.html", context)
