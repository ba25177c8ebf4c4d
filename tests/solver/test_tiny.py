"""The hand-checkable instance (tests/data/tiny): 12 accounts, 4 reps, every figure by hand.

NA: six accounts of potential 100, R1 owns four, R2 two; tolerance 0 means 300
each, so exactly one R1 account moves: Newark, the one nearest R2 (Philadelphia).
EMEA: R4 is hired on 2027-08-01 (no ramp): capacity 6/12 = 0.5 against R3's
1.0, so targets are 400 and 200. R3 keeps its pinned London account (200);
R4 takes 200 of the rest: the Glasgow/Edinburgh family (100) plus York, the
nearest single account to R4's home near Edinburgh.
Quotas: 1,000.00 x 1.10 = 1,100.00, 550.00 per region (equal potential);
NA 275.00 each; EMEA 366.67 / 183.33; R4 carries nothing before August.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from scenarios.run.runner import run_scenario
from scenarios.run.scenario import load_scenario


@pytest.fixture(scope="module")
def outcome():
    from tests.tests_paths import TINY

    return run_scenario(load_scenario(TINY / "scenario.toml"), render=False)


def _csv(outcome, name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(outcome.files[name]), dtype=str, keep_default_na=False)


def test_status_and_objective(outcome) -> None:
    assert outcome.exit_code == 0
    assert str(outcome.result.status) == "optimal"
    assert outcome.result.gap == 0.0


def test_assignment_by_hand(outcome) -> None:
    a = _csv(outcome, "assignment.csv").set_index("account_id")["rep_id"].to_dict()
    assert a == {
        "A01": "R1",
        "A02": "R1",
        "A03": "R1",
        "A04": "R2",
        "A05": "R2",
        "A06": "R2",
        "A07": "R3",
        "A08": "R3",
        "A09": "R4",
        "A10": "R3",
        "A11": "R4",
        "A12": "R4",
    }


def test_moved_flags_and_reasons(outcome) -> None:
    a = _csv(outcome, "assignment.csv").set_index("account_id")
    assert a.loc[a.moved == "true"].index.tolist() == ["A04", "A09", "A11", "A12"]
    assert a.loc["A07", "reason"] == "pinned"
    assert a.loc["A12", "reason"].endswith("family of A11")


def test_rep_table_by_hand(outcome) -> None:
    r = _csv(outcome, "reps.csv").set_index("rep_id")
    assert r["capacity_factor"].astype(float).tolist() == [1.0, 1.0, 1.0, 0.5]
    assert r["target_potential"].astype(float).tolist() == [300, 300, 400, 200]
    assert r["quota"].tolist() == ["275.00", "275.00", "366.67", "183.33"]


def test_period_quotas_by_hand(outcome) -> None:
    q = _csv(outcome, "quotas.csv")
    r4 = q[q.rep_id == "R4"]
    assert r4["period"].tolist() == ["2027-02-01", "2027-05-01", "2027-08-01", "2027-11-01"]
    assert r4["quota"].tolist() == ["0.00", "0.00", "91.67", "91.66"]
    assert sum(float(x) for x in q["quota"]) == pytest.approx(1100.00)


def test_metrics_moved_and_quota(outcome) -> None:
    import json

    m = json.loads(outcome.files["metrics.json"])
    assert m["moved"]["accounts"] == 4
    assert m["moved"]["potential"] == 300.0
    assert m["moved"]["potential_share"] == 0.25
    assert m["quota"]["total"] == "1100.00"
    assert m["balance"]["potential"]["max_abs_deviation"] == pytest.approx(0.0, abs=1e-9)
