"""Which of its priced plans each piece keeps so that the pieces together keep the disruption budget.

Each piece offers plans from a ladder of prices on moved potential
(`solver.assignment.budget.repair`): the higher the price, the less the plan
moves and the more it costs. Keeping the plan-wide budget at least cost is a
multiple-choice knapsack; on the lower convex hull of each piece's (moves,
cost) points, the greedy that gives up moves where they cost least per unit
of potential is the Lagrangian choice (one price of moves for every piece),
exact up to the last step it takes. The hull drops points that a mix of two
others beats, so no piece pays more per unit of moves it gives up than
another piece that still has cheaper moves to give.
"""

from __future__ import annotations

import numpy as np


def hull_steps(moves: np.ndarray, costs: np.ndarray) -> list[tuple[int, int]]:
    """The lower convex hull of one piece's points, from its cheapest point towards fewer moves,
    as (from, to) index pairs in order of rising cost per unit of moves given up."""
    at = int(np.lexsort((moves, costs))[0])  # the cheapest point (fewest moves among ties)
    steps: list[tuple[int, int]] = []
    while True:
        fewer = np.flatnonzero(moves < moves[at] - 1e-9)
        if len(fewer) == 0:
            return steps
        slope = (costs[fewer] - costs[at]) / (moves[at] - moves[fewer])
        best = slope.min()
        # among the points on the steepest-saving line, go to the one with the fewest moves
        on_line = fewer[slope <= best + 1e-12 * max(1.0, abs(best))]
        nxt = int(on_line[np.argmin(moves[on_line])])
        steps.append((at, nxt))
        at = nxt


def choose_points(moves: list[np.ndarray], costs: list[np.ndarray], budget: float) -> list[int] | None:
    """Each piece's point (index into its arrays) so that the chosen moves sum to at most
    ``budget`` at least cost (greedy on the hulls); None when even the fewest moves do not fit."""
    chosen = [int(np.lexsort((m, c))[0]) for m, c in zip(moves, costs, strict=True)]
    total = float(sum(m[k] for m, k in zip(moves, chosen, strict=True)))
    if total <= budget:
        return chosen
    steps: list[tuple[float, int, int, int]] = []
    for p, (m, c) in enumerate(zip(moves, costs, strict=True)):
        for order, (a, b) in enumerate(hull_steps(m, c)):
            steps.append(((c[b] - c[a]) / (m[a] - m[b]), p, order, b))
    steps.sort()
    for _, p, _, b in steps:
        total += float(moves[p][b] - moves[p][chosen[p]])
        chosen[p] = b
        if total <= budget:
            return chosen
    return None


def slack_shares(chosen_moves: list[float], given_up: list[float], budget: float) -> list[float]:
    """Each piece's share of ``budget``: its chosen moves, plus the budget's slack above their sum
    in proportion to what each gave up (where that slack can buy back cost)."""
    slack = max(budget - float(sum(chosen_moves)), 0.0)
    weight = float(sum(given_up))
    if weight <= 0:
        return [m + slack / max(len(chosen_moves), 1) for m in chosen_moves]
    return [m + slack * g / weight for m, g in zip(chosen_moves, given_up, strict=True)]
