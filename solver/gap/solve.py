"""`solve_gap`: start, neighbourhood search and full MIP under one time limit."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from solver.gap.check import check_gap_solution
from solver.gap.core import core_columns, reduced_costs
from solver.gap.greedy import greedy_gap, lp_rounding_start
from solver.gap.highs import (
    GapSolveError,
    GapStatus,
    HighsRun,
    LpRelaxation,
    assignment_from_matrix,
    map_highs_status,
    run_highs,
    solve_lp_relaxation,
)
from solver.gap.instance import GapInstance, IntArray, gap_objective
from solver.gap.lns import large_neighbourhood_search
from solver.gap.localbranch import local_branching

logger = logging.getLogger(__name__)

#: Share of the full MIP's time after which `GIVE_UP_GAP` is checked.
PROBE_SHARE = 0.3

#: Relative gap between incumbent and dual bound above which, past the probe
#: time, the full MIP is interrupted: the instances HiGHS proves within the
#: limit are within a few tenths of a percent by then.
GIVE_UP_GAP = 0.004

#: Model columns (``m * n``) up to which the time after an interrupted full MIP
#: goes to local branching rather than core MIPs: on chu1997 type D (up to
#: 4,000 columns) a core MIP neither proves nor improves much in the time left,
#: while MIPs over "at most 10 jobs change agent" keep improving.
LOCAL_BRANCHING_MAX_COLUMNS = 4000

#: Local-branching MIPs in a row without improvement after which the rest of
#: the time goes to core MIPs from the local-branching incumbent (on yagiura
#: e20100 at 60 s, core MIPs gain more than further local branching).
LOCAL_BRANCHING_PATIENCE = 2

#: Seconds below which a widened core MIP is not started any more.
CORE_MIN_SECONDS = 0.5

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
    deserves all of the time; on the large instances its root node alone can
    take the whole budget, while exact re-optimisation of a few agents at a
    time keeps improving the assignment.
    """
    return 0.0 if inst.m * inst.n <= 4000 else 0.6


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

    Up to four phases share the time limit: a start (best of the regret
    greedy and a rounding of the LP relaxation, whose value is a lower bound);
    on large instances a large-neighbourhood search whose sub-problems HiGHS
    solves exactly; the full MIP, which supplies the dual bound; and, when the
    full MIP's relative gap is still above `GIVE_UP_GAP` after `PROBE_SHARE`
    of its time (a proof is then out of reach), for the rest of the time
    local branching (MIPs in which few jobs change agent) on models of up to
    `LOCAL_BRANCHING_MAX_COLUMNS` columns until it stalls, then MIPs
    restricted to the core columns of small LP reduced cost. The answer is
    ``optimal`` only when the recomputed objective meets the best bound.

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
    init, lp = _start(inst, deadline, threads) if warm_start else (None, None)
    lp_bound = None if lp is None else lp.value
    init_obj = None if init is None else float(gap_objective(inst, init))
    share = default_search_share(inst) if search_share is None else search_share
    at_bound = init_obj is not None and lp_bound is not None and init_obj - lp_bound < tol
    searched = init is not None and share > 0 and inst.m > 1 and not at_bound
    if searched and init is not None:
        init = large_neighbourhood_search(
            inst,
            init,
            deadline=time.perf_counter() + share * (deadline - time.perf_counter()),
            seed=seed,
            threads=threads,
            lower_bound=lp_bound,
            options=options,
        )
    can_switch = init is not None and lp is not None and inst.m > 1
    run = _full_mip(inst, init if searched else None, deadline, seed, threads, options, can_switch)
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
    backend_status = run.model_status.name
    logger.debug(
        "%s: start %s, MIP %s at %.1f s: %d (bound %s)",
        inst.name,
        init_obj,
        backend_status,
        time.perf_counter() - t_start,
        gap_objective(inst, agent_of_job),
        bound,
    )
    interrupted = can_switch and run.model_status == highspy.HighsModelStatus.kInterrupt
    if interrupted and inst.m * inst.n <= LOCAL_BRANCHING_MAX_COLUMNS:
        agent_of_job = local_branching(
            inst,
            agent_of_job,
            deadline=deadline,
            seed=seed,
            threads=threads,
            lower_bound=bound,
            patience=LOCAL_BRANCHING_PATIENCE,
            options=options,
        )
        backend_status += "+local"
        logger.debug("%s: local branching %d", inst.name, gap_objective(inst, agent_of_job))
    if interrupted and lp is not None and time.perf_counter() < deadline - CORE_MIN_SECONDS:
        agent_of_job, whole_bound = _core_search(
            inst, lp, agent_of_job, deadline=deadline, seed=seed, threads=threads, options=options
        )
        backend_status += "+core"
        if whole_bound is not None:
            bound = whole_bound if bound is None else max(bound, whole_bound)
        logger.debug("%s: core search %d", inst.name, gap_objective(inst, agent_of_job))
    return _checked_solution(
        inst, agent_of_job, bound, tol, time.perf_counter() - t_start, seed, backend, backend_status, init_obj
    )


def _start(inst: GapInstance, deadline: float, threads: int) -> tuple[IntArray | None, LpRelaxation | None]:
    """The better of the regret greedy and a rounding of the LP relaxation, and that LP."""
    init = greedy_gap(inst)
    lp = solve_lp_relaxation(inst, time_limit=0.25 * (deadline - time.perf_counter()), threads=threads)
    if lp is not None:
        rounded = lp_rounding_start(inst, lp.x)
        if rounded is not None and (init is None or gap_objective(inst, rounded) < gap_objective(inst, init)):
            init = rounded
    return init, lp


def _full_mip(
    inst: GapInstance,
    start: IntArray | None,
    deadline: float,
    seed: int,
    threads: int,
    options: dict[str, bool | int | float | str] | None,
    can_switch: bool,
) -> HighsRun:
    """The full MIP, which supplies the dual bound; interrupted when its gap stays wide.

    A constructive start tends to mislead HiGHS's own heuristics (measured on
    chu1997 B/C: slower proofs), so the MIP only gets ``start`` once the
    neighbourhood search has polished it; otherwise it stays a fallback.
    """
    now = time.perf_counter()
    return run_highs(
        inst,
        time_limit=deadline - now,
        seed=seed,
        threads=threads,
        start=start,
        options=options,
        give_up=_proof_out_of_reach(now + PROBE_SHARE * (deadline - now)) if can_switch else None,
    )


def _checked_solution(
    inst: GapInstance,
    agent_of_job: IntArray,
    bound: float | None,
    tol: float,
    seconds: float,
    seed: int,
    backend: str,
    backend_status: str,
    init_obj: float | None,
) -> GapSolution:
    """The answer after the independent check: ``optimal`` only when it meets the bound."""
    problems = check_gap_solution(inst, agent_of_job)
    if problems:
        raise GapSolveError(f"{inst.name}: final assignment fails the checker: {problems}")
    objective = float(gap_objective(inst, agent_of_job))
    integer_costs = bool(np.issubdtype(inst.cost.dtype, np.integer))
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
        seconds,
        seed,
        backend,
        backend_status,
        init_obj,
    )


def _proof_out_of_reach(probe_at: float) -> Callable[[float, float, float], bool]:
    """Interrupt rule for the full MIP: past ``probe_at``, a relative gap above
    `GIVE_UP_GAP` means the proof will not come in time."""

    def give_up(_seconds: float, incumbent: float, bound: float) -> bool:
        if time.perf_counter() < probe_at or not (np.isfinite(incumbent) and np.isfinite(bound)):
            return False
        return (incumbent - bound) / max(1.0, abs(incumbent)) > GIVE_UP_GAP

    return give_up


def _core_search(
    inst: GapInstance,
    lp: LpRelaxation,
    agents: IntArray,
    *,
    deadline: float,
    seed: int,
    threads: int,
    options: dict[str, bool | int | float | str] | None,
) -> tuple[IntArray, float | None]:
    """Improve ``agents`` with MIPs over the core columns until the deadline.

    A core MIP that is solved to optimality before the deadline has nothing
    more to give, so the core is widened (one more agent per job, twice the
    reduced-cost slack) and solved again from the new incumbent, until the
    deadline or until the core is the whole model. The second value is that
    last MIP's dual bound when it covered the whole model (a bound of the GAP
    itself), else None.
    """
    rc = reduced_costs(inst, lp.capacity_dual)
    obj = float(gap_objective(inst, agents))
    usable = np.isfinite(rc.r)
    per_job, widen = 2, 1.0
    while time.perf_counter() < deadline - CORE_MIN_SECONDS:
        keep = core_columns(rc, agents, obj, per_job=per_job, widen=widen)
        run = run_highs(
            inst,
            time_limit=deadline - time.perf_counter(),
            seed=seed,
            threads=threads,
            start=agents,
            options=options,
            allowed=keep,
        )
        if run.x is not None:
            found = assignment_from_matrix(inst, run.x)
            if gap_objective(inst, found) < obj:
                agents, obj = found, float(gap_objective(inst, found))
        if run.model_status != highspy.HighsModelStatus.kOptimal:
            break
        if keep[usable].all():
            return agents, run.bound
        per_job, widen = per_job + 1, 2.0 * widen
    return agents, None
