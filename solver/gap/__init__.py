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

The code lives in modules with one job each; this module gathers their
public names: `solver.gap.instance` (data class, reader), `solver.gap.check`
(independent checker), `solver.gap.highs` (HiGHS model and statuses),
`solver.gap.greedy` (constructive starts), `solver.gap.lns` (neighbourhood
search), `solver.gap.localbranch` (MIPs near the incumbent),
`solver.gap.core` (reduced costs and core columns) and
`solver.gap.solve` (`solve_gap`).
"""

from solver.gap.check import check_gap_matrix, check_gap_solution
from solver.gap.greedy import greedy_gap, lp_rounding_start
from solver.gap.highs import (
    NOT_FOR_GAP,
    GapSolveError,
    GapStatus,
    build_gap_model,
    map_highs_status,
)
from solver.gap.instance import GapInstance, IntArray, gap_objective, read_gap_instance
from solver.gap.solve import GapSolution, default_search_share, solve_gap

__all__ = [
    "NOT_FOR_GAP",
    "GapInstance",
    "GapSolution",
    "GapSolveError",
    "GapStatus",
    "IntArray",
    "build_gap_model",
    "check_gap_matrix",
    "check_gap_solution",
    "default_search_share",
    "gap_objective",
    "greedy_gap",
    "lp_rounding_start",
    "map_highs_status",
    "read_gap_instance",
    "solve_gap",
]
