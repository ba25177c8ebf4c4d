"""Territory outlines: the convex hull of each rep's accounts in one panel.

Hulls are built in the panel's projected (equal-area) coordinates with
shapely's vectorised ``multipoints`` + ``convex_hull``: one geometry per rep,
no Python loop over accounts. A hull needs three accounts that do not lie
on one line; reps with fewer get no outline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

from maps.palette import colours_for

#: a rep needs this many accounts with coordinates in a panel to get an outline.
MIN_OUTLINE_ACCOUNTS = 3
#: above this many reps in a panel the outlines would hide the dots: none are drawn.
MAX_OUTLINED_REPS = 40
#: outline width (points) and the alpha of the light fill inside it.
OUTLINE_WIDTH = 0.8
FILL_ALPHA = 0.06


def rep_hulls(x: np.ndarray, y: np.ndarray, rep_ids: pd.Series) -> pd.Series:
    """Convex hull polygon of each rep's points, in the coordinates given.

    Parameters
    ----------
    x, y : numpy.ndarray
        Projected coordinates of the accounts (finite).
    rep_ids : pandas.Series
        Rep of each point (positional); points without a rep are ignored.

    Returns
    -------
    pandas.Series
        shapely Polygons indexed by rep_id (sorted), only for reps with at
        least `MIN_OUTLINE_ACCOUNTS` points whose hull has an area.
    """
    ids = rep_ids.reset_index(drop=True).astype("string")
    ok = ids.notna().to_numpy(dtype=bool) & np.isfinite(x) & np.isfinite(y)
    counts = ids[ok].value_counts()
    keep_ids = counts.index[counts >= MIN_OUTLINE_ACCOUNTS]
    ok &= ids.isin(keep_ids).to_numpy(dtype=bool, na_value=False)
    if not ok.any():
        return pd.Series([], dtype=object, index=pd.Index([], dtype="string", name="rep_id"))
    codes, uniques = pd.factorize(ids[ok], sort=True)
    order = np.argsort(codes, kind="stable")  # shapely wants the groups contiguous
    xy = np.column_stack([x[ok], y[ok]])[order]
    points = shapely.multipoints(shapely.points(xy), indices=codes[order])
    hulls = shapely.convex_hull(points)
    polygon = shapely.get_type_id(hulls) == 3  # collinear points give a line, not a polygon
    index = pd.Index(np.asarray(uniques, dtype=object)[polygon], dtype="string", name="rep_id")
    return pd.Series(hulls[polygon], index=index, dtype=object)


def draw_outlines(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    rep_ids: pd.Series,
    colour_table: pd.DataFrame,
) -> int:
    """Draw each rep's hull as a thin line in its colour over a faint fill.

    Nothing is drawn when the panel has more than `MAX_OUTLINED_REPS` reps.

    Returns
    -------
    int
        Number of outlines drawn.
    """
    if rep_ids.dropna().nunique() > MAX_OUTLINED_REPS:
        return 0
    hulls = rep_hulls(x, y, rep_ids)
    if hulls.empty:
        return 0
    rgba = colours_for(pd.Series(hulls.index, dtype="string"), colour_table)
    rings = [np.asarray(poly.exterior.coords) for poly in hulls.to_numpy()]  # one per rep
    face = rgba.copy()
    face[:, 3] = FILL_ALPHA
    ax.add_collection(
        PolyCollection(rings, facecolors=face, edgecolors=rgba, linewidths=OUTLINE_WIDTH, zorder=2.5),
        autolim=False,
    )
    return len(rings)
