"""The block LP by column generation: start from each unit's cheapest reps, price the rest.

The row duals of the last LP solved are returned with the outcome: they
price the pairs of a whole split block (`solver.assignment.split.block_bound`).

The full block LP has units x reps columns (366k for 8k accounts x 45 reps).
Starting from each unit's k cheapest reps plus its current owner and the
LP duals, the pairs with negative reduced cost are added until none is left;
the LP then equals the full LP. If time runs out first, the Lagrangian bound
z_restricted + sum_u min(0, min_r reduced_cost_ur) is still a valid bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from solver.assignment.backends.highs_backend import BackendOutcome, IncrementalLp
from solver.assignment.block import BlockData, owner_mask
from solver.assignment.lp.lp_round import TIE_ORDER_MODULUS, cheapest_mask, tie_order
from solver.assignment.lp.room_cuts import room_cuts
from solver.assignment.result import Status
from solver.assignment.rules import Rows, balance_targets, block_rows
from solver.config import AssignmentConfig
from solver.problem import Problem

#: Initial columns per unit (the cheapest reps), before pricing.
START_COLUMNS = 8
#: Columns added per unit and round at most (the most negative reduced costs).
ADD_PER_UNIT = 3
MAX_ROUNDS = 30
#: Price of breaking a band by one average unit, in units of the dearest pair, when the
#: first columns cannot keep every band (phase one by big-M, then priced as usual).
BIG_M = 1_000.0
#: The room cuts' phase may take at most this share of the simplex iterations the LP took
#: before them (a budget, not seconds, so the plan does not depend on the machine's load).
CUT_ITERATIONS = 1.0
MIN_CUT_ITERATIONS = 1_000
#: The cuts go in only if the LP's deadline leaves at least this multiple of the time it took.
CUT_TIME_LEFT = 1.0
#: Each rep starts with columns to its nearest units holding this multiple of its target.
REACH_COVER = 1.5


def reduced_costs(rows: list[Rows], cost: np.ndarray, row_dual: np.ndarray) -> np.ndarray:
    """c - A^T y for every pair of the block."""
    at_y = np.zeros(len(cost))
    offset = 0
    for r in rows:
        at_y += np.bincount(r.col, weights=r.val * row_dual[offset + r.row], minlength=len(cost))
        offset += r.n
    return cost - at_y


def reach_mask(problem: Problem, block: BlockData, cover: float = REACH_COVER) -> np.ndarray:
    """Pairs linking each rep to its nearest units until they hold ``cover`` x its target.

    Cheapest-by-cost columns can leave a rep nobody's first choice (a new hire
    far from the accounts); these columns make every rep fillable from the
    start, so the first restricted LP is already feasible in practice.
    """
    nu, nr = len(block.units), len(block.reps)
    if nu == 0 or nr == 0:
        return np.zeros(len(block.pair_unit), dtype=bool)
    pot = block.unit_values["potential"]
    km = np.full((nu, nr), np.inf)
    km[block.pair_unit, block.pair_rep] = block.potential_km / np.maximum(pot[block.pair_unit], 1e-12)
    order = np.argsort(km, axis=0, kind="stable")  # units by distance, per rep
    filled = np.cumsum(pot[order], axis=0)
    target = balance_targets(problem, block, "potential")
    # first position where the nearest units hold cover x target (inclusive)
    take = (filled - pot[order]) < cover * target[None, :]
    chosen = np.zeros((nu, nr), dtype=bool)
    rows, cols = np.nonzero(take)
    chosen[order[rows, cols], cols] = True
    return chosen[block.pair_unit, block.pair_rep]


def priced_lp(
    problem: Problem,
    block: BlockData,
    rules: AssignmentConfig,
    cost: np.ndarray,
    budget: float | None,
    deadline: float,
    rows: list[Rows] | None = None,
    elastic: dict[str, float] | None = None,
    seed_plan: Callable[[], np.ndarray | None] | None = None,
    session: list[IncrementalLp] | None = None,
) -> BackendOutcome:
    """LP relaxation of the whole block; x has one value per pair of ``block``.

    ``rows`` replaces the block's rules (a sample of a block keeps only its balance rows);
    ``elastic`` lets rows of those rules be broken at a price (`IncrementalLp`).
    ``seed_plan`` (local rep per unit, or None) is asked for a plan keeping every rule
    when the first columns cannot keep every band: its pairs make the restricted LP
    feasible at once (costs that tie, as without coordinates or owners, leave the
    cheapest columns on a few reps), before the big-M phase is tried.
    ``session`` (a list) receives the solved LP, to re-solve it warm with units fixed
    (`solver.assignment.lp.fixing`); it lives in this process only.
    """
    t0 = time.perf_counter()
    rows, cut = _rows_and_cuts(problem, block, rules, budget, rows)
    keep = _first_columns(problem, block, cost, lower := _pinned_lower(block))
    # first on costs with their ties broken (see `perturbed`), then on the true costs
    work, loss = perturbed(block, cost)
    lp = _lp_over(rows, work, lower, rules.seed, keep, elastic)
    proving, elastic_now, seeded = False, elastic is not None, seed_plan is None
    status, x, objective, bound, duals = Status.NO_SOLUTION, None, float("inf"), -np.inf, None
    last: list[_Solved] = []
    for _ in range(MAX_ROUNDS):
        status, x, objective, y = _solve_or_last(lp, deadline, last, cut.until)
        duals = y if y is not None else duals
        if status == Status.INFEASIBLE and not proving and not elastic_now and not seeded:
            seeded = True
            if _add_seed(block, seed_plan, keep, lp):
                continue
        if status == Status.INFEASIBLE and not proving and not elastic_now and _band_prices(rows, cost):
            # the first columns cannot keep every band: let the bands break at a big-M price
            # and price columns in until nothing breaks them (a relaxation: bounds stay valid)
            lp = _lp_over(rows, work, lower, rules.seed, keep, _band_prices(rows, cost))
            elastic_now = True
            continue
        if status == Status.INFEASIBLE and not proving:
            # the restricted columns may be what is infeasible: only the full LP can tell
            lp.add(np.flatnonzero(~keep))
            keep[:] = True
            proving = True
            continue
        if x is None or y is None:
            break
        d, bound = _priced(block, rows, work, y, keep, objective - loss)
        neg = (d < -_negligible(cost)) & ~keep
        if not neg.any() and elastic is None and elastic_now and lp.slack_used > 1e-9:
            # priced out and the bands still break: only the full, strict LP can say if they must
            keep[:] = True
            lp = _lp_over(rows, work, lower, rules.seed, keep, None)
            proving = True
            continue
        if not neg.any() and loss > 0:
            # priced out on the perturbed costs: go on from this basis with the true ones
            work, loss = _true_costs(lp, cost)
            continue
        if not neg.any() and not elastic_now and status == Status.OPTIMAL and cut.worth(t0, deadline):
            rows = cut.start(lp, keep, rows, objective, x, y)
            continue
        if not neg.any():
            bound = objective
            break
        if time.perf_counter() > deadline:
            break
        _add_priced(block, d, neg, keep, lp)
    return _outcome(cut.finish(status, x, duals, bound), cost, objective, t0, session, lp)


def _pinned_lower(block: BlockData) -> np.ndarray:
    """Lower bound per pair: pinned pairs are fixed at 1."""
    return (block.pinned_rep[block.pair_unit] >= 0).astype(float)


def _true_costs(lp: IncrementalLp, cost: np.ndarray) -> tuple[np.ndarray, float]:
    """The LP's costs back to the true ones (their tie-breaks off); the basis is kept."""
    lp.set_cost(cost)
    return cost, 0.0


def _outcome(
    solved: tuple[Status, np.ndarray | None, np.ndarray | None, float],
    cost: np.ndarray,
    objective: float,
    t0: float,
    session: list[IncrementalLp] | None,
    lp: IncrementalLp,
) -> BackendOutcome:
    """The LP's outcome, its objective on the true costs (the working ones may carry
    tie-breaks); the solved LP handed to ``session``."""
    status, x, duals, bound = solved
    _remember(session, lp, x)
    return BackendOutcome(
        status,
        x,
        float(cost @ x) if x is not None else objective,
        bound,
        time.perf_counter() - t0,
        str(status),
        duals,
    )


def _rows_and_cuts(
    problem: Problem, block: BlockData, rules: AssignmentConfig, budget: float | None, rows: list[Rows] | None
) -> tuple[list[Rows], _CutPhase]:
    """The block's rows, and the room cuts of its large units (`solver.assignment.lp.room_cuts`)
    to add once its LP is solved; rows given by the caller (a sample's) get no cuts."""
    if rows is not None:
        return rows, _CutPhase(None)
    rows = block_rows(problem, block, rules, budget)
    band = next((r for r in rows if r.rule == "balance:potential"), None)
    return rows, _CutPhase(room_cuts(block, band) if band is not None else None)


class _CutPhase:
    """The room cuts, added once the LP is solved, and what the LP was without them.

    With the cuts from the start, a held-out 100k block's LP took 10x as long;
    added to the solved LP, pricing goes on from its basis, within a budget of
    `CUT_ITERATIONS`. The cuts only raise the bound: the LP without them guides
    rounding (with them, the large units spread thinner and the first plan of
    that block came out 2% dearer).
    """

    def __init__(self, cuts: Rows | None) -> None:
        self.cuts = cuts
        self.plain = -np.inf
        self.guide: tuple[np.ndarray, np.ndarray | None] | None = None
        self.until: int | None = None  # simplex iterations in all, once the cuts are in

    def worth(self, t0: float, deadline: float) -> bool:
        """Cuts are waiting, and the time left is at least `CUT_TIME_LEFT` x what the LP took
        (a safety net: a block started late, with a slow LP, had no time left for a plan)."""
        now = time.perf_counter()
        return self.cuts is not None and deadline - now >= CUT_TIME_LEFT * (now - t0)

    def start(
        self,
        lp: IncrementalLp,
        keep: np.ndarray,
        rows: list[Rows],
        objective: float,
        x: np.ndarray | None,
        y: np.ndarray | None,
    ) -> list[Rows]:
        """Add the cuts (and every pair they name: the large units' pairs are few) to the
        solved LP; the rows it now has."""
        assert self.cuts is not None and x is not None
        cuts, self.cuts = self.cuts, None
        self.plain, self.guide = objective, (x, y)
        self.until = lp.iterations + max(int(CUT_ITERATIONS * lp.iterations), MIN_CUT_ITERATIONS)
        named = np.unique(cuts.col)
        new = named[~keep[named]]
        keep[new] = True
        lp.add(new)
        lp.add_rows(cuts)
        return [*rows, cuts]

    def finish(
        self, status: Status, x: np.ndarray | None, duals: np.ndarray | None, bound: float
    ) -> tuple[Status, np.ndarray | None, np.ndarray | None, float]:
        """The LP's outcome: without the cuts, with the better of the two bounds."""
        if self.guide is None:
            return status, x, duals, bound
        return Status.OPTIMAL, self.guide[0], self.guide[1], max(bound, self.plain)


def _remember(session: list[IncrementalLp] | None, solved: IncrementalLp, x: np.ndarray | None) -> None:
    """Hand the solved LP to the caller that asked for it (only if it has a solution)."""
    if session is not None and x is not None:
        session.append(solved)


def _negligible(cost: np.ndarray) -> float:
    """A reduced cost above minus this does not price a column in (rounding noise)."""
    return 1e-9 * max(1.0, float(np.abs(cost).max(initial=1.0)))


def _first_columns(problem: Problem, block: BlockData, cost: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Each unit's cheapest and nearest reps, its owner, pins, and each rep's nearest units."""
    return (
        cheapest_mask(block, cost, START_COLUMNS)
        | cheapest_mask(block, block.potential_km, 3)
        | (lower > 0)
        | owner_mask(block)
        | reach_mask(problem, block)
    )


_Solved = tuple[Status, "np.ndarray | None", float, "np.ndarray | None"]


def _solve_or_last(
    lp: IncrementalLp, deadline: float, last: list[_Solved], until_iterations: int | None = None
) -> _Solved:
    """The restricted LP solved, or (out of time, or past ``until_iterations`` simplex
    iterations in all, in a re-solve) the last one solved, which still guides rounding:
    returned without duals, so that pricing stops there. ``last`` keeps the last solution
    between calls. With the room cuts in (``until_iterations`` set), a restricted LP that
    the cuts make infeasible ends their phase the same way: the phase and phase one's
    big-M LP rebuilt from scratch with the cuts could take longer than the block's share."""
    limit = None if until_iterations is None else max(until_iterations - lp.iterations, 1)
    solved = lp.solve(deadline - time.perf_counter(), limit)
    if solved[1] is None and last and (solved[0] != Status.INFEASIBLE or until_iterations is not None):
        return last[0]
    if solved[1] is not None:
        last[:] = [(Status.FEASIBLE, solved[1], solved[2], None)]
    return solved


def _lp_over(
    rows: list[Rows],
    cost: np.ndarray,
    lower: np.ndarray,
    seed: int,
    keep: np.ndarray,
    elastic: dict[str, float] | None,
) -> IncrementalLp:
    """A restricted LP holding the ``keep`` columns (bands breakable at the ``elastic`` prices)."""
    lp = IncrementalLp(rows, cost, lower, seed=seed, elastic=elastic)
    lp.add(np.flatnonzero(keep))
    return lp


def _band_prices(rows: list[Rows], cost: np.ndarray) -> dict[str, float]:
    """A big-M price per balance rule, far above any pair's cost, for breaking its band."""
    dearest = float(np.abs(cost).max(initial=0.0))
    return {
        r.rule: BIG_M * (dearest if dearest > 0 else 1.0) / max(float(np.abs(r.val).mean()), 1e-12)
        for r in rows
        if r.rule.startswith("balance:") and len(r.val)
    }


def _priced(
    block: BlockData, rows: list[Rows], work: np.ndarray, y: np.ndarray, keep: np.ndarray, base: float
) -> tuple[np.ndarray, float]:
    """Reduced costs of every pair, and the Lagrangian bound they give.

    ``base`` is the restricted LP's objective less what the working costs may
    overstate: each unit can lower the bound by at most its most negative
    reduced cost outside the restricted columns.
    """
    d = reduced_costs(rows, work, y)
    least = np.zeros(len(block.units))
    np.minimum.at(least, block.pair_unit, np.where(keep, 0.0, np.minimum(d, 0.0)))
    return d, base + float(least.sum())


def _add_priced(
    block: BlockData, d: np.ndarray, neg: np.ndarray, keep: np.ndarray, lp: IncrementalLp
) -> None:
    """Add each unit's most negative reduced-cost pairs (at most `ADD_PER_UNIT`)."""
    cand = np.flatnonzero(neg)
    cand = cand[np.lexsort((d[cand], block.pair_unit[cand]))]
    rank = np.arange(len(cand)) - np.searchsorted(block.pair_unit[cand], block.pair_unit[cand])
    new = cand[rank < ADD_PER_UNIT]
    keep[new] = True
    lp.add(new)


def _add_seed(
    block: BlockData, seed_plan: Callable[[], np.ndarray | None] | None, keep: np.ndarray, lp: IncrementalLp
) -> bool:
    """Add the pairs of the seed plan to the LP's columns; False when there is none."""
    plan = seed_plan() if seed_plan is not None else None
    if plan is None:
        return False
    new = np.flatnonzero(~keep & (block.pair_rep == plan[block.pair_unit]))
    keep[new] = True
    lp.add(new)
    return True


#: Size of the tie-breaking perturbation, as a share of the median positive pair cost.
PERTURBATION = 1e-3


def perturbed(block: BlockData, cost: np.ndarray) -> tuple[np.ndarray, float]:
    """Costs with their ties broken by a tiny fixed perturbation, and its largest total.

    Least-disruption costs tie massively (every rep but the owner costs the
    same), which makes the simplex crawl (11 s -> 2 s on a 3.5k x 30 block).
    The LP is first solved on these costs, then on the true ones from that basis;
    a bound taken on the way is lowered by the returned total (sum over units of
    the largest perturbation), so it stays valid.
    """
    positive = cost[cost > 0]
    if len(positive) == 0:
        return cost, 0.0
    size = PERTURBATION * float(np.median(positive))
    order = tie_order(len(block.units), len(block.reps))[block.pair_unit, block.pair_rep]
    delta = size * order.astype(float) / TIE_ORDER_MODULUS
    return cost + delta, size * len(block.units)
