"""Trade-off data over a batch: two KPIs per run and the non-dominated runs.

Finance and RevOps read a sweep as a trade-off: how much disruption buys how
much balance. Each solved member becomes a point (x, y) read from its
``metrics.json`` by dotted path (default: moved potential share vs worst
potential balance deviation); both axes are minimised, and a run is
non-dominated when no other run is at least as good on both and strictly
better on one. Identical points are all non-dominated (neither beats the other).
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from solver.errors import InputProblem
from solver.results.kpis import get, num

__all__ = [
    "DEFAULT_X",
    "DEFAULT_Y",
    "axis_problem",
    "kpi_value",
    "non_dominated",
    "numeric_paths",
    "tradeoff_frame",
]

DEFAULT_X = "moved.potential_share"
DEFAULT_Y = "balance.potential.max_abs_deviation"


def kpi_value(metrics: Mapping[str, Any] | None, path: str) -> float:
    """The number at dotted ``path`` in a run's metrics, NaN when missing or not a number."""
    return num(get(metrics, *path.split(".")))


def numeric_paths(metrics: Mapping[str, Any] | None, prefix: str = "") -> list[str]:
    """Every dotted path of ``metrics`` that holds a number (or a numeric string such as a quota)."""
    out: list[str] = []
    if not isinstance(metrics, Mapping):
        return out
    for k, v in metrics.items():
        path = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out += numeric_paths(v, path + ".")
        elif not isinstance(v, list) and not math.isnan(num(v)):
            out.append(path)
    return out


def axis_problem(option: str, path: str, runs: Sequence[Mapping[str, Any]]) -> InputProblem | None:
    """Why ``path`` cannot be a chart axis over these runs' metrics (with a did-you-mean), or None."""
    if not runs or any(not math.isnan(kpi_value(m, path)) for m in runs):
        return None
    known = sorted({p for m in runs for p in numeric_paths(m)})
    hint = difflib.get_close_matches(path, known, n=1, cutoff=0.4)
    why = f"{path!r} is not a number in any run's metrics.json" + (
        f"; did you mean {hint[0]!r}?" if hint else ""
    )
    return InputProblem(option, None, None, why)


def non_dominated(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mask of the points no other point dominates (both coordinates minimised).

    Parameters
    ----------
    x, y : numpy.ndarray
        Coordinates; points with a NaN coordinate are never non-dominated.

    Returns
    -------
    numpy.ndarray
        Boolean mask, aligned with ``x``.

    Notes
    -----
    O(n log n): after sorting by (x, y), a point is non-dominated when it has
    the least y of its x-group and that y is strictly below every y at a
    strictly smaller x.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    out = np.zeros(len(x), dtype=bool)
    idx = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if not len(idx):
        return out
    order = idx[np.lexsort((y[idx], x[idx]))]
    xs, ys = x[order], y[order]
    first = np.searchsorted(xs, xs, side="left")  # start of each point's x-group
    running_min = np.minimum.accumulate(ys)
    before = np.where(first > 0, running_min[np.maximum(first - 1, 0)], np.inf)
    out[order] = (ys == ys[first]) & (ys < before)
    return out


def tradeoff_frame(
    names: Sequence[str],
    statuses: Sequence[str],
    metrics: Sequence[Mapping[str, Any] | None],
    values: Sequence[Mapping[str, Any]],
    x: str = DEFAULT_X,
    y: str = DEFAULT_Y,
) -> pd.DataFrame:
    """One row per run: name, status, the two KPIs, non_dominated, then swept values.

    Parameters
    ----------
    names, statuses : sequence of str
        Run names and statuses, in batch order.
    metrics : sequence of mapping or None
        Each run's metrics.json (None for a member that produced none).
    values : sequence of mapping
        Each run's swept values (dotted key -> value); empty for plain scenarios.
    x, y : str
        Dotted metrics paths of the two axes.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, status, <x>, <y>, non_dominated, <swept keys...>``.
    """
    xs = np.array([kpi_value(m, x) for m in metrics], dtype=float)
    ys = np.array([kpi_value(m, y) for m in metrics], dtype=float)
    frame = pd.DataFrame({"name": list(names), "status": list(statuses)})
    frame[x] = xs
    if y != x:
        frame[y] = ys
    frame["non_dominated"] = non_dominated(xs, ys)
    for key in dict.fromkeys(k for v in values for k in v):
        if key not in frame:
            frame[key] = [_cell(v.get(key)) for v in values]
    return frame


def _cell(value: Any) -> Any:
    """Swept tables and lists as compact JSON text (one CSV cell)."""
    return json.dumps(value, sort_keys=True) if isinstance(value, Mapping | list) else value
