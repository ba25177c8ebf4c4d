"""The pieces' priced plans are chosen so that together they keep the budget at least cost."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.assignment.budget.choice import choose_points, hull_steps, slack_shares


def test_the_hull_skips_points_a_mix_of_two_others_beats() -> None:
    # (moves, cost): (10, 0) -> (6, 1) -> (2, 5); (8, 3) lies above the line from (10, 0) to (6, 1)
    moves = np.array([10.0, 8.0, 6.0, 2.0])
    costs = np.array([0.0, 3.0, 1.0, 5.0])
    assert hull_steps(moves, costs) == [(0, 2), (2, 3)]


def test_moves_are_given_up_where_they_cost_least() -> None:
    # piece A gives 4 moves for 1 (0.25 each), piece B gives 4 moves for 4 (1 each)
    moves = [np.array([10.0, 6.0]), np.array([10.0, 6.0])]
    costs = [np.array([0.0, 1.0]), np.array([0.0, 4.0])]
    assert choose_points(moves, costs, 17.0) == [1, 0]
    assert choose_points(moves, costs, 12.0) == [1, 1]
    assert choose_points(moves, costs, 20.0) == [0, 0]  # the budget holds as is
    assert choose_points(moves, costs, 11.0) is None  # even the fewest moves break it


def test_the_cheapest_point_is_the_start_even_when_it_is_not_first() -> None:
    # a ladder's later plan can cost less than its start (local search found a better plan)
    assert choose_points([np.array([10.0, 9.0, 5.0])], [np.array([1.0, 0.5, 2.0])], 9.5) == [1]


def test_slack_goes_back_in_proportion_to_what_each_piece_gave_up() -> None:
    assert slack_shares([6.0, 10.0], [4.0, 0.0], 18.0) == pytest.approx([8.0, 10.0])
    assert slack_shares([6.0, 10.0], [0.0, 0.0], 18.0) == pytest.approx([7.0, 11.0])
    assert sum(slack_shares([6.0, 9.0, 1.0], [1.0, 2.0, 3.0], 20.0)) == pytest.approx(20.0)


_points = st.lists(
    st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=5, unique_by=lambda p: p[0]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_points, min_size=1, max_size=4), st.integers(0, 100))
def test_the_choice_keeps_the_budget_and_is_near_the_best(pieces: list, budget: int) -> None:
    """Against every combination: the choice keeps the budget whenever some combination does,
    and costs no more than the best combination plus one piece's largest step (the greedy's
    last step, as in any multiple-choice knapsack greedy)."""
    moves = [np.array([float(m) for m, _ in p]) for p in pieces]
    costs = [np.array([float(c) for _, c in p]) for p in pieces]
    fits = [
        sum(c[k] for c, k in zip(costs, combo, strict=True))
        for combo in itertools.product(*(range(len(m)) for m in moves))
        if sum(m[k] for m, k in zip(moves, combo, strict=True)) <= budget
    ]
    chosen = choose_points(moves, costs, float(budget))
    if not fits:
        assert chosen is None
        return
    assert chosen is not None
    assert sum(m[k] for m, k in zip(moves, chosen, strict=True)) <= budget
    cost = sum(c[k] for c, k in zip(costs, chosen, strict=True))
    assert cost <= min(fits) + max(float(c.max() - c.min()) for c in costs) + 1e-9
