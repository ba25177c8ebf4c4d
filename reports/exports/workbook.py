"""The run's tables as one Excel workbook, for spreadsheet users.

Sheets: Summary (key figures and warnings), Reps, Accounts (the assignment),
Quotas (rep x period pivot with a totals row and column), Moves (moved
accounts only), Capacity (the finance view per block), Reconcile (top-down
vs bottom-up per node of every level) and Assumptions; on request one sheet
per manager (its reps and their accounts). Each sheet has a frozen header
row, an autofilter, sized columns and number formats (money ``#,##0.00``,
with the run's currency code when it has one; ratios ``0.0%``); with a
fiscal calendar the Quotas columns read "FY27 Q1".

Two hidden sheets, "Plan accounts" and "Plan reps", keep the plan as written,
so that edits made in Excel (an account's rep, a rep's quota or dates) can be
told apart and loaded back (`scenarios.run.workbook_edits`).

Safety and reproducibility: text cells are neutralised against formula
injection and written as strings (xlsxwriter's string-to-formula/number/URL
conversions are off), and the document properties carry a fixed creation
date, so the same run gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from reports.assumptions import assumptions
from reports.exports.safe_cells import neutralise_series
from reports.exports.sheet_names import unique_sheet_names
from solver.results.kpis import get, kpi_kind, kpi_label, run_kpis
from solver.results.labels import Labels
from solver.results.run_data import RunData

#: Fixed document creation date: a timestamp would change the bytes every run.
CREATED = dt.datetime(2000, 1, 1)

MONEY_COLUMNS = frozenset(
    {
        "potential",
        "target_potential",
        "quota",
        "arr",
        "annual_revenue",
        "ote",
        "cost",
        "potential_per_capacity",
        "productivity",
        "expected_bookings",
        "revenue_target",
        "top_down",
        "bottom_up",
        "gap",
        "children_total",
        "children_sum",
        "bookings",
        "quota_override",
    }
)
RATIO_COLUMNS = frozenset({"balance_ratio", "bookings_vs_quota", "attainment", "gap_share", "p_reach"})
FACTOR_COLUMNS = frozenset(
    {
        "capacity_factor",
        "ramped_capacity",
        "productive_capacity",
        "required_capacity",
        "capacity_gap",
        "capacity",
        "weight",
        "quota_potential_ratio",
    }
)
COUNT_COLUMNS = frozenset(
    {
        "accounts",
        "accounts_gained",
        "accounts_lost",
        "employees",
        "max_accounts",
        "reps",
        "active_reps",
        "to_be_hired",
        "reps_without_ote",
    }
)
#: Hidden sheets holding the plan as written (edits are read against them).
PLAN_ACCOUNTS, PLAN_REPS = "Plan accounts", "Plan reps"
#: The editable columns the hidden sheets keep.
PLAN_REP_COLUMNS = ("rep_id", "quota", "start_date", "end_date")
DECIMAL_COLUMNS = frozenset({"workload", "max_workload"})
COORD_COLUMNS = frozenset({"lat", "lon"})
DATE_COLUMNS = frozenset({"start_date", "end_date", "date", "period"})

REP_ORDER = (
    "rep_id",
    "name",
    "manager_id",
    "segment",
    "region",
    "start_date",
    "end_date",
    "capacity_factor",
    "accounts",
    "potential",
    "target_potential",
    "balance_ratio",
    "quota",
    "workload",
    "arr",
    "accounts_gained",
    "accounts_lost",
    "lat",
    "lon",
)
MOVE_ORDER = (
    "account_id",
    "name",
    "previous_owner",
    "rep_id",
    "segment",
    "region",
    "potential",
    "arr",
    "reason",
)

_FORMATS = {
    "money": {"num_format": "#,##0.00"},
    "ratio": {"num_format": "0.0%"},
    "factor": {"num_format": "0.000"},
    "count": {"num_format": "#,##0"},
    "decimal": {"num_format": "#,##0.0"},
    "coord": {"num_format": "0.0000"},
    "date": {"num_format": "yyyy-mm-dd"},
    "header": {"bold": True, "bg_color": "#EEF1F4", "bottom": 1, "text_wrap": True},
    "total": {"bold": True, "top": 1, "num_format": "#,##0.00"},
    "total_label": {"bold": True, "top": 1},
    "title": {"bold": True, "font_size": 14},
}

#: KPI kind -> workbook format name (None: General).
_KPI_FORMATS = {
    "count": "count",
    "money": "money",
    "share": "ratio",
    "factor": "factor",
    "number": "decimal",
    "seconds": "decimal",
    "text": None,
}


def _ordered(frame: pd.DataFrame, order: tuple[str, ...]) -> pd.DataFrame:
    first = [c for c in order if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]


def _column_format(name: str, series: pd.Series) -> str | None:
    if name in MONEY_COLUMNS:
        return "money"
    if name in RATIO_COLUMNS:
        return "ratio"
    if name in FACTOR_COLUMNS:
        return "factor"
    if name in COUNT_COLUMNS:
        return "count"
    if name in DECIMAL_COLUMNS:
        return "decimal"
    if name in COORD_COLUMNS:
        return "coord"
    if name in DATE_COLUMNS or pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    return None


def _cells(series: pd.Series, fmt_name: str | None) -> list[Any]:
    """Column values ready for xlsxwriter: NaN -> None, text neutralised, dates parsed."""
    if fmt_name == "date":
        parsed = pd.to_datetime(series, errors="coerce", format="mixed")
        values = parsed.astype(object).where(parsed.notna(), None).tolist()
        # Unparseable dates stay visible as (neutralised) text rather than vanish.
        raw = neutralise_series(series.astype(object)).tolist()
        return [
            v if v is not None else (r if isinstance(r, str) else None)
            for v, r in zip(values, raw, strict=True)
        ]
    if pd.api.types.is_bool_dtype(series):
        return series.astype(object).tolist()
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype(float)
        return values.astype(object).where(values.notna() & values.abs().lt(math.inf), None).tolist()
    safe = neutralise_series(series.astype(object))
    return safe.where(safe.notna(), None).tolist()


def _width(header: str, series: pd.Series, fmt_name: str | None) -> float:
    if fmt_name in ("money", "count", "decimal"):
        values = pd.to_numeric(series, errors="coerce").abs()
        top = float(values.max()) if values.notna().any() else 0.0
        longest = len(f"{top:,.2f}") + 1
    elif fmt_name == "date":
        longest = 10
    elif fmt_name in ("ratio", "factor", "coord"):
        longest = 8
    else:
        lengths = series.astype("string").str.len()
        longest = int(lengths.max()) if lengths.notna().any() else 0
    return float(min(max(len(str(header)), longest, 6) + 2, 60))


def _write_table(wb: Workbook, ws: Worksheet, frame: pd.DataFrame, formats: dict[str, Any]) -> None:
    """Header + data columns with formats, frozen header, autofilter, widths."""
    if not len(frame.columns):
        ws.write_string(0, 0, "No data in this run.")
        return
    for j, name in enumerate(frame.columns):
        series = frame.iloc[:, j]
        fmt_name = _column_format(str(name), series)
        fmt = formats[fmt_name] if fmt_name else None
        ws.write_string(0, j, str(name), formats["header"])
        for i, value in enumerate(_cells(series, fmt_name), start=1):
            _write_cell(ws, i, j, value, fmt)
        ws.set_column(j, j, _width(str(name), series, fmt_name))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)


def _write_cell(ws: Worksheet, row: int, col: int, value: Any, fmt: Any) -> None:
    # Typed writes only: a string is never turned into a formula, URL or number.
    if value is None:
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime | dt.date):
        ws.write_datetime(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _summary(wb: Workbook, ws: Worksheet, run: RunData, formats: dict[str, Any]) -> None:
    ws.write_string(0, 0, "Key figure", formats["header"])
    ws.write_string(0, 1, "Value", formats["header"])
    rows: list[tuple[str, Any, str | None]] = [
        ("Scenario", run.name, None),
        ("Solver", get(run.metrics, "solver"), None),
        ("Seed", get(run.metrics, "seed"), None),
    ]
    for key, value in run_kpis(run).items():
        if kpi_kind(key) == "seconds":
            continue  # wall-clock time would make the workbook differ run to run
        if isinstance(value, float) and math.isnan(value):
            value = None
        rows.append((kpi_label(key), value, _KPI_FORMATS.get(kpi_kind(key))))
    for w in get(run.metrics, "warnings") or []:
        if isinstance(w, dict) and w.get("message"):
            rows.append(("Warning", str(w["message"]), None))
    rows.append(
        (
            "Edits",
            "change rep_id on Accounts (becomes a pin), quota (an override), start_date or end_date on "
            "Reps, save, then: terraquota run SCENARIO --from-workbook THIS_FILE",
            None,
        )
    )
    for i, (label, value, fmt_name) in enumerate(rows, start=1):
        ws.write_string(i, 0, label)
        cell = value if isinstance(value, int | float | bool) or value is None else str(value)
        if isinstance(cell, str):
            cell = neutralise_series(pd.Series([cell], dtype=object)).iloc[0]
        _write_cell(ws, i, 1, cell, formats[fmt_name] if fmt_name else None)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 22)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), 1)


def _quota_pivot(run: RunData, labels: Labels | None = None) -> pd.DataFrame:
    """rep x period quotas (integer cents summed exactly, then back to currency)."""
    q = run.quotas
    if not {"rep_id", "period", "quota"} <= set(q.columns) or q.empty:
        return pd.DataFrame()
    cents = (pd.to_numeric(q["quota"], errors="coerce") * 100).round().astype("Int64")
    frame = pd.DataFrame(
        {"rep_id": q["rep_id"].astype(str), "period": q["period"].astype(str).str[:10], "c": cents}
    )
    wide = frame.pivot_table(index="rep_id", columns="period", values="c", aggfunc="sum")
    wide = wide.reindex(sorted(wide.columns), axis=1).sort_index()
    wide["Total"] = wide.sum(axis=1)
    wide = wide.astype("float") / 100
    periods = str(get(run.metrics, "quota", "periods") or "quarter")
    name = (labels or Labels()).period_fn(periods)
    wide.columns = [str(c) if c == "Total" else name(c) for c in wide.columns]
    attrs = [c for c in ("name", "segment", "region") if c in run.reps]
    if attrs and "rep_id" in run.reps:
        info = run.reps.assign(rep_id=run.reps["rep_id"].astype(str)).set_index("rep_id")[attrs]
        wide = info.reindex(wide.index).join(wide)
    wide.index.name = "rep_id"
    return wide.reset_index()


def _quotas(
    wb: Workbook, ws: Worksheet, run: RunData, formats: dict[str, Any], labels: Labels | None = None
) -> None:
    pivot = _quota_pivot(run, labels)
    if pivot.empty:
        ws.write_string(0, 0, "No quotas in this run.")
        return
    money = [c for c in pivot.columns if c not in ("rep_id", "name", "segment", "region")]
    for j, name in enumerate(pivot.columns):
        series = pivot[name]
        fmt = formats["money"] if name in money else None
        ws.write_string(0, j, str(name), formats["header"])
        for i, value in enumerate(_cells(series, "money" if name in money else None), start=1):
            _write_cell(ws, i, j, value, fmt)
        ws.set_column(j, j, _width(str(name), series, "money" if name in money else None))
    n = len(pivot)
    ws.write_string(n + 1, 0, "Total", formats["total_label"])
    for j in range(1, len(pivot.columns)):
        name = pivot.columns[j]
        if name in money:
            # Summed in cents so the totals row is exact to the cent.
            cents = int((pivot[name].fillna(0) * 100).round().astype("int64").sum())
            ws.write_number(n + 1, j, cents / 100, formats["total"])
        else:
            ws.write_blank(n + 1, j, None, formats["total_label"])
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, n, len(pivot.columns) - 1)


def _moves(run: RunData) -> pd.DataFrame:
    a = run.assignment
    if "moved" not in a:
        return pd.DataFrame(columns=[c for c in MOVE_ORDER if c in a.columns])
    moved = a["moved"]
    if not pd.api.types.is_bool_dtype(moved):
        moved = moved.astype("string").str.strip().str.lower().isin(["true", "1", "yes"])
    cols = [c for c in MOVE_ORDER if c in a.columns]
    return a.loc[moved.fillna(False).astype(bool).to_numpy(), cols]


#: Sheet name for reps that have no manager_id.
NO_MANAGER = "No manager"
#: Rep columns that lead each row of a manager sheet.
_MANAGER_REP_COLUMNS = {
    "rep_id": "rep_id",
    "name": "rep_name",
    "segment": "rep_segment",
    "region": "rep_region",
}


def manager_tables(run: RunData) -> list[tuple[str, pd.DataFrame]]:
    """(manager label, table) per manager: one row per account of the manager's reps.

    A rep without accounts still gets one row (empty account columns), so
    every rep of the manager appears. Managers in id order, reps without a
    manager last under `NO_MANAGER`; rows by rep_id then account_id.
    """
    reps, accounts = run.reps, run.assignment
    if not {"rep_id", "manager_id"} <= set(reps.columns):
        return []
    rep_cols = [c for c in _MANAGER_REP_COLUMNS if c in reps]
    people = reps[[*rep_cols, "manager_id"]].rename(columns=_MANAGER_REP_COLUMNS)
    people = people.assign(
        rep_id=people["rep_id"].astype("string"),
        manager_id=people["manager_id"].astype("string").fillna(""),
    )
    if "rep_id" in accounts:
        owned = accounts.drop(columns=["manager_id"], errors="ignore")
        owned = owned.assign(rep_id=owned["rep_id"].astype("string"))
        clash = [c for c in owned.columns if c in people.columns and c != "rep_id"]
        rows = people.merge(owned.drop(columns=clash), on="rep_id", how="left")
    else:
        rows = people
    keys = ["rep_id"] + (["account_id"] if "account_id" in rows else [])
    rows = rows.sort_values(keys, kind="stable", na_position="first")
    labels = sorted(set(rows["manager_id"].tolist()) - {""})
    labels += [""] if (rows["manager_id"] == "").any() else []
    grouped = dict(tuple(rows.groupby("manager_id", sort=False)))
    return [
        (label or NO_MANAGER, grouped[label].drop(columns=["manager_id"]).reset_index(drop=True))
        for label in labels
    ]


def _capacity_frame(run: RunData) -> pd.DataFrame:
    """The finance view per block (capacity.csv), or the blocks of metrics.json for older runs."""
    table = run.extras.get("capacity") if isinstance(run.extras, dict) else None
    if isinstance(table, pd.DataFrame):
        return table
    blocks = get(run.metrics, "capacity", "blocks")
    if not isinstance(blocks, dict):
        return pd.DataFrame()
    rows = [{"block": k, **v} for k, v in sorted(blocks.items()) if isinstance(v, dict)]
    total = get(run.metrics, "capacity", "total")
    if isinstance(total, dict):
        rows.append({"block": "total", **total})
    return pd.DataFrame(rows)


def _assumptions(wb: Workbook, ws: Worksheet, run: RunData, formats: dict[str, Any]) -> None:
    rows = [
        (title, label, value) for title, facts in assumptions(run.scenario_toml) for label, value in facts
    ]
    frame = pd.DataFrame(rows, columns=["section", "assumption", "value"])
    if frame.empty:
        ws.write_string(0, 0, "No scenario in this run.")
        return
    _write_table(wb, ws, frame, formats)


def _plan_sheets(wb: Workbook, run: RunData, formats: dict[str, Any]) -> None:
    """The plan as written, hidden: edits in the visible sheets are read against it."""
    a = run.assignment
    accounts = a[[c for c in ("account_id", "rep_id") if c in a]]
    if "account_id" in accounts:
        accounts = accounts.sort_values("account_id", kind="stable")
    reps = run.reps[[c for c in PLAN_REP_COLUMNS if c in run.reps]]
    if "rep_id" in reps:
        reps = reps.sort_values("rep_id", kind="stable")
    for name, frame in ((PLAN_ACCOUNTS, accounts), (PLAN_REPS, reps)):
        ws = wb.add_worksheet(name)
        _write_table(wb, ws, frame, formats)
        ws.hide()


def _formats(wb: Workbook, currency: str | None) -> dict[str, Any]:
    """Cell formats; money shows the currency code when the run has one."""
    specs = {name: dict(spec) for name, spec in _FORMATS.items()}
    if currency:
        for name in ("money", "total"):
            specs[name]["num_format"] = f'"{currency} "#,##0.00'
    return {name: wb.add_format(spec) for name, spec in specs.items()}


def workbook_bytes(run: RunData, *, manager_sheets: bool = False) -> bytes:
    """Render the run's workbook (.xlsx) in memory.

    Parameters
    ----------
    run
        The run's tables and metrics.
    manager_sheets
        Also add one sheet per manager (see `manager_tables`), named after
        the manager_id made valid for Excel (31 characters, no ``[]:*?/\\``,
        unique ignoring case), after the standard sheets.

    Returns
    -------
    bytes
        The .xlsx file; the same run always gives the same bytes.
    """
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    wb.set_properties({"title": f"terraquota run {run.name}", "creator": "terraquota", "created": CREATED})
    labels = Labels.of_toml(run.scenario_toml)
    formats = _formats(wb, labels.currency)

    _summary(wb, wb.add_worksheet("Summary"), run, formats)
    reps = run.reps
    if "rep_id" in reps:
        reps = reps.sort_values("rep_id", kind="stable")
    _write_table(wb, wb.add_worksheet("Reps"), _ordered(reps, REP_ORDER), formats)
    accounts = run.assignment
    if "account_id" in accounts:
        accounts = accounts.sort_values("account_id", kind="stable")
    _write_table(wb, wb.add_worksheet("Accounts"), accounts, formats)
    _quotas(wb, wb.add_worksheet("Quotas"), run, formats, labels)
    moves = _moves(run)
    if "account_id" in moves:
        moves = moves.sort_values("account_id", kind="stable")
    _write_table(wb, wb.add_worksheet("Moves"), moves, formats)
    _write_table(wb, wb.add_worksheet("Capacity"), _capacity_frame(run), formats)
    reconcile = run.extras.get("reconcile") if isinstance(run.extras, dict) else None
    _write_table(
        wb,
        wb.add_worksheet("Reconcile"),
        reconcile if isinstance(reconcile, pd.DataFrame) else pd.DataFrame(),
        formats,
    )
    _assumptions(wb, wb.add_worksheet("Assumptions"), run, formats)
    if manager_sheets:
        tables = manager_tables(run)
        taken = [ws.get_name() for ws in wb.worksheets()]
        names = unique_sheet_names([label for label, _ in tables], taken, fallback="Manager")
        for name, (_, table) in zip(names, tables, strict=True):
            _write_table(wb, wb.add_worksheet(name), table, formats)
    _plan_sheets(wb, run, formats)
    wb.close()
    return buf.getvalue()
