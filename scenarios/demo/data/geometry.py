"""Distances and the nearest-first split that place rep homes and draw today's territories."""

from __future__ import annotations

import numpy as np

from solver.geo import EARTH_RADIUS_KM


def km_matrix(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle km from every point 1 (rows) to every point 2 (columns).

    Unit vectors and an explicit elementwise dot product: trigonometry only per point,
    and no BLAS, whose summation order could differ between machines.
    """

    def unit(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        la, lo = np.radians(np.atleast_1d(lat)), np.radians(np.atleast_1d(lon))
        return np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)

    x1, y1, z1 = unit(lat1, lon1)
    x2, y2, z2 = unit(lat2, lon2)
    dot = x1[:, None] * x2[None, :] + y1[:, None] * y2[None, :] + z1[:, None] * z2[None, :]
    return EARTH_RADIUS_KM * np.arccos(np.clip(dot, -1.0, 1.0))


def capacitated_nearest(dist: np.ndarray, weight: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Greedy capacitated nearest-rep split, in vectorised rounds.

    Each round every unplaced account proposes to its nearest rep that still has
    room; each rep takes its proposers nearest first while its book is below its
    target (the last one may overshoot by one account); a rep that turns anyone
    away is full. At least one rep fills per round, so rounds <= reps + 1.
    """
    n, k = dist.shape
    owner = np.full(n, -1)
    room = target.astype(float).copy()
    full = np.zeros(k, dtype=bool)
    todo = np.arange(n)
    while len(todo) and not full.all():
        d = np.where(full[None, :], np.inf, dist[todo])
        pick = np.argmin(d, axis=1)
        order = np.lexsort((d[np.arange(len(todo)), pick], pick))
        p, w = pick[order], weight[todo][order]
        cum = np.cumsum(w)
        starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
        before = np.repeat(np.r_[0.0, cum][starts], np.diff(np.r_[starts, len(p)]))
        take = (cum - before - w) < room[p]
        owner[todo[order[take]]] = p[take]
        room -= np.bincount(p[take], weights=w[take], minlength=k)
        full[p[~take]] = True
        full |= room <= 0
        todo = todo[order[~take]]
    if len(todo):
        owner[todo] = np.argmin(dist[todo], axis=1)
    return owner
