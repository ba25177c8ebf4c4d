"""The tracking dashboard: attainment and forecast of a run, one self-contained HTML page.

Same page frame, CSS and sortable tables as the run report
(``_layout.html.j2``, ``_macros.html.j2``); the charts are inline PNG data
URIs and the Content-Security-Policy forbids any outside request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from reports.charts.forecast import manager_chart_png, period_chart_png
from reports.formatting import (
    Column,
    Table,
    build_table,
    fmt_count,
    fmt_money,
    fmt_pct,
    fmt_signed_money,
)
from reports.html.dashboard_as_of import as_of_view
from reports.html.templating import png_data_uri, render
from solver.tracking.pace import AsOf
from solver.tracking.rollup import Tracking, forecast_table, overrides_table

NO_KEY = "(none)"

FORECAST_COLUMNS = (
    Column("quota", "Quota", "money"),
    Column("bookings", "Bookings", "money", group_start=True),
    Column("attainment", "Attainment", "share"),
    Column("open_pipeline", "Open pipeline", "money", group_start=True),
    Column("weighted_pipeline", "Weighted", "money"),
    Column("pipeline_coverage", "Coverage", "factor"),
    Column("weighted_forecast", "Weighted forecast", "money", group_start=True),
    Column("weighted_attainment", "of quota", "share"),
    Column("commit_rollup", "Roll-up", "money", group_start=True),
    Column("commit", "Commit", "money"),
    Column("commit_adjustment", "Δ", "d_money"),
    Column("best_case_rollup", "Roll-up", "money", group_start=True),
    Column("best_case", "Best case", "money"),
    Column("best_case_adjustment", "Δ", "d_money"),
)
_GROUPS = (
    ("Plan", 1),
    ("Closed won", 2),
    ("Open pipeline", 3),
    ("Forecast", 2),
    ("Commit", 3),
    ("Best case", 3),
)

#: The rep table is the widest: commit and best case without their roll-up split.
REP_COLUMNS = (
    Column("label", "Rep"),
    Column("name", "Name"),
    Column("manager_id", "Manager"),
    Column("quota", "Quota", "money", group_start=True),
    Column("bookings", "Bookings", "money", group_start=True),
    Column("attainment", "Attainment", "share"),
    Column("open_pipeline", "Open pipeline", "money", group_start=True),
    Column("weighted_pipeline", "Weighted", "money"),
    Column("pipeline_coverage", "Coverage", "factor"),
    Column("weighted_forecast", "Weighted forecast", "money", group_start=True),
    Column("weighted_attainment", "of quota", "share"),
    Column("commit", "Commit", "money", group_start=True),
    Column("best_case", "Best case", "money"),
)
_REP_GROUPS = (
    ("", 3),
    ("Plan", 1),
    ("Closed won", 2),
    ("Open pipeline", 3),
    ("Forecast", 2),
    ("After overrides", 2),
)

OVERRIDE_COLUMNS = (
    Column("manager_id", "Manager"),
    Column("period", "Period", "date"),
    Column("reps", "Reps", "count"),
    Column("commit_rollup", "Commit roll-up", "money", group_start=True),
    Column("commit", "Override", "money"),
    Column("commit_difference", "Difference", "d_money"),
    Column("best_case_rollup", "Best case roll-up", "money", group_start=True),
    Column("best_case", "Override", "money"),
    Column("best_case_difference", "Difference", "d_money"),
    Column("note", "Note", group_start=True),
)


def _groups(lead: int) -> list[tuple[str, int]]:
    return [("", lead), *_GROUPS]


def _table(rows: pd.DataFrame, key_label: str, *, reps: bool = False) -> Table:
    rows = rows.sort_values("label", kind="stable")
    classes = ["changed" if o else "" for o in rows["overridden"].tolist()]
    columns = REP_COLUMNS if reps else (Column("label", key_label), *FORECAST_COLUMNS)
    return build_table(rows, columns, classes)


def _labelled(forecast: pd.DataFrame, level: str) -> pd.DataFrame:
    rows = forecast[forecast["level"] == level].copy()
    rows["label"] = rows["key"].fillna(NO_KEY)
    return rows


def _tiles(year: pd.Series) -> list[dict[str, Any]]:
    quota = float(year["quota"])

    def share(x: float) -> str:
        return f"{fmt_pct(x / quota)} of quota" if quota > 0 else ""

    coverage = year["pipeline_coverage"]
    coverage_text = "quota met" if year["bookings"] >= quota else f"coverage {float(coverage):.2f}x"
    tiles = [
        {"label": "Quota", "value": fmt_money(quota), "detail": f"{fmt_count(year['reps'])} reps"},
        {
            "label": "Bookings (closed won)",
            "value": fmt_money(year["bookings"]),
            "detail": share(year["bookings"]),
        },
        {
            "label": "Weighted forecast",
            "value": fmt_money(year["weighted_forecast"]),
            "detail": share(year["weighted_forecast"]),
        },
        {
            "label": "Commit",
            "value": fmt_money(year["commit"]),
            "detail": " · ".join(
                x
                for x in (
                    share(year["commit"]),
                    f"overrides {fmt_signed_money(year['commit_adjustment'])}"
                    if year["commit_adjustment"]
                    else "",
                )
                if x
            ),
        },
        {
            "label": "Best case",
            "value": fmt_money(year["best_case"]),
            "detail": share(year["best_case"]),
        },
        {
            "label": "Open pipeline",
            "value": fmt_money(year["open_pipeline"]),
            "detail": f"{fmt_count(year['open_deals'])} deals · {coverage_text}",
        },
    ]
    return [{"alert": False, **t} for t in tiles]


def _notes(counts: dict[str, Any], periods: list[str]) -> list[str]:
    money = {k: v / 100.0 for k, v in counts.items() if k.startswith("bookings_") and isinstance(v, int)}
    notes = [
        f"{fmt_count(counts.get('counted'))} of {fmt_count(counts.get('opportunities'))} opportunities "
        f"close within the plan periods ({periods[0]} to the end of the period starting {periods[-1]})."
    ]
    if counts.get("no_close_date"):
        notes.append(f"{fmt_count(counts['no_close_date'])} opportunities have no close date: not counted.")
    if counts.get("outside_periods"):
        notes.append(
            f"{fmt_count(counts['outside_periods'])} opportunities close outside the plan periods "
            f"(closed-won amount {fmt_money(money.get('bookings_outside_periods', 0))}): not counted."
        )
    if counts.get("open_without_amount"):
        notes.append(
            f"{fmt_count(counts['open_without_amount'])} open opportunities have no amount: "
            "they count as 0 in the pipeline."
        )
    if counts.get("won_without_amount"):
        notes.append(f"{fmt_count(counts['won_without_amount'])} won opportunities have no amount.")
    if counts.get("owners_outside_plan"):
        notes.append(
            f"{fmt_count(counts['owners_outside_plan'])} opportunity owners are not reps of this plan "
            f"({fmt_count(counts.get('opportunities_outside_plan'))} opportunities, bookings "
            f"{fmt_money(money.get('bookings_outside_plan', 0))}); they appear under {NO_KEY} "
            "and in the rep table, so totals still add up."
        )
    sources = counts.get("owner_sources") or {}
    if sources.get("account"):
        notes.append(
            f"{fmt_count(sources['account'])} opportunities name no owner: they count for the "
            "plan's owner of their account."
        )
    if sources.get("owner_name"):
        notes.append(f"{fmt_count(sources['owner_name'])} opportunities name their owner by name.")
    return notes


def render_dashboard(
    tracking: Tracking,
    *,
    name: str,
    sources: Mapping[str, str] | None = None,
    as_of: AsOf | None = None,
) -> str:
    """Render the tracking dashboard of one run.

    Parameters
    ----------
    tracking
        From `solver.tracking.rollup.track`.
    name
        The run's name (page title).
    sources
        Optional label -> file name of the inputs, listed under the title.
    as_of
        The figures of ``track --as-of`` (pace to date, change since the
        previous snapshot), shown in their own section.

    Returns
    -------
    str
        A complete HTML document that loads nothing from the network.
    """
    forecast = forecast_table(tracking)
    periods = tracking.periods.labels
    total = forecast[forecast["level"] == "total"]
    year = total[total["period"] == "total"].iloc[0]

    period_rows = total.copy()
    period_rows["label"] = period_rows["period"]
    period_table = build_table(
        period_rows,
        (Column("label", "Period"), *FORECAST_COLUMNS),
        ["changed" if o else "" for o in period_rows["overridden"].tolist()],
    )

    managers = _labelled(forecast, "manager")
    managers_year = managers[managers["period"] == "total"]
    regions = _labelled(forecast, "region")
    segments = _labelled(forecast, "segment")
    reps = _labelled(forecast, "rep")
    reps_year = reps[reps["period"] == "total"].copy()
    dims = tracking.reps.drop_duplicates("rep_id").set_index("rep_id")
    reps_year["manager_id"] = reps_year["key"].map(dims["manager_id"])
    overrides = overrides_table(tracking)
    period_choice = [(p, p) for p in periods]

    subtitle = [
        *([f"as of {as_of.date.isoformat()}"] if as_of is not None else []),
        f"{len(periods)} periods from {periods[0]}",
        f"{fmt_count(tracking.counts.get('opportunities'))} opportunities",
        f"{fmt_count(len(managers_year))} manager groups",
    ]
    return render(
        "dashboard.html.j2",
        name=name,
        subtitle=" · ".join(subtitle),
        sources=sorted((sources or {}).items()),
        tiles=_tiles(year),
        as_of=as_of_view(as_of),
        notes=_notes(tracking.counts, periods),
        period_chart=png_data_uri(period_chart_png(total)),
        manager_chart=png_data_uri(manager_chart_png(managers_year)),
        period_table=period_table,
        groups=_groups(1),
        rep_groups=list(_REP_GROUPS),
        manager_table=_table(managers_year, "Manager"),
        manager_periods=[
            (label, _table(managers[managers["period"] == p], "Manager")) for p, label in period_choice
        ],
        override_table=build_table(overrides, OVERRIDE_COLUMNS),
        n_overrides=len(overrides),
        region_table=_table(regions[regions["period"] == "total"], "Region"),
        segment_table=_table(segments[segments["period"] == "total"], "Segment"),
        rep_table=_table(reps_year, "Rep", reps=True),
    )
