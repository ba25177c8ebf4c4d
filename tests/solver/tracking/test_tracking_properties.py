"""Properties of the roll-ups: amounts are conserved; an override replaces exactly its team."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.tracking.rollup import MEASURES, rollup, track

PERIODS = ("2027-02-01", "2027-05-01", "2027-08-01", "2027-11-01")
STAGES = (
    # (is_closed, is_won, probability, category)
    (True, True, 1.0, "Closed"),
    (True, False, 0.0, "Omitted"),
    (False, False, 0.1, "Pipeline"),
    (False, False, 0.5, "Best Case"),
    (False, False, 0.9, "Commit"),
)


@st.composite
def plans(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n_reps = draw(st.integers(1, 8))
    managers = draw(st.lists(st.sampled_from(["M1", "M2", "M3", None]), min_size=n_reps, max_size=n_reps))
    reps = pd.DataFrame(
        {
            "rep_id": [f"R{i}" for i in range(n_reps)],
            "name": [f"Rep {i}" for i in range(n_reps)],
            "segment": draw(st.lists(st.sampled_from(["SMB", "ENT"]), min_size=n_reps, max_size=n_reps)),
            "region": draw(st.lists(st.sampled_from(["NA", "EMEA"]), min_size=n_reps, max_size=n_reps)),
            "manager_id": pd.array(managers, dtype="string"),
        }
    )
    cents = st.integers(0, 50_000_000)
    quotas = pd.DataFrame(
        [(r, p, draw(cents) / 100) for r in reps["rep_id"] for p in PERIODS],
        columns=["rep_id", "period", "quota"],
    )
    n_opps = draw(st.integers(0, 40))
    owners = [*reps["rep_id"], "X1", "X2"]  # two owners outside the plan
    rows = []
    for _ in range(n_opps):
        closed, won, prob, cat = draw(st.sampled_from(STAGES))
        day = pd.Timestamp("2027-01-15") + pd.Timedelta(days=draw(st.integers(0, 400)))
        amount = draw(st.one_of(st.none(), cents.map(lambda c: c / 100)))
        rows.append((draw(st.sampled_from(owners)), amount, day, closed, won, prob, cat))
    opps = pd.DataFrame(
        rows,
        columns=["rep_id", "amount", "close_date", "is_closed", "is_won", "probability", "forecast_category"],
    ).astype(
        {
            "rep_id": "string",
            "amount": float,
            "close_date": "datetime64[ns]",
            "is_closed": bool,
            "is_won": bool,
            "probability": float,
            "forecast_category": "string",
        }
    )
    managed = sorted({m for m in managers if m is not None})
    picks = draw(
        st.lists(st.tuples(st.sampled_from(managed), st.sampled_from(PERIODS)), unique=True, max_size=4)
        if managed
        else st.just([])
    )
    overrides = pd.DataFrame(
        [
            (
                m,
                pd.Timestamp(p),
                draw(st.one_of(st.none(), cents.map(lambda c: c / 100))),
                draw(st.one_of(st.none(), cents.map(lambda c: c / 100))),
                "note",
            )
            for m, p in picks
        ],
        columns=["manager_id", "period", "commit", "best_case", "note"],
    ).astype({"manager_id": "string", "period": "datetime64[ns]", "commit": float, "best_case": float})
    overrides = overrides[overrides["commit"].notna() | overrides["best_case"].notna()]
    return reps, quotas, opps, overrides


@settings(max_examples=20, deadline=None)
@given(plans())
def test_every_level_adds_up_to_the_company_total(plan) -> None:
    reps, quotas, opps, overrides = plan
    t = track(opps, reps, quotas, overrides)
    total = rollup(t, "total").set_index("period")[list(MEASURES)]
    for level in ("rep", "manager", "region", "segment"):
        sums = rollup(t, level).groupby("period")[list(MEASURES)].sum()
        pd.testing.assert_frame_equal(sums.loc[total.index], total, check_dtype=False)
    # Nothing closing inside the plan year is lost: bookings = closed-won amounts in the periods.
    inside = opps["close_date"].between(pd.Timestamp(PERIODS[0]), pd.Timestamp("2028-01-31"))
    won = opps[inside & opps["is_won"]]["amount"].fillna(0.0)
    assert total.loc["total", "bookings"] == int(np.rint(won * 100).sum())


@settings(max_examples=20, deadline=None)
@given(plans())
def test_an_override_replaces_exactly_its_team_for_its_period(plan) -> None:
    reps, quotas, opps, overrides = plan
    base = track(opps, reps, quotas).reps.set_index(["rep_id", "period"])
    after = track(opps, reps, quotas, overrides).reps.set_index(["rep_id", "period"])
    team = reps.set_index("rep_id")["manager_id"]
    touched = {"commit": np.zeros(len(after), bool), "best_case": np.zeros(len(after), bool)}
    rep_of_row = after.index.get_level_values(0)
    period_of_row = after.index.get_level_values(1)
    for _, o in overrides.iterrows():
        in_team = pd.Series(rep_of_row.map(team)).eq(o["manager_id"]).fillna(False).to_numpy(dtype=bool)
        rows = in_team & (period_of_row == o["period"].strftime("%Y-%m-%d"))
        for measure in ("commit", "best_case"):
            if pd.notna(o[measure]):
                assert after.loc[rows, measure].sum() == round(o[measure] * 100)
                assert (after.loc[rows, measure] >= 0).all()
                touched[measure] |= rows
    for measure in ("commit", "best_case"):
        keep = ~touched[measure]
        assert (after.loc[keep, measure] == base.loc[keep, measure]).all()
        adjustment = after[f"{measure}_adjustment"]
        assert (adjustment == after[measure] - after[f"{measure}_rollup"]).all()
