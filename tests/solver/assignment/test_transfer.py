"""Units crossing a cut: both sides brought to their share of every metric, at least regret."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.assignment.split.transfer import Wanted, transfer


def _wanted(total: np.ndarray, share: float, margin: np.ndarray) -> Wanted:
    left, right = share * total, (1 - share) * total
    return Wanted(left, right, margin * left, margin * right)


def _deviation(values: np.ndarray, side: np.ndarray, wanted: Wanted) -> np.ndarray:
    """Each row's distance outside its band, in band widths (0 inside): left rows, then right."""
    held = values[:, side].sum(axis=1)
    rest = values.sum(axis=1) - held
    out_l = np.maximum(np.abs(held - wanted.left) - wanted.width_left, 0) / wanted.width_left
    out_r = np.maximum(np.abs(rest - wanted.right) - wanted.width_right, 0) / wanted.width_right
    return np.concatenate([out_l, out_r])


def _whales_left() -> tuple[np.ndarray, np.ndarray]:
    """Left holds 10 heavy units (potential 10, one account each); right 100 light ones
    (potential 1, one account each): halves of potential are 50 and 50 already, but the
    left holds 10 accounts of the 55 it should."""
    potential = np.array([10.0] * 10 + [1.0] * 100)
    accounts = np.ones(110)
    left = np.array([True] * 10 + [False] * 100)
    return np.vstack([potential, accounts]), left


def test_two_metrics_in_conflict_are_both_brought_inside_their_bands() -> None:
    """Handing over by regret moves one metric at a time; here every light unit that
    crosses adds accounts and potential alike, so only crossing both ways balances both."""
    values, left = _whales_left()
    wanted = _wanted(values.sum(axis=1), 0.5, np.array([0.05, 0.05]))
    assert _deviation(values, left, wanted).max() > 1.0
    side = transfer(left, np.ones(110), np.ones(110, dtype=bool), values, wanted)
    assert _deviation(values, side, wanted).max() < 1e-6 + 0.5  # rounding keeps it within half a band
    # whales went right and light units came left
    assert (~side[:10]).any() and side[10:].any()


def test_nothing_crosses_when_the_sides_already_hold_their_shares() -> None:
    values = np.vstack([np.ones(20), np.ones(20)])
    left = np.arange(20) < 10
    wanted = _wanted(values.sum(axis=1), 0.5, np.array([0.1, 0.1]))
    side = transfer(left, np.arange(20, dtype=float), np.ones(20, dtype=bool), values, wanted)
    assert np.array_equal(side, left)


def test_the_cheapest_units_cross() -> None:
    """Left holds 14 of 20 equal units and should hold 10: the four cheapest to move cross."""
    values = np.ones((1, 20))
    left = np.arange(20) < 14
    regret = np.array([5.0, 1.0, 7.0, 2.0, 9.0, 3.0, 8.0, 4.0, 6.0, 10.0, 11, 12, 13, 14] + [0.0] * 6)
    wanted = _wanted(values.sum(axis=1), 0.5, np.array([1e-3]))
    side = transfer(left, regret, np.ones(20, dtype=bool), values, wanted)
    assert side.sum() == 10
    assert sorted(np.flatnonzero(left & ~side).tolist()) == [1, 3, 5, 7]


def test_units_that_may_not_move_stay() -> None:
    values, left = _whales_left()
    movable = np.ones(110, dtype=bool)
    movable[:10] = False  # the whales are pinned
    wanted = _wanted(values.sum(axis=1), 0.5, np.array([0.05, 0.05]))
    side = transfer(left, np.ones(110), movable, values, wanted)
    assert side[:10].all()


def test_out_of_reach_bands_are_approached_as_close_as_possible() -> None:
    """Left should hold 60% of two units' worth but units are indivisible: it keeps one."""
    values = np.ones((1, 2))
    left = np.array([True, True])
    wanted = _wanted(values.sum(axis=1), 0.6, np.array([1e-3]))
    side = transfer(left, np.zeros(2), np.ones(2, dtype=bool), values, wanted)
    assert side.sum() in (1, 2)
    again = transfer(left, np.zeros(2), np.ones(2, dtype=bool), values, wanted)
    assert np.array_equal(side, again)


def test_within_a_band_out_of_reach_the_least_regret_still_decides() -> None:
    """Metric A cannot be balanced (its only heavy unit is pinned left); metric B needs one of
    two units to cross: the cheaper one does (the stretched rows keep their direction)."""
    # units: pinned heavy (A=10), p and q (B=1 each, left, regrets 1 and 5), pinned r (B=1, right)
    values = np.array([[10.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0]])
    left = np.array([True, True, True, False])
    movable = np.array([False, True, True, False])
    regret = np.array([0.0, 1.0, 5.0, 0.0])
    wanted = Wanted(np.array([5.0, 1.0]), np.array([5.0, 2.0]), np.array([0.1, 0.1]), np.array([0.1, 0.1]))
    side = transfer(left, regret, movable, values, wanted)
    assert side.tolist() == [True, False, True, False]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(4, 200), st.floats(0.2, 0.8))
def test_crossing_never_leaves_the_sides_further_from_their_bands(seed, n, share) -> None:
    rng = np.random.default_rng(seed)
    values = np.vstack([rng.pareto(1.5, n) + 0.1, rng.integers(1, 4, n).astype(float)])
    left = rng.random(n) < 0.5
    movable = rng.random(n) < 0.9
    regret = rng.random(n)
    wanted = _wanted(values.sum(axis=1), share, np.array([0.05, 0.25]))
    side = transfer(left, regret, movable, values, wanted)
    assert np.array_equal(side[~movable], left[~movable])
    before = _deviation(values, left, wanted).sum()
    after = _deviation(values, side, wanted).sum()
    # the LP's rounding may cost at most one unit per row
    slack = 4 * float((values / np.maximum(np.vstack([wanted.width_left] * n).T, 1e-12)).max())
    assert after <= before + slack + 1e-6


def test_a_cut_whose_metrics_pull_apart_crosses_by_the_lp() -> None:
    """Down the split's tree: the left group is cheaper for 10 heavy units (10 potential, one
    account each), the right for 100 light ones. By regret alone the best hand-over leaves a
    metric more than `BAND_MARGIN` out; the LP brings both metrics within their margins."""
    from solver.assignment.split.pieces import BAND_MARGIN, _descend, _Node

    values, left = _whales_left()
    n = values.shape[1]
    minima = np.where(left[:, None], [[0.0, 1.0]], [[1.0, 0.0]])
    root = _Node(
        np.array([0, 1]),
        np.array([0, 1]),
        _Node(np.array([0]), np.array([0])),
        _Node(np.array([1]), np.array([1])),
    )
    tolerance = {"potential": 0.02, "accounts": 0.02}
    out: list[tuple[np.ndarray, np.ndarray]] = []
    _descend(
        root,
        np.arange(n),
        minima,
        {"potential": values[0], "accounts": values[1]},
        tolerance,
        np.ones(2),
        np.full(n, -1),
        out,
    )
    (lu, _), _ = out
    for row, tol in zip(values, tolerance.values(), strict=True):
        want = row.sum() / 2
        assert abs(row[lu].sum() - want) <= BAND_MARGIN * tol * want + 1e-9


def test_units_cheaper_on_the_other_side_cross_first() -> None:
    """Regrets all below zero (units already cheaper across, as after earlier exchanges):
    the four that gain most cross, not an arbitrary four."""
    values = np.ones((1, 20))
    left = np.arange(20) < 14
    gain = np.array([5.0, 1.0, 7.0, 2.0, 9.0, 3.0, 8.0, 4.0, 6.0, 10.0, 11, 12, 13, 14])
    regret = np.concatenate([-gain, np.zeros(6)])
    wanted = _wanted(np.array([20.0]), 0.5, np.array([0.02]))
    side = transfer(left, regret, left.copy(), values, wanted)  # only the left's units may move
    assert sorted(np.flatnonzero(left & ~side)) == [10, 11, 12, 13]
