"""Territory outlines that follow the accounts: Voronoi cells clipped to land and to reach.

A convex hull of a rep's accounts crosses oceans (Johannesburg to Dubai
through Africa) and other reps' territories. Here each account gets its
Voronoi cell among all the panel's accounts, cut to the land and to a disc
of `reach` around the account; a rep's territory is the union of its
accounts' cells. Territories therefore never overlap (Voronoi cells only
meet at their edges), never reach across the sea, and stay near the accounts
(a lone account far away is a small island of its own, not a long arm).

Everything happens in the panel's projected (equal-area, metre) coordinates
with shapely's vectorised operations; a loop runs only over reps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.path import Path

from maps.palette import colours_for

#: a rep needs this many accounts with coordinates in a panel to get an outline.
MIN_OUTLINE_ACCOUNTS = 1
#: outline width (points) and the alpha of the fill inside it.
OUTLINE_WIDTH = 0.9
FILL_ALPHA = 0.16
#: a cell reaches at most this many median nearest-neighbour distances from its account,
#: and between these shares of the panel's width.
REACH_NEIGHBOURS = 5.0
REACH_SHARE = (0.02, 0.08)


def reach(x: np.ndarray, y: np.ndarray, width: float) -> float:
    """How far (metres) a territory may extend beyond its accounts in a panel ``width`` wide."""
    lo, hi = REACH_SHARE[0] * width, REACH_SHARE[1] * width
    pts = np.unique(np.column_stack([x, y]), axis=0)
    if len(pts) < 2:
        return hi
    points = shapely.points(pts)
    tree = shapely.STRtree(points)
    _, dist = tree.query_nearest(points, exclusive=True, return_distance=True, all_matches=False)
    return float(np.clip(REACH_NEIGHBOURS * np.median(dist), lo, hi))


def _unique_points(x: np.ndarray, y: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One point per location (the lowest rep code there wins), so every cell has one owner."""
    order = np.lexsort((codes, y, x))
    xy = np.column_stack([x, y])[order]
    first = np.ones(len(xy), dtype=bool)
    first[1:] = np.any(xy[1:] != xy[:-1], axis=1)
    return xy[first], codes[order][first]


#: segments per quarter circle of the reach discs.
_QUAD_SEGS = 8


def _cells(xy: np.ndarray, radius: float) -> np.ndarray:
    """Each point's Voronoi cell among all points, in input order (discs for fewer than 3 points)."""
    points = shapely.points(xy)
    if len(xy) < 3:
        return shapely.buffer(points, radius, quad_segs=_QUAD_SEGS)
    hull = shapely.multipoints(points)
    envelope = shapely.buffer(shapely.envelope(hull), 2 * radius)
    return shapely.get_parts(shapely.voronoi_polygons(hull, extend_to=envelope, ordered=True))


def _reaches_out(cells: np.ndarray, xy: np.ndarray, radius: float) -> np.ndarray:
    """Cells with a corner beyond what their point's reach disc surely covers.

    The polygonal disc is inscribed in the circle, so the test uses its inner radius.
    """
    coords, cell = shapely.get_coordinates(cells, return_index=True)
    far = np.zeros(len(cells))
    np.maximum.at(far, cell, np.hypot(*(coords - xy[cell]).T))
    return far > radius * np.cos(np.pi / (4 * _QUAD_SEGS))


def _merge_by_owner(cells: np.ndarray, owner: np.ndarray, reps: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """Union of each rep's cells.

    Uncut cells form an exact coverage (Voronoi cells share their edges), which
    `shapely.coverage_union_all` dissolves far faster than a general union; only
    the cells cut by their disc (about 1 % in a dense plan) go through `union_all`.
    """
    order = np.argsort(owner, kind="stable")
    start = np.searchsorted(owner[order], reps, side="left")
    stop = np.searchsorted(owner[order], reps, side="right")
    merged = []
    for lo, hi in zip(start, stop, strict=True):
        mine = order[lo:hi]
        inner, cut = mine[~outer[mine]], mine[outer[mine]]
        whole = shapely.coverage_union_all(cells[inner]) if len(inner) else shapely.Polygon()
        merged.append(shapely.union_all(np.append(cells[cut], whole)) if len(cut) else whole)
    return np.array(merged, dtype=object)


def rep_territories(
    x: np.ndarray,
    y: np.ndarray,
    rep_ids: pd.Series,
    land: shapely.Geometry | None = None,
    reach_m: float | None = None,
) -> pd.Series:
    """Each rep's territory: the union of its accounts' Voronoi cells, cut to land and reach.

    Parameters
    ----------
    x, y : numpy.ndarray
        Projected coordinates (metres) of the panel's accounts.
    rep_ids : pandas.Series
        Rep of each account (positional); accounts without a rep take part in
        the Voronoi diagram (their cells are nobody's) but get no outline.
    land : shapely geometry, optional
        Land in the same coordinates; cells are cut to it.
    reach_m : float, optional
        Radius of the disc each cell is cut to (default: `reach` of the points).

    Returns
    -------
    pandas.Series
        shapely (Multi)Polygons indexed by rep_id (sorted); reps whose cells
        are all empty after cutting are left out.
    """
    ids = rep_ids.reset_index(drop=True).astype("string")
    ok = np.isfinite(x) & np.isfinite(y)
    empty = pd.Series([], dtype=object, index=pd.Index([], dtype="string", name="rep_id"))
    if not ok.any():
        return empty
    codes, uniques = pd.factorize(ids[ok], sort=True, use_na_sentinel=True)
    xy, owner = _unique_points(x[ok], y[ok], codes)
    span = float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1.0))
    radius = reach_m if reach_m is not None else reach(xy[:, 0], xy[:, 1], span)
    cells = _cells(xy, radius)
    reps = np.unique(owner[owner >= 0])
    outer = _reaches_out(cells, xy, radius)
    cells[outer] = shapely.intersection(
        cells[outer], shapely.buffer(shapely.points(xy[outer]), radius, quad_segs=_QUAD_SEGS)
    )
    merged = _merge_by_owner(cells, owner, reps, outer)
    if land is not None and len(merged):
        # One cut per rep, against the land within its own bounds: far cheaper than per cell.
        near = [
            shapely.clip_by_rect(land, *box) if np.isfinite(box).all() else shapely.Polygon()
            for box in shapely.bounds(merged)
        ]
        merged = shapely.intersection(merged, np.array(near, dtype=object))
    out = {
        str(uniques[code]): geom
        for code, geom in zip(reps, merged, strict=True)
        if not shapely.is_empty(geom) and shapely.area(geom) > 0
    }
    if not out:
        return empty
    index = pd.Index(sorted(out), dtype="string", name="rep_id")
    return pd.Series([out[k] for k in index], index=index, dtype=object)


def neighbours(territories: pd.Series, gap_m: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of reps whose territories touch (or come within ``gap_m``), each pair once, sorted."""
    geoms = territories.to_numpy()
    if len(geoms) < 2:
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=gap_m)
    names = territories.index.to_numpy(dtype=object)
    pairs = {(names[i], names[j]) for i, j in zip(left, right, strict=True) if i < j}
    return sorted(pairs)


def _polygon_path(geom: shapely.Geometry) -> Path:
    rings = shapely.get_rings(shapely.get_parts(geom))
    return Path.make_compound_path(*[Path(shapely.get_coordinates(r), closed=True) for r in rings])


def touching_reps(x: np.ndarray, y: np.ndarray, rep_ids: pd.Series, max_edge: float) -> list[tuple[str, str]]:
    """Pairs of reps with accounts that are Delaunay neighbours at most ``max_edge`` apart.

    These are the territories that share a border on the map (a long edge
    across the sea or an empty area does not count), found for any number of
    reps without building the territories.
    """
    ids = rep_ids.reset_index(drop=True).astype("string")
    ok = np.isfinite(x) & np.isfinite(y) & ids.notna().to_numpy(dtype=bool)
    if ok.sum() < 3:
        return []
    codes, uniques = pd.factorize(ids[ok], sort=True)
    xy, owner = _unique_points(x[ok], y[ok], codes)
    if len(xy) < 3:
        return []
    edges = shapely.delaunay_triangles(shapely.multipoints(shapely.points(xy)), only_edges=True)
    ends = shapely.get_coordinates(edges).reshape(-1, 2, 2)  # every edge has two ends
    # Edge ends back to point positions by hashing (x, y) as one complex number: the ends
    # are input points, exactly, and the points are unique.
    lookup = pd.Index(xy[:, 0] + 1j * xy[:, 1])
    i = lookup.get_indexer(ends[:, 0, 0] + 1j * ends[:, 0, 1])
    j = lookup.get_indexer(ends[:, 1, 0] + 1j * ends[:, 1, 1])
    short = np.hypot(*(xy[i] - xy[j]).T) <= max_edge
    a, b = owner[i][short], owner[j][short]
    differ = a != b
    lo, hi = np.minimum(a, b)[differ], np.maximum(a, b)[differ]
    n = len(uniques)
    pairs = np.unique(lo.astype(np.int64) * n + hi)  # one number per pair: a 1-D sort
    names = np.asarray(uniques, dtype=object)
    return [(str(names[c // n]), str(names[c % n])) for c in pairs]


def draw_outlines(ax: Axes, territories: pd.Series, colour_table: pd.DataFrame) -> int:
    """Draw each rep's territory (`rep_territories`) as a line in its colour over a light fill.

    Returns
    -------
    int
        Number of territories drawn.
    """
    if territories.empty:
        return 0
    rgba = colours_for(pd.Series(territories.index, dtype="string"), colour_table)
    face = rgba.copy()
    face[:, 3] = FILL_ALPHA
    paths = [_polygon_path(g) for g in territories.to_numpy()]
    ax.add_collection(
        PathCollection(paths, facecolors=face, edgecolors=rgba, linewidths=OUTLINE_WIDTH, zorder=2.5),
        autolim=False,
    )
    return len(paths)
