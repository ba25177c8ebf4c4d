"""Trade-off chart of a batch: two KPIs per run, non-dominated runs marked.

Drawn with matplotlib's object API (``Figure`` + Agg canvas, never pyplot),
so it holds no global state; PNG metadata that would vary is dropped, so the
same table gives the same bytes. Both axes are "lower is better": the
non-dominated runs form the lower-left frontier, numbered and listed beside
the plot so that long run names never overlap the points.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from solver.results.kpis import kpi_kind, kpi_label

__all__ = ["axis_label", "tradeoff_chart_png"]

FRONT = "#e45756"
OTHER = "#8c8c8c"
#: Characters per line of the list of non-dominated runs beside the plot.
LIST_CHARS = 56
#: Frontier points closer than this share of the axis range share one label.
NEAR_X, NEAR_Y = 0.05, 0.04


def _kpi_key(path: str) -> str:
    """Metrics path -> KPI key (``moved.potential_share`` -> ``moved_potential_share``)."""
    return path if path.startswith("balance.") else path.replace(".", "_")


def axis_label(path: str) -> str:
    """Human label of a metrics path, e.g. 'Moved potential, share'."""
    label = kpi_label(_kpi_key(path))
    return label if label != _kpi_key(path) else path


def _is_share(path: str) -> bool:
    return kpi_kind(_kpi_key(path)) == "share"


def tradeoff_chart_png(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    labels: Sequence[str] | None = None,
    title: str | None = None,
) -> bytes:
    """Scatter of every run on (x, y), the non-dominated runs numbered and joined.

    Parameters
    ----------
    frame
        One row per run with columns ``x``, ``y`` (numbers; NaN rows are left
        out) and ``non_dominated`` (bool).
    x, y
        Column names: dotted metrics paths such as ``moved.potential_share``.
    labels
        Text listed for each run when it is non-dominated (default: ``frame["name"]``).
    title
        Chart title (default: "<y> vs <x>").

    Returns
    -------
    bytes
        PNG image.
    """
    xs = pd.to_numeric(frame[x], errors="coerce").to_numpy(float)
    ys = pd.to_numeric(frame[y], errors="coerce").to_numpy(float)
    front = frame["non_dominated"].to_numpy(bool)
    names = list(labels) if labels is not None else frame["name"].astype(str).tolist()
    ok = np.isfinite(xs) & np.isfinite(ys)
    front = front & ok
    # frontier from the least x (most of y) to the least y
    order = np.flatnonzero(front)[np.lexsort((ys[front], xs[front]))]

    fig = Figure(figsize=(12.0, 6.4), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.07, 0.10, 0.52, 0.77))
    others = ok & ~front
    ax.scatter(xs[others], ys[others], s=36, color=OTHER, alpha=0.55, lw=0, zorder=2)
    if len(order):
        ax.step(xs[order], ys[order], where="post", color=FRONT, lw=1.2, alpha=0.7, zorder=3)
        ax.scatter(xs[order], ys[order], s=70, color=FRONT, edgecolor="white", lw=0.8, zorder=4)
        # runs on (nearly) the same spot share one label ("2-4") instead of overprinting
        for group in _label_groups(xs[order], ys[order], np.ptp(xs[ok]), np.ptp(ys[ok])):
            first, last = group[0] + 1, group[-1] + 1
            text = (
                str(first) if first == last else f"{first},{last}" if last == first + 1 else f"{first}-{last}"
            )
            ax.annotate(
                text,
                (xs[order[group[0]]], ys[order[group[0]]]),
                xytext=(6, 5),
                textcoords="offset points",
                fontsize=8.5,
                color="#7a1f1f",
                fontweight="bold",
                zorder=5,
            )
    for axis, path in ((ax.xaxis, x), (ax.yaxis, y)):
        if _is_share(path):
            axis.set_major_formatter(PercentFormatter(1.0, decimals=None))  # decimals follow the range
    ax.set_xlabel(f"{axis_label(x)}  (lower is better)")
    ax.set_ylabel(f"{axis_label(y)}  (lower is better)")
    ax.grid(color="#e3e3e3", lw=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if ok.any():
        pad_x = max(1e-9, 0.06 * float(np.ptp(xs[ok])) or 0.05 * abs(float(xs[ok][0])) or 0.01)
        pad_y = max(1e-9, 0.08 * float(np.ptp(ys[ok])) or 0.05 * abs(float(ys[ok][0])) or 0.01)
        ax.set_xlim(float(xs[ok].min()) - pad_x, float(xs[ok].max()) + 2 * pad_x)
        ax.set_ylim(float(ys[ok].min()) - pad_y, float(ys[ok].max()) + 2 * pad_y)
    else:
        ax.text(0.5, 0.5, "no run has both figures", ha="center", va="center", transform=ax.transAxes)
    ax.legend(
        handles=[
            Line2D([], [], marker="o", ls="-", color=FRONT, label=f"non-dominated ({len(order)})"),
            Line2D(
                [], [], marker="o", ls="", color=OTHER, alpha=0.55, label=f"dominated ({int(others.sum())})"
            ),
        ],
        loc="upper right",
        fontsize=8.5,
        frameon=False,
    )
    fig.suptitle(title or f"Trade-off: {axis_label(y)} vs {axis_label(x)}", x=0.07, ha="left", fontsize=12)
    missing = len(frame) - int(ok.sum())
    fig.text(
        0.07,
        0.905,
        f"{int(ok.sum())} runs drawn"
        + (f", {missing} without both figures (infeasible or failed) left out" if missing else "")
        + "; non-dominated: no other run is at least as good on both axes",
        fontsize=8.5,
        color="#555555",
    )
    _front_list(fig, [names[i] for i in order])

    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _label_groups(px: np.ndarray, py: np.ndarray, x_range: float, y_range: float) -> list[list[int]]:
    """Consecutive frontier points closer than a label's size, grouped (indices into the frontier)."""
    groups: list[list[int]] = []
    xr, yr = x_range or 1.0, y_range or 1.0
    for i in range(len(px)):
        if groups:
            j = groups[-1][0]
            if abs(px[i] - px[j]) / xr < NEAR_X and abs(py[i] - py[j]) / yr < NEAR_Y:
                groups[-1].append(i)
                continue
        groups.append([i])
    return groups


def _wrap(label: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken after ", " where possible."""
    lines: list[str] = []
    for part in label.split(", "):
        piece = part if not lines else ", " + part
        if lines and len(lines[-1]) + len(piece) <= width:
            lines[-1] += piece
        else:
            if lines:
                lines[-1] += ","
            lines += textwrap.wrap(part, width) or [""]
    return lines


def _front_list(fig: Figure, labels: list[str]) -> None:
    """Numbered list of the non-dominated runs, right of the plot, wrapped; overflow is counted."""
    left, top, bottom, line = 0.63, 0.87, 0.05, 0.026
    fig.text(left, top, "Non-dominated runs (left to right)", fontsize=9.5, fontweight="bold")
    y = top - 0.045
    for k, label in enumerate(labels, start=1):
        lines = _wrap(label, LIST_CHARS)
        if y - len(lines) * line < bottom:
            fig.text(
                left + 0.03,
                y,
                f"… and {len(labels) - k + 1} more (see tradeoff.csv)",
                fontsize=8.5,
                color="#555555",
            )
            break
        fig.text(left, y, f"{k:>2}", fontsize=8.5, color="#7a1f1f", fontweight="bold", family="monospace")
        for text in lines:
            fig.text(left + 0.03, y, text, fontsize=8.5, family="monospace")
            y -= line
        y -= 0.006
    if not labels:
        fig.text(left, top - 0.05, "none: no run has both figures", fontsize=8.5, color="#555555")
