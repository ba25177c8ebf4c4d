"""The stacked rule rows of a block as one row-wise sparse matrix (CSR).

HiGHS takes the model column-wise (`highs_backend.csc`); CP-SAT and PuLP
add constraints row by row, so they share this row-wise view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.assignment.rules import Rows


@dataclass(frozen=True)
class RowMatrix:
    """Rows i: entries ``col[start[i]:start[i+1]]`` / ``val[...]``, bounds ``lower[i] <= . <= upper[i]``."""

    start: np.ndarray
    col: np.ndarray
    val: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    group: np.ndarray  # index into ``rows`` of each row (which rule it belongs to)

    @property
    def n(self) -> int:
        return len(self.lower)

    def entries(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        s, e = self.start[i], self.start[i + 1]
        return self.col[s:e], self.val[s:e]


def row_matrix(rows: list[Rows]) -> RowMatrix:
    """Stack the rules' rows (zero coefficients dropped, entries sorted by row then column)."""
    offsets = np.cumsum([0] + [r.n for r in rows])
    n = int(offsets[-1])
    if not rows:
        empty = np.zeros(0)
        return RowMatrix(np.zeros(1, dtype=np.int64), empty.astype(np.int64), empty, empty, empty, empty)
    r_idx = np.concatenate([r.row + off for r, off in zip(rows, offsets, strict=False)]).astype(np.int64)
    c_idx = np.concatenate([r.col for r in rows]).astype(np.int64)
    vals = np.concatenate([r.val for r in rows]).astype(float)
    nz = vals != 0
    r_idx, c_idx, vals = r_idx[nz], c_idx[nz], vals[nz]
    order = np.lexsort((c_idx, r_idx))
    start = np.searchsorted(r_idx[order], np.arange(n + 1))
    return RowMatrix(
        start,
        c_idx[order],
        vals[order],
        np.concatenate([r.lower for r in rows]).astype(float),
        np.concatenate([r.upper for r in rows]).astype(float),
        np.repeat(np.arange(len(rows)), [r.n for r in rows]),
    )
