"""The human report of one run: a single self-contained HTML page.

The page needs no network: CSS and the sorting script are inline, the map
and the balance chart are base64 PNG data URIs, and a Content-Security-Policy
forbids any outside request. Rendering returns a string; the scenarios
package writes it.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from reports.assumptions import assumptions
from reports.charts.quota import quota_chart_png
from reports.charts.report_charts import balance_chart_png, outside_band
from reports.formatting import (
    DASH,
    Column,
    Table,
    build_table,
    fmt_count,
    fmt_factor,
    fmt_gap,
    fmt_money,
    fmt_money_exact,
    fmt_number,
    fmt_pct,
    fmt_seconds,
    fmt_text,
    priced,
)
from reports.html.templating import png_data_uri, render
from reports.managers import MANAGER_COLUMNS, manager_frame
from solver.results.kpis import (
    balance_metrics,
    get,
    num,
    run_kpis,
    tbh_mask,
    tolerances,
    worst_balance,
)
from solver.results.labels import Labels
from solver.results.run_data import RunData

#: Columns of the per-rep table (key, header, kind).
REP_COLUMNS = (
    Column("rep_id", "Rep"),
    Column("name", "Name"),
    Column("manager_id", "Manager"),
    Column("segment", "Segment"),
    Column("region", "Region"),
    Column("start_date", "Start", "date"),
    Column("end_date", "End", "date"),
    Column("capacity_factor", "Capacity factor", "factor"),
    Column("accounts", "Accounts", "count"),
    Column("potential", "Potential", "money"),
    Column("target_potential", "Target potential", "money"),
    Column("balance_ratio", "Balance ratio", "share"),
    Column("quota", "Quota", "money"),
)

BLOCK_COLUMNS = (
    Column("block", "Block"),
    Column("segment", "Segment"),
    Column("region", "Region"),
    Column("accounts", "Accounts", "count"),
    Column("reps", "Reps", "count"),
    Column("status", "Status"),
    Column("gap", "Optimality gap", "gap"),
    Column("seconds", "Time", "seconds"),
)

BALANCE_COLUMNS = (
    Column("metric", "Metric"),
    Column("max_abs_deviation", "Worst deviation", "share"),
    Column("cv", "Coefficient of variation", "factor"),
    Column("tolerance", "Tolerance", "share"),
)


CAPACITY_COLUMNS = (
    Column("block", "Block"),
    Column("reps", "Reps", "count"),
    Column("to_be_hired", "To hire", "count"),
    Column("ramped_capacity", "Ramped capacity", "factor"),
    Column("required_capacity", "Required capacity", "factor"),
    Column("capacity_gap", "Capacity gap", "factor"),
    Column("cost", "Cost, prorated OTE", "money"),
    Column("potential_per_capacity", "Potential per effective rep", "money"),
    Column("expected_bookings", "Expected bookings", "money"),
    Column("quota", "Quota", "money"),
    Column("bookings_vs_quota", "Bookings / quota", "share"),
)

RECONCILE_COLUMNS = (
    Column("level", "Level"),
    Column("nodes", "Nodes", "count"),
    Column("top_down", "Top-down", "money_exact"),
    Column("bottom_up", "Bottom-up", "money_exact"),
    Column("gap", "Gap", "money_exact"),
    Column("gap_share", "Gap share", "share"),
    Column("conserved", "Adds up to the cent"),
)


def _capacity_table(metrics: dict[str, Any], currency: str | None = None) -> Table:
    """Finance view per block and in total (metrics.json ``capacity``)."""
    blocks = get(metrics, "capacity", "blocks")
    rows = []
    if isinstance(blocks, dict):
        rows = [{"block": name, **vals} for name, vals in sorted(blocks.items()) if isinstance(vals, dict)]
    total = get(metrics, "capacity", "total")
    if isinstance(total, dict):
        rows.append({"block": "Total", **total})
    return build_table(pd.DataFrame(rows), priced(CAPACITY_COLUMNS, currency))


def _reconcile_table(metrics: dict[str, Any], currency: str | None = None) -> Table:
    """Top-down vs bottom-up quota per level, with each level's conservation check."""
    levels = get(metrics, "quota", "reconcile")
    rows = []
    if isinstance(levels, dict):
        order = ["company", "region", "segment", "manager", "rep"]
        for level in sorted(levels, key=lambda x: order.index(x) if x in order else len(order)):
            vals = levels[level]
            if isinstance(vals, dict):
                row = {"level": level, **vals}
                row["conserved"] = "yes" if vals.get("conserved") else "NO"
                rows.append(row)
    return build_table(pd.DataFrame(rows), priced(RECONCILE_COLUMNS, currency))


def _fairness_line(metrics: dict[str, Any]) -> str | None:
    f = get(metrics, "quota", "fairness")
    if not isinstance(f, dict):
        return None
    cv = get(f, "quota_potential_ratio", "cv")
    share = f.get("expected_share_reaching_quota")
    spread = get(f, "attainment_model", "spread")
    source = get(f, "attainment_model", "spread_source")
    bits = []
    if cv is not None:
        bits.append(f"quota / potential CV {fmt_factor(cv)}")
    if share is not None:
        bits.append(f"expected share of reps reaching quota {fmt_pct(share)}")
    if spread is not None:
        bits.append(f"attainment spread {fmt_factor(spread)} ({source or 'given'})")
    return "Fairness: " + "; ".join(bits) + "." if bits else None


def _rep_table(run: RunData, tolerance: float | None, currency: str | None = None) -> tuple[Table, int]:
    reps = run.reps
    columns = priced(REP_COLUMNS, currency)
    if not len(reps.columns):
        return build_table(pd.DataFrame(), columns), 0
    shown = reps.copy()
    names = shown["name"] if "name" in shown else pd.Series(None, index=shown.index, dtype=object)
    shown["name"] = names.astype(object).where(~tbh_mask(shown), "TBH")
    if "rep_id" in shown:
        shown = shown.sort_values("rep_id", kind="stable")
    ratio = shown["balance_ratio"] if "balance_ratio" in shown else pd.Series(index=shown.index)
    out = outside_band(ratio, tolerance)
    classes = ["out" if o else "" for o in out.tolist()]
    return build_table(shown, columns, classes), int(out.sum())


def _manager_table(run: RunData, tolerance: float | None, currency: str | None = None) -> Table:
    """One row per manager; a row is red when its worst rep ratio is outside the band."""
    frame = manager_frame(run.reps)
    columns = priced(tuple(c for c in MANAGER_COLUMNS if c.key in frame or c.key == "manager_id"), currency)
    if frame.empty:
        return build_table(frame, columns)
    ratio = frame["worst_ratio"] if "worst_ratio" in frame else pd.Series(index=frame.index)
    classes = ["out" if o else "" for o in outside_band(ratio, tolerance).tolist()]
    return build_table(frame, columns, classes)


def _block_table(metrics: dict[str, Any]) -> Table:
    blocks = get(metrics, "blocks")
    if not isinstance(blocks, list) or not blocks:
        return build_table(pd.DataFrame(), BLOCK_COLUMNS)
    frame = pd.DataFrame([b for b in blocks if isinstance(b, dict)])
    if "block" in frame:
        frame = frame.sort_values("block", kind="stable")
    return build_table(frame, BLOCK_COLUMNS)


def _balance_table(metrics: dict[str, Any], tol: dict[str, float]) -> Table:
    rows = [
        {
            "metric": m,
            "max_abs_deviation": get(metrics, "balance", m, "max_abs_deviation"),
            "cv": get(metrics, "balance", m, "cv"),
            "tolerance": tol.get(m),
        }
        for m in balance_metrics(metrics)
    ]
    return build_table(pd.DataFrame(rows), BALANCE_COLUMNS)


def _tiles(
    run: RunData, k: dict[str, Any], tol: dict[str, float], n_out: int, labels: Labels | None = None
) -> list[dict]:
    m = run.metrics or {}
    money = (labels or Labels()).money
    blocks = get(m, "counts", "blocks")
    units = get(m, "counts", "units")
    acc_detail = [f"{fmt_count(blocks)} blocks"] if blocks is not None else []
    if units is not None:
        acc_detail.append(f"{fmt_count(units)} assignment units")
    if not math.isnan(k["potential_total"]):
        acc_detail.append(f"potential {money(fmt_money(k['potential_total']))}")

    rep_detail = []
    if k["reps_to_be_hired"] is not None:
        rep_detail.append(f"{fmt_count(k['reps_to_be_hired'])} to be hired")
    if not math.isnan(k["capacity_fte"]):
        rep_detail.append(f"{fmt_factor(k['capacity_fte'])} FTE capacity")

    moved_detail = []
    if not math.isnan(k["moved_accounts_share"]):
        moved_detail.append(f"{fmt_pct(k['moved_accounts_share'])} of accounts")
    if not math.isnan(k["moved_potential_share"]):
        moved_detail.append(
            f"{fmt_pct(k['moved_potential_share'])} of potential ({money(fmt_money(k['moved_potential']))})"
        )
    if not math.isnan(k["moved_arr_share"]):
        moved_detail.append(f"{fmt_pct(k['moved_arr_share'])} of ARR")

    metric, dev, cv = worst_balance(m)
    bal_detail = [] if metric is None else [metric, f"CV {fmt_factor(cv)}"]
    t = tol.get(metric) if metric is not None else None
    if t is not None:
        bal_detail.append(f"tolerance ±{fmt_pct(t)}")
    if "balance_ratio" in run.reps and tol.get("potential") is not None:
        bal_detail.append(f"{n_out:,} reps outside")
    alert = t is not None and not math.isnan(dev) and dev > t + 1e-9

    quota_detail = [f"target {money(fmt_money_exact(get(m, 'quota', 'target')))}"]
    hedges = [
        f"{lvl} {fmt_pct(k[f'hedge_{lvl}'])}"
        for lvl in ("region", "rep")
        if not math.isnan(k[f"hedge_{lvl}"])
    ]
    if hedges:
        quota_detail.append("hedge " + ", ".join(hedges))

    solver_detail = [str(v) for v in (get(m, "solver"),) if v]
    if not math.isnan(k["seconds"]):
        solver_detail.append(fmt_seconds(k["seconds"]))
    tiles = [
        {"label": "Accounts", "value": fmt_count(k["accounts"]), "detail": " · ".join(acc_detail)},
        {"label": "Reps", "value": fmt_count(k["reps"]), "detail": " · ".join(rep_detail)},
        {
            "label": "Moved accounts",
            "value": fmt_count(k["moved_accounts"]),
            "detail": " · ".join(moved_detail),
        },
        {
            "label": "Worst balance deviation",
            "value": fmt_pct(dev),
            "detail": " · ".join(bal_detail),
            "alert": alert,
        },
        {
            "label": "Quota total",
            "value": money(fmt_money_exact(get(m, "quota", "total"))),
            "detail": " · ".join(quota_detail),
        },
        {
            "label": "Optimality gap",
            "value": fmt_gap(k["gap"]),
            "detail": " · ".join(solver_detail),
        },
    ]
    return [{"alert": False, **tile} for tile in tiles]


def _quota_facts(run: RunData, labels: Labels | None = None) -> tuple[list[tuple[str, str]], str]:
    m = run.metrics or {}
    money = (labels or Labels()).money
    facts = [
        ("Company target", money(fmt_money_exact(get(m, "quota", "target")))),
        ("Hedge, region level", fmt_pct(get(m, "quota", "hedge", "region"))),
        ("Region quotas, total", money(fmt_money_exact(get(m, "quota", "region_total")))),
        ("Hedge, rep level", fmt_pct(get(m, "quota", "hedge", "rep"))),
        ("Rep quotas, total", money(fmt_money_exact(get(m, "quota", "total")))),
    ]
    line = ""
    total, target = get(m, "quota", "total"), get(m, "quota", "target")
    if total is not None and target is not None:
        line = (
            f"Quota total {money(fmt_money_exact(total))} against a target of "
            f"{money(fmt_money_exact(target))}"
        )
        if not math.isnan(num(target)) and num(target) > 0 and not math.isnan(num(total)):
            line += f" ({fmt_pct(num(total) / num(target) - 1)} over-assignment)"
        line += "."
    return facts, line


def _solver_facts(run: RunData) -> list[tuple[str, str]]:
    m = run.metrics or {}
    return [
        ("Status", fmt_text(get(m, "status")).replace("_", " ")),
        ("Solver", fmt_text(get(m, "solver"))),
        ("Seed", fmt_text(get(m, "seed"))),
        ("Optimality gap", fmt_gap(get(m, "gap"))),
        ("Time", fmt_seconds(get(m, "seconds"))),
    ]


def _advanced_facts(run: RunData) -> list[tuple[str, str]]:
    """Objective, bound and raw objective terms: for the advanced section only."""
    m = run.metrics or {}
    facts = [
        ("Objective", fmt_number(get(m, "objective"))),
        ("Bound", fmt_number(get(m, "bound"))),
    ]
    terms = get(m, "objective_terms")
    if isinstance(terms, dict):
        facts += [(f"Term: {t}", fmt_number(v)) for t, v in sorted(terms.items())]
    return facts if any(v != DASH for _, v in facts) else []


def warning_messages(metrics: dict[str, Any]) -> list[str]:
    """The run's warnings (metrics.json ``warnings``), each with its figure and threshold."""
    found = get(metrics, "warnings")
    if not isinstance(found, list):
        return []
    return [str(w["message"]) for w in found if isinstance(w, dict) and w.get("message")]


def render_run_report(run: RunData, map_png: bytes | None) -> str:
    """Render the HTML report of one run.

    Parameters
    ----------
    run
        The run's tables and metrics (a just-solved run or one read back
        with `RunData.from_folder`).
    map_png
        The territory map as PNG bytes, embedded inline; None shows a note.

    Returns
    -------
    str
        A complete HTML document that loads nothing from the network.
        ``run.extras['explanation']`` (text), when present, is shown on top:
        infeasible runs carry their explanation there.
    """
    metrics = run.metrics or {}
    k = run_kpis(run)
    tol = tolerances(run.scenario_toml)
    labels = Labels.of_toml(run.scenario_toml)
    cur = labels.currency
    periods = str(get(metrics, "quota", "periods") or "quarter")
    t_pot = tol.get("potential")
    reps_table, n_out = _rep_table(run, t_pot, cur)
    chart = balance_chart_png(run.reps, t_pot) if len(run.reps.columns) else None
    caption = "Balance ratio (potential / target) of each rep, sorted."
    if t_pot is not None:
        caption += f" Shaded: the ±{fmt_pct(t_pot)} tolerance band; red bars lie outside it."
    else:
        caption += " No tolerance band: the scenario does not state one."

    subtitle_bits = [f"{fmt_count(k['accounts'])} accounts", f"{fmt_count(k['reps'])} reps"]
    if get(metrics, "solver"):
        subtitle_bits.append(f"solver {get(metrics, 'solver')}")
    if get(metrics, "seed") is not None:
        subtitle_bits.append(f"seed {get(metrics, 'seed')}")
    quota_facts, quota_line = _quota_facts(run, labels)
    reps_note = "Rows in red have a balance ratio outside the tolerance band."
    if t_pot is None:
        reps_note = "Tolerance unknown: no row is flagged."
    if not reps_table.rows:
        reps_note = ""
    explanation = run.extras.get("explanation") if isinstance(run.extras, dict) else None

    return render(
        "run_report.html.j2",
        name=run.name or DASH,
        status=get(metrics, "status"),
        subtitle=" · ".join(subtitle_bits),
        explanation=explanation if isinstance(explanation, str) and explanation else None,
        warnings=warning_messages(metrics),
        tiles=_tiles(run, k, tol, n_out, labels),
        quota_facts=quota_facts,
        quota_line=quota_line,
        solver_facts=_solver_facts(run),
        advanced_facts=_advanced_facts(run),
        assumptions=assumptions(run.scenario_toml),
        balance_table=_balance_table(metrics, tol),
        chart_uri=png_data_uri(chart),
        chart_caption=caption,
        blocks_table=_block_table(metrics),
        capacity_table=_capacity_table(metrics, cur),
        reconcile_table=_reconcile_table(metrics, cur),
        fairness_line=_fairness_line(metrics),
        reps_table=reps_table,
        managers_table=_manager_table(run, t_pot, cur),
        quota_chart_uri=png_data_uri(quota_chart_png(run.quotas, run.reps, labels.period_fn(periods))),
        reps_note=reps_note,
        map_uri=png_data_uri(map_png),
    )
