"""Even out the pieces' totals once the split's tree is cut: units move between pieces by an LP.

Each cut down the tree (`solver.assignment.split.pieces`) aims its sides at
their share of every balanced metric, and accepts up to `BAND_MARGIN`
tolerances of error; the errors of the cuts above a piece add up. On a
held-out million accounts a piece three cuts deep held 1.04 tolerances too
little potential: fewer than its reps' lower bands call for, so it had no
plan at all, and the whole run ended without one.

When a piece ends further out than `REBALANCE_TRIGGER` tolerances, the worst
piece exchanges units with the piece whose deviations most oppose its own, by
the cut's small LP (`solver.assignment.split.transfer`: least deviation from
both pieces' shares of what they hold together, then least regret, priced by
the sample's duals as the cut was), until every piece is within
`REBALANCE_MARGIN` of its wanted totals or an exchange no longer helps.

Tried first: one LP over all pieces at once (each unit free to move to its
cheapest other pieces). Its many free moves make it very degenerate: on a
block of 122k units in 7 pieces it took 87-183 s against about a second for
the exchanges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.assignment.split.transfer import Wanted, transfer

#: Pieces further out than this (in tolerances of their wanted totals) are evened out.
REBALANCE_TRIGGER = 0.5
#: Each piece aims within this share of each metric's tolerance of its wanted total.
REBALANCE_MARGIN = 0.25
#: At most this many exchanges per piece.
ROUNDS_PER_PIECE = 3


@dataclass(frozen=True)
class Leaves:
    """What the pieces hold and want, per balanced metric (rows) and piece (columns)."""

    values: np.ndarray  # metrics x units
    want: np.ndarray  # metrics x pieces: wanted totals
    tolerance: np.ndarray  # per metric, as a share of the wanted total

    def deviation(self, piece: np.ndarray) -> np.ndarray:
        """Each piece's total less its wanted total, in tolerances (metrics x pieces)."""
        held = self.held(piece)
        return (held - self.want) / np.maximum(self.tolerance[:, None] * self.want, 1e-12)

    def held(self, piece: np.ndarray) -> np.ndarray:
        """Each piece's total of each metric (metrics x pieces)."""
        n_pieces = self.want.shape[1]
        return np.vstack([np.bincount(piece, weights=v, minlength=n_pieces) for v in self.values])


def worst_deviation(leaves: Leaves, piece: np.ndarray) -> float:
    """The largest absolute deviation of any piece and metric, in tolerances."""
    dev = leaves.deviation(piece)
    return float(np.abs(dev).max(initial=0.0))


def _partner(dev: np.ndarray, p: int) -> int:
    """The piece whose deviations most oppose piece ``p``'s (what one holds too much of, the
    other holds too little of)."""
    score = -(dev[:, p] @ dev)
    score[p] = -np.inf
    return int(np.argmax(score))


def _exchange(
    piece: np.ndarray, cost: np.ndarray, movable: np.ndarray, leaves: Leaves, p: int, q: int
) -> np.ndarray:
    """Pieces ``p`` and ``q`` after the least-regret exchange of units that brings both within
    `REBALANCE_MARGIN` of their share of what the two hold together."""
    both = np.flatnonzero((piece == p) | (piece == q))
    in_p = piece[both] == p
    values = leaves.values[:, both]
    total = values.sum(axis=1)
    share = leaves.want[:, p] / np.maximum(leaves.want[:, p] + leaves.want[:, q], 1e-12)
    want_p, want_q = share * total, (1.0 - share) * total
    width = REBALANCE_MARGIN * leaves.tolerance
    wanted = Wanted(want_p, want_q, width * want_p, width * want_q)
    there = np.where(in_p, cost[both, q], cost[both, p])
    here = np.where(in_p, cost[both, p], cost[both, q])
    ok = movable[both] & np.isfinite(there) & np.isfinite(here)
    regret = np.where(ok, there - here, 0.0)
    side = transfer(in_p, regret, ok, values, wanted)
    out = piece.copy()
    out[both] = np.where(side, p, q)
    return out


def rebalance(piece: np.ndarray, cost: np.ndarray, movable: np.ndarray, leaves: Leaves) -> np.ndarray:
    """Each unit's piece after exchanges between pairs of pieces, worst piece first, until
    every piece is within `REBALANCE_MARGIN` tolerances of its wanted totals or an exchange
    no longer helps.

    ``cost`` is units x pieces: each unit's cheapest priced cost in each piece
    (inf where it has no eligible rep there); a move pays the difference.
    Each exchange is the cut's own small LP (`solver.assignment.split.transfer`)
    between the worst piece and the one whose deviations most oppose it.
    """
    n_pieces = leaves.want.shape[1]
    for _ in range(ROUNDS_PER_PIECE * n_pieces):
        dev = leaves.deviation(piece)
        worst = float(np.abs(dev).max(initial=0.0))
        if worst <= REBALANCE_MARGIN or n_pieces < 2:
            break
        p = int(np.unravel_index(np.argmax(np.abs(dev)), dev.shape)[1])
        after = _exchange(piece, cost, movable, leaves, p, _partner(dev, p))
        if worst_deviation(leaves, after) >= worst - 1e-9:
            break
        piece = after
    return piece
