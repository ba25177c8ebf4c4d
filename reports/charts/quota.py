"""Quota per rep by period: stacked bars, reps sorted by annual quota.

Drawn with `matplotlib.figure.Figure` (never pyplot) like the balance chart.
With many reps the x axis drops the rep ids; the stacks still show the split
of each rep's quota over the periods (ramped hires start with thin bars).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from reports.charts.report_charts import MAX_LABELLED_REPS, rep_labels

#: more periods than this are shown as one colour ramp, not distinct hues.
_MAX_QUALITATIVE = 10


def _money_axis(value: float, _pos: int) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def quota_chart_png(
    quotas: pd.DataFrame,
    reps: pd.DataFrame | None = None,
    period_label: Callable[[str], str] | None = None,
) -> bytes | None:
    """Stacked bar chart of each rep's quota, one segment per period.

    Parameters
    ----------
    quotas
        The run's quotas table: rep_id, period, quota.
    reps
        The run's reps table: names are shown beside the ids when given.
    period_label
        Legend label of a period's ISO first day (e.g. "FY27 Q1"); ISO dates without it.

    Returns
    -------
    bytes or None
        PNG bytes, or None when there are no finite quotas to draw.
    """
    if not {"rep_id", "period", "quota"} <= set(quotas.columns):
        return None
    data = pd.DataFrame(
        {
            "rep_id": quotas["rep_id"].astype(str),
            "period": quotas["period"].astype(str),
            "quota": pd.to_numeric(quotas["quota"], errors="coerce").astype(float),
        }
    )
    data = data[np.isfinite(data["quota"])]
    if data.empty:
        return None
    table = data.pivot_table(index="rep_id", columns="period", values="quota", aggfunc="sum", fill_value=0.0)
    table = table.sort_index(axis=1)
    total = table.sum(axis=1)
    # Largest quota first; ties by rep id, so input order never changes the picture.
    order = pd.DataFrame({"t": -total.to_numpy(), "r": table.index}).sort_values(["t", "r"], kind="stable")
    table = table.iloc[order.index.to_numpy()]
    n, k = table.shape
    cmap = mpl.colormaps["tab10" if k <= _MAX_QUALITATIVE else "viridis"]
    colours = [cmap(i) if k <= _MAX_QUALITATIVE else cmap(i / max(k - 1, 1)) for i in range(k)]

    width = float(np.clip(2.0 + 0.22 * n, 7.0, 13.0))
    fig = Figure(figsize=(width, 3.6), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = np.arange(n)
    bottom = np.zeros(n)
    for i, period in enumerate(table.columns):
        values = table[period].to_numpy(dtype=float)
        label = period_label(period) if period_label else period
        ax.bar(x, values, bottom=bottom, width=0.85, color=colours[i], label=label, zorder=3, lw=0)
        bottom += values
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(0, float(bottom.max()) * 1.15 or 1.0)
    ax.yaxis.set_major_formatter(FuncFormatter(_money_axis))
    ax.set_ylabel("quota")
    if n <= MAX_LABELLED_REPS:
        ticks = rep_labels(reps, pd.Series(table.index)) if reps is not None else list(table.index)
        ax.set_xticks(x, ticks, rotation=90, fontsize=7)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{n:,} reps, sorted by quota")
    ax.grid(axis="y", color="#dddddd", lw=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(title="period", loc="upper right", fontsize=8, title_fontsize=8, frameon=False, ncols=min(k, 6))
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
