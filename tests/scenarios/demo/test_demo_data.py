"""The bundled demo data: shape, realism rules, determinism and solvability margins."""

from __future__ import annotations

import re
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios.demo.data import (
    ACCOUNT_COLUMNS,
    EVENT_COLUMNS,
    REGIONS,
    REP_COLUMNS,
    SEGMENT_BANDS,
    DemoInputs,
    capacity_factors,
    demo_feasibility_report,
    estimate_potential,
    write_demo_inputs,
)
from tests.tests_paths import REPO, require_shared

SMALL = {"n_accounts": 1500, "n_reps": 30}
PLAN_START, PLAN_END = "2027-02-01", "2028-01-31"
REGION_OF = {c: r for r, cs in REGIONS.items() for c in cs}


def _shared_data() -> Path:
    return require_shared()


def _read(path: Path) -> pd.DataFrame:
    # "NA" is a region name here, not a missing value: only blanks are missing.
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def _segment(employees: pd.Series) -> pd.Series:
    out = pd.Series("", index=employees.index, dtype=object)
    for name, (lo, hi) in SEGMENT_BANDS.items():
        out[(employees >= lo) & (employees < hi)] = name
    return out


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype(str) == "")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoInputs, float]:
    t0 = time.perf_counter()
    demo = write_demo_inputs(tmp_path_factory.mktemp("small"), **SMALL)
    return demo, time.perf_counter() - t0


@pytest.fixture(scope="module")
def tables(small: tuple[DemoInputs, float]) -> dict[str, pd.DataFrame]:
    demo, _ = small
    acc = _read(demo.accounts)
    acc["segment"] = _segment(acc["employees"])
    acc["region"] = acc["country"].map(REGION_OF)
    return {
        "accounts": acc,
        "reps": _read(demo.reps),
        "hires": _read(demo.reps_emea_hires),
        "events": _read(demo.events),
    }


@pytest.fixture(scope="module")
def default_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoInputs:
    t0 = time.perf_counter()
    demo = write_demo_inputs(tmp_path_factory.mktemp("default"))
    print(f"default demo (20,000 accounts, 150 reps) built in {time.perf_counter() - t0:.2f} s")
    return demo


def test_small_demo_builds_fast_and_writes_every_file(small: tuple[DemoInputs, float]) -> None:
    demo, seconds = small
    assert seconds < 10.0
    files = [demo.accounts, demo.reps, demo.reps_emea_hires, demo.base_scenario, demo.events]
    for path in [*files, *demo.scenarios, demo.notice]:
        assert path.is_file() and path.stat().st_size > 0, path
    assert [p.name for p in demo.scenarios] == [
        "baseline.toml",
        "emea_hires.toml",
        "tight_disruption.toml",
    ]
    assert "GeoNames (geonames.org)" in demo.notice.read_text(encoding="utf-8")


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    a = write_demo_inputs(tmp_path / "a", **SMALL)
    b = write_demo_inputs(tmp_path / "b", **SMALL)
    c = write_demo_inputs(tmp_path / "c", **SMALL, seed=1)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert a.accounts.read_bytes() != c.accounts.read_bytes()
    assert b.reps.read_bytes() != c.reps.read_bytes()


def test_columns_and_number_formats(small: tuple[DemoInputs, float]) -> None:
    demo, _ = small
    acc = pd.read_csv(demo.accounts, dtype=str, keep_default_na=False)
    reps = pd.read_csv(demo.reps, dtype=str, keep_default_na=False)
    events = pd.read_csv(demo.events, dtype=str, keep_default_na=False)
    assert tuple(acc.columns) == ACCOUNT_COLUMNS
    assert tuple(reps.columns) == REP_COLUMNS
    assert tuple(events.columns) == EVENT_COLUMNS
    assert acc["lat"].str.fullmatch(r"-?\d+\.\d{5}").all()
    assert acc["lon"].str.fullmatch(r"-?\d+\.\d{5}").all()
    assert acc["annual_revenue"].str.fullmatch(r"\d+\.\d{2}").all()
    assert acc["arr"].str.fullmatch(r"(\d+\.\d{2})?").all()
    assert acc["employees"].str.fullmatch(r"\d+").all()
    assert acc["account_id"].str.fullmatch(r"A\d{6}").all()
    assert acc["account_id"].is_monotonic_increasing and acc["account_id"].is_unique
    assert reps["rep_id"].is_monotonic_increasing and reps["rep_id"].is_unique
    assert reps["ote"].str.fullmatch(r"\d+\.\d{2}").all()
    assert acc["name"].ne("").all()


def test_geography(tables: dict[str, pd.DataFrame]) -> None:
    acc = tables["accounts"]
    assert acc["region"].notna().all()
    na_share = (acc["region"] == "NA").mean()
    assert 0.55 < na_share < 0.65
    us = acc[acc["country"] == "US"]
    assert us["state"].str.fullmatch(r"[A-Z]{2}").all()
    ca = acc[acc["country"] == "CA"]
    assert set(ca["state"]) <= {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}
    assert _blank(acc.loc[acc["region"] == "EMEA", "state"]).all()
    assert acc["lat"].between(-40, 75).all() and acc["lon"].between(-180, 60).all()
    # jittered: accounts of one city do not all sit on one point
    assert acc[["lat", "lon"]].drop_duplicates().shape[0] > 0.95 * len(acc)


def test_band_shares(tables: dict[str, pd.DataFrame]) -> None:
    share = tables["accounts"]["segment"].value_counts(normalize=True)
    assert share["SMB"] == pytest.approx(0.70, abs=0.04)
    assert share["MM"] == pytest.approx(0.22, abs=0.04)
    assert share["ENT"] == pytest.approx(0.08, abs=0.03)
    assert (tables["accounts"]["employees"] >= 0).all()


def test_revenue_follows_employees(tables: dict[str, pd.DataFrame]) -> None:
    acc = tables["accounts"]
    per_emp = acc["annual_revenue"] / acc["employees"]
    assert 100_000 < per_emp.median() < 400_000
    rho = np.corrcoef(np.log(acc["employees"]), np.log(acc["annual_revenue"]))[0, 1]
    assert rho > 0.9


def test_ownership_shares_and_blocks(tables: dict[str, pd.DataFrame]) -> None:
    acc, reps = tables["accounts"], tables["reps"]
    owner = acc["current_owner"]
    active = owner.isin(reps["rep_id"])
    former = owner.notna() & ~active
    assert active.mean() == pytest.approx(0.85, abs=0.04)
    assert former.mean() == pytest.approx(0.03, abs=0.02)
    assert owner.isna().mean() == pytest.approx(0.12, abs=0.03)
    assert owner[former].str.fullmatch(r"R-FORMER-\d{2}").all()
    block = reps.set_index("rep_id")[["segment", "region"]]
    owned = acc[active]
    for col in ("segment", "region"):
        of_owner = block.loc[owned["current_owner"], col].to_numpy()
        assert (owned[col].to_numpy() == of_owner).all(), col
    # planned hires own nothing yet
    tbh = reps.loc[_blank(reps["name"]), "rep_id"]
    assert not owner.isin(tbh).any()
    # books are uneven: continuity has a price
    books = owned.groupby("current_owner").size()
    assert books.max() > 1.5 * books.min()
    customers = acc["arr"].notna()
    assert customers.mean() == pytest.approx(0.40, abs=0.05)
    assert owner[customers].notna().all() and (acc.loc[customers, "arr"] > 0).all()


def test_families_stay_in_one_block(tables: dict[str, pd.DataFrame]) -> None:
    acc = tables["accounts"].set_index("account_id")
    kids = acc[acc["parent_id"].notna()]
    assert 0.01 < len(kids) / len(acc) < 0.05
    parents = acc.loc[kids["parent_id"]]
    assert parents["parent_id"].isna().all()  # one level deep
    for col in ("country", "segment", "region"):
        assert (kids[col].to_numpy() == parents[col].to_numpy()).all(), col
    kid_owner = kids["current_owner"].fillna("").to_numpy()
    assert (kid_owner == parents["current_owner"].fillna("").to_numpy()).all()
    sizes = kids.groupby("parent_id").size() + 1
    assert sizes.between(2, 5).all()


def test_pins(tables: dict[str, pd.DataFrame]) -> None:
    acc, reps = tables["accounts"], tables["reps"]
    pinned = acc[acc["locked_owner"].notna()]
    assert len(pinned) == round(0.005 * len(acc))
    assert (pinned["locked_owner"] == pinned["current_owner"]).all()
    tenured = reps[_blank(reps["end_date"]) & reps["name"].notna()].set_index("rep_id")
    assert pinned["locked_owner"].isin(tenured.index).all()
    of_owner = tenured.loc[pinned["locked_owner"], "segment"].to_numpy()
    assert (pinned["segment"].to_numpy() == of_owner).all()
    assert pinned["locked_owner"].value_counts().max() <= 2
    in_family = acc["parent_id"].notna() | acc["account_id"].isin(acc["parent_id"])
    assert not in_family[pinned.index].any()
    potential = pd.Series(estimate_potential(acc["employees"], acc["annual_revenue"]), index=acc.index)
    median = potential.groupby([acc["region"], acc["segment"]]).transform("median")
    assert (potential[pinned.index] <= median[pinned.index]).all()


def test_reps_hires_leavers_managers(tables: dict[str, pd.DataFrame]) -> None:
    reps = tables["reps"]
    assert len(reps) == SMALL["n_reps"]
    per_block = reps.groupby(["region", "segment"]).size()
    assert len(per_block) == 6 and (per_block >= 3).all()
    tbh = reps[_blank(reps["name"])]
    assert len(tbh) >= 1
    assert tbh["start_date"].between(PLAN_START, PLAN_END).all()
    named = reps[reps["name"].notna()]
    assert named["name"].is_unique
    assert (_blank(named["start_date"]) | (named["start_date"] < PLAN_START)).all()
    leavers = reps[reps["end_date"].notna()]
    assert len(leavers) >= 1
    assert leavers["end_date"].between(PLAN_START, PLAN_END).all()
    assert leavers["name"].notna().all()
    # at least three reps per block work the whole year
    whole_year = reps[reps["name"].notna() & _blank(reps["end_date"])]
    assert (whole_year.groupby(["region", "segment"]).size() >= 3).all()
    pattern = reps["region"] + "-" + reps["segment"]
    assert all(m.startswith(f"M-{p}-") for m, p in zip(reps["manager_id"], pattern, strict=True))
    assert reps.groupby("manager_id").size().max() <= 8
    ote = reps.groupby("segment")["ote"].median()
    assert ote["SMB"] < ote["MM"] < ote["ENT"]
    assert reps["max_workload"].isna().all()
    assert reps["max_accounts"].notna().sum() <= max(1, len(reps) // 10)
    assert reps[["lat", "lon"]].notna().all().all()


def test_emea_hires_table(tables: dict[str, pd.DataFrame]) -> None:
    reps, hires = tables["reps"], tables["hires"]
    extra = hires[~hires["rep_id"].isin(reps["rep_id"])]
    assert len(hires) == len(reps) + 10 and len(extra) == 10
    pd.testing.assert_frame_equal(hires[hires["rep_id"].isin(reps["rep_id"])].reset_index(drop=True), reps)
    assert (extra["region"] == "EMEA").all() and extra["name"].isna().all()
    assert set(extra["segment"]) == {"SMB", "MM", "ENT"}
    assert extra["start_date"].between(PLAN_START, PLAN_END).all()
    assert extra["manager_id"].isin(reps["manager_id"]).all()


def test_events_are_consistent(tables: dict[str, pd.DataFrame]) -> None:
    acc, reps, events = tables["accounts"], tables["reps"], tables["events"]
    assert list(events["event"]) == ["leave", "join", "move", "transfer", "transfer"]
    assert events["date"].between(PLAN_START, PLAN_END).all()
    rep = reps.set_index("rep_id")
    leave, join, move = (events[events["event"] == e].iloc[0] for e in ("leave", "join", "move"))
    assert leave["rep_id"] in rep.index and pd.isna(rep.loc[leave["rep_id"], "end_date"])
    assert join["rep_id"] not in rep.index
    assert join["segment"] in SEGMENT_BANDS and join["region"] in REGIONS
    assert move["rep_id"] in rep.index
    assert move["segment"] != rep.loc[move["rep_id"], "segment"]
    transfers = events[events["event"] == "transfer"].merge(acc, on="account_id")
    assert len(transfers) == 2
    assert (transfers["rep_id"] != transfers["current_owner"]).all()
    assert (rep.loc[transfers["rep_id"], "segment"].to_numpy() == transfers["segment_y"]).all()
    assert transfers["locked_owner"].isna().all()


def test_scenarios_parse_and_extend(small: tuple[DemoInputs, float]) -> None:
    demo, _ = small
    base = tomllib.loads(demo.base_scenario.read_text(encoding="utf-8"))
    assert base["name"] == "base"
    assert base["plan"] == {"start": PLAN_START, "ramp": [0.25, 0.5, 0.75], "currency": "EUR"}
    assert base["segments"] == {"SMB": [0, 200], "MM": [200, 2000], "ENT": [2000, float("inf")]}
    assert base["regions"] == {r: list(cs) for r, cs in REGIONS.items()}
    assert base["scoring"] == {
        "weights": {"employees": 0.6, "annual_revenue": 0.4},
        "potential_scale": 250000.0,
    }
    assert base["assignment"]["balance"] == {"potential": 0.05}
    assert base["assignment"]["weights"] == {"disruption": 1.0, "distance": 0.1}
    assert base["quota"] == {
        "target": 120_000_000.0,
        "hedge": {"region": 0.05, "rep": 0.10},
        "periods": "quarter",
    }
    folder = demo.base_scenario.parent
    for name in base["data"].values():
        assert (folder / name).is_file()
    names = set()
    for path in demo.scenarios:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        assert (path.parent / doc["extends"]).resolve() == demo.base_scenario.resolve()
        for table in doc.get("data", {}).values():
            assert (path.parent / table).is_file()
        names.add(doc["name"])
        if path.name == "tight_disruption.toml":
            assert 0.0 < doc["assignment"]["max_moved_share"] < 0.5
        if path.name == "emea_hires.toml":
            assert doc["data"] == {"reps": "reps_emea_hires.csv"}
    assert names == {"fy27-baseline", "fy27-emea-hires", "fy27-tight-disruption"}


def test_capacity_factors_match_the_contract_examples() -> None:
    start = pd.Series(["2027-05-01", "2019-03-04", "", "2027-02-01"])
    end = pd.Series(["", "2027-07-31", "", ""])
    got = capacity_factors(start, end)
    assert got == pytest.approx([0.625, 0.5, 1.0, (0.25 + 0.5 + 0.75 + 9) / 12])


@pytest.mark.parametrize("which", ["small", "default"])
def test_feasibility_margins(which: str, small: tuple[DemoInputs, float], default_demo: DemoInputs) -> None:
    demo = small[0] if which == "small" else default_demo
    acc, reps = _read(demo.accounts), _read(demo.reps)
    report = demo_feasibility_report(acc, reps)
    print(report.to_string())
    assert len(report) == 6
    assert (report["accounts"] > 0).all()
    assert (report["reps"] >= 3).all() and (report["active_reps"] >= 3).all()
    assert (report["largest_family_share"] < 0.3).all()
    # a solver keeping each account's 5 nearest reps (plus its owner) can fill every rep
    assert (report["min_reach_ratio"] > 1.05).all()
    # the emea-hires what-if has smaller targets; its families must still fit
    hires = demo_feasibility_report(acc, _read(demo.reps_emea_hires))
    assert (hires["largest_family_share"] < 0.3).all()
    assert (hires["min_reach_ratio"] > 1.05).all()
    # reps split roughly by potential: potential per active rep within 2x across blocks
    per_rep = report["block_potential"] / report["active_reps"]
    if which == "default":
        assert per_rep.max() < 2 * per_rep.min()
    lower = report["min_moved_potential"].sum() / report["block_potential"].sum()
    tight = tomllib.loads(demo.scenarios[2].read_text(encoding="utf-8"))
    assert lower < tight["assignment"]["max_moved_share"] < 3 * lower + 0.05


def test_default_demo_counts(default_demo: DemoInputs) -> None:
    acc, reps = _read(default_demo.accounts), _read(default_demo.reps)
    assert len(acc) == 20_000 and len(reps) == 150
    assert _blank(reps["name"]).sum() == 8
    assert reps["end_date"].notna().sum() == 6
    assert acc["locked_owner"].notna().sum() == 100


def test_bad_sizes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n_accounts"):
        write_demo_inputs(tmp_path, n_accounts=10)
    with pytest.raises(ValueError, match="n_reps"):
        write_demo_inputs(tmp_path, n_reps=5)


def test_shipped_cities_are_the_shared_geonames_rows() -> None:
    shared = _shared_data() / "geo" / "cities_na_emea.csv"
    src = pd.read_csv(shared, keep_default_na=False, dtype=str)
    ship_path = REPO / "scenarios" / "data" / "cities_na_emea.csv"
    ship = pd.read_csv(ship_path, keep_default_na=False, dtype=str)
    countries = {c for cs in REGIONS.values() for c in cs}
    expected = src[src["country"].isin(countries)][list(ship.columns)].reset_index(drop=True)
    pd.testing.assert_frame_equal(ship, expected)
    notice = ship_path.with_name("NOTICE-cities.md").read_text(encoding="utf-8")
    assert "GeoNames (geonames.org)" in notice and "CC BY 4.0" in notice
    assert re.search(r"\b10,103\b", notice) and len(ship) == 10_103
