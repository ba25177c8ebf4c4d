"""Capacity factor exactly as CONTRACT.md defines it, with its own examples."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.planning.capacity import capacity_factor, monthly_capacity

PLAN = dt.date(2027, 2, 1)
RAMP = (0.25, 0.5, 0.75)


def test_contract_example_hire_in_may() -> None:
    assert capacity_factor(["2027-05-01"], [None], PLAN, RAMP)[0] == pytest.approx(0.625)


def test_contract_example_leaver_end_of_july() -> None:
    assert capacity_factor(["2015-03-01"], ["2027-07-31"], PLAN, RAMP)[0] == pytest.approx(0.5)


def test_no_dates_is_fully_ramped() -> None:
    assert capacity_factor([None], [None], PLAN, RAMP)[0] == 1.0


def test_mid_month_start_counts_days_and_ramps_from_the_start_month() -> None:
    # Feb: 14 of 28 days at 0.25; Mar 0.5; Apr 0.75; then 9 months at 1.0
    expected = (14 / 28 * 0.25 + 0.5 + 0.75 + 9) / 12
    assert capacity_factor(["2027-02-15"], [None], PLAN, RAMP)[0] == pytest.approx(expected)


def test_rep_outside_the_plan_year_has_zero_capacity() -> None:
    cf = capacity_factor(["2028-03-01", "2010-01-01"], [None, "2026-12-31"], PLAN, RAMP)
    assert cf.tolist() == [0.0, 0.0]


def test_started_before_the_plan_but_still_ramping() -> None:
    # started 2027-01-01: Jan is ramp month 0, so Feb is 0.5, Mar 0.75, then 1.0
    expected = (0.5 + 0.75 + 10) / 12
    assert capacity_factor(["2027-01-01"], [None], PLAN, RAMP)[0] == pytest.approx(expected)


@given(
    start=st.one_of(st.none(), st.dates(dt.date(2025, 1, 1), dt.date(2028, 6, 1))),
    end=st.one_of(st.none(), st.dates(dt.date(2025, 1, 1), dt.date(2028, 6, 1))),
    ramp=st.lists(st.floats(0, 1), max_size=6),
)
def test_monthly_capacity_is_a_share_of_each_month(start, end, ramp) -> None:
    m = monthly_capacity([start], [end], PLAN, ramp)
    assert m.shape == (1, 12)
    assert np.all(m >= 0) and np.all(m <= 1 + 1e-12)
    if start is not None and end is not None and end < start:
        assert m.sum() == 0
