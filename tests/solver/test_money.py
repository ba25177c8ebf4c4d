"""Largest-remainder allocation never drops or invents a cent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.errors import ConservationError
from solver.money import allocate_cents, cents_to_str, scale_cents, to_cents


def test_to_cents_and_back() -> None:
    assert to_cents("120000000.00") == 12_000_000_000
    assert to_cents(0.105) == 11  # half up on the decimal string, not the binary float
    assert cents_to_str(-5) == "-0.05"
    assert cents_to_str(123456) == "1234.56"


def test_scale_cents_rounds_half_up() -> None:
    assert scale_cents(100, 1.005) == 101  # 100.5 -> 101
    assert scale_cents(12_000_000_000, 1.05) == 12_600_000_000


def test_three_way_split_gives_the_extra_cent_to_the_first() -> None:
    assert allocate_cents(100, [1, 1, 1]) == [34, 33, 33]


def test_zero_weights_split_evenly_and_empty_only_for_zero() -> None:
    assert allocate_cents(5, [0, 0]) == [3, 2]
    assert allocate_cents(0, []) == []
    with pytest.raises(ConservationError):
        allocate_cents(1, [])


@given(
    total=st.integers(0, 10**13),
    weights=st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1, max_size=40),
)
def test_allocation_conserves_every_cent(total: int, weights: list[float]) -> None:
    parts = allocate_cents(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    if sum(weights) > 0:
        # each part is within one cent of its exact share
        w = sum(weights)
        for p, x in zip(parts, weights, strict=True):
            assert abs(p - total * x / w) <= 1 + total * 1e-6
