"""One block as a problem of its own, so that a large touched block is solved as `solve` would.

A block past `solver.assignment.split.pieces.PIECE_UNITS` units is cut into
pieces by `solve`; re-solving it through `solve` on the block alone keeps that
machinery (pieces, their bound, their processes or Dask) instead of building
the whole block at once. Every rep is kept (pins and owners keep their
indices); only the block's reps belong to a block. Its figures convert to the
whole plan's scale by the ratio of total potentials: the objective's terms
are shares of total potential, and the distance reference is per block.
"""

from __future__ import annotations

import numpy as np

from solver.problem import Problem

_ACCOUNT_ARRAYS = (
    "account_ids",
    "account_segment",
    "account_region",
    "potential",
    "workload",
    "arr",
    "lat",
    "lon",
    "owner",
    "owner_id",
    "pin",
)
_OPTIONAL_ACCOUNT_ARRAYS = ("account_country", "account_language")


def block_problem(problem: Problem, b: int) -> tuple[Problem, np.ndarray]:
    """Block ``b`` alone, and the indices of its accounts in ``problem`` (sorted)."""
    accs = np.flatnonzero(problem.account_block() == b)
    units = np.unique(problem.unit[accs])
    changes: dict[str, object] = {name: getattr(problem, name)[accs] for name in _ACCOUNT_ARRAYS}
    for name in _OPTIONAL_ACCOUNT_ARRAYS:
        values = getattr(problem, name)
        changes[name] = None if values is None else values[accs]
    forbidden = problem.forbidden_pairs()
    mine = np.isin(forbidden[:, 0], accs)
    inside = np.column_stack([np.searchsorted(accs, forbidden[mine, 0]), forbidden[mine, 1]])
    sub = problem.replace(
        **changes,
        unit=np.searchsorted(units, problem.unit[accs]).astype(np.int64),
        unit_block=np.zeros(len(units), dtype=np.int64),
        rep_block=np.where(problem.rep_block == b, 0, -1).astype(np.int64),
        blocks=(problem.blocks[b],),
        forbidden=inside.astype(np.int64).reshape(-1, 2) if problem.forbidden is not None else None,
    )
    return sub, accs
