"""Charts of the tracking dashboard: quota, bookings and forecast, as PNG bytes.

Drawn like `reports.charts.report_charts`: ``Figure`` + Agg canvas (no pyplot), no
varying PNG metadata, so the same tracking gives the same bytes.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

#: Series drawn as bars, in order: (column, label, colour).
BARS = (
    ("bookings", "Bookings (closed won)", "#2e7d32"),
    ("commit", "Commit", "#2f5d8a"),
    ("best_case", "Best case", "#7fa7cf"),
    ("weighted_forecast", "Weighted forecast", "#b26a00"),
)
QUOTA_COLOUR = "#1f2933"

#: Above this many managers the chart shows the largest by quota only.
MAX_MANAGERS = 25


def _money_axis(value: float, _pos: int) -> str:
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= div:
            return f"{value / div:,.1f}{suffix}".replace(".0" + suffix, suffix)
    return f"{value:,.0f}"


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _grouped(ax, labels: list[str], data: pd.DataFrame, horizontal: bool) -> None:
    n = len(labels)
    pos = np.arange(n)
    width = 0.8 / len(BARS)
    for i, (col, label, colour) in enumerate(BARS):
        offset = (i - (len(BARS) - 1) / 2) * width
        values = data[col].to_numpy(dtype=float)
        if horizontal:
            ax.barh(pos + offset, values, height=width, color=colour, label=label, zorder=3)
        else:
            ax.bar(pos + offset, values, width=width, color=colour, label=label, zorder=3)
    quota = data["quota"].to_numpy(dtype=float)
    for p, q in zip(pos, quota, strict=True):
        if horizontal:
            ax.plot([q, q], [p - 0.45, p + 0.45], color=QUOTA_COLOUR, lw=2.0, zorder=4)
        else:
            ax.plot([p - 0.45, p + 0.45], [q, q], color=QUOTA_COLOUR, lw=2.0, zorder=4)
    fmt = FuncFormatter(_money_axis)
    if horizontal:
        ax.set_yticks(pos, labels, fontsize=8)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(fmt)
        ax.grid(axis="x", color="#dddddd", lw=0.6, zorder=0)
    else:
        ax.set_xticks(pos, labels, fontsize=8)
        ax.yaxis.set_major_formatter(fmt)
        ax.grid(axis="y", color="#dddddd", lw=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [Patch(color=c, label=lab) for _, lab, c in BARS]
    handles.append(Line2D([], [], color=QUOTA_COLOUR, lw=2.0, label="Quota"))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08 if not horizontal else -0.04),
        ncols=len(handles),
        fontsize=8,
        frameon=False,
    )


def period_chart_png(total: pd.DataFrame) -> bytes | None:
    """Company quota, bookings, commit, best case and weighted forecast per period.

    ``total`` holds the company rows of `solver.tracking.rollup.forecast_table`
    (money in currency units), one per period (the ``total`` row is ignored).
    """
    data = total[total["period"] != "total"]
    if data.empty:
        return None
    fig = Figure(figsize=(10.0, 3.8), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    _grouped(ax, [str(p) for p in data["period"]], data, horizontal=False)
    ax.set_ylabel("amount")
    fig.tight_layout()
    return _png(fig)


def manager_chart_png(managers: pd.DataFrame) -> bytes | None:
    """Year figures of each manager's team, horizontal bars, quota as a tick.

    ``managers`` holds the manager rows (period ``total``) of the forecast
    table, with a ``label`` column naming each row.
    """
    if managers.empty:
        return None
    data = managers.sort_values(["quota", "label"], ascending=[False, True], kind="stable")
    data = data.head(MAX_MANAGERS)
    height = 1.3 + 0.42 * len(data)
    fig = Figure(figsize=(10.0, height), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    _grouped(ax, [str(v) for v in data["label"]], data, horizontal=True)
    fig.tight_layout()
    return _png(fig)
