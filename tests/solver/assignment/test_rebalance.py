"""Pieces evened out after the split's tree: exchanges between pairs of pieces, least regret."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.assignment.split.rebalance import (
    REBALANCE_MARGIN,
    Leaves,
    rebalance,
    worst_deviation,
)


def _leaves(values: np.ndarray, n_pieces: int, tolerance: list[float]) -> Leaves:
    """Every piece wants an equal share of every metric."""
    want = np.repeat(values.sum(axis=1, keepdims=True) / n_pieces, n_pieces, axis=1)
    return Leaves(values, want, np.array(tolerance))


def _chain() -> tuple[np.ndarray, Leaves]:
    """Three pieces of 60 unit-potential units each, but piece 0 holds 66 and piece 2 holds 54:
    10% out where the tolerance is 2%, five tolerances each."""
    values = np.ones((1, 180))
    piece = np.array([0] * 66 + [1] * 60 + [2] * 54)
    return piece, _leaves(values, 3, [0.02])


def test_a_piece_short_of_its_band_is_evened_out_with_the_one_over() -> None:
    piece, leaves = _chain()
    assert worst_deviation(leaves, piece) > 4.0
    cost = np.zeros((180, 3))
    out = rebalance(piece, cost, np.ones(180, dtype=bool), leaves)
    assert worst_deviation(leaves, out) <= REBALANCE_MARGIN + 1e-9
    # piece 1 was balanced: the exchange is between the two pieces out of it
    assert np.array_equal(out[66:126], piece[66:126])


def test_the_units_that_lose_least_move() -> None:
    """Piece 0 must give up six units: those whose cost in piece 2 is least above their cost here."""
    piece, leaves = _chain()
    cost = np.zeros((180, 3))
    cost[:66, 2] = np.arange(66, 0, -1) / 10.0  # the last units of piece 0 are the cheapest to move
    cost[66:126] = [0.0, 0.0, 1.0]
    out = rebalance(piece, cost, np.ones(180, dtype=bool), leaves)
    moved = np.flatnonzero(out[:66] != 0)
    assert len(moved) == 6
    assert np.array_equal(moved, np.arange(60, 66))


def test_nothing_moves_when_every_piece_holds_its_share() -> None:
    values = np.vstack([np.ones(90), np.ones(90)])
    piece = np.repeat(np.arange(3), 30)
    leaves = _leaves(values, 3, [0.02, 0.25])
    out = rebalance(piece, np.zeros((90, 3)), np.ones(90, dtype=bool), leaves)
    assert np.array_equal(out, piece)


def test_units_that_may_not_move_stay_and_those_without_a_rep_there_do_not_go() -> None:
    piece, leaves = _chain()
    movable = np.ones(180, dtype=bool)
    movable[:30] = False  # pinned
    cost = np.zeros((180, 3))
    cost[30:40, 2] = np.inf  # no eligible rep in piece 2
    out = rebalance(piece, cost, movable, leaves)
    assert np.array_equal(out[:40], piece[:40])
    assert worst_deviation(leaves, out) <= REBALANCE_MARGIN + 1e-9


def test_metrics_that_pull_apart_are_both_evened_out() -> None:
    """Piece 0 holds the heavy units (potential 10, one account each) and too few accounts;
    piece 1 the light ones: only an exchange both ways balances both metrics."""
    potential = np.array([10.0] * 12 + [1.0] * 100)
    accounts = np.ones(112)
    values = np.vstack([potential, accounts])
    piece = np.array([0] * 12 + [1] * 100)
    leaves = _leaves(values, 2, [0.05, 0.05])
    assert worst_deviation(leaves, piece) > 10
    out = rebalance(piece, np.zeros((112, 2)), np.ones(112, dtype=bool), leaves)
    # the LP's rounding may leave up to half a unit's width per row: 1 of 5.5 (accounts)
    assert worst_deviation(leaves, out) <= 1.0
    assert (out[:12] == 1).any() and (out[12:] == 0).any()


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(30, 300))
def test_exchanges_never_leave_the_pieces_further_out(seed, n_pieces, n) -> None:
    rng = np.random.default_rng(seed)
    values = np.vstack([rng.pareto(2.0, n) + 0.5, rng.integers(1, 4, n).astype(float)])
    piece = rng.integers(0, n_pieces, n)
    leaves = _leaves(values, n_pieces, [0.05, 0.25])
    movable = rng.random(n) < 0.9
    cost = np.where(rng.random((n, n_pieces)) < 0.95, rng.random((n, n_pieces)), np.inf)
    cost[np.arange(n), piece] = rng.random(n)  # a unit always has a rep in its own piece
    out = rebalance(piece, cost, movable, leaves)
    assert np.array_equal(out[~movable], piece[~movable])
    went = out != piece
    assert np.isfinite(cost[np.flatnonzero(went), out[went]]).all()
    assert worst_deviation(leaves, out) <= worst_deviation(leaves, piece) + 1e-9
