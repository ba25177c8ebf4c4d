"""How many pieces each block is cut into: by its units, then by the work the time limit holds.

A piece's first plan (LP, rounding, repair, local search) costs about
`SECONDS_PER_MILLION_PAIRS` of one core per million (unit, rep) pairs
(measured at 200k-1M accounts: 6-10 s). Cutting a block of P pairs into k
pieces leaves k pieces of P / k^2 pairs, so its work falls like 1 / k. When
the pieces cut by units alone hold more work than the workers can do in
`WORK_SHARE` of the time limit, the block with the largest pieces is cut once
more, until the work fits. Without it, a 300k x 1,500 run at 180 s gave its
last pieces too little time: their LPs did not finish, and their plans came
from the construction alone, 20-39% above their bounds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: One core's seconds per million pairs for a piece's first plan (measured, 200k-1M accounts).
SECONDS_PER_MILLION_PAIRS = 7.5
#: Share of the time limit x workers the pieces' first plans may fill; the rest goes to
#: splitting, the search by groups of reps, a repair under the budget and the check.
WORK_SHARE = 0.75
#: A block is not cut further once its pieces would hold fewer pairs than this.
MIN_PIECE_PAIRS = 1_000_000
#: Never make a piece with fewer reps than this (a piece must be able to balance).
MIN_PIECE_REPS = 6


@dataclass(frozen=True)
class BlockSize:
    """A block's units and reps, as the cut sees them."""

    units: int
    reps: int

    @property
    def pairs(self) -> int:
        return self.units * self.reps

    def most_parts(self) -> int:
        return max(self.reps // MIN_PIECE_REPS, 1)


def machine_workers() -> int:
    """The workers the cut assumes: this machine's cores, whichever engine runs the pieces
    (local processes, a batch worker, Dask), so that every engine cuts a block alike and
    gives the same plan."""
    return os.cpu_count() or 1


def pairs_held(seconds: float, workers: int) -> tuple[float, float]:
    """Pairs the pieces may hold in all, and in one piece (one piece runs on one core)."""
    per_core = max(seconds, 0.0) * WORK_SHARE / SECONDS_PER_MILLION_PAIRS * 1e6
    return per_core * max(workers, 1), per_core


def piece_counts(sizes: dict[int, BlockSize], max_units: int, seconds: float, workers: int) -> dict[int, int]:
    """Pieces per block: enough that none holds more than ``max_units`` units, then more,
    largest pieces first, while the pieces hold more pairs than ``seconds`` on ``workers``
    cores can plan (in all, or in one piece)."""
    counts = {b: min(max(-(-s.units // max_units), 1), s.most_parts()) for b, s in sizes.items()}
    total_cap, piece_cap = pairs_held(seconds, workers)

    def piece_pairs(b: int) -> float:
        return sizes[b].pairs / counts[b] ** 2

    def can_cut(b: int) -> bool:
        more = counts[b] + 1
        return more <= sizes[b].most_parts() and sizes[b].pairs / more**2 >= MIN_PIECE_PAIRS

    while True:
        total = sum(piece_pairs(b) * counts[b] for b in counts)
        open_ = [b for b in counts if can_cut(b)]
        over = [b for b in open_ if piece_pairs(b) > piece_cap]
        if not over and (total <= total_cap or not open_):
            return counts
        b = max(over or open_, key=lambda c: (piece_pairs(c), -c))
        counts[b] += 1
