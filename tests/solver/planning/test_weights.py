"""FTE and level weigh capacity, book targets and quotas alike; figures worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solver.config import QuotaConfig
from solver.errors import InputError
from solver.planning.capacity_plan import capacity_plan, finance_view, productive_capacity
from solver.planning.weights import fte_of, rep_weights, territory_weights
from tests.solver.planning.test_capacity_plan import BASE, _params, _team

LEVELS = QuotaConfig(target=1.0, level_weights={"senior": 2.0, "junior": 1.0})


def test_territory_weights_by_hand() -> None:
    reps = pd.DataFrame(
        {"level": ["senior", "junior", None, "junior"], "fte": [1.0, 0.5, np.nan, 0.0]},
        index=["S", "H", "N", "Z"],
    )
    # capacity factors 1, 1, 0.5, 1: weights 1 x 2 x 1, 1 x 1 x 0.5, 0.5 x 1 x 1, 1 x 1 x 0
    got = territory_weights(np.array([1.0, 1.0, 0.5, 1.0]), reps, LEVELS)
    assert got.tolist() == [2.0, 0.5, 0.5, 0.0]
    assert fte_of(reps).tolist() == [1.0, 0.5, 1.0, 0.0]
    assert fte_of(reps.drop(columns="fte")).tolist() == [1.0] * 4
    # without level weights, a level weighs nothing (a note says so); FTE still does
    plain, notes = rep_weights(reps, QuotaConfig(target=1.0))
    assert plain.tolist() == [1.0, 0.5, 1.0, 0.0] and notes
    with pytest.raises(InputError, match=r"rep H: level 'lead' has no weight"):
        territory_weights(np.ones(4), reps.assign(level=["senior", "lead", None, None]), LEVELS)


def test_a_part_timer_has_its_share_of_capacity_bookings_and_gap() -> None:
    params = _params({**BASE, "attainment": 0.8})
    team = _team(2, ote=[120_000.0, 60_000.0], fte=[1.0, 0.5])
    assert productive_capacity(team, params).tolist() == [1.0, 0.5]
    view = finance_view(team, pd.Series({("NA", "SMB"): 500.0}), pd.Series({("NA", "SMB"): 10_000}), params)
    row = view.iloc[0]
    assert row["reps"] == 2 and row["active_reps"] == 2
    assert row["ramped_capacity"] == pytest.approx(1.5)
    assert row["productive_capacity"] == pytest.approx(1.5)
    # 1.5 FTE x 100,000 x 0.8 attainment
    assert row["expected_bookings"] == pytest.approx(120_000.0)
    # cost is each rep's own OTE (a part-timer's OTE is already its part-time pay): 120,000 + 60,000
    assert row["cost"] == pytest.approx(180_000.0)
    # the company target 1,000,000 needs 1,000,000 / (100,000 x 0.8) = 12.5 FTE: the gap is 12.5 - 1.5
    assert row["capacity_gap"] == pytest.approx(11.0)
    plan = capacity_plan(team, pd.Series({("NA", "SMB"): 500.0}), _params(BASE))
    assert plan.blocks.iloc[0]["productive_capacity"] == pytest.approx(1.5)
