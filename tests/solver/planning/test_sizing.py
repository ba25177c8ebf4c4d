"""Sizing: integer rep counts per block, potential per capacity as even as possible."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from solver.assignment.result import Status
from solver.planning.sizing import SizingBlock, size_blocks


def _blocks() -> list[SizingBlock]:
    return [
        SizingBlock("SMB x NA", 300.0, 1, 20),
        SizingBlock("MM x NA", 200.0, 1, 20),
        SizingBlock("ENT x NA", 100.0, 1, 20),
    ]


def test_headcount_splits_in_proportion_when_it_can() -> None:
    r = size_blocks(_blocks(), headcount=12)
    assert r.status == Status.OPTIMAL
    assert r.counts == {"SMB x NA": 6, "MM x NA": 4, "ENT x NA": 2}
    assert r.spread == pytest.approx(0.0)


def test_not_a_ceiling_of_the_proportional_share() -> None:
    # shares 300:200:100 of 7 reps are 3.5 / 2.33 / 1.17; ceilings would need 9 reps
    r = size_blocks(_blocks(), headcount=7)
    assert sum(r.counts.values()) == 7
    assert r.counts == {"SMB x NA": 4, "MM x NA": 2, "ENT x NA": 1}  # ratios 75 / 100 / 100: max 100
    assert r.max_ratio == pytest.approx(100.0)


def test_existing_team_and_hire_capacity() -> None:
    # today's 3 reps give 2.5 of capacity; each hire adds 0.5 (ramping)
    b = SizingBlock("A", 100.0, 3, 10, base_reps=3, base_capacity=2.5, capacity_per_rep=0.5)
    c = SizingBlock("B", 100.0, 1, 10, base_reps=0, capacity_per_rep=1.0)
    r = size_blocks([b, c], headcount=7)
    # A with 4 reps: capacity 3.0, ratio 33.3; B with 3: 33.3 -> even
    assert r.counts == {"A": 4, "B": 3}
    assert r.table["ratio"].tolist() == pytest.approx([100 / 3, 100 / 3])


def test_budget_limits_the_cost() -> None:
    blocks = [
        SizingBlock("A", 400.0, 1, 20, cost_per_rep=100.0),
        SizingBlock("B", 100.0, 1, 20, cost_per_rep=300.0),
    ]
    r = size_blocks(blocks, budget=1_000.0)
    assert r.status.has_plan
    assert r.table["cost"].sum() <= 1_000.0
    # no plan within 1,000 gets every ratio below 100 (B needs 2 reps, leaving A 4 at 100);
    # at 100 the most even and cheapest is A 4 and B 1 (both exactly 100, cost 700)
    assert r.counts == {"A": 4, "B": 1}
    assert r.max_ratio == pytest.approx(100.0) and r.spread == pytest.approx(0.0)


def test_blocks_without_potential_get_their_minimum() -> None:
    r = size_blocks([SizingBlock("A", 100.0, 1, 9), SizingBlock("Z", 0.0, 2, 9)], budget=1e9)
    assert r.counts["Z"] == 2


@pytest.mark.parametrize(
    ("blocks", "headcount", "budget", "words"),
    [
        (_blocks(), 2, None, "headcount 2"),
        (_blocks(), 61, None, "at most 60"),
        ([SizingBlock("A", 10.0, 0, 0)], None, None, "no allowed count"),
        ([SizingBlock("A", 10.0, 3, 5, cost_per_rep=10.0)], None, 20.0, "budget"),
    ],
)
def test_infeasible_requests_are_explained(blocks, headcount, budget, words) -> None:
    r = size_blocks(blocks, headcount=headcount, budget=budget)
    assert r.status == Status.INFEASIBLE
    assert words in (r.explanation or "")


def _brute(blocks: list[SizingBlock], headcount: int) -> tuple[float, float]:
    best = (np.inf, -np.inf)
    ranges = [range(max(b.min_reps, 1), b.max_reps + 1) for b in blocks]
    for ks in itertools.product(*ranges):
        if sum(ks) != headcount:
            continue
        ratios = [b.potential / float(b.capacity(np.array([k]))[0]) for b, k in zip(blocks, ks, strict=True)]
        key = (max(ratios), -min(ratios))
        if key < (best[0], -best[1]):
            best = (max(ratios), min(ratios))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force_lexicographic_min_max(seed: int) -> None:
    rng = np.random.default_rng(seed)
    blocks = [
        SizingBlock(
            f"B{i}",
            float(rng.integers(50, 500)),
            int(rng.integers(1, 3)),
            int(rng.integers(3, 7)),
            base_reps=int(rng.integers(0, 3)),
            base_capacity=float(rng.uniform(0.5, 2.5)),
            capacity_per_rep=float(rng.uniform(0.4, 1.0)),
        )
        for i in range(3)
    ]
    lo = sum(max(b.min_reps, 1) for b in blocks)
    hi = sum(b.max_reps for b in blocks)
    headcount = int(rng.integers(lo, hi + 1))
    r = size_blocks(blocks, headcount=headcount)
    u, low = _brute(blocks, headcount)
    assert r.max_ratio == pytest.approx(u, rel=1e-6)
    assert r.min_ratio == pytest.approx(low, rel=1e-6)
