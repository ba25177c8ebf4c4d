"""Validation of the quota levers, warning thresholds, currency and fiscal calendar keys."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from solver.config import PlanConfig, QuotaConfig, WarningsConfig


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"targets": {"region": {"NA": -1.0}}}, "target of region NA must be a finite amount"),
        ({"targets": {"country": {"US": 1.0}}}, "targets"),
        ({"level_weights": {"junior": 0.0}}, "weight of level junior must be a finite number > 0"),
        ({"max_quota_to_ote": 0.0}, "max_quota_to_ote must be a finite ratio > 0"),
    ],
)
def test_bad_quota_levers(keys: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        QuotaConfig(target=100.0, **keys)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"currency": "usd"}, "ISO 4217"),
        ({"currency": "DOLLAR"}, "ISO 4217"),
        ({"fiscal_year_start": 13}, r"month a fiscal year begins \(1-12\)"),
        ({"fiscal_year_named_by": "middle"}, "fiscal_year_named_by"),
    ],
)
def test_bad_currency_and_calendar(keys: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PlanConfig(start="2027-02-01", **keys)


def test_defaults_are_neutral() -> None:
    plan = PlanConfig(start="2027-02-01")
    assert plan.currency is None and plan.fiscal_year_start is None
    quota = QuotaConfig(target=1.0)
    assert quota.targets == {} and quota.level_weights == {} and quota.max_quota_to_ote is None
    with pytest.raises(ValidationError, match="must lie in"):
        WarningsConfig(min_bookings_vs_quota=-0.1)
