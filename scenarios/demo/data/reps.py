"""The demo's sales team: block sizes by potential, dates, managers, OTE, caps, EMEA hires."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from scenarios.demo.data.accounts import demo_blocks
from scenarios.demo.data.homes import (
    balanced_homes,
    best_free_city,
    city_supply,
    large_cities,
    relocate_isolated,
    rep_shares,
)
from scenarios.demo.names import rep_names
from scenarios.demo.plan import PLAN_START, RAMP, SEGMENTS
from solver.money import largest_remainder
from solver.planning.capacity import capacity_factor

_REPS_PER_MANAGER = 8
MIN_REPS_PER_BLOCK = 3
_TBH_DATES = (
    "2027-03-01",
    "2027-04-01",
    "2027-04-15",
    "2027-05-01",
    "2027-06-01",
    "2027-06-15",
    "2027-07-01",
    "2027-09-01",
)
_LEAVER_DATES = ("2027-05-31", "2027-06-30", "2027-07-31", "2027-08-31", "2027-09-30", "2027-11-30")
_EMEA_HIRE_DATES = (
    "2027-03-01",
    "2027-03-15",
    "2027-04-01",
    "2027-04-01",
    "2027-05-01",
    "2027-05-03",
    "2027-06-01",
    "2027-07-01",
    "2027-08-02",
    "2027-09-01",
)
N_EMEA_HIRES = 10
_OTE = {"SMB": 120_000.0, "MM": 180_000.0, "ENT": 260_000.0}
_OTE_REGION = {"NA": 1.0, "EMEA": 0.92}


def _allocate(weights: np.ndarray, total: int, minimum: int) -> np.ndarray:
    """Integer split of ``total`` proportional to ``weights``, the floors counted in the share."""
    return largest_remainder(total, np.clip(weights / weights.sum() * total - minimum, 0.0, None), minimum)


def build_reps(
    acc: pd.DataFrame, cities: pd.DataFrame, n_reps: int, rng: np.random.Generator
) -> pd.DataFrame:
    """The sales team: block sizes by potential, homes near accounts, managers, hires, leavers."""
    blocks = demo_blocks()
    pot = acc.groupby(["region", "segment"])["potential"].sum()
    sizes = _allocate(np.array([pot.get(b, 0.0) for b in blocks]), n_reps, MIN_REPS_PER_BLOCK)
    kinds = _special_kinds(sizes, n_reps)
    reps = pd.DataFrame(
        {
            "region": np.repeat(np.array([r for r, _ in blocks], dtype=object), sizes),
            "segment": np.repeat(np.array([s for _, s in blocks], dtype=object), sizes),
            "kind": np.concatenate([rng.permutation(k) for k in kinds]),
        }
    )
    n = len(reps)
    reps["start_date"], reps["end_date"] = _rep_dates(reps["kind"].to_numpy(), rng)
    reps["cf"] = capacity_factors(reps["start_date"], reps["end_date"])
    reps["lat"], reps["lon"] = np.nan, np.nan
    for region, segment in blocks:
        m = ((reps["region"] == region) & (reps["segment"] == segment)).to_numpy()
        in_block = ((acc["region"] == region) & (acc["segment"] == segment)).to_numpy()
        h_lat, h_lon = balanced_homes(acc[in_block], reps.loc[m, "cf"].to_numpy(), cities, region, rng)
        reps.loc[m, "lat"], reps.loc[m, "lon"] = h_lat, h_lon
    reps["manager_id"] = _managers(reps)
    reps["ote"] = _ote(reps, rng)
    reps["name"] = rep_names(reps, rng)
    reps["max_accounts"] = pd.array([pd.NA] * n, dtype="Int64")
    reps["max_workload"] = np.nan
    width = max(4, len(str(n_reps + N_EMEA_HIRES + 1)))
    order = rng.permutation(n)  # ids carry no block information, like a CRM's
    reps["rep_id"] = np.array([f"R{i:0{width}d}" for i in range(1, n + 1)], dtype=object)[order]
    _cap_a_few(reps, acc, rng)
    return reps


def _special_kinds(sizes: np.ndarray, n_reps: int) -> list[np.ndarray]:
    """Spread planned hires and leavers round-robin over blocks, biggest first, keeping at
    least three reps of each block employed all year."""
    n_tbh = max(1, round(n_reps * 8 / 150))
    n_leave = max(1, round(n_reps * 6 / 150))
    room = np.minimum(np.maximum(sizes - MIN_REPS_PER_BLOCK, 0), np.ceil(sizes / 6)).astype(int)
    order = np.argsort(-sizes, kind="stable")
    specials: list[list[str]] = [[] for _ in sizes]
    wanted = ["tbh"] * n_tbh + ["leaver"] * n_leave
    pos = 0
    while wanted and room.sum() > 0:
        b = order[pos % len(order)]
        if room[b] > 0:
            specials[b].append(wanted.pop(0))
            room[b] -= 1
        pos += 1
    return [
        np.array(s + ["stable"] * (size - len(s)), dtype=object)
        for s, size in zip(specials, sizes, strict=True)
    ]


def _managers(reps: pd.DataFrame) -> np.ndarray:
    """One manager per ~8 reps of a block, teams cut west to east."""
    rank = reps.groupby(["region", "segment"])["lon"].rank(method="first").to_numpy() - 1
    size = reps.groupby(["region", "segment"])["lon"].transform("size").to_numpy()
    n_mgr = np.ceil(size / _REPS_PER_MANAGER)
    team = np.floor(rank * n_mgr / size).astype(int) + 1
    return ("M-" + reps["region"] + "-" + reps["segment"] + "-" + team.astype(str)).to_numpy()


def _rep_dates(kind: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Tenured reps started years ago (some blank), hires start and leavers end in the plan year."""
    n = len(kind)
    early, late = np.datetime64("2016-01-04"), np.datetime64("2026-10-01")
    days = rng.integers(0, int((late - early).astype(int)), size=n)
    start = (early + days.astype("timedelta64[D]")).astype(str).astype(object)
    start[(rng.random(n) < 0.15) & (kind == "stable")] = ""
    tbh = kind == "tbh"
    start[tbh] = np.array(_TBH_DATES, dtype=object)[np.arange(tbh.sum()) % len(_TBH_DATES)]
    end = np.full(n, "", dtype=object)
    leave = kind == "leaver"
    end[leave] = rng.choice(np.array(_LEAVER_DATES, dtype=object), size=int(leave.sum()))
    return start, end


def _ote(reps: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    base = reps["segment"].map(_OTE).to_numpy() * reps["region"].map(_OTE_REGION).to_numpy()
    return np.round(base * np.exp(rng.normal(0.0, 0.08, size=len(reps))), -3)


def _cap_a_few(reps: pd.DataFrame, acc: pd.DataFrame, rng: np.random.Generator) -> None:
    """Give a few tenured reps a generous max_accounts so the column is exercised, not binding."""
    stable = np.flatnonzero((reps["kind"] == "stable").to_numpy())
    chosen = rng.choice(stable, size=max(1, round(len(reps) / 50)), replace=False)
    keys = ["region", "segment"]
    n_acc = acc.groupby(keys).size()
    cf_sum = reps.groupby(keys)["cf"].transform("sum").to_numpy()
    block_n = reps.set_index(keys).index.map(n_acc).to_numpy(float)
    cap = np.ceil(2.5 * block_n * reps["cf"].to_numpy() / cf_sum / 10.0) * 10
    reps.loc[chosen, "max_accounts"] = cap[chosen].astype(int)


def emea_hires(
    acc: pd.DataFrame,
    cities: pd.DataFrame,
    reps: pd.DataFrame,
    n_reps: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Ten to-be-hired EMEA reps over the EMEA segments by potential, for the what-if."""
    emea = acc[acc["region"] == "EMEA"].groupby("segment")["potential"].sum()
    per_seg = _allocate(np.array([emea.get(s, 0.0) for s in SEGMENTS]), N_EMEA_HIRES, 1)
    segment = np.repeat(np.array(SEGMENTS, dtype=object), per_seg)
    start = np.array(_EMEA_HIRE_DATES, dtype=object)
    cf = capacity_factors(pd.Series(start), pd.Series([""] * N_EMEA_HIRES))
    lat, lon = np.zeros(N_EMEA_HIRES), np.zeros(N_EMEA_HIRES)
    manager = np.empty(N_EMEA_HIRES, dtype=object)
    for s in SEGMENTS:
        m = segment == s
        block = acc[(acc["region"] == "EMEA") & (acc["segment"] == s)]
        team = reps[(reps["region"] == "EMEA") & (reps["segment"] == s)]
        cap = rep_shares(block["potential"].sum(), np.r_[team["cf"].to_numpy(), cf[m]])
        c_lat, c_lon = large_cities(cities, "EMEA", len(cap))
        h_lat, h_lon = team["lat"].to_numpy(float), team["lon"].to_numpy(float)
        supply = city_supply(c_lat, c_lon, block)
        for _ in range(int(m.sum())):  # one hire at a time where potential is least served
            j = best_free_city(c_lat, c_lon, h_lat, h_lon, supply)
            h_lat, h_lon = np.r_[h_lat, c_lat[j]], np.r_[h_lon, c_lon[j]]
        movable = np.r_[np.zeros(len(team), dtype=bool), np.ones(int(m.sum()), dtype=bool)]
        h_lat, h_lon = relocate_isolated(h_lat, h_lon, movable, block, cap, c_lat, c_lon)
        lat[m], lon[m] = h_lat[movable], h_lon[movable]
        # round-robin over the block's managers, smallest team first
        teams = team["manager_id"].value_counts().sort_index().sort_values(kind="stable")
        teams = teams.index.to_numpy()
        manager[m] = np.resize(teams, int(m.sum()))
    width = max(4, len(str(n_reps + N_EMEA_HIRES + 1)))
    hires = pd.DataFrame(
        {
            "segment": segment,
            "region": "EMEA",
            "kind": "tbh",
            "lat": lat,
            "lon": lon,
            "manager_id": manager,
            "start_date": start,
            "end_date": "",
            "name": "",
            "max_accounts": pd.array([pd.NA] * N_EMEA_HIRES, dtype="Int64"),
            "max_workload": np.nan,
            "rep_id": [f"R{n_reps + i:0{width}d}" for i in range(1, N_EMEA_HIRES + 1)],
        }
    )
    hires["ote"] = _ote(hires, rng)
    hires["cf"] = cf
    return hires


def capacity_factors(start_date: pd.Series, end_date: pd.Series) -> np.ndarray:
    """Capacity factor of each rep in the demo plan year (`solver.planning.capacity_factor`)."""
    return capacity_factor(start_date, end_date, dt.date.fromisoformat(PLAN_START), RAMP)


def min_block_targets(acc: pd.DataFrame, *rep_sets: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Smallest positive rep target of each block over the given rep tables."""
    pot = acc.groupby(["region", "segment"])["potential"].sum()
    out: dict[tuple[str, str], float] = {}
    for reps in rep_sets:
        for (region, segment), cf in reps.groupby(["region", "segment"])["cf"]:
            c = cf.to_numpy()
            t = pot.get((region, segment), 0.0) * c[c > 0].min() / c.sum()
            out[(region, segment)] = min(out.get((region, segment), math.inf), t)
    return out
