"""A small realistic `RunData` built in code, for the report tests.

30 accounts in two regions (NA, EMEA) of one segment (MM), four reps of whom
one is a planned hire (no name, starts 2027-05-01, capacity 0.625). The reps,
quotas and metrics tables are derived from the assignment with the same
meanings as CONTRACT.md, so the figures in a rendered report can be checked.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from solver.money import allocate_cents
from solver.results.run_data import RunData

TARGET = 1_000_000.00
HEDGE = {"region": 0.05, "rep": 0.10}
TOLERANCE = 0.10
PERIODS = ("2027-02-01", "2027-05-01", "2027-08-01", "2027-11-01")

SCENARIO_TOML = f"""name = "fixture"

[plan]
start = "2027-02-01"
ramp = [0.25, 0.5, 0.75]

[assignment]
balance = {{ potential = {TOLERANCE} }}
weights = {{ disruption = 1.0, distance = 0.1 }}
seed = 0

[quota]
target = {TARGET:.2f}
hedge = {{ region = {HEDGE["region"]}, rep = {HEDGE["rep"]} }}
periods = "quarter"
"""

REPS = pd.DataFrame(
    {
        "rep_id": ["R1", "R2", "R3", "R4"],
        "name": ["Ada Lovelace", "Grace Hopper", "Émile Borel", None],
        "segment": ["MM"] * 4,
        "region": ["NA", "NA", "EMEA", "EMEA"],
        "manager_id": ["M1", "M1", "M2", "M2"],
        "start_date": ["2019-03-01", "2021-06-15", "2018-01-08", "2027-05-01"],
        "end_date": [None, None, None, None],
        "lat": [40.71, 43.65, 51.51, 48.86],
        "lon": [-74.01, -79.38, -0.13, 2.35],
        "capacity_factor": [1.0, 1.0, 1.0, 0.625],
    }
)

_COUNTRIES = ["US"] * 10 + ["CA"] * 6 + ["GB"] * 6 + ["DE"] * 4 + ["FR"] * 4


def base_assignment() -> pd.DataFrame:
    """The 30 accounts with today's owner and the plan's owner (some moved)."""
    rng = np.random.default_rng(7)
    n = len(_COUNTRIES)
    ids = [f"A{i:03d}" for i in range(1, n + 1)]
    region = ["NA" if c in ("US", "CA") else "EMEA" for c in _COUNTRIES]
    potential = np.round(rng.uniform(20_000, 90_000, n), 2)
    previous = [("R1" if i % 2 else "R2") if r == "NA" else "R3" for i, r in enumerate(region)]
    rep = list(previous)
    # The hire takes over some EMEA accounts; two NA accounts change hands.
    for i in (17, 19, 21, 24, 27):
        rep[i] = "R4"
    rep[2], rep[5] = "R1", "R2"
    frame = pd.DataFrame(
        {
            "account_id": ids,
            "rep_id": rep,
            "segment": "MM",
            "region": region,
            "previous_owner": previous,
            "name": [f"Account {i}" for i in range(1, n + 1)],
            "country": _COUNTRIES,
            "state": None,
            "lat": np.round(rng.uniform(35, 55, n), 4),
            "lon": np.round(rng.uniform(-100, 20, n), 4),
            "potential": potential,
            "workload": 1.0,
            "arr": np.round(potential * 0.4, 2),
            "family_id": None,
        }
    )
    frame.loc[0, "name"] = '=HYPERLINK("http://example.invalid","x")'
    frame.loc[1, "name"] = "-minus company"
    return frame


def _finish_assignment(frame: pd.DataFrame) -> pd.DataFrame:
    moved = frame["previous_owner"].notna() & (frame["rep_id"] != frame["previous_owner"])
    out = frame.assign(moved=moved, reason=np.where(moved, "balance", "continuity"))
    cols = ["account_id", "rep_id", "segment", "region", "previous_owner", "moved", "reason"]
    rest = [c for c in out.columns if c not in cols]
    return out[cols + rest].sort_values("account_id").reset_index(drop=True)


def _reps_table(assignment: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    agg = assignment.groupby("rep_id").agg(
        accounts=("account_id", "size"),
        potential=("potential", "sum"),
        workload=("workload", "sum"),
        arr=("arr", "sum"),
    )
    out = reps.merge(agg, left_on="rep_id", right_index=True, how="left")
    out[["potential", "workload", "arr"]] = out[["potential", "workload", "arr"]].fillna(0.0)
    out["accounts"] = out["accounts"].fillna(0).astype(int)
    block_pot = out.groupby(["segment", "region"])["potential"].transform("sum")
    block_cap = out.groupby(["segment", "region"])["capacity_factor"].transform("sum")
    out["target_potential"] = block_pot * out["capacity_factor"] / block_cap
    out["balance_ratio"] = out["potential"] / out["target_potential"]
    gained = assignment[assignment["moved"]].groupby("rep_id").size()
    lost = assignment[assignment["moved"]].groupby("previous_owner").size()
    out["accounts_gained"] = out["rep_id"].map(gained).fillna(0).astype(int)
    out["accounts_lost"] = out["rep_id"].map(lost).fillna(0).astype(int)
    return out.sort_values("rep_id").reset_index(drop=True)


def _quotas(reps: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Cascade target -> regions -> reps -> quarters, to the cent."""
    target = round(TARGET * 100)
    by_region = reps.groupby("region", sort=True)["target_potential"].sum()
    region_total = round(target * (1 + HEDGE["region"]))
    region_cents = dict(zip(by_region.index, allocate_cents(region_total, by_region.to_numpy()), strict=True))
    rep_cents: dict[str, int] = {}
    for region, group in reps.groupby("region", sort=True):
        total = round(region_cents[region] * (1 + HEDGE["rep"]))
        weights = (group["target_potential"] * group["capacity_factor"]).to_numpy()
        rep_cents.update(zip(group["rep_id"], allocate_cents(total, weights), strict=True))
    rows = []
    for rep_id in sorted(rep_cents):
        weights = [0.0, 1.0, 1.0, 1.0] if rep_id == "R4" else [1.0] * 4
        for period, cents in zip(PERIODS, allocate_cents(rep_cents[rep_id], weights), strict=True):
            rows.append({"rep_id": rep_id, "period": period, "quota": cents / 100})
    quotas = pd.DataFrame(rows)
    return quotas, region_total, sum(rep_cents.values())


def make_run(
    name: str = "fy27-baseline",
    reassign: Mapping[str, str] | None = None,
    rep_names: Mapping[str, str | None] | None = None,
) -> RunData:
    """Build the fixture run, optionally moving accounts or renaming reps."""
    frame = base_assignment()
    if reassign:
        frame["rep_id"] = frame["account_id"].map(reassign).fillna(frame["rep_id"])
    assignment = _finish_assignment(frame)
    reps = REPS.copy()
    if rep_names:
        reps["name"] = reps["rep_id"].map(rep_names).where(reps["rep_id"].isin(list(rep_names)), reps["name"])
    reps = _reps_table(assignment, reps)
    quotas, region_total, total = _quotas(reps)
    reps["quota"] = reps["rep_id"].map(quotas.groupby("rep_id")["quota"].sum().round(2))

    moved = assignment["moved"]
    pot, arr = assignment["potential"], assignment["arr"]
    ratios = reps["balance_ratio"]
    metrics = {
        "name": name,
        "status": "optimal",
        "objective": float(pot[moved].sum()),
        "bound": float(pot[moved].sum()) * 0.999,
        "gap": 0.001,
        "seconds": 0.42,
        "seed": 0,
        "solver": "highs",
        "counts": {"accounts": len(assignment), "reps": len(reps), "units": 30, "blocks": 2},
        "moved": {
            "accounts": int(moved.sum()),
            "accounts_share": float(moved.mean()),
            "potential": float(pot[moved].sum()),
            "potential_share": float(pot[moved].sum() / pot.sum()),
            "arr": float(arr[moved].sum()),
            "arr_share": float(arr[moved].sum() / arr.sum()),
        },
        "balance": {
            "potential": {
                "max_abs_deviation": float((ratios - 1).abs().max()),
                "cv": float(ratios.std(ddof=0) / ratios.mean()),
            }
        },
        "quota": {
            "target": TARGET,
            "total": total / 100,
            "region_total": region_total / 100,
            "hedge": dict(HEDGE),
        },
        "objective_terms": {"disruption": float(pot[moved].sum()), "distance": 0.0},
        "blocks": [
            {
                "block": f"MM|{region}",
                "segment": "MM",
                "region": region,
                "accounts": int((assignment["region"] == region).sum()),
                "reps": int((reps["region"] == region).sum()),
                "status": "optimal",
                "objective": float(pot[moved & (assignment["region"] == region)].sum()),
                "bound": float(pot[moved & (assignment["region"] == region)].sum()),
                "gap": 0.0,
                "seconds": 0.21,
            }
            for region in ("EMEA", "NA")
        ],
    }
    return RunData(
        name=name,
        assignment=assignment,
        reps=reps,
        quotas=quotas,
        metrics=metrics,
        scenario_toml=SCENARIO_TOML,
    )


def tiny_png() -> bytes:
    """A valid 1x1 PNG standing in for the territory map."""
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    )
