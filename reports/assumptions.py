"""The assumptions of a run (report section, workbook sheet): what the plan was built on, from its scenario.

Read from the run's resolved scenario.toml, so a report read back from an old
folder shows the same. Plain labels, money with the run's currency, and only
the keys the scenario states (defaults are not invented here).
"""

from __future__ import annotations

import math
import tomllib
from typing import Any

from reports.formatting import fmt_money, fmt_pct
from solver.results.labels import Labels

Rows = list[tuple[str, str]]

#: (section, key, label, kind) shown when present; kind: money, share, text.
_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("plan", "start", "Plan year starts", "text"),
    ("plan", "ramp", "Ramp of new hires (months 1, 2, ...)", "shares"),
    ("plan", "currency", "Currency", "text"),
    ("plan", "fiscal_year_start", "Fiscal year starts in month", "text"),
    ("scoring", "weights", "Potential scoring weights", "text"),
    ("scoring", "potential_scale", "Potential of the best-scored account", "money"),
    ("assignment", "balance", "Balance tolerance", "shares"),
    ("assignment", "weights", "Objective weights", "text"),
    ("assignment", "max_moved_share", "Most potential that may change owner", "share"),
    ("quota", "target", "Company target", "money"),
    ("quota", "targets", "Fixed targets", "money"),
    ("quota", "hedge", "Over-assignment (hedge) by level", "shares"),
    ("quota", "basis", "Quota split by", "text"),
    ("quota", "periods", "Quota periods", "text"),
    ("quota", "seasonality", "Seasonality (plan months 1-12)", "text"),
    ("quota", "level_weights", "Quota weight by rep level", "text"),
    ("quota", "max_quota_to_ote", "Highest quota / OTE", "text"),
    ("capacity", "productivity", "Yearly bookings of a ramped rep", "money"),
    ("capacity", "attainment", "Expected attainment", "share"),
    ("capacity", "attrition", "Annual attrition", "share"),
    ("capacity", "ote", "On-target earnings of a hire", "money"),
    ("capacity", "ramp", "Ramp by role", "shares"),
    ("capacity", "headcount", "Total headcount", "text"),
    ("capacity", "budget", "Budget (prorated OTE)", "money"),
    ("warnings", "min_bookings_vs_quota", "Warn below bookings / quota", "share"),
    ("warnings", "min_share_reaching_quota", "Warn below share of reps reaching quota", "share"),
    ("warnings", "max_capacity_gap", "Warn above capacity gap (FTE)", "text"),
)

_TITLES = {
    "plan": "Plan",
    "scoring": "Potential",
    "assignment": "Territory rules",
    "quota": "Quota",
    "capacity": "Capacity",
    "warnings": "Warning thresholds",
}


def _show(value: Any, kind: str, labels: Labels) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k} {_show(v, kind, labels)}" for k, v in sorted(value.items()))
    if isinstance(value, list):
        return ", ".join(_show(v, kind.rstrip("s"), labels) for v in value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind == "money":
        return labels.money(fmt_money(value))
    if kind in ("share", "shares"):
        return fmt_pct(value)
    return f"{value:g}" if isinstance(value, float) and math.isfinite(value) else str(value)


def _bands(segments: dict[str, Any]) -> Rows:
    rows = []
    for name, band in sorted(
        segments.items(), key=lambda kv: (kv[1][0] if isinstance(kv[1], list) else 0, kv[0])
    ):
        if isinstance(band, list) and len(band) == 2:
            lo, hi = band
            upper = "and more" if isinstance(hi, float) and math.isinf(hi) else f"to {hi:,.0f}"
            rows.append((name, f"{lo:,.0f} {upper} employees"))
    return rows


def assumptions(scenario_toml: str | None) -> list[tuple[str, Rows]]:
    """Titled fact tables: plan, segments, regions, potential, rules, quota, capacity, thresholds."""
    if not scenario_toml:
        return []
    try:
        doc = tomllib.loads(scenario_toml)
    except tomllib.TOMLDecodeError:
        return []
    labels = Labels.of_plan(doc.get("plan") if isinstance(doc.get("plan"), dict) else None)
    out: list[tuple[str, Rows]] = []
    sections: dict[str, Rows] = {}
    for section, key, label, kind in _KEYS:
        table = doc.get(section)
        if isinstance(table, dict) and key in table:
            sections.setdefault(section, []).append((label, _show(table[key], kind, labels)))
    for section in ("plan",):
        if section in sections:
            out.append((_TITLES[section], sections.pop(section)))
    if isinstance(doc.get("segments"), dict) and doc["segments"]:
        out.append(("Segments (by employees)", _bands(doc["segments"])))
    if isinstance(doc.get("regions"), dict) and doc["regions"]:
        out.append(("Regions", [(r, ", ".join(map(str, c))) for r, c in sorted(doc["regions"].items())]))
    out += [(_TITLES[s], rows) for s, rows in sections.items()]
    return out
