"""The plan's warnings: each fires past its threshold, with its figure and the threshold."""

from __future__ import annotations

from solver.config import WarningsConfig
from solver.results.warnings import plan_warnings

METRICS = {
    "capacity": {
        "total": {"bookings_vs_quota": 0.13, "capacity_gap": 3.25},
        "blocks": {
            "SMB x NA": {"capacity_gap": 3.0, "to_be_hired": 0},
            "ENT x NA": {"capacity_gap": 0.25, "to_be_hired": 0},
        },
    },
    "quota": {
        "fairness": {
            "expected_share_reaching_quota": 0.25,
            "caps": {"max_change": 0.2, "reps_outside_cap": 9},
        },
        "quota_to_ote": {
            "max": 5.0,
            "breaches": [{"rep_id": "R2", "ratio": 7.5}, {"rep_id": "R1", "ratio": 6.0}],
        },
        "overrides": [
            {"rep_id": "R3", "override": "300000.00", "expected": 200000.0, "ratio": 1.5},
            {"rep_id": "R4", "override": "100000.00", "expected": 200000.0, "ratio": 0.5},
        ],
    },
}


def test_every_warning_with_figure_and_threshold() -> None:
    got = plan_warnings(METRICS, WarningsConfig())
    by = {(w["code"], w["figure"], w["threshold"]) for w in got}
    assert by == {
        ("bookings_below_quota", 0.13, 0.8),
        ("few_reps_reach_quota", 0.25, 0.5),
        ("reps_outside_cap", 9.0, 0.0),
        ("quota_to_ote", 7.5, 5.0),
        ("capacity_gap", 3.25, 0.5),
        ("no_hire_plan", 3.0, 0.5),
        ("override_above_capacity", 1.5, 1.0),
    }
    text = {w["code"]: w["message"] for w in got}
    assert text["bookings_below_quota"].startswith("expected bookings are 13% of the quota total")
    assert "R2 (7.5x), R1 (6.0x)" in text["quota_to_ote"]
    assert "SMB x NA 3.0" in text["capacity_gap"] and "ENT x NA" not in text["capacity_gap"]
    assert "R3" in text["override_above_capacity"]


def test_thresholds_come_from_the_scenario() -> None:
    loose = WarningsConfig(
        min_bookings_vs_quota=0.1,
        min_share_reaching_quota=0.2,
        max_capacity_gap=5.0,
        max_reps_outside_cap=9,
        max_override_to_expected=2.0,
    )
    assert [w["code"] for w in plan_warnings(METRICS, loose)] == ["quota_to_ote"]
    assert plan_warnings({}, WarningsConfig()) == []
