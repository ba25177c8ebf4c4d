"""Opportunities and overrides readers: aliases, stage map, and every problem located."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from solver.errors import InputError
from solver.tracking.opportunities import Stage, read_opportunities, resolve_owners
from solver.tracking.overrides import read_overrides
from solver.tracking.rollup import plan_periods, track

REPS = pd.DataFrame(
    {
        "rep_id": ["R1", "R2"],
        "name": ["Ada Lovelace", "Grace  Hopper"],
        "segment": "MM",
        "region": "NA",
        "manager_id": ["M1", "M1"],
    }
)
QUOTAS = pd.DataFrame(
    [(r, p, 1000.0) for r in ("R1", "R2") for p in ("2027-02-01", "2027-05-01", "2027-08-01", "2027-11-01")],
    columns=["rep_id", "period", "quota"],
)


def _write(tmp_path: Path, text: str, name: str = "opps.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_data_loader_headers_and_status_columns(tmp_path) -> None:
    path = _write(
        tmp_path,
        "ID,OWNERID,AMOUNT,CLOSEDATE,STAGENAME,ISWON,ISCLOSED,PROBABILITY,FORECASTCATEGORYNAME\n"
        "006A,R1,100,2027-03-01,Closed Won,true,true,100,Closed\n"
        "006B,R2,200,2027-06-01T00:00:00.000Z,Custom Stage,false,false,35,Best Case\n"
        "006C,R2,300,2027-06-02,Closed Lost,false,true,0,Omitted\n",
    )
    opps = read_opportunities(path)
    assert opps["is_won"].tolist() == [True, False, False]
    assert opps["is_closed"].tolist() == [True, False, True]
    assert opps["probability"].tolist() == pytest.approx([1.0, 0.35, 0.0])
    assert opps["forecast_category"].tolist() == ["Closed", "Best Case", "Omitted"]
    t = track(resolve_owners(opps, REPS), REPS, QUOTAS)
    q2 = t.reps[(t.reps["rep_id"] == "R2") & (t.reps["period"] == "2027-05-01")].iloc[0]
    assert (q2["best_case"], q2["commit"], q2["weighted_pipeline"]) == (20_000, 0, 7_000)


def test_stage_map_fills_status_and_can_be_overridden(tmp_path) -> None:
    path = _write(
        tmp_path, "owner_id,amount,close_date,stage\nR1,100,2027-03-01,Engaging\nR1,50,2027-03-02,Pilot\n"
    )
    with pytest.raises(InputError) as err:
        read_opportunities(path)
    (problem,) = err.value.problems
    assert (problem.row, problem.column) == (3, "stage") and "'Pilot' is not in the stage map" in problem.why
    opps = read_opportunities(path, stages={"Pilot": 0.8, "Engaging": Stage(0.3, category="Commit")})
    assert opps["probability"].tolist() == pytest.approx([0.3, 0.8])
    assert opps["forecast_category"].tolist() == ["Commit", "Pipeline"]


@pytest.mark.parametrize(
    ("body", "row", "column", "why"),
    [
        ("R1,-5,2027-03-01,Won", 2, "amount", "out of range"),
        ("R1,5,03/01/2027,Won", 2, "close_date", "not an ISO date"),
        ("R1,five,2027-03-01,Won", 2, "amount", "not a number"),
    ],
)
def test_bad_values_are_located(tmp_path, body, row, column, why) -> None:
    path = _write(tmp_path, f"owner_id,amount,close_date,stage\n{body}\n")
    with pytest.raises(InputError) as err:
        read_opportunities(path)
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.column) == (str(path), row, column)
    assert why in problem.why


def test_contradictory_flags_and_missing_status(tmp_path) -> None:
    path = _write(
        tmp_path,
        "OwnerId,Amount,CloseDate,IsWon,IsClosed\nR1,5,2027-03-01,true,false\nR1,5,2027-03-01,maybe,true\n",
    )
    with pytest.raises(InputError) as err:
        read_opportunities(path)
    whys = {(p.row, p.column): p.why for p in err.value.problems}
    assert "IsWon is true but IsClosed is false" in whys[(2, "IsWon")]
    assert "'maybe' is not true or false" in whys[(3, "IsWon")]
    no_status = _write(tmp_path, "owner_id,amount,close_date\nR1,5,2027-03-01\n", "b.csv")
    with pytest.raises(InputError, match="needs a stage column"):
        read_opportunities(no_status)


def test_owner_names_match_reps_whitespace_and_case_blind(tmp_path) -> None:
    path = _write(
        tmp_path,
        "sales_agent,close_value,close_date,deal_stage\n"
        "grace hopper,10,2027-03-01,Won\nNobody,5,2027-03-01,Won\n",
    )
    out = resolve_owners(read_opportunities(path), REPS)
    assert out["rep_id"].tolist() == ["R2", "Nobody"]
    twins = pd.concat([REPS, REPS.assign(rep_id=["R3", "R4"])], ignore_index=True)
    with pytest.raises(InputError, match="matches several reps"):
        resolve_owners(read_opportunities(path), twins)


def test_overrides_reader_and_run_checks(tmp_path) -> None:
    bad = _write(
        tmp_path,
        "manager_id,period,commit,best_case,note\nM1,2027-05-01,100,,ok\nM1,2027-05-01,,200,dup\n"
        "M1,2027-08-01,,,empty\n,2027-08-01,5,,blank\n",
        "over.csv",
    )
    with pytest.raises(InputError) as err:
        read_overrides(bad)
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {(3, "manager_id"), (4, "commit"), (5, "manager_id")}
    good = _write(tmp_path, "Manager ID,Start Date,Commit\nM9,2027-05-01,100\nM1,2027-05-15,100\n", "o2.csv")
    with pytest.raises(InputError) as err:
        track(
            resolve_owners(
                read_opportunities(
                    _write(tmp_path, "owner_id,amount,close_date,stage\nR1,1,2027-03-01,Won\n")
                ),
                REPS,
            ),
            REPS,
            QUOTAS,
            read_overrides(good),
        )
    whys = {(p.row, p.column): p.why for p in err.value.problems}
    assert "manages no rep" in whys[(2, "Manager ID")]
    assert "not the first day of a plan period" in whys[(3, "Start Date")]


def test_periods_end_one_step_after_the_last_start() -> None:
    periods = plan_periods(QUOTAS)
    assert periods.end == pd.Timestamp("2028-02-01")
    days = pd.Series(
        pd.to_datetime(["2027-01-31", "2027-02-01", "2027-07-31", "2028-01-31", "2028-02-01", None])
    )
    assert periods.index_of(days).tolist() == [-1, 0, 1, 3, -1, -1]
