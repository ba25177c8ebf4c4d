"""The ladder's rows in words: results.csv, the rich table, the summary lines and target checks.

Formatting only: the figures come from `scenarios.bench.scale.child` and
`scenarios.bench.scale.process`; nothing here runs a solve.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rich.table import Table

from reports.exports.safe_cells import csv_bytes
from scenarios.bench.scale.sizes import RULE_SETS, SIZES, ScaleSize

__all__ = [
    "RESULT_COLUMNS",
    "format_scale_table",
    "results_to_csv",
    "scale_summary_lines",
    "target_text",
    "vs_bound",
]

RESULT_COLUMNS: tuple[str, ...] = (
    "size",
    "accounts",
    "reps",
    "status",
    "seconds",
    "peak_rss_mb",
    "objective",
    "bound",
    "gap",
    "vs_bound",
    "worst_balance_dev",
    "moved_share",
    "s_per_account_vs_1k",
    "time_limit",
    "cpu_seconds",
    "generate_seconds",
    "targets",
    "baseline",
    "rules",
    "engine",
)
_CSV_FORMATS: dict[str, str] = {
    "seconds": "{:.2f}",
    "peak_rss_mb": "{:.0f}",
    "objective": "{:.6f}",
    "bound": "{:.6f}",
    "gap": "{:.6f}",
    "vs_bound": "{:.4f}",
    "worst_balance_dev": "{:.6f}",
    "moved_share": "{:.6f}",
    "s_per_account_vs_1k": "{:.3f}",
    "time_limit": "{:.0f}",
    "cpu_seconds": "{:.1f}",
    "generate_seconds": "{:.2f}",
}


def target_text(size: ScaleSize, row: dict[str, object]) -> str:
    """Which of the size's targets hold for this row ("" when the size has none)."""
    if size.ratio_target is None:
        return ""
    ok_plan = str(row["status"]) in ("optimal", "feasible")
    seconds = float(row["seconds"])  # type: ignore[arg-type]
    ratio = float(row["vs_bound"])  # type: ignore[arg-type]
    parts = [
        f"time {'ok' if ok_plan and seconds <= SIZES[size.name].time_limit else 'MISSED'}",
        f"objective/bound {'ok' if ok_plan and ratio <= size.ratio_target else 'MISSED'}",
    ]
    if size.rss_target_mb is not None:
        rss = float(row["peak_rss_mb"])  # type: ignore[arg-type]
        parts.append(f"rss {'ok' if rss <= size.rss_target_mb else 'MISSED'}")
    return ", ".join(parts)


def vs_bound(row: dict[str, object]) -> float:
    """objective / bound (1.0 when both are 0: a greenfield plan moves nothing); nan without a plan."""
    objective, bound = float(row["objective"]), float(row["bound"])  # type: ignore[arg-type]
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("nan")
    if bound <= 1e-12:
        return 1.0 if objective <= 1e-12 else float("inf")
    return objective / bound


def results_to_csv(df: pd.DataFrame) -> str:
    """results.csv text with fixed float formats."""
    out = df.copy()
    for col, fmt in _CSV_FORMATS.items():
        out[col] = [("" if pd.isna(v) else fmt.format(float(v))) for v in out[col]]
    out["baseline"] = out["baseline"].map({True: "true", False: "false"})
    return csv_bytes(out).decode("utf-8")


def _num(v: object, fmt: str) -> str:
    return "-" if v is None or pd.isna(v) else fmt.format(float(v))  # type: ignore[arg-type]


def format_scale_table(df: pd.DataFrame) -> Table:
    """The ladder as a rich table (ratio: seconds per account vs the 1k baseline)."""
    engines = sorted(set(df["engine"])) if "engine" in df else ["local"]
    table = Table(title=f"scale ladder (generated instances; rules below; engine: {', '.join(engines)})")
    for col, justify in (
        ("size", "left"),
        ("accounts", "right"),
        ("reps", "right"),
        ("status", "left"),
        ("seconds", "right"),
        ("peak RSS MB", "right"),
        ("objective", "right"),
        ("bound", "right"),
        ("gap", "right"),
        ("obj/bound", "right"),
        ("worst bal. dev", "right"),
        ("moved share", "right"),
        ("s/acc vs 1k", "right"),
        ("targets", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in df.itertuples(index=False):
        table.add_row(
            f"{r.size}{' (baseline)' if r.baseline else ''}",
            f"{r.accounts:,}",
            f"{r.reps:,}",
            str(r.status),
            _num(r.seconds, "{:.1f}"),
            _num(r.peak_rss_mb, "{:,.0f}"),
            _num(r.objective, "{:.5f}"),
            _num(r.bound, "{:.5f}"),
            _num(r.gap, "{:.2%}"),
            _num(r.vs_bound, "{:.4f}"),
            _num(r.worst_balance_dev, "{:.2%}"),
            _num(r.moved_share, "{:.2%}"),
            _num(r.s_per_account_vs_1k, "{:.2f}x"),
            str(r.targets),
        )
    return table


def scale_summary_lines(df: pd.DataFrame, details: list[dict[str, object]]) -> list[str]:
    """Rules used, per-size stop reasons and the slowest blocks, in words."""
    used = sorted({str(d.get("rules", "every")) for d in details})
    lines = [f"rules at every size ({name}): {RULE_SETS[name].text}" for name in used]
    for d in details:
        blocks = sorted(d.get("blocks", []), key=lambda b: -float(b["seconds"]))  # type: ignore[arg-type, index]
        slow = ", ".join(
            f"{b['block']} {float(b['seconds']):.1f}s"
            + (f" ({b['pieces']} pieces, gap {float(b['gap']):.2%})" if int(b.get("pieces", 1)) > 1 else "")  # type: ignore[call-overload]
            for b in blocks[:3]
        )
        extra = f"; slowest blocks: {slow}" if slow else ""
        why = f"; {d['explanation']}" if d.get("explanation") else ""
        lines.append(
            f"{d['size']}: {d['status']} in {float(d['wall_seconds']):.1f} s wall, "  # type: ignore[arg-type]
            f"{_num(d.get('cpu_seconds'), '{:.1f}')} s CPU "
            f"(generate {_num(d.get('generate_seconds'), '{:.1f}')} s){extra}{why}"
        )
    return lines
