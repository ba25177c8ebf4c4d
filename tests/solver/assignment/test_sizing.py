"""How many pieces a block is cut into: by units, then by the work the time limit holds."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.assignment import solve, violations
from solver.assignment.executor import local_processes, using_engine
from solver.assignment.split.sizing import (
    MIN_PIECE_PAIRS,
    MIN_PIECE_REPS,
    BlockSize,
    pairs_held,
    piece_counts,
)
from solver.synthetic import SyntheticSpec, generate_problem
from tests.solver.assignment.helpers import SPLIT_RULES

sizing = importlib.import_module("solver.assignment.split.sizing")

#: The blocks of a 300k x 1,500 run (units, reps): by units alone its pieces held 89M pairs,
#: more than two cores plan in 180 s, and its last pieces came from the construction alone.
RUN_300K = {
    0: BlockSize(17_696, 200),
    1: BlockSize(11_722, 134),
    2: BlockSize(52_824, 300),
    3: BlockSize(35_249, 200),
    4: BlockSize(105_790, 399),
    5: BlockSize(70_422, 267),
}


def _held(sizes: dict[int, BlockSize], counts: dict[int, int]) -> float:
    return sum(sizes[b].pairs / counts[b] for b in sizes)


def test_with_time_enough_only_the_units_cut() -> None:
    counts = piece_counts(RUN_300K, 40_000, seconds=1e6, workers=2)
    assert counts == {0: 1, 1: 1, 2: 2, 3: 1, 4: 3, 5: 2}


def test_a_short_time_cuts_the_largest_pieces_until_the_work_fits() -> None:
    counts = piece_counts(RUN_300K, 40_000, seconds=180, workers=2)
    total, one = pairs_held(180, 2)
    assert _held(RUN_300K, counts) <= total
    assert all(RUN_300K[b].pairs / k**2 <= one for b, k in counts.items())
    # the units' cut is kept, and the smallest block stays whole
    assert all(counts[b] >= k for b, k in {2: 2, 4: 3, 5: 2}.items())
    assert counts[1] == 1
    assert counts[3] == 2  # 35k x 200 whole took 69 s of a 48 s share at 200k accounts


def test_more_workers_hold_more_pairs() -> None:
    two = piece_counts(RUN_300K, 40_000, seconds=180, workers=2)
    four = piece_counts(RUN_300K, 40_000, seconds=180, workers=4)
    assert sum(four.values()) < sum(two.values())


def test_a_block_is_never_cut_below_its_smallest_pieces() -> None:
    """However short the time: pieces of at least MIN_PIECE_REPS reps and MIN_PIECE_PAIRS pairs."""
    sizes = {0: BlockSize(30_000, 40), 1: BlockSize(2_000, 100)}
    counts = piece_counts(sizes, 40_000, seconds=0.1, workers=1)
    assert counts[0] == 1  # 1.2M pairs: two pieces would hold 0.3M each
    assert counts[1] == 1
    sizes = {0: BlockSize(400_000, 30)}
    assert piece_counts(sizes, 1_000, seconds=0.1, workers=1)[0] == 30 // MIN_PIECE_REPS


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 400_000), st.integers(1, 800)), min_size=1, max_size=8),
    st.floats(1.0, 2_000.0),
    st.integers(1, 8),
)
def test_counts_fit_the_work_or_cannot_cut_further(blocks, seconds, workers) -> None:
    sizes = {b: BlockSize(u, r) for b, (u, r) in enumerate(blocks)}
    counts = piece_counts(sizes, 40_000, seconds, workers)
    total, one = pairs_held(seconds, workers)
    for b, s in sizes.items():
        assert 1 <= counts[b] <= max(s.reps // MIN_PIECE_REPS, 1)
        assert counts[b] >= min(-(-s.units // 40_000), max(s.reps // MIN_PIECE_REPS, 1))
    cannot = [
        b
        for b, s in sizes.items()
        if counts[b] + 1 > s.most_parts() or s.pairs / (counts[b] + 1) ** 2 < MIN_PIECE_PAIRS
    ]
    if len(cannot) < len(sizes):
        assert _held(sizes, counts) <= total
        assert all(sizes[b].pairs / counts[b] ** 2 <= one for b in sizes if b not in cannot)


def test_a_run_whose_work_does_not_fit_its_time_is_solved_in_more_pieces(monkeypatch) -> None:
    """Through `solve`: with a piece's plan priced as if slow, the blocks are cut by work,
    and the run still returns a plan that keeps every rule."""
    problem = generate_problem(SyntheticSpec(6_000, 60, seed=3))
    monkeypatch.setattr(sizing, "MIN_PIECE_PAIRS", 5_000)
    plain = solve(problem, SPLIT_RULES)
    monkeypatch.setattr(sizing, "SECONDS_PER_MILLION_PAIRS", 1e4)
    cut = solve(problem, SPLIT_RULES)
    assert max(b.pieces for b in plain.blocks) == 1
    assert max(b.pieces for b in cut.blocks) >= 2
    assert cut.status.has_plan
    assert violations(problem, cut.rep_of_account, SPLIT_RULES) == []


def test_every_engine_cuts_alike(monkeypatch) -> None:
    """The cut assumes the machine's cores, not the engine's workers: three local processes
    (as Dask or a batch worker would run the pieces) give the same pieces and the same plan."""
    problem = generate_problem(SyntheticSpec(6_000, 60, seed=3))
    monkeypatch.setattr(sizing, "MIN_PIECE_PAIRS", 5_000)
    monkeypatch.setattr(sizing, "SECONDS_PER_MILLION_PAIRS", 1e4)
    here = solve(problem, SPLIT_RULES)
    with using_engine(local_processes(3)):
        there = solve(problem, SPLIT_RULES)
    assert [b.pieces for b in there.blocks] == [b.pieces for b in here.blocks]
    assert max(b.pieces for b in here.blocks) >= 2
    assert np.array_equal(there.rep_of_account, here.rep_of_account)


@pytest.mark.parametrize("seconds", [10.0, 60.0, 600.0])
def test_pairs_held_grow_with_time_and_workers(seconds) -> None:
    total, one = pairs_held(seconds, 2)
    assert total == pytest.approx(2 * one)
    assert pairs_held(2 * seconds, 2)[0] == pytest.approx(2 * total)
