"""Tracking adds money exactly and counts every opportunity once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from solver.errors import InputError
from solver.tracking.opportunities import read_opportunities, resolve_owners
from solver.tracking.rollup import track

HEAD = "Id,OwnerId,Amount,CloseDate,StageName\n"
REPS = pd.DataFrame({"rep_id": ["R1"], "name": ["Ada"], "segment": "MM", "region": "NA", "manager_id": "M1"})
QUOTAS = pd.DataFrame({"rep_id": ["R1"], "period": ["2027-02-01"], "quota": [100.0]})


def _read(tmp_path: Path, body: str) -> pd.DataFrame:
    path = tmp_path / "opps.csv"
    path.write_text(HEAD + body, encoding="utf-8")
    return read_opportunities(path)


@pytest.mark.parametrize(
    ("body", "row", "why"),
    [
        ("O1,R1,1e308,2027-03-01,Closed Won\n", 2, "[0, 1e+13]"),
        ("O1,R1,1e300,2027-03-01,Closed Won\nO2,R1,1e300,2027-03-02,Closed Won\n", 3, "[0, 1e+13]"),
        ("O1,R1,10,2027-03-01,Closed Won\nO1,R1,10,2027-03-02,Closed Won\n", 3, "also in row 2"),
        ("=O1,R1,10,2027-03-01,Closed Won\n", 2, "looks like a spreadsheet formula"),
    ],
    ids=["huge", "two-huge", "duplicate-id", "formula-id"],
)
def test_bad_money_and_ids_are_input_errors(tmp_path: Path, body: str, row: int, why: str) -> None:
    with pytest.raises(InputError) as e:
        _read(tmp_path, body)
    assert any(p.row == row and why in p.why for p in e.value.problems), e.value.problems


def test_bookings_add_up_to_the_cent(tmp_path: Path) -> None:
    # 0.1 + 0.2 in floating point is 0.30000000000000004; in cents it is 30
    body = "".join(f"O{i},R1,{a},2027-03-01,Closed Won\n" for i, a in enumerate(["0.10", "0.20"] * 500))
    body += "O_big,R1,9999999999999.99,2027-03-02,Closed Won\n"
    opps = resolve_owners(_read(tmp_path, body), REPS)
    tracking = track(opps, REPS, QUOTAS)
    assert int(tracking.reps["bookings"].sum()) == 150_00 + 999_999_999_999_999
