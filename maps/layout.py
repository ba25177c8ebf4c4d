"""Figure geometry, panel planning and byte output shared by every map.

Figures are built with `matplotlib.figure.Figure` directly (no pyplot), so
rendering never opens a window and works in worker processes and threads.
Sizes are fixed in inches: an image's pixel size depends only on the dpi, the
number of panels and the rows of per-rep legend (see `figure_size`), never on
whether text is drawn, so text-free test renders match the real ones.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import Transform, offset_copy

from maps.basemap import PANELS, Frame, PanelSpec, fit_frame, panel_index, project

Format = Literal["png", "svg"]

# Figure geometry, inches.
PANEL_W = 7.6
MAP_H = 5.4
SIDE = 0.25
GAP = 0.35
TITLE_H = 0.75
PANEL_TITLE_H = 0.35
STRIP_H = 0.6  # legend strip: the marker key and one line under it
ROW_H = 0.165  # each further row of a per-rep legend
FOOT_H = 0.3
KEY_H_PT = 20.0  # height of the marker key line at the top of a strip, points
LINE_PT = 18.0  # height of one boxed note line under the key, points

#: style fixed here so a user's matplotlibrc cannot change the bytes we produce.
RC: dict[str, object] = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 10.5,
    "legend.fontsize": 7.5,
    "svg.hashsalt": "terraquota",
    "svg.fonttype": "path",
    "path.simplify": True,
    "agg.path.chunksize": 20000,
}


@dataclass(frozen=True)
class PanelAxes:
    """The two axes of one panel: the map and the legend strip under it."""

    map: Axes
    strip: Axes


def strip_height(legend_rows: int) -> float:
    """Height (inches) of a legend strip holding ``legend_rows`` rows under the key."""
    return STRIP_H + max(legend_rows - 1, 0) * ROW_H


def figure_size(n_panels: int, legend_rows: int = 0) -> tuple[float, float]:
    """Figure (width, height) in inches.

    Parameters
    ----------
    n_panels : int
        Map panels side by side (at least one is drawn).
    legend_rows : int
        Rows of per-rep legend the fullest strip needs under its marker key.
    """
    n = max(n_panels, 1)
    width = 2 * SIDE + n * PANEL_W + (n - 1) * GAP
    return width, TITLE_H + PANEL_TITLE_H + MAP_H + strip_height(legend_rows) + FOOT_H


def new_figure(n_panels: int, dpi: int, legend_rows: int = 0) -> tuple[Figure, list[PanelAxes]]:
    """A figure with ``n_panels`` map panels side by side, each with a legend strip.

    ``legend_rows`` leaves room under each map for that many rows of per-rep legend.
    """
    n = max(n_panels, 1)
    width, height = figure_size(n, legend_rows)
    strip_h = strip_height(legend_rows)
    fig = Figure(figsize=(width, height), dpi=dpi, facecolor="white")
    panels = []
    for i in range(n):
        left = (SIDE + i * (PANEL_W + GAP)) / width
        map_bottom = (FOOT_H + strip_h) / height
        m = fig.add_axes((left, map_bottom, PANEL_W / width, MAP_H / height))
        s = fig.add_axes((left, FOOT_H / height, PANEL_W / width, strip_h / height))
        for ax in (m, s):
            ax.set_xticks([])
            ax.set_yticks([])
        for spine in m.spines.values():
            spine.set_edgecolor("#8a8a8a")
            spine.set_linewidth(0.6)
        s.set_axis_off()
        panels.append(PanelAxes(map=m, strip=s))
    return fig, panels


def below_key(strip: Axes, extra_lines: int = 0) -> Transform:
    """Strip axes coordinates shifted down past the marker key (and ``extra_lines`` more)."""
    shift = KEY_H_PT + extra_lines * LINE_PT
    return offset_copy(strip.transAxes, fig=strip.figure, y=-shift, units="points")


def map_aspect() -> float:
    """Width / height of a map axes box."""
    return PANEL_W / MAP_H


def add_titles(fig: Figure, title: str, subtitle: str = "") -> None:
    """Figure title and an optional grey subtitle in the top band."""
    height = fig.get_figheight()
    fig.text(
        SIDE / fig.get_figwidth(),
        1 - 0.3 / height,
        title,
        fontsize=14,
        fontweight="bold",
        va="center",
        ha="left",
    )
    if subtitle:
        fig.text(
            SIDE / fig.get_figwidth(),
            1 - 0.58 / height,
            subtitle,
            fontsize=9,
            color="#555555",
            va="center",
            ha="left",
        )


def add_footnote(fig: Figure, note: str) -> None:
    """A small grey note along the bottom edge (what is not shown, and why)."""
    if note:
        fig.text(
            SIDE / fig.get_figwidth(),
            0.12 / fig.get_figheight(),
            note,
            fontsize=7.5,
            color="#555555",
            va="center",
            ha="left",
        )


def to_bytes(fig: Figure, fmt: Format) -> bytes:
    """Encode the figure; metadata without dates or versions, so bytes repeat."""
    buf = io.BytesIO()
    if fmt == "png":
        fig.savefig(buf, format="png", dpi=fig.dpi, metadata={"Software": None})
    elif fmt == "svg":
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    else:
        raise ValueError(f"unknown image format {fmt!r}; use 'png' or 'svg'")
    return buf.getvalue()


#: matplotlib's style lives in process-global rcParams; renders in threads take
#: turns so one render's style context never ends in the middle of another's.
_RENDER_LOCK = threading.Lock()


def render(draw: Callable[[], Figure], fmt: Format) -> bytes:
    """Run ``draw()`` under the fixed style and encode the figure it returns."""
    with _RENDER_LOCK, mpl.rc_context(RC):
        return to_bytes(draw(), fmt)


@dataclass(frozen=True)
class PanelPlan:
    """One panel to draw: which accounts and rep homes it holds, and where it looks."""

    spec: PanelSpec
    rows: np.ndarray  # positions of the panel's accounts in the account arrays
    frame: Frame
    x: np.ndarray  # projected account coordinates (same order as rows)
    y: np.ndarray
    homes: pd.DataFrame  # rep homes shown here: the input columns plus projected x, y

    def visible(self) -> np.ndarray:
        """Mask of the panel's accounts that fall inside its frame."""
        (x0, x1), (y0, y1) = self.frame.xlim, self.frame.ylim
        return (self.x >= x0) & (self.x <= x1) & (self.y >= y0) & (self.y <= y1)


def plan_panels(
    lon: np.ndarray,
    lat: np.ndarray,
    rep_ids: pd.Series,
    homes: pd.DataFrame,
) -> list[PanelPlan]:
    """Panels that have accounts, framed on those accounts and their reps' homes.

    Parameters
    ----------
    lon, lat : numpy.ndarray
        Account coordinates (NaN where unknown: such accounts are in no panel).
    rep_ids : pandas.Series
        The rep of each account (positional, same length as ``lon``).
    homes : pandas.DataFrame
        rep_id, lat, lon of rep homes with known coordinates. A home is shown
        in a panel when it lies in that panel's half of the world and its rep
        has accounts there.

    Returns
    -------
    list of PanelPlan
        In `PANELS` order; a region without accounts has no panel.
    """
    which = panel_index(lon)
    home_lon = homes["lon"].to_numpy(dtype=float)
    home_lat = homes["lat"].to_numpy(dtype=float)
    home_which = panel_index(home_lon)
    home_ids = homes["rep_id"].astype("string")
    plans = []
    for i, spec in enumerate(PANELS):
        rows = np.flatnonzero(which == i)
        if len(rows) == 0:
            continue
        serving = pd.unique(rep_ids.iloc[rows].dropna())
        h = (home_which == i) & home_ids.isin(serving).to_numpy(dtype=bool, na_value=False)
        frame = fit_frame(
            spec,
            np.concatenate([lon[rows], home_lon[h]]),
            np.concatenate([lat[rows], home_lat[h]]),
            map_aspect(),
        )
        x, y = project(lon[rows], lat[rows], frame.crs)
        panel_homes = homes[h].copy()
        panel_homes["x"], panel_homes["y"] = project(home_lon[h], home_lat[h], frame.crs)
        plans.append(PanelPlan(spec=spec, rows=rows, frame=frame, x=x, y=y, homes=panel_homes))
    return plans


def dot_size(n: int) -> float:
    """Marker area (pt^2) for n dots in a panel: big when few, small when many."""
    return float(np.clip(22.0 * (300.0 / max(n, 1)) ** 0.4, 2.0, 22.0))


def dot_alpha(n: int) -> float:
    """Dot opacity: opaque when few, translucent when many overlap."""
    return float(np.clip(0.95 - 0.21 * np.log10(max(n, 1) / 300.0), 0.55, 0.95))


def plural(n: int, word: str) -> str:
    """'1 account', '2,345 accounts'."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def not_shown(no_coordinates: int, off_frame: int) -> str:
    """Footnote naming the accounts that are not on the map."""
    parts = []
    if no_coordinates:
        parts.append(f"{plural(no_coordinates, 'account')} without coordinates")
    if off_frame:
        parts.append(f"{plural(off_frame, 'account')} outside the map frames")
    return "Not shown: " + "; ".join(parts) + "." if parts else ""


def no_data(ax: Axes, message: str) -> None:
    """Centred grey message in an empty map panel."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
