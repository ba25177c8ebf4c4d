"""When each piece of a run solves, and for how long: time shares, reserved deadlines, retries.

A run's pieces (blocks, or parts of large blocks) are solved largest first, in
worker processes for large problems or one after another here. Each gets a
share of the time by its number of pairs; it may run past its share to find
a first plan, but not into the time kept back for the pieces still queued
(`reserved_deadlines`), so a small block last in the queue still finds its
plan however long the large ones take. A piece without a plan tries again
with whatever time is left (`retry_failed`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

from solver.assignment.block import BlockData
from solver.assignment.executor import block_pool
from solver.assignment.result import Status
from solver.assignment.split.piece_tasks import PieceOutcome, PlanTask
from solver.assignment.split.pieces import Piece
from solver.problem import Problem

log = logging.getLogger(__name__)


class Clock:
    """Hands each piece its share of the time left, by size, as pieces finish.

    Time a fast piece does not use goes to the pieces after it.
    """

    def __init__(self, sizes: list[int], total: float) -> None:
        self.deadline = time.perf_counter() + total
        self.sizes = {i: float(max(s, 1)) for i, s in enumerate(sizes)}

    def share(self, i: int) -> tuple[float, float]:
        """Piece ``i``'s share of the time left, and the seconds kept back for the pieces
        after it (`RESERVE_SHARE` of their shares)."""
        left = max(self.deadline - time.perf_counter(), 0.1)
        size = self.sizes.pop(i, 1.0)  # a retried piece asks again
        waiting = sum(self.sizes.values())
        return left * size / (size + waiting), RESERVE_SHARE * left * waiting / (size + waiting)


#: Share of each waiting piece's time share that the pieces before it may not use: a piece
#: may run past its own share to find a first plan, but not into the minimum of those after it.
RESERVE_SHARE = 0.5


def reserved_deadlines(sizes: list[int], spread: list[float], hard: float, workers: int) -> list[float]:
    """Latest finish of each piece run largest first on ``workers`` processes, keeping back
    `RESERVE_SHARE` of the shares of the pieces queued after it (a small block last in the
    queue still gets time to find its plan, however long the large ones take)."""
    order = sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))
    out = [hard] * len(sizes)
    after = 0.0
    for i in reversed(order):
        out[i] = hard - after / max(workers, 1)
        after += RESERVE_SHARE * spread[i]
    return out


def share_of(
    i: int, spread: list[float], latest: list[float], clock: Clock, workers: int, hard: float
) -> tuple[float, float]:
    """Piece ``i``'s time share and latest finish: fixed in advance for worker processes,
    from the time left for pieces run one after another here."""
    if workers > 1:
        return min(spread[i], latest[i] - time.perf_counter()), latest[i]
    share, reserve = clock.share(i)
    return share, hard - reserve


def run_pieces(
    problem: Problem,
    pieces: list[Piece],
    built: list[BlockData] | None,
    sizes: list[int],
    run: Callable[[Problem, Piece | BlockData, PlanTask], PieceOutcome],
    task_of: Callable[[int], PlanTask],
    workers: int,
    say: Callable[[int], None],
) -> list[PieceOutcome]:
    """Run ``run`` on every piece: in worker processes (largest first), or here, in order."""
    done: dict[int, PieceOutcome] = {}
    if workers > 1 or built is None:
        order = sorted(range(len(pieces)), key=lambda i: (-sizes[i], i))
        with block_pool(workers) as pool:
            futures = {i: pool.submit(run, problem, pieces[i], task_of(i)) for i in order}
            for i in order:
                say(i)
                done[i] = futures[i].result()
    else:
        for i, block in enumerate(built):
            say(i)
            done[i] = run(problem, block, task_of(i))
    return [done[i] for i in range(len(pieces))]


#: A piece without a plan tries again with the time left when at least this many seconds remain.
RETRY_MIN_SECONDS = 1.0


def retry_failed(
    problem: Problem,
    pieces: list[Piece],
    built: list[BlockData] | None,
    outs: list[PieceOutcome],
    run: Callable[[Problem, Piece | BlockData, PlanTask], PieceOutcome],
    task_of: Callable[[int], PlanTask],
    hard: float,
) -> list[PieceOutcome]:
    """Pieces that found no plan in their share (not proved infeasible) try again, largest
    first, sharing the run's remaining time: a failing block does not end the run early."""
    outs = list(outs)
    failed = [i for i, o in enumerate(outs) if o.failed is not None and o.failed.status != Status.INFEASIBLE]
    for k, i in enumerate(failed):
        left = hard - time.perf_counter()
        if left < RETRY_MIN_SECONDS:
            break
        log.info(
            "%s found no plan in its share: trying again with %.1f s",
            problem.block_name(pieces[i].block),
            left,
        )
        task = dataclasses.replace(task_of(i), share=left / (len(failed) - k), hard=hard)
        outs[i] = run(problem, built[i] if built is not None else pieces[i], task)
    return outs


def run_then_retry(
    problem: Problem,
    pieces: list[Piece],
    built: list[BlockData] | None,
    sizes: list[int],
    run: Callable[[Problem, Piece | BlockData, PlanTask], PieceOutcome],
    task_of: Callable[[int], PlanTask],
    workers: int,
    say: Callable[[int], None],
    hard: float,
) -> tuple[list[PieceOutcome], int | None]:
    """`run_pieces`, then `retry_failed`: the outcomes, and the first piece still without a
    plan (None when every piece has one)."""
    outs = run_pieces(problem, pieces, built, sizes, run, task_of, workers, say)
    outs = retry_failed(problem, pieces, built, outs, run, task_of, hard)
    return outs, next((i for i, o in enumerate(outs) if o.failed is not None), None)
