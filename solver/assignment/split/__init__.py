"""Large blocks in pieces: how many, the cut, what one worker solves, and the whole block's bound."""

from solver.assignment.split.block_bound import (
    PieceDuals,
    lagrangian_bound,
)
from solver.assignment.split.piece_tasks import (
    LeastCost,
    PieceOutcome,
    PlanTask,
    build_piece,
    least_piece,
    plan_piece,
    shares,
)
from solver.assignment.split.pieces import (
    PIECE_UNITS,
    Piece,
    Split,
    split_block,
)
from solver.assignment.split.sizing import BlockSize, piece_counts

__all__ = [
    "PIECE_UNITS",
    "BlockSize",
    "LeastCost",
    "Piece",
    "PieceDuals",
    "PieceOutcome",
    "PlanTask",
    "Split",
    "build_piece",
    "lagrangian_bound",
    "least_piece",
    "piece_counts",
    "plan_piece",
    "shares",
    "split_block",
]
