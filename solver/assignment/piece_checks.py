"""Pre-checks of a run's pieces, before any solving: findings, sizes, and what to solve whole.

Each piece is built once to run the block pre-checks (`solver.assignment.prechecks`)
and to measure it (pairs, potential, moves forced by departed owners). A block
that fails its checks in pieces is checked whole, so that its findings (and
later its explanation) are about the block a planner knows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from solver.assignment.block import BlockData, block_reps, block_units
from solver.assignment.executor import block_workers, map_tasks
from solver.assignment.prechecks import block_findings, budget_finding, forced_moves
from solver.assignment.split.piece_tasks import build_piece
from solver.assignment.split.pieces import Piece, Split
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Problems with at least this many accounts solve their blocks in parallel processes.
PARALLEL_MIN_ACCOUNTS = 10_000


def block_workers_for(problem: Problem, blocks: Sequence[object]) -> int:
    """Tasks at once (`solver.assignment.executor`): an installed engine's workers, or one process
    per core for large problems, never inside a daemon worker."""
    return block_workers(problem.n_accounts, len(blocks), PARALLEL_MIN_ACCOUNTS)


#: A block with more (unit, rep) pairs than this is never solved whole when its pieces fail.
#: Measured: a whole-block solve peaks near 350 bytes a pair (4.6M pairs: 1.7 GB), and its
#: fallbacks (full LP, construction) more; 10M pairs keeps a retry within a few GB.
MAX_WHOLE_PAIRS = 10_000_000


def too_big(problem: Problem, b: int) -> bool:
    return len(block_units(problem, b)) * len(block_reps(problem, b)) > MAX_WHOLE_PAIRS


def too_big_text(problem: Problem, b: int, why: list[str]) -> str:
    units, reps = len(block_units(problem, b)), len(block_reps(problem, b))
    return (
        f"{problem.block_name(b)}: solved in pieces, one of which has no plan ({'; '.join(why[:3])}); "
        f"solving the block whole would take {units:,} units x {reps:,} reps = {units * reps:,} pairs, "
        f"more than {MAX_WHOLE_PAIRS:,}. Widen its tolerances, or split the block (segment or region)."
    )


@dataclass(frozen=True)
class _Checked:
    """A piece's pre-check findings and the figures the passes need (its data if kept)."""

    findings: list[str]
    pairs: int
    potential: float
    forced: float
    block: BlockData | None


def _precheck(problem: Problem, piece: Piece, rules: AssignmentConfig, keep: bool) -> _Checked:
    block = build_piece(problem, piece)
    forced = forced_moves(problem, [block]) if piece.parts == 1 else 0.0
    return _Checked(
        block_findings(problem, block, rules),
        len(block.pair_unit),
        float(block.unit_values["potential"].sum()),
        forced,
        block if keep else None,
    )


def _prechecks(
    problem: Problem, rules: AssignmentConfig, splits: dict[int, Split], keep: bool
) -> dict[int, list[_Checked]]:
    """Every piece's pre-checks; large problems check their pieces in parallel processes."""
    every = [p for split in splits.values() for p in split.pieces]
    # pieces kept for the solve are built here, in the parent
    workers = 1 if keep else block_workers_for(problem, every)
    done = map_tasks(workers, _precheck, [(problem, p, rules, keep) for p in every])
    out: dict[int, list[_Checked]] = {b: [] for b in splits}
    for piece, checked in zip(every, done, strict=True):
        out[piece.block].append(checked)
    return out


def whole_block(problem: Problem, b: int) -> Split:
    return Split([Piece(b, 0, 1, block_units(problem, b), block_reps(problem, b))])


@dataclass
class CheckedPieces:
    """The pieces to solve after the pre-checks (a block failing them in pieces is solved whole)."""

    splits: dict[int, Split]
    pieces: list[Piece]
    built: list[BlockData]
    sizes: list[int]
    potential: list[float]
    findings: list[str]
    forced: float
    too_big: str | None = None


def check_pieces(
    problem: Problem, rules: AssignmentConfig, splits: dict[int, Split], keep: bool
) -> CheckedPieces:
    """Pre-checks, piece by piece. Large problems let their workers rebuild the pieces:
    the parent keeps only their sizes."""
    out = CheckedPieces(dict(splits), [], [], [], [], [], 0.0)
    checked = _prechecks(problem, rules, splits, keep)
    for b in range(len(problem.blocks)):
        mine = checked[b]
        found = [f for c in mine for f in c.findings]
        if found and len(mine) > 1:
            if too_big(problem, b):
                out.too_big = too_big_text(problem, b, found)
                return out
            out.splits[b] = whole_block(problem, b)
            mine = [_precheck(problem, out.splits[b].pieces[0], rules, keep)]
            found = mine[0].findings
        out.findings += found
        if rules.max_moved_share is not None and len(mine) == 1:
            out.forced += mine[0].forced
        out.pieces += out.splits[b].pieces
        out.sizes += [c.pairs for c in mine]
        out.potential += [c.potential for c in mine]
        out.built += [c.block for c in mine if c.block is not None]
        del mine
    split_blocks = [b for b in out.splits if len(out.splits[b].pieces) > 1]
    budget_problem = budget_finding(problem, out.forced, rules, split_blocks)
    if budget_problem:
        out.findings.append(budget_problem)
    return out
