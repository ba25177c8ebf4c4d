"""Generalized assignment problem (GAP): reader, independent checker, HiGHS solver.

The GAP is the core of territory assignment with capacities: every job (an
account) goes to exactly one agent (a rep) whose capacity it fits in. It has a
literature of instances with proven optima, which makes it the honest yardstick
for the MIP backend that terraquota relies on.

Formulation (minimisation, ``m`` agents, ``n`` jobs)::

    min   sum_ij cost[i, j] * x[i, j]
    s.t.  sum_i x[i, j]              = 1            for every job j
          sum_j weight[i, j] x[i, j] <= capacity[i]  for every agent i
          x[i, j] in {0, 1};  x[i, j] = 0 when weight[i, j] > capacity[i]

Column ``k = i * n + j`` holds ``x[i, j]``; rows ``0 .. n-1`` are the
assignment rows and rows ``n .. n+m-1`` the capacity rows, so every column has
exactly two non-zeros and the CSC arrays are built with numpy in one go.

Instance files (OR-Library / fontanf format): ``m n``, then ``cost`` (m rows of
n), ``weight`` (m rows of n) and ``capacity`` (m values), whitespace separated.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import highspy
import numpy as np
import numpy.typing as npt

from solver.errors import InputError, InputProblem, TerraquotaError

logger = logging.getLogger(__name__)

GapStatus = Literal["optimal", "feasible", "infeasible", "no_solution"]

IntArray = npt.NDArray[np.int64]

#: HiGHS model status -> (our status when a primal solution exists, when none does).
#: ``optimal`` is only a candidate: `solve_gap` downgrades it to ``feasible``
#: unless the recomputed objective and the dual bound agree.
HIGHS_STATUS_MAP: dict[highspy.HighsModelStatus, tuple[GapStatus, GapStatus]] = {
    highspy.HighsModelStatus.kOptimal: ("optimal", "no_solution"),
    highspy.HighsModelStatus.kInfeasible: ("feasible", "infeasible"),
    highspy.HighsModelStatus.kTimeLimit: ("feasible", "no_solution"),
    highspy.HighsModelStatus.kIterationLimit: ("feasible", "no_solution"),
    highspy.HighsModelStatus.kSolutionLimit: ("feasible", "no_solution"),
    highspy.HighsModelStatus.kInterrupt: ("feasible", "no_solution"),
    highspy.HighsModelStatus.kHighsInterrupt: ("feasible", "no_solution"),
    highspy.HighsModelStatus.kMemoryLimit: ("feasible", "no_solution"),
    highspy.HighsModelStatus.kObjectiveBound: ("feasible", "no_solution"),
    highspy.HighsModelStatus.kObjectiveTarget: ("feasible", "no_solution"),
    highspy.HighsModelStatus.kUnknown: ("feasible", "no_solution"),
}

#: Relative tolerance under which the recomputed objective and the HiGHS dual
#: bound are taken to agree, for instances whose costs are not all integers.
_FRACTIONAL_GAP_TOL = 1e-9


class GapSolveError(TerraquotaError):
    """The backend returned something the checker rejects: always a bug."""


@dataclass(frozen=True)
class GapInstance:
    """One GAP instance as read-only integer arrays.

    Parameters
    ----------
    name : str
        Instance name (the file name, e.g. ``gap1-0``).
    cost : ndarray of int64, shape (m, n)
        Cost of giving job ``j`` to agent ``i`` (minimised).
    weight : ndarray of int64, shape (m, n)
        Capacity job ``j`` uses when given to agent ``i``.
    capacity : ndarray of int64, shape (m,)
        Capacity of each agent.
    """

    name: str
    cost: IntArray
    weight: IntArray
    capacity: IntArray

    def __post_init__(self) -> None:
        m, n = self.cost.shape
        if self.weight.shape != (m, n) or self.capacity.shape != (m,):
            raise ValueError(
                f"{self.name}: shapes disagree: cost {self.cost.shape}, "
                f"weight {self.weight.shape}, capacity {self.capacity.shape}"
            )
        for arr in (self.cost, self.weight, self.capacity):
            arr.setflags(write=False)

    @property
    def m(self) -> int:
        """Number of agents."""
        return int(self.cost.shape[0])

    @property
    def n(self) -> int:
        """Number of jobs."""
        return int(self.cost.shape[1])


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


def read_gap_instance(path: str | Path) -> GapInstance:
    """Read an OR-Library / fontanf GAP instance file.

    Parameters
    ----------
    path : str or Path
        File holding ``m n``, cost[m][n], weight[m][n], capacity[m].

    Returns
    -------
    GapInstance

    Raises
    ------
    InputError
        When the file is not a well-formed GAP instance (names the file and why).
    """
    path = Path(path)
    text = path.read_text(encoding="ascii", errors="replace")
    try:
        values = np.array(text.split(), dtype=np.int64)
    except ValueError as exc:
        raise InputError(InputProblem(str(path), None, None, f"non-integer token: {exc}")) from exc
    if values.size < 2:
        raise InputError(InputProblem(str(path), None, None, "missing the 'm n' header"))
    m, n = int(values[0]), int(values[1])
    if m < 1 or n < 1:
        raise InputError(InputProblem(str(path), None, None, f"bad sizes m={m}, n={n}"))
    expected = 2 + 2 * m * n + m
    if values.size != expected:
        raise InputError(
            InputProblem(
                str(path),
                None,
                None,
                f"expected {expected} numbers for m={m}, n={n}, found {values.size}",
            )
        )
    body = values[2:]
    cost = body[: m * n].reshape(m, n).copy()
    weight = body[m * n : 2 * m * n].reshape(m, n).copy()
    capacity = body[2 * m * n :].copy()
    if (weight < 0).any() or (capacity < 0).any():
        raise InputError(InputProblem(str(path), None, None, "negative weight or capacity"))
    return GapInstance(name=path.name, cost=cost, weight=weight, capacity=capacity)


def gap_objective(inst: GapInstance, agent_of_job: npt.ArrayLike) -> int:
    """Total cost of an assignment, from the raw arrays (agents must be in range)."""
    agents = np.asarray(agent_of_job, dtype=np.int64)
    return int(inst.cost[agents, np.arange(inst.n)].sum())


def check_gap_solution(
    inst: GapInstance,
    agent_of_job: npt.ArrayLike,
    objective: float | None = None,
) -> list[str]:
    """Every way an assignment breaks the GAP; empty when it is feasible.

    This is the specification the solver is held to, written without any
    reference to the model: one agent per job, capacities respected, and (when
    ``objective`` is given) the claimed objective equal to the recomputed one.

    Parameters
    ----------
    inst : GapInstance
    agent_of_job : array-like of int, shape (n,)
        0-based agent of each job.
    objective : float, optional
        Claimed objective to verify.

    Returns
    -------
    list of str
        Human-readable violations, in a stable order.
    """
    raw = np.asarray(agent_of_job)
    if raw.ndim != 1 or raw.shape[0] != inst.n:
        return [f"expected one agent for each of the {inst.n} jobs, got shape {raw.shape}"]
    fractional = raw.size and not np.issubdtype(raw.dtype, np.integer)
    if fractional and not (np.all(np.isfinite(raw)) and np.all(raw == np.round(raw))):
        return ["agents must be whole numbers"]
    agents = raw.astype(np.int64)
    problems: list[str] = []
    bad = np.flatnonzero((agents < 0) | (agents >= inst.m))
    if bad.size:
        shown = ", ".join(f"job {j} -> {agents[j]}" for j in bad[:5])
        problems.append(f"{bad.size} job(s) have no valid agent (0..{inst.m - 1}): {shown}")
        return problems
    jobs = np.arange(inst.n)
    used = np.bincount(agents, weights=inst.weight[agents, jobs], minlength=inst.m)
    over = np.flatnonzero(used > inst.capacity)
    problems.extend(f"agent {i} over capacity: uses {int(used[i])} of {int(inst.capacity[i])}" for i in over)
    if objective is not None:
        actual = gap_objective(inst, agents)
        if abs(actual - objective) > 1e-6 * max(1.0, abs(actual)):
            problems.append(f"claimed objective {objective} but the assignment costs {actual}")
    return problems


def check_gap_matrix(inst: GapInstance, x: npt.ArrayLike) -> list[str]:
    """Violations of a 0/1 matrix ``x[i, j]`` (catches a job given to two agents)."""
    mat = np.asarray(x)
    if mat.shape != (inst.m, inst.n):
        return [f"expected a {inst.m} x {inst.n} matrix, got {mat.shape}"]
    problems: list[str] = []
    if not np.isin(mat, (0, 1)).all():
        problems.append("entries must be 0 or 1")
        return problems
    per_job = mat.sum(axis=0)
    for j in np.flatnonzero(per_job != 1):
        problems.append(f"job {j} is assigned to {int(per_job[j])} agents")
    if problems:
        return problems
    return check_gap_solution(inst, mat.argmax(axis=0))


def greedy_gap(inst: GapInstance, fixed: IntArray | None = None) -> IntArray | None:
    """Best regret-greedy assignment over a few desirability measures, or None.

    Martello & Toth's heuristic: repeatedly give the job with the largest
    difference between its best and second-best still-fitting agent to its
    best one. "Best" is judged by cost, by share of capacity used, by their
    product and by raw weight (tight instances only succeed with the latter);
    each result is polished by single-job shifts and the cheapest is kept.

    Parameters
    ----------
    inst : GapInstance
    fixed : ndarray of int, shape (n,), optional
        A partial assignment to complete (-1 for open jobs), e.g. the jobs an
        LP solution already puts wholly on one agent.
    """
    share = inst.weight / np.maximum(inst.capacity, 1)[:, None]
    measures = (
        inst.cost.astype(np.float64),
        share,
        inst.cost * share,
        inst.weight.astype(np.float64),
    )
    best: IntArray | None = None
    best_obj = 0
    for desirability in measures:
        agents = _regret_greedy(inst, desirability, fixed)
        if agents is None:
            continue
        agents = _improve_by_shifts(inst, agents)
        obj = gap_objective(inst, agents)
        if best is None or obj < best_obj:
            best, best_obj = agents, obj
    return best


def lp_rounding_start(inst: GapInstance, x_lp: npt.NDArray[np.float64]) -> IntArray | None:
    """Keep the jobs an LP solution puts wholly on one agent; complete greedily.

    A basic LP solution of the GAP splits at most ``m`` jobs, so this start is
    usually within a few units of the LP bound.
    """
    whole = x_lp.max(axis=0) >= 1.0 - 1e-6
    fixed = np.where(whole, x_lp.argmax(axis=0), -1).astype(np.int64)
    return greedy_gap(inst, fixed)


def _regret_greedy(
    inst: GapInstance,
    desirability: npt.NDArray[np.float64],
    fixed: IntArray | None = None,
) -> IntArray | None:
    """One regret-greedy pass (lower desirability is better); None when stuck.

    Only the jobs that stop fitting the agent just filled are re-ranked at each
    step, since a shrinking capacity can only remove options.
    """
    m, n = inst.m, inst.n
    weight = inst.weight
    jobs = np.arange(n)
    if fixed is None:
        agent_of_job = np.full(n, -1, dtype=np.int64)
    else:
        agent_of_job = np.asarray(fixed, dtype=np.int64).copy()
    open_jobs = agent_of_job < 0
    taken = ~open_jobs
    residual = inst.capacity - np.bincount(
        agent_of_job[taken], weights=weight[agent_of_job[taken], jobs[taken]], minlength=m
    ).astype(np.int64)
    if (residual < 0).any():
        return None
    masked = np.where(weight <= residual[:, None], desirability, np.inf)
    best = np.zeros(n, dtype=np.int64)
    regret = np.zeros(n)

    def rank(cols: IntArray) -> bool:
        sub = masked[:, cols]
        best[cols] = sub.argmin(axis=0)
        first = sub[best[cols], np.arange(cols.size)]
        if np.isinf(first).any():
            return False
        second = np.partition(sub, 1, axis=0)[1] if m > 1 else np.full(cols.size, np.inf)
        regret[cols] = np.where(np.isinf(second), np.inf, second - first)
        return True

    if not rank(np.flatnonzero(open_jobs)):
        return None
    for _ in range(int(open_jobs.sum())):
        j = int(np.argmax(np.where(open_jobs, regret, -np.inf)))
        i = int(best[j])
        agent_of_job[j] = i
        residual[i] -= weight[i, j]
        open_jobs[j] = False
        lost = np.flatnonzero(open_jobs & np.isfinite(masked[i]) & (weight[i] > residual[i]))
        if lost.size:
            masked[i, lost] = np.inf
            if not rank(lost):
                return None
    return agent_of_job


def _improve_by_shifts(inst: GapInstance, agent_of_job: IntArray) -> IntArray:
    """Best-improvement single-job moves until none lowers the cost."""
    jobs = np.arange(inst.n)
    agents = agent_of_job.copy()
    residual = inst.capacity - np.bincount(
        agents, weights=inst.weight[agents, jobs], minlength=inst.m
    ).astype(np.int64)
    for _ in range(10 * inst.n):
        delta = inst.cost - inst.cost[agents, jobs][None, :]
        delta = np.where(inst.weight <= residual[:, None], delta, 0)
        k = int(np.argmin(delta))
        if delta.flat[k] >= 0:
            break
        i, j = divmod(k, inst.n)
        old = agents[j]
        residual[old] += inst.weight[old, j]
        residual[i] -= inst.weight[i, j]
        agents[j] = i
    return agents


def build_gap_model(inst: GapInstance) -> highspy.HighsModel:
    """The MIP of the module docstring as one HiGHS model, built with numpy."""
    m, n = inst.m, inst.n
    num_col = m * n
    lp = highspy.HighsLp()
    lp.num_col_ = num_col
    lp.num_row_ = n + m
    lp.sense_ = highspy.ObjSense.kMinimize
    lp.col_cost_ = inst.cost.reshape(-1).astype(np.float64)
    lp.col_lower_ = np.zeros(num_col)
    # A job that can never fit an agent is fixed out rather than left to presolve.
    lp.col_upper_ = (inst.weight <= inst.capacity[:, None]).reshape(-1).astype(np.float64)
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(m, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([np.ones(n), inst.capacity.astype(np.float64)])
    agent = np.repeat(np.arange(m), n)
    job = np.tile(np.arange(n), m)
    index = np.empty(2 * num_col, dtype=np.int32)
    index[0::2] = job
    index[1::2] = n + agent
    value = np.empty(2 * num_col, dtype=np.float64)
    value[0::2] = 1.0
    value[1::2] = inst.weight.reshape(-1)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * num_col + 1, 2, dtype=np.int32)
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.a_matrix_.num_col_ = num_col
    lp.a_matrix_.num_row_ = n + m
    lp.integrality_ = [highspy.HighsVarType.kInteger] * num_col
    model = highspy.HighsModel()
    model.lp_ = lp
    return model


def map_highs_status(model_status: highspy.HighsModelStatus, has_solution: bool) -> GapStatus:
    """Our status for a HiGHS model status (explicit table, see `HIGHS_STATUS_MAP`).

    Raises
    ------
    GapSolveError
        For statuses that cannot arise from a well-formed GAP model (load,
        presolve or solve errors, unbounded).
    """
    try:
        with_sol, without_sol = HIGHS_STATUS_MAP[model_status]
    except KeyError:
        raise GapSolveError(f"HiGHS failed on a GAP model: {model_status.name}") from None
    return with_sol if has_solution else without_sol


@dataclass(frozen=True)
class _HighsRun:
    """Raw outcome of one HiGHS solve (before any checking)."""

    model_status: highspy.HighsModelStatus
    x: npt.NDArray[np.float64] | None
    bound: float | None
    version: str


def _run_highs(
    inst: GapInstance,
    *,
    time_limit: float,
    seed: int,
    threads: int,
    start: IntArray | None,
    options: dict[str, bool | int | float | str] | None,
) -> _HighsRun:
    """Solve the full GAP model of `inst` once with HiGHS."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("mip_rel_gap", 0.0)
    # Integer costs: any bound within < 1 of the incumbent proves it optimal.
    integer_costs = bool(np.issubdtype(inst.cost.dtype, np.integer))
    h.setOptionValue("mip_abs_gap", 1.0 - 1e-6 if integer_costs else 0.0)
    h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    for key, val in (options or {}).items():
        h.setOptionValue(key, val)
    h.passModel(build_gap_model(inst))
    if start is not None:
        x0 = np.zeros((inst.m, inst.n))
        x0[start, np.arange(inst.n)] = 1.0
        sol0 = highspy.HighsSolution()
        sol0.col_value = x0.reshape(-1)
        sol0.value_valid = True
        h.setSolution(sol0)
    h.run()
    info = h.getInfo()
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value).reshape(inst.m, inst.n) if has_solution else None
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    return _HighsRun(h.getModelStatus(), x, bound, h.version())


def _solve_lp_relaxation(
    inst: GapInstance, *, time_limit: float, threads: int
) -> tuple[npt.NDArray[np.float64], float] | None:
    """Optimal x (shape (m, n)) and value of the LP relaxation; None if not reached."""
    model = build_gap_model(inst)
    model.lp_.integrality_ = []
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    h.passModel(model)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(h.getSolution().col_value).reshape(inst.m, inst.n)
    return x, float(h.getInfo().objective_function_value)


def _assignment_from_matrix(inst: GapInstance, x: npt.NDArray[np.float64]) -> IntArray:
    """Round a HiGHS 0/1 matrix to an assignment, refusing anything the checker rejects."""
    problems = check_gap_matrix(inst, np.rint(x).astype(np.int64))
    if problems:
        raise GapSolveError(f"{inst.name}: HiGHS returned a broken assignment: {problems}")
    return np.rint(x).argmax(axis=0).astype(np.int64)


def _agent_affinity(inst: GapInstance, top: int = 3) -> npt.NDArray[np.float64]:
    """How often two agents are both among the ``top`` cheapest agents of a job.

    Agents that compete for the same jobs are the ones worth re-optimising
    together in a large-neighbourhood move.
    """
    m = inst.m
    top = min(top, m)
    ranked = np.argsort(inst.cost, axis=0, kind="stable")[:top]  # (top, n)
    member = np.zeros((m, inst.n))
    np.put_along_axis(member, ranked, 1.0, axis=0)
    affinity = member @ member.T
    np.fill_diagonal(affinity, 0.0)
    return affinity


def _large_neighbourhood_search(
    inst: GapInstance,
    agents: IntArray,
    *,
    deadline: float,
    seed: int,
    threads: int,
    lower_bound: float | None,
    options: dict[str, bool | int | float | str] | None,
    first_size: int = 4,
    sub_limit: float = 1.0,
) -> IntArray:
    """Improve an assignment by re-solving the jobs of a few related agents exactly.

    Each move frees every job of a small set of agents (a random agent and
    agents that compete with it for the same jobs), solves that sub-GAP with
    HiGHS from the current assignment and keeps the result when it is no
    worse. The set grows while sub-problems solve quickly and shrinks when
    they time out. Stops at the deadline, when the lower bound is met or
    after ``3 m`` moves in a row without improvement.
    """
    rng = np.random.default_rng(seed)
    m = inst.m
    affinity = _agent_affinity(inst) + 1e-3
    jobs = np.arange(inst.n)
    current = agents.copy()
    obj = gap_objective(inst, current)
    # Never the whole problem: that is the final MIP's job.
    max_size = max(2, min(m - 1, m // 2 + 1))
    size = min(max_size, first_size)
    # Small instances run out of useful moves long before the deadline; the
    # full MIP then gets the rest of the time.
    patience = max(10, 3 * m)
    idle = 0
    while time.perf_counter() < deadline - 0.05 and idle < patience:
        if lower_bound is not None and obj - lower_bound < 1.0 - 1e-6:
            break
        idle += 1
        seed_agent = int(rng.integers(m))
        p = affinity[seed_agent].copy()
        p[seed_agent] = 0.0
        others = rng.choice(m, size=size - 1, replace=False, p=p / p.sum())
        chosen = np.sort(np.concatenate([[seed_agent], others]))
        free = jobs[np.isin(current, chosen)]
        if free.size == 0:
            continue
        sub = GapInstance(
            name=inst.name,
            cost=inst.cost[np.ix_(chosen, free)],
            weight=inst.weight[np.ix_(chosen, free)],
            capacity=inst.capacity[chosen],
        )
        local = np.searchsorted(chosen, current[free])
        remaining = deadline - time.perf_counter()
        t0 = time.perf_counter()
        run = _run_highs(
            sub,
            time_limit=min(sub_limit, remaining),
            seed=int(rng.integers(2**31 - 1)),
            threads=threads,
            start=local,
            options=options,
        )
        took = time.perf_counter() - t0
        if run.x is not None:
            new_local = _assignment_from_matrix(sub, run.x)
            if gap_objective(sub, new_local) <= gap_objective(sub, local):
                current[free] = chosen[new_local]
                new_obj = gap_objective(inst, current)
                if new_obj < obj:
                    idle = 0
                obj = new_obj
        if run.model_status == highspy.HighsModelStatus.kOptimal and took < 0.5 * sub_limit:
            size = min(max_size, size + 1)
        elif run.model_status != highspy.HighsModelStatus.kOptimal:
            size = max(2, size - 1)
    return current


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
        lp = _solve_lp_relaxation(inst, time_limit=0.25 * (deadline - time.perf_counter()), threads=threads)
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
        init = _large_neighbourhood_search(
            inst,
            init,
            deadline=time.perf_counter() + share * (deadline - time.perf_counter()),
            seed=seed,
            threads=threads,
            lower_bound=lp_bound,
            options=options,
        )

    run = _run_highs(
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
        candidates.insert(0, _assignment_from_matrix(inst, run.x))
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
