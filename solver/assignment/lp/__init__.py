"""The block LP: column generation, its row matrix, and rounding to a plan."""

from solver.assignment.lp.lp_round import (
    cheapest_mask,
    pairs_of,
    round_lp,
    sub_block,
)
from solver.assignment.lp.pricing import (
    priced_lp,
)
from solver.assignment.lp.rowwise import (
    RowMatrix,
    row_matrix,
)

__all__ = [
    "RowMatrix",
    "cheapest_mask",
    "pairs_of",
    "priced_lp",
    "round_lp",
    "row_matrix",
    "sub_block",
]
