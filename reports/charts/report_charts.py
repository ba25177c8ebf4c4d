"""Small static charts for the HTML reports, as PNG bytes.

Drawn with matplotlib's object API (``Figure`` + Agg canvas, never pyplot),
so rendering holds no global state and is safe in worker processes. PNG
metadata that would vary (software version) is dropped so the same run
gives the same bytes.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

INSIDE = "#4c78a8"
OUTSIDE = "#e45756"
BAND = "#54a24b"

#: Above this many reps the x axis shows no rep ids (they would overlap).
MAX_LABELLED_REPS = 60

#: Ratios are compared with the tolerance band with this slack, so that a
#: ratio on the edge (up to float noise) is not flagged as outside.
EDGE_SLACK = 1e-9


def outside_band(ratio: pd.Series, tolerance: float | None) -> pd.Series:
    """True where a finite balance ratio lies outside ``[1 - t, 1 + t]``."""
    r = pd.to_numeric(ratio, errors="coerce").astype(float)
    if tolerance is None:
        return pd.Series(False, index=r.index)
    lo, hi = 1.0 - tolerance - EDGE_SLACK, 1.0 + tolerance + EDGE_SLACK
    return (r.notna() & ((r < lo) | (r > hi))).astype(bool)


def rep_labels(reps: pd.DataFrame, rep_ids: pd.Series) -> list[str]:
    """Tick labels "R0001 Ana Ruiz": the name beside the id (planned hires have none)."""
    if "name" not in reps or "rep_id" not in reps:
        return [str(r) for r in rep_ids]
    names = reps.set_index(reps["rep_id"].astype(str))["name"]
    names = names[~names.index.duplicated()]
    out = []
    for rid in rep_ids.astype(str):
        name = names.get(rid)
        out.append(f"{rid} {name}" if isinstance(name, str) and name.strip() else rid)
    return out


def balance_chart_png(reps: pd.DataFrame, tolerance: float | None) -> bytes | None:
    """Bar chart of each rep's balance ratio, sorted, with the tolerance band.

    Parameters
    ----------
    reps
        The run's reps table; needs ``rep_id`` and ``balance_ratio``.
    tolerance
        Balance tolerance on potential; ``None`` draws no band and flags no rep.

    Returns
    -------
    bytes or None
        PNG bytes, or None when no rep has a finite ratio (nothing to draw).
    """
    if "balance_ratio" not in reps or "rep_id" not in reps:
        return None
    ratio = pd.to_numeric(reps["balance_ratio"], errors="coerce").astype(float)
    data = pd.DataFrame({"rep_id": reps["rep_id"].astype(str), "ratio": ratio})
    data = data[np.isfinite(data["ratio"])]
    if data.empty:
        return None
    # Ties broken by rep id so the picture does not depend on input order.
    data = data.sort_values(["ratio", "rep_id"], kind="stable").reset_index(drop=True)
    out = outside_band(data["ratio"], tolerance).to_numpy()

    n = len(data)
    width = float(np.clip(2.0 + 0.22 * n, 7.0, 13.0))
    fig = Figure(figsize=(width, 3.4), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = np.arange(n)
    ax.bar(x, data["ratio"], color=np.where(out, OUTSIDE, INSIDE), width=0.8, zorder=3)
    handles = [Patch(color=INSIDE, label="within tolerance" if tolerance is not None else "rep")]
    if tolerance is not None:
        ax.axhspan(1 - tolerance, 1 + tolerance, color=BAND, alpha=0.18, zorder=1, lw=0)
        handles.append(Patch(color=BAND, alpha=0.35, label=f"tolerance ±{tolerance:.1%}"))
        if out.any():
            handles.append(Patch(color=OUTSIDE, label="outside tolerance"))
    ax.axhline(1.0, color="#333333", lw=0.8, ls="--", zorder=4)

    lo, hi = float(data["ratio"].min()), float(data["ratio"].max())
    if tolerance is not None:
        lo, hi = min(lo, 1 - tolerance), max(hi, 1 + tolerance)
    pad = max(0.02, 0.15 * (hi - lo))
    ax.set_ylim(max(0.0, lo - pad), hi + pad)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0 if hi - lo > 0.06 else 1))
    ax.set_ylabel("potential / target")
    ax.set_xlim(-0.6, n - 0.4)
    if n <= MAX_LABELLED_REPS:
        ax.set_xticks(x, rep_labels(reps, data["rep_id"]), rotation=90, fontsize=7)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{n:,} reps, sorted by ratio")
    ax.grid(axis="y", color="#dddddd", lw=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False, ncols=len(handles))
    fig.tight_layout()

    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
