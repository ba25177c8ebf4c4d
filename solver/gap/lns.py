"""Large-neighbourhood search for the GAP: re-solve the jobs of a few agents exactly."""

from __future__ import annotations

import time

import highspy
import numpy as np
import numpy.typing as npt

from solver.gap.highs import assignment_from_matrix, run_highs
from solver.gap.instance import GapInstance, IntArray, gap_objective


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


def large_neighbourhood_search(
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
        run = run_highs(
            sub,
            time_limit=min(sub_limit, remaining),
            seed=int(rng.integers(2**31 - 1)),
            threads=threads,
            start=local,
            options=options,
        )
        took = time.perf_counter() - t0
        if run.x is not None:
            new_local = assignment_from_matrix(sub, run.x)
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
