"""`solve_gap`: start, neighbourhood search and full MIP under one time limit."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from solver.gap_check import check_gap_solution
from solver.gap_greedy import greedy_gap, lp_rounding_start
from solver.gap_highs import (
    GapSolveError,
    GapStatus,
    assignment_from_matrix,
    map_highs_status,
    run_highs,
    solve_lp_relaxation,
)
from solver.gap_instance import GapInstance, IntArray, gap_objective
from solver.gap_lns import large_neighbourhood_search

#: Relative tolerance under which the recomputed objective and the HiGHS dual
#: bound are taken to agree, for instances whose costs are not all integers.
_FRACTIONAL_GAP_TOL = 1e-9


@dataclass(frozen=True)
class GapSolution:
    """What `solve_gap` found, re-checked by `check_gap_solution`.

    ``objective`` is recomputed from the instance arrays, never copied from the
    backend; ``gap = (objective - bound) / max(1, |objective|)``. ``agent_of_job``
    is ``None`` exactly when the status is ``infeasible`` or ``no_solution``.
    """

    status: GapStatus
    agent_of_job: IntArray | None
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    seed: int
    backend: str
    backend_status: str
    warm_start_objective: float | None

    @property
    def proven(self) -> bool:
        """True when the solution is proven optimal."""
        return self.status == "optimal"


def default_search_share(inst: GapInstance) -> float:
    """Share of the time for the neighbourhood search before the full MIP.

    Up to a few thousand variables HiGHS's tree search proves optimality and
    deserves most of the time; on the large instances its root node alone can
    take the whole budget, while exact re-optimisation of a few agents at a
    time keeps improving the assignment.
    """
    return 0.2 if inst.m * inst.n <= 4000 else 0.6


def solve_gap(
    inst: GapInstance,
    *,
    time_limit: float,
    seed: int = 0,
    threads: int = 1,
    warm_start: bool = True,
    search_share: float | None = None,
    options: dict[str, bool | int | float | str] | None = None,
) -> GapSolution:
    """Solve a GAP instance with HiGHS and re-check the answer.

    Three phases share the time limit: a start (best of the regret greedy and
    a rounding of the LP relaxation, whose value is a lower bound), a
    large-neighbourhood search whose sub-problems HiGHS solves exactly, then
    the full MIP from the best assignment so far, which supplies the dual
    bound. The answer is ``optimal`` only when the recomputed objective meets
    the best bound.

    Parameters
    ----------
    inst : GapInstance
    time_limit : float
        Wall-clock seconds for the whole call.
    seed : int
        HiGHS ``random_seed`` and the neighbourhood choices.
    threads : int
        HiGHS ``threads``.
    warm_start : bool
        Build the greedy / LP start and run the neighbourhood search; False
        hands the bare model to HiGHS.
    search_share : float, optional
        Share of the time left after the start given to the neighbourhood
        search (default: `default_search_share`); 0 disables it.
    options : dict, optional
        Extra HiGHS options (e.g. ``mip_heuristic_effort``), applied last.

    Returns
    -------
    GapSolution
        Status ``optimal`` only when the recomputed objective meets the dual
        bound (within < 1 for integer costs); ``feasible`` for any other checked
        solution.

    Raises
    ------
    GapSolveError
        When HiGHS returns an assignment that the checker rejects.
    """
    t_start = time.perf_counter()
    deadline = t_start + time_limit
    integer_costs = bool(np.issubdtype(inst.cost.dtype, np.integer))
    tol = 1.0 - 1e-6 if integer_costs else _FRACTIONAL_GAP_TOL
    init: IntArray | None = None
    lp_bound: float | None = None
    if warm_start:
        init = greedy_gap(inst)
        lp = solve_lp_relaxation(inst, time_limit=0.25 * (deadline - time.perf_counter()), threads=threads)
        if lp is not None:
            lp_bound = lp[1]
            rounded = lp_rounding_start(inst, lp[0])
            if rounded is not None and (
                init is None or gap_objective(inst, rounded) < gap_objective(inst, init)
            ):
                init = rounded
    init_obj = None if init is None else float(gap_objective(inst, init))
    share = default_search_share(inst) if search_share is None else search_share
    at_bound = init_obj is not None and lp_bound is not None and init_obj - lp_bound < tol
    if init is not None and share > 0 and inst.m > 1 and not at_bound:
        init = large_neighbourhood_search(
            inst,
            init,
            deadline=time.perf_counter() + share * (deadline - time.perf_counter()),
            seed=seed,
            threads=threads,
            lower_bound=lp_bound,
            options=options,
        )

    run = run_highs(
        inst,
        time_limit=deadline - time.perf_counter(),
        seed=seed,
        threads=threads,
        start=init,
        options=options,
    )
    status = map_highs_status(run.model_status, run.x is not None)
    backend = f"highs {run.version}"
    bounds = [b for b in (run.bound, lp_bound) if b is not None]
    bound = max(bounds) if bounds else None
    if run.x is None and init is None:
        seconds = time.perf_counter() - t_start
        return GapSolution(
            status, None, None, bound, None, seconds, seed, backend, run.model_status.name, None
        )
    candidates = [] if init is None else [init]
    if run.x is not None:
        candidates.insert(0, assignment_from_matrix(inst, run.x))
    agent_of_job = min(candidates, key=lambda a: gap_objective(inst, a))
    problems = check_gap_solution(inst, agent_of_job)
    if problems:
        raise GapSolveError(f"{inst.name}: final assignment fails the checker: {problems}")
    objective = float(gap_objective(inst, agent_of_job))
    gap = None
    proven = False
    if bound is not None:
        gap = max(0.0, (objective - bound) / max(1.0, abs(objective)))
        proven = objective - bound < (tol if integer_costs else tol * max(1.0, abs(objective)))
    agent_of_job = agent_of_job.copy()
    agent_of_job.setflags(write=False)
    return GapSolution(
        "optimal" if proven else "feasible",
        agent_of_job,
        objective,
        bound,
        gap,
        time.perf_counter() - t_start,
        seed,
        backend,
        run.model_status.name,
        init_obj,
    )
