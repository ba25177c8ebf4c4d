"""Rep names written inside their territories, only where the name fits.

With more reps than a legend can list, a territory map names a rep on the
map itself when the name's box fits inside one piece of its territory and
clears every label already placed (largest pieces first). Small territories
in dense cities stay unnamed rather than buried under overlapping text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes

#: label font size (points), and a character's width and a line's height as shares of it.
LABEL_PT = 6.0
_CHAR_EM = 0.62
_LINE_EM = 1.3


def _box_size(text: str, metres_per_point: float) -> tuple[float, float]:
    """Width and height (metres) of ``text`` at `LABEL_PT` on the map."""
    em = LABEL_PT * metres_per_point
    return len(text) * _CHAR_EM * em, _LINE_EM * em


def short_names(labels: pd.Series) -> pd.Series:
    """Each label's last word (a surname) where no other label ends with it.

    Planned hires ("TBH <rep_id>") keep their whole label: the id alone would hide that.
    """
    full = labels.astype("string")
    last = full.str.split().str[-1].fillna(full)
    keep = last.duplicated(keep=False) | full.str.startswith("TBH ").fillna(True)
    return last.where(~keep, full)


def _largest_pieces(territories: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each rep's largest polygon and its area."""
    pieces = []
    for geom in territories.to_numpy():
        parts = shapely.get_parts(geom)
        pieces.append(parts[np.argmax(shapely.area(parts))])
    largest = np.array(pieces, dtype=object)
    return largest, shapely.area(largest)


def place_labels(
    territories: pd.Series,
    labels: pd.Series,
    metres_per_point: float,
    frame: tuple[float, float, float, float] | None = None,
) -> pd.DataFrame:
    """Where each rep's name (else surname) fits inside its territory, clear of other names.

    Parameters
    ----------
    territories : pandas.Series
        shapely (Multi)Polygons by rep_id (`maps.outlines.rep_territories`).
    labels : pandas.Series
        Display name by rep_id.
    metres_per_point : float
        Map metres per typographic point at the rendered size.
    frame : (x0, y0, x1, y1), optional
        The visible map; a name that would not lie wholly inside it is left out.

    Returns
    -------
    pandas.DataFrame
        rep_id, label, x, y of the names that fit, largest territory first;
        the same inputs always give the same placements.
    """
    columns = ["rep_id", "label", "x", "y"]
    if territories.empty:
        return pd.DataFrame(columns=columns)
    pieces, area = _largest_pieces(territories)
    ids = territories.index.astype("string")
    full = labels.reindex(ids).fillna(pd.Series(ids, index=ids)).astype("string")
    names = np.column_stack([full.to_numpy(dtype=object), short_names(full).to_numpy(dtype=object)])
    order = np.lexsort((ids.to_numpy(dtype=object), -area))
    placed: list[shapely.Geometry] = []
    inside = shapely.box(*frame) if frame is not None else None
    rows = []
    for i in order:
        centre = shapely.point_on_surface(pieces[i])
        for name in dict.fromkeys(names[i]):  # the full name, else the surname
            width, height = _box_size(name, metres_per_point)
            box = shapely.box(
                centre.x - width / 2, centre.y - height / 2, centre.x + width / 2, centre.y + height / 2
            )
            if inside is not None and not shapely.contains(inside, box):
                continue
            if not any(shapely.intersects(box, p) for p in placed):
                placed.append(box)
                rows.append((str(ids[i]), name, centre.x, centre.y))
                break
    return pd.DataFrame(rows, columns=columns)


def metres_per_point(ax: Axes) -> float:
    """Map metres per typographic point in ``ax`` (equal-aspect map axes)."""
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    return float(np.diff(ax.get_xlim())[0]) / (width_in * 72.0)


def draw_labels(ax: Axes, placements: pd.DataFrame) -> None:
    """Write the placed names in dark grey with a white halo, above the dots."""
    halo = [patheffects.withStroke(linewidth=1.6, foreground="white")]
    for row in placements.itertuples(index=False):
        ax.text(
            row.x,
            row.y,
            row.label,
            fontsize=LABEL_PT,
            color="#222222",
            ha="center",
            va="center",
            path_effects=halo,
            zorder=6,
            clip_on=True,
        )
