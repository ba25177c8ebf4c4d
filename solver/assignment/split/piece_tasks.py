"""What one worker does with one piece (or whole block): plain data in, plain data out.

`solver.assignment.solve` runs these in parallel processes for large
problems (each worker builds its own piece, so the parent never holds every
block's pairs at once) and in-process for small ones (reusing the pieces it
built for the pre-checks).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

import numpy as np

from solver.assignment.backends.highs_backend import BackendOutcome
from solver.assignment.block import BlockData, block_reps, block_targets, build_block
from solver.assignment.block_solve import global_plan, local_plan, run_block
from solver.assignment.lexicographic import run_block_lexicographic
from solver.assignment.lp.lp_round import pairs_of
from solver.assignment.result import Status, relative_gap
from solver.assignment.rules import pair_costs
from solver.assignment.split.block_bound import PieceDuals, piece_duals
from solver.assignment.split.pieces import Piece
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Weight of the plan's objective in the least-disruption pass (a tie-break).
FIRST_PASS_TIE_BREAK = 1e-3

log = logging.getLogger(__name__)


def _log_piece(problem: Problem, block: BlockData, out: BackendOutcome, task: PlanTask, began: float) -> None:
    """One line per piece solved: where the time of a large run goes."""
    log.info(
        "%s %s units x %s reps: %s in %.1f s (share %.1f s), gap %s",
        problem.block_name(block.index),
        f"{len(block.units):,}",
        f"{len(block.reps):,}",
        out.status.value,
        time.perf_counter() - began,
        task.share,
        f"{relative_gap(out.objective, out.bound):.2%}" if out.x is not None else "-",
    )


def tie_break(block: BlockData, rules: AssignmentConfig, total_p: float, d_ref_km: float) -> np.ndarray:
    """The plan's own objective, scaled down: the least-disruption pass's tie-break per pair."""
    return FIRST_PASS_TIE_BREAK * pair_costs(block, rules, total_p, d_ref_km)


def tie_rest(block: BlockData, rules: AssignmentConfig, total_p: float, d_ref_km: float) -> np.ndarray:
    """The tie-break's terms other than moved potential."""
    return tie_break(block, rules, total_p, d_ref_km) - moves_weight(rules) * block.moved / total_p


def moves_weight(rules: AssignmentConfig) -> float:
    """Weight of moved potential / P in the tie-break."""
    return FIRST_PASS_TIE_BREAK * float(rules.weights.get("disruption", 0.0))


def least_moves_bound(rules: AssignmentConfig, bound: float, most_rest: float) -> float:
    """A lower bound on moved potential / P from a bound on the least-disruption pass's
    objective (moves/P + tie-break). For every plan x, bound <= (1 + e) moves(x)/P + rest(x),
    where e moves/P is the tie-break's own moves term and rest(x) <= ``most_rest`` (the sum
    over units of their largest rest); without the distance term the bound loses only a
    factor 1 + e (1e-3), where subtracting the whole tie-break lost 0.1% of every unit's
    potential: enough, on a held-out 10k instance, to miss that a budget was infeasible."""
    return max(0.0, (bound - most_rest) / (1.0 + moves_weight(rules)))


class LeastCost:
    """The least-disruption pass's objective per pair of any block, piece or chunk (picklable)."""

    def __init__(self, rules: AssignmentConfig, total_p: float, d_ref: np.ndarray) -> None:
        self.rules, self.total_p, self.d_ref = rules, total_p, d_ref

    def tie(self, block: BlockData) -> np.ndarray:
        return tie_break(block, self.rules, self.total_p, float(self.d_ref[block.index]))

    def rest(self, block: BlockData) -> np.ndarray:
        """The tie-break less its moved-potential part (see `least_moves_bound`)."""
        return tie_rest(block, self.rules, self.total_p, float(self.d_ref[block.index]))

    def __call__(self, block: BlockData) -> np.ndarray:
        return block.moved / self.total_p + self.tie(block)


def build_piece(problem: Problem, piece: Piece) -> BlockData:
    """The model data of a piece: its block's targets when the block is split."""
    if piece.parts == 1:
        return build_block(problem, piece.block)
    targets = block_targets(problem, piece.block)
    at = np.searchsorted(block_reps(problem, piece.block), piece.reps)
    return build_block(problem, piece.block, piece.units, piece.reps, {m: t[at] for m, t in targets.items()})


def _block(problem: Problem, source: Piece | BlockData) -> BlockData:
    return build_piece(problem, source) if isinstance(source, Piece) else source


@dataclass(frozen=True)
class PieceOutcome:
    """A piece's plan (global rep per unit) and outcome, or the reason it has none."""

    outcome: BackendOutcome  # without the pair values
    rep_of_unit: np.ndarray
    duals: PieceDuals | None = None  # a piece's row duals, for its whole block's bound
    failed: BackendOutcome | None = None  # set when there is no plan (with the block for explaining)
    #: least-disruption pass only: moved potential of the plan, its local plan
    least: float = 0.0
    start: np.ndarray | None = None
    most_rest: float = 0.0  # sum over units of their largest `tie_rest`


@dataclass(frozen=True)
class PlanTask:
    """Inputs of a piece's solve besides the problem (small, picklable)."""

    rules: AssignmentConfig
    total_p: float
    d_ref_km: float
    budget: float | None
    start: np.ndarray | None
    share: float
    hard: float
    penalty: object | None = None  # `solver.assignment.solve.Avoid`
    #: least-disruption pass: a plan keeping the piece's rules (global rep per unit, in the
    #: order of the piece's units), the plan without the budget
    warm: np.ndarray | None = None
    #: the run's own deadline: a piece that starts after ``hard`` (the time kept for the pieces
    #: after it is already used) still gets its share to find a plan, up to this
    run_end: float | None = None

    def deadline(self) -> float:
        """The latest finish of a piece starting now.

        Every piece needs a plan for the run to have one, so a piece that starts
        late (the pieces before it ran past their shares) gets its share all the
        same while the run has time. Without it, on a held-out million accounts
        the last pieces started after their reserved deadlines and gave up within
        seconds, though the run had a minute left.
        """
        if self.run_end is None:
            return self.hard
        return max(self.hard, min(self.run_end, time.perf_counter() + self.share))


def plan_piece(problem: Problem, source: Piece | BlockData, task: PlanTask) -> PieceOutcome:
    """Solve one piece for the plan's objective (with its share of the disruption budget)."""
    began = time.perf_counter()
    block = _block(problem, source)
    rules = task.rules
    cost = pair_costs(block, rules, task.total_p, task.d_ref_km)
    penalty = task.penalty.block_penalty(block) if task.penalty is not None else None  # type: ignore[attr-defined]
    if penalty is not None:
        cost = cost + penalty
    if rules.objective == "lexicographic":
        out, solved = run_block_lexicographic(
            problem, block, rules, task.budget, task.share, total_p=task.total_p, d_ref_km=task.d_ref_km
        )
    else:
        until = task.deadline()
        out, solved = run_block(problem, block, rules, cost, task.budget, task.share, until, task.start)
    _log_piece(problem, block, out, task, began)
    if out.x is None:
        return PieceOutcome(dataclasses.replace(out, row_dual=None), np.zeros(0, dtype=np.int64), failed=out)
    plan = global_plan(solved, out.x)
    duals = None
    if block.is_piece and out.row_dual is not None:
        duals = piece_duals(problem, block, rules, task.budget, out.row_dual)
    if penalty is not None:
        paid = float(penalty[pairs_of(block, np.arange(len(block.units)), local_plan(solved, out.x))].sum())
        real = out.objective - paid
        bound_b = task.penalty.bound_of(block.index)  # type: ignore[attr-defined]
        out = dataclasses.replace(
            out,
            objective=real,
            bound=bound_b,
            status=Status.OPTIMAL if relative_gap(real, bound_b) <= rules.mip_gap else Status.FEASIBLE,
        )
    return PieceOutcome(dataclasses.replace(out, x=None, row_dual=None), plan, duals=duals)


def least_piece(problem: Problem, source: Piece | BlockData, task: PlanTask) -> PieceOutcome:
    """Least potential moved in one piece, ties broken by the plan's own objective.

    Moves alone make a very degenerate LP; the tie-break keeps it well posed,
    and its bound still bounds the moves (moves/P >= bound - sum_u max_r tie_ur).
    """
    block = _block(problem, source)
    tie = tie_break(block, task.rules, task.total_p, task.d_ref_km)
    start = local_reps(block, task.warm)
    out, solved = run_block(
        problem, block, task.rules, block.moved / task.total_p + tie, None, task.share, task.deadline(), start
    )
    if out.x is None:
        return PieceOutcome(dataclasses.replace(out, row_dual=None), np.zeros(0, dtype=np.int64), failed=out)
    most_rest = np.zeros(len(block.units))
    np.maximum.at(most_rest, block.pair_unit, tie_rest(block, task.rules, task.total_p, task.d_ref_km))
    duals = None
    if block.is_piece and out.row_dual is not None:
        duals = piece_duals(problem, block, task.rules, None, out.row_dual)
    return PieceOutcome(
        dataclasses.replace(out, x=None, row_dual=None),
        global_plan(solved, out.x),
        duals=duals,
        least=float(solved.moved @ out.x),
        start=local_plan(solved, out.x),
        most_rest=float(most_rest.sum()),
    )


def local_reps(block: BlockData, reps: np.ndarray | None) -> np.ndarray | None:
    """Global ``reps`` (one per unit of the block, in its order) as local reps; None if one is
    not a rep of the block or the lengths differ."""
    if reps is None or len(reps) != len(block.units) or len(block.reps) == 0:
        return None
    at = np.searchsorted(block.reps, reps).clip(0, len(block.reps) - 1)
    return at if np.array_equal(block.reps[at], reps) else None


def shares(sizes: list[int], total: float, workers: int) -> list[float]:
    """Each piece's time share, by its number of pairs, over ``workers`` processes."""
    all_pairs = max(sum(sizes), 1)
    return [max(total, 0.5) * workers * s / all_pairs for s in sizes]
