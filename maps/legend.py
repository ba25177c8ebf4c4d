"""Legend strips under the maps: a marker key, then reps by name when few enough.

With ~150 reps a per-rep legend is unreadable, so a panel lists its reps by
name only up to `MAX_NAMED_REPS`; beyond that a one-line note says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from maps.layout import PANEL_W, below_key
from maps.palette import colours_for

#: a panel lists its reps by name up to this many.
MAX_NAMED_REPS = 25
#: marker of a rep's home base.
HOME_MARKER = "*"
_NOTE_GREY = "#555555"
_MAX_COLUMNS = 4
# Conservative widths at the legend's 7.5 pt: a character, and marker plus spacing.
_CHAR_IN = 0.062
_ENTRY_IN = 0.45


def rep_list_columns(labels: Sequence[str]) -> int:
    """Columns of a per-rep legend such that its longest label still fits the panel."""
    longest = max((len(label) for label in labels), default=0)
    return int(np.clip(PANEL_W // (longest * _CHAR_IN + _ENTRY_IN), 1, _MAX_COLUMNS))


def legend_rows(labels: Sequence[str]) -> int:
    """Rows a panel's per-rep legend takes (0 when there are none or too many to list)."""
    if not 0 < len(labels) <= MAX_NAMED_REPS:
        return 0
    return -(-len(labels) // rep_list_columns(labels))


def dot_handle(colour: Sequence[float] | np.ndarray | str, label: str, edge: str = "none") -> Line2D:
    """Legend entry for an account dot."""
    return Line2D(
        [],
        [],
        linestyle="none",
        marker="o",
        markersize=6.0,
        markerfacecolor=colour,
        markeredgecolor=edge,
        markeredgewidth=0.6,
        label=label,
    )


def home_handle(label: str) -> Line2D:
    """Legend entry for a rep home star."""
    return Line2D(
        [],
        [],
        linestyle="none",
        marker=HOME_MARKER,
        markersize=10,
        markerfacecolor="white",
        markeredgecolor="black",
        markeredgewidth=0.8,
        label=label,
    )


def outline_handle(label: str) -> Patch:
    """Legend entry for a territory outline."""
    return Patch(facecolor="#5a5a5a10", edgecolor="#5a5a5a", linewidth=0.8, label=label)


def draw_key(strip: Axes, handles: list[Line2D | Patch]) -> None:
    """One line of marker meanings along the top of the strip."""
    key = strip.legend(
        handles=handles,
        loc="upper left",
        ncol=len(handles),
        frameon=False,
        bbox_to_anchor=(0.0, 1.0),
        handletextpad=0.3,
        columnspacing=1.6,
        borderaxespad=0.2,
    )
    strip.add_artist(key)


def draw_note(strip: Axes, note: str, boxed: bool = False) -> None:
    """A line of text under the key (boxed for summaries)."""
    box = {"boxstyle": "round,pad=0.35", "facecolor": "#f7f7f7", "edgecolor": "#b0b0b0"} if boxed else None
    strip.text(
        0.008,
        0.97,
        note,
        transform=below_key(strip),
        fontsize=8 if boxed else 7.5,
        color="black" if boxed else _NOTE_GREY,
        va="top",
        ha="left",
        bbox=box,
    )


def draw_rep_list(
    strip: Axes,
    rep_ids: pd.Series,
    labels: pd.Series,
    colour_table: pd.DataFrame,
    *,
    offset_lines: int = 0,
) -> None:
    """Reps by name in up to four columns under the key (for <= MAX_NAMED_REPS reps)."""
    rgba = colours_for(rep_ids.reset_index(drop=True), colour_table)
    handles = [dot_handle(rgba[i], label) for i, label in enumerate(labels.tolist())]
    strip.legend(
        handles=handles,
        loc="upper left",
        ncol=rep_list_columns(labels.tolist()),
        frameon=False,
        bbox_to_anchor=(0.0, 1.0),
        bbox_transform=below_key(strip, extra_lines=offset_lines),
        handletextpad=0.3,
        columnspacing=1.0,
        borderaxespad=0.2,
        labelspacing=0.35,
    )
