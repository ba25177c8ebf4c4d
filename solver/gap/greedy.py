"""Constructive GAP starts: Martello & Toth's regret greedy, LP rounding, shifts."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from solver.gap.instance import GapInstance, IntArray, gap_objective


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
        agents = regret_greedy(inst, desirability, fixed)
        if agents is None:
            continue
        agents = improve_by_shifts(inst, agents)
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


def regret_greedy(
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


def improve_by_shifts(inst: GapInstance, agent_of_job: IntArray) -> IntArray:
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
