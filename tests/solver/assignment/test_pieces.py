"""Large blocks solved in pieces: exact partition, valid bounds, same rules, fallback to whole."""

from __future__ import annotations

import dataclasses
import importlib
import time

import numpy as np
import pytest

from solver.assignment import solve, violations
from solver.assignment.block import block_reps, block_units, build_block
from solver.assignment.lp.pricing import priced_lp
from solver.assignment.prechecks import forced_moves, forced_moves_ignoring_eligibility
from solver.assignment.split.block_bound import PieceDuals, lagrangian_bound, piece_duals
from solver.assignment.split.pieces import Piece, Split, split_block
from solver.assignment.terms import block_distance_reference_km, total_potential
from solver.synthetic import SyntheticSpec, generate_problem
from tests.solver.assignment.helpers import SPLIT_RULES, cost_per_pair

solve_module = importlib.import_module("solver.assignment.solve")
pieces_module = importlib.import_module("solver.assignment.split.pieces")

RULES = SPLIT_RULES


@pytest.fixture(scope="module")
def problem():
    return generate_problem(SyntheticSpec(6_000, 60, seed=3))


def _cost(problem, rules=RULES):
    return cost_per_pair(problem, rules)


def _largest_block(problem) -> int:
    return int(np.argmax(np.bincount(problem.unit_block, minlength=len(problem.blocks))))


def test_lagrangian_bound_of_a_whole_block_equals_its_lp(problem) -> None:
    """LP duality: with one piece and a fully priced LP, L(y) is the LP optimum."""
    cost_of = _cost(problem)
    b = _largest_block(problem)
    block = build_block(problem, b)
    lp = priced_lp(problem, block, RULES, cost_of(block), None, time.perf_counter() + 60)
    duals = piece_duals(problem, block, RULES, None, lp.row_dual)
    bound, _, _ = lagrangian_bound(problem, b, RULES, [duals], cost_of)
    assert bound == pytest.approx(lp.objective, rel=1e-7)
    # any other duals give a smaller value: a lower bound, never above the LP
    shaken = piece_duals(problem, block, RULES, None, lp.row_dual * 1.5)
    assert lagrangian_bound(problem, b, RULES, [shaken], cost_of)[0] <= lp.objective + 1e-12


def test_split_partitions_units_and_reps_and_keeps_pins(problem) -> None:
    b = _largest_block(problem)
    split = split_block(problem, b, RULES, _cost(problem), time.perf_counter() + 60, max_units=700)
    assert len(split.pieces) >= 2
    units = np.concatenate([p.units for p in split.pieces])
    reps = np.concatenate([p.reps for p in split.pieces])
    assert np.array_equal(np.sort(units), block_units(problem, b))
    assert np.array_equal(np.sort(reps), block_reps(problem, b))
    for piece in split.pieces:
        accs = np.flatnonzero(np.isin(problem.unit, piece.units) & (problem.pin >= 0))
        assert np.isin(problem.pin[accs], piece.reps).all()
    assert np.isfinite(split.sample_bound)


def test_small_blocks_are_not_split(problem) -> None:
    b = _largest_block(problem)
    split = split_block(problem, b, RULES, _cost(problem), time.perf_counter() + 60)
    assert len(split.pieces) == 1 and split.pieces[0].parts == 1


@pytest.mark.slow
def test_solve_in_pieces_keeps_every_rule_and_bounds_the_objective(problem, monkeypatch) -> None:
    whole = solve(problem, RULES)
    monkeypatch.setattr(solve_module, "PIECE_UNITS", 700)
    monkeypatch.setattr(pieces_module, "PIECE_UNITS", 700)
    split = solve(problem, RULES)
    assert split.status.has_plan
    assert violations(problem, split.rep_of_account, RULES) == []
    assert any(b.pieces > 1 for b in split.blocks)
    for blk in split.blocks:
        assert blk.bound <= blk.objective + 1e-9
    # the bound of the pieces is valid for the whole problem: below the whole solve's plan,
    # and the pieces' plan costs at most a few percent more than the whole solve's
    assert split.bound <= whole.objective + 1e-9
    assert split.objective <= whole.objective * 1.05
    again = solve(problem, RULES)
    assert np.array_equal(again.rep_of_account, split.rep_of_account)


def test_a_bad_split_falls_back_to_the_whole_block(problem, monkeypatch) -> None:
    """A piece that cannot balance (all reps, almost no units) makes the block solve whole."""
    b = _largest_block(problem)
    units, reps = block_units(problem, b), block_reps(problem, b)

    def lopsided(problem_, b_, rules, cost, deadline, max_units=0, **_):
        if b_ != b:
            return Split([Piece(b_, 0, 1, block_units(problem_, b_), block_reps(problem_, b_))])
        return Split(
            [
                Piece(b, 0, 2, units[:5], reps[: len(reps) // 2]),
                Piece(b, 1, 2, units[5:], reps[len(reps) // 2 :]),
            ]
        )

    monkeypatch.setattr(solve_module, "split_block", lopsided)
    monkeypatch.setattr(solve_module, "PIECE_UNITS", 10)
    result = solve(problem, RULES)
    assert result.status.has_plan
    assert violations(problem, result.rep_of_account, RULES) == []
    assert all(blk.pieces == 1 for blk in result.blocks)


def test_forced_moves_from_owners_alone_never_exceed_the_exact_figure(problem) -> None:
    for b in range(len(problem.blocks)):
        exact = forced_moves(problem, [build_block(problem, b)])
        assert forced_moves_ignoring_eligibility(problem, b) <= exact + 1e-6


def test_a_block_too_large_to_solve_whole_says_so(problem, monkeypatch) -> None:
    """When a piece fails and the block is too large to build whole, the run says why in words."""
    b = _largest_block(problem)
    units, reps = block_units(problem, b), block_reps(problem, b)

    def lopsided(problem_, b_, rules, cost, deadline, max_units=0, **_):
        if b_ != b:
            return Split([Piece(b_, 0, 1, block_units(problem_, b_), block_reps(problem_, b_))])
        half = len(reps) // 2
        return Split([Piece(b, 0, 2, units[:5], reps[:half]), Piece(b, 1, 2, units[5:], reps[half:])])

    monkeypatch.setattr(solve_module, "split_block", lopsided)
    monkeypatch.setattr(solve_module, "PIECE_UNITS", 10)
    monkeypatch.setattr(importlib.import_module("solver.assignment.piece_checks"), "MAX_WHOLE_PAIRS", 100)
    result = solve(problem, RULES)
    assert result.status == "no_solution"
    assert problem.block_name(b) in (result.explanation or "")
    assert "pairs" in (result.explanation or "") and "Widen its tolerances" in (result.explanation or "")


def _partition_ok(problem, b, split) -> bool:
    units = np.sort(np.concatenate([p.units for p in split.pieces]))
    reps = np.sort(np.concatenate([p.reps for p in split.pieces]))
    return np.array_equal(units, block_units(problem, b)) and np.array_equal(reps, block_reps(problem, b))


def test_a_flawed_split_is_kept_only_when_the_block_must_be_split(problem, monkeypatch) -> None:
    """A block too large to build whole is split even when its pieces hold their bands loosely
    (a 1M-account run otherwise built a 187M-pair block whole and ran out of memory)."""
    b = _largest_block(problem)
    monkeypatch.setattr(pieces_module, "_bands_hold", lambda *args: False)
    loose = split_block(problem, b, RULES, _cost(problem), time.perf_counter() + 60, max_units=700)
    assert len(loose.pieces) == 1
    forced = split_block(
        problem, b, RULES, _cost(problem), time.perf_counter() + 60, max_units=700, must_split=True
    )
    assert len(forced.pieces) >= 2 and _partition_ok(problem, b, forced)


def test_a_block_that_must_be_split_is_split_on_cost_without_sample_prices(problem, monkeypatch) -> None:
    b = _largest_block(problem)
    monkeypatch.setattr(pieces_module, "_sample_prices", lambda *args: None)
    assert (
        len(split_block(problem, b, RULES, _cost(problem), time.perf_counter() + 60, max_units=700).pieces)
        == 1
    )
    forced = split_block(
        problem, b, RULES, _cost(problem), time.perf_counter() + 60, max_units=700, must_split=True
    )
    assert len(forced.pieces) >= 2 and _partition_ok(problem, b, forced)
    # the sample's bound is then each unit at its cheapest rep: still a bound
    assert np.isfinite(forced.sample_bound)


def test_solve_splits_a_block_too_large_to_build_whole(problem, monkeypatch) -> None:
    """Given a split that holds its bands loosely, a block past the whole-block size is still
    solved in pieces (never built whole)."""
    monkeypatch.setattr(solve_module, "PIECE_UNITS", 700)
    monkeypatch.setattr(pieces_module, "_bands_hold", lambda *args: False)
    checks = importlib.import_module("solver.assignment.piece_checks")
    b = _largest_block(problem)
    monkeypatch.setattr(
        checks, "MAX_WHOLE_PAIRS", len(block_units(problem, b)) * len(block_reps(problem, b)) - 1
    )
    cost = solve_module.PlanCost(RULES, total_potential(problem), block_distance_reference_km(problem), None)
    splits = solve_module._split_blocks(problem, RULES, cost, time.perf_counter() + 60, frozenset())
    assert len(splits[b].pieces) >= 2 and _partition_ok(problem, b, splits[b])
    assert all(len(s.pieces) == 1 for k, s in splits.items() if k != b)


def test_a_unit_whose_priced_costs_tie_goes_to_its_owners_group() -> None:
    """Prices that make a unit cost the same in every group (every rep at its band) left ties
    to the left side: units went away from their owners for nothing. The owner's group now
    wins a tie, and never a real difference; units without an owner here keep their costs."""
    from solver.assignment.split.pieces import _owners_first
    from tests.solver.assignment.helpers import make_problem

    problem = make_problem(
        [10.0, 20.0, 30.0, 40.0, 50.0],
        ["R2", "R3", "R0", None, "R1"],
        ["R0", "R1", "R2", "R3"],
    )
    units = block_units(problem, 0)
    reps = block_reps(problem, 0)
    group = np.array([0, 0, 1, 1])  # R0, R1 | R2, R3
    minima = np.full((len(units), 2), 0.5)
    minima[4] = [0.5, 0.2]  # A004 (owner R1, group 0) is truly cheaper in group 1
    out = _owners_first(problem, units, reps, group, minima)
    assert out.argmin(axis=1).tolist() == [1, 1, 0, 0, 1]
    assert np.array_equal(out[3], minima[3])  # no owner: untouched
    assert np.allclose(out, minima, rtol=1e-5)  # a tie-break, not a price


def test_a_samples_bands_are_measured_from_each_reps_sampled_book() -> None:
    """A sampled rep holds a few of its units, not its book: bands from scaled targets left
    every sampled rep off its band by sampling noise (prices saturated). Each rep's band in
    the sample is its sampled book plus how far its whole book is from its band, scaled: a
    rep on target in the block is on target in the sample, whichever units were drawn; a new
    hire keeps its scaled band; a rep that must shed more than the sample holds may hold
    nothing (but one band's width, so that the sample stays feasible)."""
    from solver.assignment.block import block_targets, unit_totals
    from solver.assignment.split.pieces import _sample_bands
    from tests.solver.assignment.helpers import make_problem

    # R0 owns 10+30+60 = 100, R1 owns 5+95 = 100, R2 (a new hire) owns nothing; A005 is free
    problem = make_problem(
        [10.0, 30.0, 60.0, 5.0, 95.0, 100.0],
        ["R0", "R0", "R0", "R1", "R1", None],
        ["R0", "R1", "R2"],
    )
    units = block_units(problem, 0)
    reps = block_reps(problem, 0)
    targets = block_targets(problem, 0, reps)  # 100 each: every book on target, R2 empty
    totals = unit_totals(problem, units)
    tol = 0.1
    for drawn in ([0, 4, 5], [1, 2, 3], [2, 3, 5]):
        sample = build_block(problem, 0, units[drawn], reps, targets)
        lower, upper = _sample_bands(problem, sample, units, targets, totals, {"potential": tol})[
            "balance:potential"
        ]
        ratio = sample.unit_values["potential"].sum() / totals["potential"].sum()
        books = np.array(
            [sample.unit_values["potential"][np.isin(drawn, mine)].sum() for mine in ([0, 1, 2], [3, 4])]
        )
        # R0 and R1 are on target in the block, so they are in the sample
        assert lower[:2] == pytest.approx(np.maximum(books - tol * ratio * 100, 0))
        assert upper[:2] == pytest.approx(np.maximum(books + tol * ratio * 100, 2 * tol * ratio * 100))
        assert (lower[2], upper[2]) == pytest.approx(((1 - tol) * ratio * 100, (1 + tol) * ratio * 100))
    # R0 is far over target and the sample drew none of its book
    heavy = make_problem([150.0, 150.0, 10.0, 40.0], ["R0", "R0", "R1", None], ["R0", "R1"])
    units = block_units(heavy, 0)
    reps = block_reps(heavy, 0)
    targets = block_targets(heavy, 0, reps)
    sample = build_block(heavy, 0, units[[2, 3]], reps, targets)
    lower, upper = _sample_bands(
        heavy, sample, units, targets, unit_totals(heavy, units), {"potential": tol}
    )["balance:potential"]
    ratio = 50.0 / 350.0
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(2 * tol * ratio * 175.0)
    assert (lower <= upper).all()
    # a unit pinned to R0 (its one eligible rep) stays within R0's band
    pinned = make_problem(
        [150.0, 150.0, 10.0, 40.0], ["R0", "R0", "R1", None], ["R0", "R1"], pins=["R0", None, None, None]
    )
    sample = build_block(pinned, 0, units[[0, 2, 3]], reps, targets)
    assert np.bincount(sample.pair_unit)[0] == 1
    _, upper = _sample_bands(pinned, sample, units, targets, unit_totals(pinned, units), {"potential": tol})[
        "balance:potential"
    ]
    assert upper[0] >= 150.0


def test_trust_scales_the_prices_of_the_minima_and_never_the_bound(problem) -> None:
    """The split reads each unit's side from part of the sample's prices (`PRICE_TRUST`); the
    block's bound always takes them whole. At trust 0 the minima are the costs alone."""
    cost_of = _cost(problem)
    b = _largest_block(problem)
    block = build_block(problem, b)
    lp = priced_lp(problem, block, RULES, cost_of(block), None, time.perf_counter() + 60)
    duals = piece_duals(problem, block, RULES, None, lp.row_dual)
    group = np.arange(len(block_reps(problem, b))) % 3
    whole, _, priced = lagrangian_bound(problem, b, RULES, [duals], cost_of, rep_group=group)
    half, _, halved = lagrangian_bound(problem, b, RULES, [duals], cost_of, rep_group=group, trust=0.5)
    _, _, costs = lagrangian_bound(problem, b, RULES, [duals], cost_of, rep_group=group, trust=0.0)
    _, _, unpriced = lagrangian_bound(problem, b, RULES, [PieceDuals({})], cost_of, rep_group=group)
    assert half == whole
    assert np.array_equal(costs, unpriced)
    assert not np.allclose(halved, priced) and not np.allclose(halved, costs)


def test_a_split_keeps_owned_units_with_their_owners(monkeypatch) -> None:
    """Many reps, few sampled units each, no distance: the sample's LP is degenerate (every
    unit of a rep that must shed ties with every rep that must gain), and at full prices
    the cut sent each such unit away (here 31% of the potential, where the bound says
    9.6% must move at all). At `PRICE_TRUST` the potential a split leaves away from its
    owners' pieces stays within what must move."""
    from solver.assignment.block import unit_owners, unit_totals
    from solver.config import AssignmentConfig
    from solver.synthetic_witness import WitnessSpec, generate_witness

    problem = generate_witness(WitnessSpec(12_000, 400, n_blocks=1, seed=32, owned_share=1.0)).problem()
    rules = AssignmentConfig(balance={"potential": 0.02}, weights={"disruption": 1.0, "distance": 0.0})
    monkeypatch.setattr(pieces_module, "SAMPLE_UNITS", 1_500)
    split = split_block(problem, 0, rules, _cost(problem, rules), time.perf_counter() + 60, parts=4)
    assert len(split.pieces) == 4
    units, reps = block_units(problem, 0), block_reps(problem, 0)
    owner = unit_owners(problem, units, reps)
    piece_of_rep = np.zeros(len(reps), dtype=int)
    piece_of_unit = np.zeros(len(units), dtype=int)
    for piece in split.pieces:
        piece_of_rep[np.searchsorted(reps, piece.reps)] = piece.part
        piece_of_unit[np.searchsorted(units, piece.units)] = piece.part
    potential = unit_totals(problem, units)["potential"]
    owned = owner >= 0
    away = owned & (piece_of_rep[np.where(owned, owner, 0)] != piece_of_unit)
    must_move = split.sample_bound  # moved potential (a share of the total) is the whole objective
    assert must_move > 0
    assert potential[away].sum() / potential.sum() <= must_move


def test_half_prices_only_where_ownership_alone_sets_costs_apart(problem) -> None:
    """Distances break the sample's ties; without them (no weight, or no coordinates) a unit
    costs the same at every rep but its owner."""
    from solver.assignment.split.pieces import _owners_alone
    from solver.config import AssignmentConfig

    b = _largest_block(problem)
    units, reps = block_units(problem, b), block_reps(problem, b)
    assert not _owners_alone(problem, RULES, units, reps)
    least = AssignmentConfig(balance={"potential": 0.05}, weights={"disruption": 1.0})
    assert _owners_alone(problem, least, units, reps)
    no_coordinates = dataclasses.replace(problem, rep_lat=np.full(problem.n_reps, np.nan))
    assert _owners_alone(problem=no_coordinates, rules=RULES, units=units, reps=reps)


def test_half_prices_where_the_sample_holds_few_units_a_rep(problem) -> None:
    """A rep's price from a handful of its sampled units is noise, distances or not."""
    from solver.assignment.split.pieces import FEW_SAMPLED_PER_REP, PRICE_TRUST, _price_trust

    b = _largest_block(problem)
    units, reps = block_units(problem, b), block_reps(problem, b)
    enough = FEW_SAMPLED_PER_REP * len(reps)
    assert _price_trust(problem, RULES, units, reps, enough) == 1.0
    assert _price_trust(problem, RULES, units, reps, enough - 1) == PRICE_TRUST < 1.0
