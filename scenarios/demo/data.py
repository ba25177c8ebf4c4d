"""Bundled demo data: a synthetic North America + EMEA book of business.

`terraquota demo` must work offline and show every feature on data that looks
like a real CRM export, so this module fabricates one from a fixed seed:
accounts placed at real cities (GeoNames, shipped in ``scenarios/data``),
heavy-tailed company sizes, a sales team split over the six segment x region
blocks in proportion to each block's potential, today's uneven territories
(the continuity the optimiser has to weigh), account families, pins, planned
hires and leavers, example scenario files and a mid-year events file.

Everything is drawn from ``numpy.random.default_rng`` streams spawned from one
seed and written sorted with fixed number formats, so the same seed gives
byte-identical files. The generator also keeps the example scenarios solvable:
families stay far smaller than the smallest rep target of their block, and rep
homes are placed so that every rep can be filled from the accounts that have it
among their few nearest reps (what a pruning solver keeps); the disruption budget
of the tight scenario is set from a lower bound on what any balanced plan must
move. `demo_feasibility_report` measures all three.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.demo.files import (
    NOTICE,
    format_accounts,
    format_reps,
    scenario_texts,
    tight_moved_share,
    write_csv,
)
from scenarios.demo.names import company_names, rep_names
from scenarios.demo.plan import (
    _COUNTRY_WEIGHTS,
    ACCOUNT_COLUMNS,
    BALANCE_TOLERANCE,
    EVENT_COLUMNS,
    PLAN_START,
    POTENTIAL_SCALE,
    RAMP,
    REGION_SHARES,
    REGIONS,
    REP_COLUMNS,
    SCORING_WEIGHTS,
    SEGMENT_BANDS,
    SEGMENTS,
)
from solver.geo import EARTH_RADIUS_KM
from solver.money import largest_remainder
from solver.planning.capacity import capacity_factor

__all__ = [
    "ACCOUNT_COLUMNS",
    "EVENT_COLUMNS",
    "MIN_ACCOUNTS",
    "MIN_REPS",
    "REGIONS",
    "REP_COLUMNS",
    "SEGMENT_BANDS",
    "DemoInputs",
    "build_demo_tables",
    "capacity_factors",
    "demo_feasibility_report",
    "estimate_potential",
    "write_demo_inputs",
]

logger = logging.getLogger(__name__)

# --- generator knobs ------------------------------------------------------------
_BAND_SHARES = (0.70, 0.22, 0.08)
# Truncated Pareto per band: (lower, upper, alpha); medians ~18 / ~360 / ~4,000.
_BAND_PARETO = ((5.0, 200.0, 0.35), (200.0, 2000.0, 1.0), (2000.0, 400_000.0, 1.0))
_JITTER_KM = 3.0
_SHARE_OWNED, _SHARE_FORMER = 0.85, 0.03  # the rest (~12%) are new logos
_CUSTOMER_SHARE = 0.40
_CHILD_SHARE = 0.03
_PIN_SHARE = 0.005
_MAX_PINS_PER_REP = 2
_DRIFT_SHARE = 0.10  # owned accounts whose owner is not the nearest-by-territory rep
_FAMILY_SIZE_P = {2: 0.50, 3: 0.25, 4: 0.15, 5: 0.10}
_FAMILY_TARGET_SHARE = 0.25  # largest family potential <= this x smallest rep target
_REACH_K = 5  # nearest reps per account a pruning solver may keep
_REACH_MARGIN = 1.25  # reach needed, as a multiple of the rep's share
_REPS_PER_MANAGER = 8
_MIN_REPS_PER_BLOCK = 3
#: Smallest demo: some accounts in every block, three reps per block.
MIN_ACCOUNTS = 300
MIN_REPS = _MIN_REPS_PER_BLOCK * 6
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
_EVENT_DATE = "2027-08-01"
_N_EMEA_HIRES = 10
_OTE = {"SMB": 120_000.0, "MM": 180_000.0, "ENT": 260_000.0}
_OTE_REGION = {"NA": 1.0, "EMEA": 0.92}
# GeoNames admin-1 codes of Canada -> the provinces' postal abbreviations.
_CA_PROVINCES = {
    "01": "AB",
    "02": "BC",
    "03": "MB",
    "04": "NB",
    "05": "NL",
    "07": "NS",
    "08": "ON",
    "09": "PE",
    "10": "QC",
    "11": "SK",
    "12": "YT",
    "13": "NT",
    "14": "NU",
}
# industry -> (share of accounts, revenue-per-employee factor)
_INDUSTRIES = {
    "Software": (0.12, 1.3),
    "IT Services": (0.08, 1.0),
    "Manufacturing": (0.14, 1.1),
    "Financial Services": (0.08, 1.6),
    "Healthcare": (0.08, 0.8),
    "Retail": (0.08, 0.9),
    "Wholesale": (0.05, 1.8),
    "Construction": (0.06, 1.0),
    "Transportation and Logistics": (0.05, 0.9),
    "Professional Services": (0.09, 0.8),
    "Education": (0.03, 0.5),
    "Media and Entertainment": (0.03, 1.0),
    "Energy and Utilities": (0.03, 2.0),
    "Telecommunications": (0.02, 1.5),
    "Hospitality": (0.03, 0.5),
    "Real Estate": (0.02, 1.2),
    "Life Sciences": (0.03, 1.4),
}


@dataclass(frozen=True)
class DemoInputs:
    """Paths of the files `write_demo_inputs` wrote (all inside one folder).

    Attributes
    ----------
    accounts, reps, reps_emea_hires : Path
        The input tables; ``reps_emea_hires`` is ``reps`` plus ten planned EMEA hires.
    base_scenario : Path
        ``base.toml``, the shared settings the example scenarios extend.
    scenarios : list[Path]
        The example scenarios to run: baseline, EMEA hires, tight disruption.
    events : Path
        A mid-year events table for ``terraquota replan``.
    notice : Path
        Data credit (GeoNames, CC BY 4.0) for the generated locations.
    """

    accounts: Path
    reps: Path
    reps_emea_hires: Path
    base_scenario: Path
    scenarios: list[Path]
    events: Path
    notice: Path


def write_demo_inputs(
    out_dir: Path, *, n_accounts: int = 20_000, n_reps: int = 150, seed: int = 0
) -> DemoInputs:
    """Generate the demo tables and scenario files into ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        Folder to write into (created if missing; existing demo files are replaced).
    n_accounts : int
        Number of accounts (at least 300, so that every block has some).
    n_reps : int
        Number of reps rows including planned hires (at least 18: three per block).
    seed : int
        Seed of every random draw; the same seed gives byte-identical files.

    Returns
    -------
    DemoInputs
        The paths written.
    """
    if n_accounts < MIN_ACCOUNTS:
        raise ValueError(f"n_accounts must be >= {MIN_ACCOUNTS}, got {n_accounts}")
    if n_reps < MIN_REPS:
        raise ValueError(f"n_reps must be >= {MIN_REPS}, got {n_reps}")
    tables = build_demo_tables(n_accounts=n_accounts, n_reps=n_reps, seed=seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "accounts": out_dir / "accounts.csv",
        "reps": out_dir / "reps.csv",
        "reps_emea_hires": out_dir / "reps_emea_hires.csv",
        "events": out_dir / "events.csv",
    }
    write_csv(format_accounts(tables["accounts"]), paths["accounts"])
    write_csv(format_reps(tables["reps"]), paths["reps"])
    write_csv(format_reps(tables["reps_emea_hires"]), paths["reps_emea_hires"])
    write_csv(tables["events"], paths["events"])
    report = demo_feasibility_report(tables["accounts"], tables["reps"])
    toml_texts = scenario_texts(tight_moved_share(report))
    for file_name, text in toml_texts.items():
        (out_dir / file_name).write_text(text, encoding="utf-8", newline="\n")
    notice = out_dir / "NOTICE.md"
    notice.write_text(NOTICE, encoding="utf-8", newline="\n")
    logger.info("demo data: %d accounts, %d reps written to %s", n_accounts, n_reps, out_dir)
    return DemoInputs(
        accounts=paths["accounts"],
        reps=paths["reps"],
        reps_emea_hires=paths["reps_emea_hires"],
        base_scenario=out_dir / "base.toml",
        scenarios=[out_dir / n for n in ("baseline.toml", "emea_hires.toml", "tight_disruption.toml")],
        events=paths["events"],
        notice=notice,
    )


def build_demo_tables(*, n_accounts: int, n_reps: int, seed: int) -> dict[str, pd.DataFrame]:
    """Draw the demo tables in memory (numbers unformatted), keyed by file stem.

    Kept separate from the writer so tests and notebooks can inspect the data.
    """
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)]
    cities = _load_cities()
    acc = _place_accounts(cities, n_accounts, streams[0])
    acc = pd.concat([acc, _size_accounts(n_accounts, streams[1])], axis=1)
    acc["name"] = company_names(acc["country"].to_numpy(), acc["segment"].to_numpy(), streams[2])
    acc["potential"] = estimate_potential(acc["employees"], acc["annual_revenue"])
    width = max(6, len(str(n_accounts)))
    acc["account_id"] = [f"A{i:0{width}d}" for i in range(1, n_accounts + 1)]

    reps = _build_reps(acc, cities, n_reps, streams[3])
    hires = _emea_hires(acc, cities, reps, n_reps, streams[4])
    reps_all = pd.concat([reps, hires], ignore_index=True)
    min_target = _min_block_targets(acc, reps, reps_all)
    acc["parent_id"] = _families(acc, min_target, streams[5])
    _assign_owners(acc, reps, streams[6])
    acc["locked_owner"] = _pins(acc, reps, streams[7])
    acc["arr"] = _arr(acc, streams[8])
    events = _events(acc, reps, n_reps)
    return {
        "accounts": acc.sort_values("account_id", ignore_index=True),
        "reps": reps.sort_values("rep_id", ignore_index=True),
        "reps_emea_hires": reps_all.sort_values("rep_id", ignore_index=True),
        "events": events,
    }


# --- accounts -----------------------------------------------------------------------------


def _load_cities() -> pd.DataFrame:
    """The shipped GeoNames cities of the demo countries, with a region and a state code."""
    src = resources.files("scenarios") / "data" / "cities_na_emea.csv"
    with src.open("r", encoding="utf-8") as f:
        cities = pd.read_csv(f, dtype={"admin1": str, "name": str}, keep_default_na=False)
    region_of = {c: r for r, cs in REGIONS.items() for c in cs}
    cities = cities[cities["country"].isin(region_of)].reset_index(drop=True)
    cities["region"] = cities["country"].map(region_of)
    state = np.where(cities["country"] == "US", cities["admin1"], "")
    ca = (cities["country"] == "CA").to_numpy()
    state[ca] = cities.loc[ca, "admin1"].map(_CA_PROVINCES).fillna("").to_numpy()
    cities["state"] = state
    return cities


def _place_accounts(cities: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Accounts at cities drawn by population^0.8 within country shares, jittered a few km."""
    share = {
        c: REGION_SHARES[r] * w / sum(ws.values())
        for r, ws in _COUNTRY_WEIGHTS.items()
        for c, w in ws.items()
    }
    pop_w = cities["population"].to_numpy(float) ** 0.8
    country_total = pd.Series(pop_w).groupby(cities["country"].to_numpy()).transform("sum")
    p = cities["country"].map(share).to_numpy() * pop_w / country_total.to_numpy()
    idx = rng.choice(len(cities), size=n, p=p / p.sum())
    lat0 = cities["lat"].to_numpy()[idx]
    lon0 = cities["lon"].to_numpy()[idx]
    dn, de = np.clip(rng.normal(0.0, _JITTER_KM, size=(2, n)), -3 * _JITTER_KM, 3 * _JITTER_KM)
    lat = lat0 + dn / 111.2
    lon = lon0 + de / (111.2 * np.cos(np.radians(lat0)))
    return pd.DataFrame(
        {
            "country": cities["country"].to_numpy()[idx],
            "state": cities["state"].to_numpy()[idx],
            "region": cities["region"].to_numpy()[idx],
            "lat": np.round(lat, 5) + 0.0,  # + 0.0 turns -0.0 into 0.0
            "lon": np.round(lon, 5) + 0.0,
            "city": idx,
        }
    )


def _size_accounts(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Employees (band first, truncated Pareto inside), industry, and revenue per employee."""
    band = rng.choice(len(SEGMENTS), size=n, p=_BAND_SHARES)
    lo, hi, alpha = (np.array(v)[band] for v in zip(*_BAND_PARETO, strict=True))
    u = rng.random(n)
    emp = lo * (1.0 - u * (1.0 - (lo / hi) ** alpha)) ** (-1.0 / alpha)
    employees = np.floor(emp).astype(np.int64)
    names = list(_INDUSTRIES)
    shares = np.array([_INDUSTRIES[k][0] for k in names])
    ind = rng.choice(len(names), size=n, p=shares / shares.sum())
    factor = np.array([_INDUSTRIES[k][1] for k in names])[ind]
    rev_per_emp = np.exp(rng.normal(np.log(200_000.0), 0.45, size=n)) * factor
    revenue = np.round(employees * rev_per_emp, -3)
    return pd.DataFrame(
        {
            "employees": employees,
            "annual_revenue": revenue,
            "industry": np.array(names, dtype=object)[ind],
            "segment": np.array(SEGMENTS, dtype=object)[band],
        }
    )


def estimate_potential(employees: pd.Series, annual_revenue: pd.Series) -> np.ndarray:
    """Potential as the demo scenarios score it: scale x weighted percentile rank.

    Mirrors ``[scoring]`` of base.toml (weights employees 0.6, annual_revenue 0.4,
    potential_scale 250,000) so the generator can size teams and families.

    Parameters
    ----------
    employees, annual_revenue : pd.Series
        The two scored data points of every account.

    Returns
    -------
    numpy.ndarray
        Potential per account, in [0, 250,000].
    """
    ranks = {
        "employees": pd.to_numeric(employees).rank(pct=True).to_numpy(),
        "annual_revenue": pd.to_numeric(annual_revenue).rank(pct=True).to_numpy(),
    }
    w_sum = sum(SCORING_WEIGHTS.values())
    score = sum(w * np.nan_to_num(ranks[k]) for k, w in SCORING_WEIGHTS.items()) / w_sum
    return POTENTIAL_SCALE * score


def _isin(values: pd.Series, pool: object) -> np.ndarray:
    """Fast membership test (hash lookup; Series.isin is slow on pandas 3 strings)."""
    return pd.Index(pd.Series(pool, dtype=object)).unique().get_indexer(values) >= 0


def _segment_of(employees: pd.Series) -> np.ndarray:
    emp = pd.to_numeric(employees).to_numpy(float)
    out = np.full(len(emp), "", dtype=object)
    for name, (lo, hi) in SEGMENT_BANDS.items():
        out[(emp >= lo) & (emp < hi)] = name
    return out


# --- reps -----------------------------------------------------------------------------------


def _allocate(weights: np.ndarray, total: int, minimum: int) -> np.ndarray:
    """Integer split of ``total`` proportional to ``weights``, the floors counted in the share."""
    return largest_remainder(total, np.clip(weights / weights.sum() * total - minimum, 0.0, None), minimum)


def _blocks() -> list[tuple[str, str]]:
    return [(r, s) for r in REGIONS for s in SEGMENTS]


def _build_reps(
    acc: pd.DataFrame, cities: pd.DataFrame, n_reps: int, rng: np.random.Generator
) -> pd.DataFrame:
    """The sales team: block sizes by potential, homes near accounts, managers, hires, leavers."""
    blocks = _blocks()
    pot = acc.groupby(["region", "segment"])["potential"].sum()
    sizes = _allocate(np.array([pot.get(b, 0.0) for b in blocks]), n_reps, _MIN_REPS_PER_BLOCK)
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
        h_lat, h_lon = _balanced_homes(acc[in_block], reps.loc[m, "cf"].to_numpy(), cities, region, rng)
        reps.loc[m, "lat"], reps.loc[m, "lon"] = h_lat, h_lon
    reps["manager_id"] = _managers(reps)
    reps["ote"] = _ote(reps, rng)
    reps["name"] = rep_names(reps, rng)
    reps["max_accounts"] = pd.array([pd.NA] * n, dtype="Int64")
    reps["max_workload"] = np.nan
    width = max(4, len(str(n_reps + _N_EMEA_HIRES + 1)))
    order = rng.permutation(n)  # ids carry no block information, like a CRM's
    reps["rep_id"] = np.array([f"R{i:0{width}d}" for i in range(1, n + 1)], dtype=object)[order]
    _cap_a_few(reps, acc, rng)
    return reps


def _balanced_homes(
    acc: pd.DataFrame,
    cf: np.ndarray,
    cities: pd.DataFrame,
    region: str,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Rep homes (lat, lon of cities) that each sit amid about their share of the block.

    Balanced k-means: split the accounts nearest-first into groups sized by the reps'
    capacity factors, move each home to its group's weighted centre, repeat; then snap
    each home to the nearest unused large city, and move reps left in thin markets
    (`_relocate_isolated`).
    """
    lat, lon = acc["lat"].to_numpy(), acc["lon"].to_numpy()
    w = acc["potential"].to_numpy()
    k = len(cf)
    cap = _rep_shares(w.sum(), cf)
    first = rng.choice(len(w), size=min(k, len(w)), replace=False, p=w / w.sum())
    c_lat = np.resize(lat[first], k)
    c_lon = np.resize(lon[first], k)
    for _ in range(8):
        group = _capacitated_nearest(_km_matrix(lat, lon, c_lat, c_lon), w, cap)
        mass = np.bincount(group, weights=w, minlength=k)
        filled = mass > 0
        c_lat[filled] = (np.bincount(group, weights=w * lat, minlength=k) / np.where(filled, mass, 1))[filled]
        c_lon[filled] = (np.bincount(group, weights=w * lon, minlength=k) / np.where(filled, mass, 1))[filled]
    big_lat, big_lon = _large_cities(cities, region, k)
    d = _km_matrix(c_lat, c_lon, big_lat, big_lon)
    home = np.empty(k, dtype=int)
    used = np.zeros(len(big_lat), dtype=bool)
    for i in np.argsort(-cap, kind="stable"):  # one pass over the block's reps, not rows
        j = int(np.argmin(np.where(used, np.inf, d[i])))
        home[i], used[j] = j, True
    return _relocate_isolated(
        big_lat[home], big_lon[home], np.ones(k, dtype=bool), acc, cap, big_lat, big_lon
    )


def _rep_shares(block_potential: float, cf: np.ndarray) -> np.ndarray:
    """Each rep's share of the block's potential; a zero-capacity rep still counts a little."""
    share = np.maximum(cf, 0.05)
    return block_potential * share / share.sum()


def _large_cities(cities: pd.DataFrame, region: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate homes: the region's cities of >= 100,000 people (at least 3k of them)."""
    big = cities[cities["region"] == region]
    big = big[big["population"] >= min(100_000, big["population"].nlargest(3 * k).min())]
    return big["lat"].to_numpy(), big["lon"].to_numpy()


def _relocate_isolated(
    h_lat: np.ndarray,
    h_lon: np.ndarray,
    movable: np.ndarray,
    acc: pd.DataFrame,
    cap: np.ndarray,
    c_lat: np.ndarray,
    c_lon: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Move reps whose nearby accounts cannot fill their share to where accounts are.

    A rep's reach is the potential of the accounts that count it among their
    `_REACH_K` nearest reps. A rep in a thin, remote market (the only rep in South
    Africa, say) reaches less than its share, and a solver that prunes each account
    to its few nearest reps would find its block infeasible. Such a (movable) rep
    moves to the free candidate city with the most potential within 150 km per rep
    already based there.
    """
    h_lat, h_lon = h_lat.astype(float), h_lon.astype(float)
    lat, lon, w = acc["lat"].to_numpy(), acc["lon"].to_numpy(), acc["potential"].to_numpy()
    supply: np.ndarray | None = None
    k_near = min(_REACH_K, len(h_lat))
    for _ in range(len(h_lat)):  # bounded: one pass over the block's reps
        nearest = np.argpartition(_km_matrix(lat, lon, h_lat, h_lon), k_near - 1, axis=1)
        reach = np.bincount(nearest[:, :k_near].ravel(), weights=np.repeat(w, k_near), minlength=len(h_lat))
        ratio = np.where(movable, reach / cap, np.inf)
        worst = int(np.argmin(ratio))
        if ratio[worst] >= _REACH_MARGIN:
            break
        if supply is None:
            supply = _supply(c_lat, c_lon, acc)
        j = _best_free_city(c_lat, c_lon, h_lat, h_lon, supply)
        h_lat[worst], h_lon[worst] = c_lat[j], c_lon[j]
    return h_lat, h_lon


def _supply(c_lat: np.ndarray, c_lon: np.ndarray, acc: pd.DataFrame) -> np.ndarray:
    """Potential of the accounts within 150 km of each candidate city.

    Accounts are pooled on a 0.1-degree grid first (~10 km, well inside the radius),
    which keeps the distance matrix small.
    """
    pooled = acc.groupby([acc["lat"].round(1), acc["lon"].round(1)])["potential"].sum()
    lat = pooled.index.get_level_values(0).to_numpy(float)
    lon = pooled.index.get_level_values(1).to_numpy(float)
    return (_km_matrix(c_lat, c_lon, lat, lon) < 150.0) @ pooled.to_numpy()


def _best_free_city(
    c_lat: np.ndarray, c_lon: np.ndarray, h_lat: np.ndarray, h_lon: np.ndarray, supply: np.ndarray
) -> int:
    """The candidate city, not yet a home, with the most supply per rep based within 150 km."""
    to_homes = _km_matrix(c_lat, c_lon, h_lat, h_lon)
    crowd = (to_homes < 150.0).sum(axis=1)
    score = np.where((to_homes < 1.0).any(axis=1), -np.inf, supply / (1.0 + crowd))
    return int(np.argmax(score))


def _special_kinds(sizes: np.ndarray, n_reps: int) -> list[np.ndarray]:
    """Spread planned hires and leavers round-robin over blocks, biggest first, keeping at
    least three reps of each block employed all year."""
    n_tbh = max(1, round(n_reps * 8 / 150))
    n_leave = max(1, round(n_reps * 6 / 150))
    room = np.minimum(np.maximum(sizes - _MIN_REPS_PER_BLOCK, 0), np.ceil(sizes / 6)).astype(int)
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


def _emea_hires(
    acc: pd.DataFrame,
    cities: pd.DataFrame,
    reps: pd.DataFrame,
    n_reps: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Ten to-be-hired EMEA reps over the EMEA segments by potential, for the what-if."""
    emea = acc[acc["region"] == "EMEA"].groupby("segment")["potential"].sum()
    per_seg = _allocate(np.array([emea.get(s, 0.0) for s in SEGMENTS]), _N_EMEA_HIRES, 1)
    segment = np.repeat(np.array(SEGMENTS, dtype=object), per_seg)
    start = np.array(_EMEA_HIRE_DATES, dtype=object)
    cf = capacity_factors(pd.Series(start), pd.Series([""] * _N_EMEA_HIRES))
    lat, lon = np.zeros(_N_EMEA_HIRES), np.zeros(_N_EMEA_HIRES)
    manager = np.empty(_N_EMEA_HIRES, dtype=object)
    for s in SEGMENTS:
        m = segment == s
        block = acc[(acc["region"] == "EMEA") & (acc["segment"] == s)]
        team = reps[(reps["region"] == "EMEA") & (reps["segment"] == s)]
        cap = _rep_shares(block["potential"].sum(), np.r_[team["cf"].to_numpy(), cf[m]])
        c_lat, c_lon = _large_cities(cities, "EMEA", len(cap))
        h_lat, h_lon = team["lat"].to_numpy(float), team["lon"].to_numpy(float)
        supply = _supply(c_lat, c_lon, block)
        for _ in range(int(m.sum())):  # one hire at a time where potential is least served
            j = _best_free_city(c_lat, c_lon, h_lat, h_lon, supply)
            h_lat, h_lon = np.r_[h_lat, c_lat[j]], np.r_[h_lon, c_lon[j]]
        movable = np.r_[np.zeros(len(team), dtype=bool), np.ones(int(m.sum()), dtype=bool)]
        h_lat, h_lon = _relocate_isolated(h_lat, h_lon, movable, block, cap, c_lat, c_lon)
        lat[m], lon[m] = h_lat[movable], h_lon[movable]
        # round-robin over the block's managers, smallest team first
        teams = team["manager_id"].value_counts().sort_index().sort_values(kind="stable")
        teams = teams.index.to_numpy()
        manager[m] = np.resize(teams, int(m.sum()))
    width = max(4, len(str(n_reps + _N_EMEA_HIRES + 1)))
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
            "max_accounts": pd.array([pd.NA] * _N_EMEA_HIRES, dtype="Int64"),
            "max_workload": np.nan,
            "rep_id": [f"R{n_reps + i:0{width}d}" for i in range(1, _N_EMEA_HIRES + 1)],
        }
    )
    hires["ote"] = _ote(hires, rng)
    hires["cf"] = cf
    return hires


def capacity_factors(start_date: pd.Series, end_date: pd.Series) -> np.ndarray:
    """Capacity factor of each rep in the demo plan year (`solver.planning.capacity_factor`)."""
    return capacity_factor(start_date, end_date, dt.date.fromisoformat(PLAN_START), RAMP)


def _min_block_targets(acc: pd.DataFrame, *rep_sets: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Smallest positive rep target of each block over the given rep tables."""
    pot = acc.groupby(["region", "segment"])["potential"].sum()
    out: dict[tuple[str, str], float] = {}
    for reps in rep_sets:
        for (region, segment), cf in reps.groupby(["region", "segment"])["cf"]:
            c = cf.to_numpy()
            t = pot.get((region, segment), 0.0) * c[c > 0].min() / c.sum()
            out[(region, segment)] = min(out.get((region, segment), math.inf), t)
    return out


# --- families, owners, pins, ARR --------------------------------------------------------------


def _families(
    acc: pd.DataFrame, min_target: dict[tuple[str, str], float], rng: np.random.Generator
) -> np.ndarray:
    """~3% of accounts become children of a parent of the same country and band.

    Family size is capped per block so the largest family stays below a quarter of
    the block's smallest rep target (no account can score above potential_scale).
    """
    parent = np.full(len(acc), "", dtype=object)
    sizes = np.array(list(_FAMILY_SIZE_P))
    p = np.array(list(_FAMILY_SIZE_P.values()))
    ids = acc["account_id"].to_numpy()
    for (_country, segment, region), grp in acc.groupby(["country", "segment", "region"], sort=True):
        cap = int(_FAMILY_TARGET_SHARE * min_target.get((region, segment), 0.0) // POTENTIAL_SCALE)
        allowed = sizes[sizes <= cap]
        n_children = rng.binomial(len(grp), _CHILD_SHARE)
        if len(allowed) == 0 or n_children == 0:
            continue
        fam = rng.choice(allowed, size=n_children, p=p[: len(allowed)] / p[: len(allowed)].sum())
        kids = fam - 1
        keep = np.cumsum(kids) <= n_children
        kids = kids[keep]
        if len(kids) == 0 or len(kids) + kids.sum() > len(grp):
            continue
        members = rng.permutation(grp.index.to_numpy())
        parents = members[: len(kids)]
        children = members[len(kids) : len(kids) + kids.sum()]
        parent[children] = ids[np.repeat(parents, kids)]
    return parent


def _km_matrix(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle km from every point 1 (rows) to every point 2 (columns).

    Unit vectors and an explicit elementwise dot product: trigonometry only per point,
    and no BLAS, whose summation order could differ between machines.
    """

    def unit(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        la, lo = np.radians(np.atleast_1d(lat)), np.radians(np.atleast_1d(lon))
        return np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)

    x1, y1, z1 = unit(lat1, lon1)
    x2, y2, z2 = unit(lat2, lon2)
    dot = x1[:, None] * x2[None, :] + y1[:, None] * y2[None, :] + z1[:, None] * z2[None, :]
    return EARTH_RADIUS_KM * np.arccos(np.clip(dot, -1.0, 1.0))


def _capacitated_nearest(dist: np.ndarray, weight: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Greedy capacitated nearest-rep split, in vectorised rounds.

    Each round every unplaced account proposes to its nearest rep that still has
    room; each rep takes its proposers nearest first while its book is below its
    target (the last one may overshoot by one account); a rep that turns anyone
    away is full. At least one rep fills per round, so rounds <= reps + 1.
    """
    n, k = dist.shape
    owner = np.full(n, -1)
    room = target.astype(float).copy()
    full = np.zeros(k, dtype=bool)
    todo = np.arange(n)
    while len(todo) and not full.all():
        d = np.where(full[None, :], np.inf, dist[todo])
        pick = np.argmin(d, axis=1)
        order = np.lexsort((d[np.arange(len(todo)), pick], pick))
        p, w = pick[order], weight[todo][order]
        cum = np.cumsum(w)
        starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
        before = np.repeat(np.r_[0.0, cum][starts], np.diff(np.r_[starts, len(p)]))
        take = (cum - before - w) < room[p]
        owner[todo[order[take]]] = p[take]
        room -= np.bincount(p[take], weights=w[take], minlength=k)
        full[p[~take]] = True
        full |= room <= 0
        todo = todo[order[~take]]
    if len(todo):
        owner[todo] = np.argmin(dist[todo], axis=1)
    return owner


def _assign_owners(acc: pd.DataFrame, reps: pd.DataFrame, rng: np.random.Generator) -> None:
    """Today's territories: compact, deliberately uneven books; former owners; new logos.

    Each block's owned families go to its employed reps nearest-first up to per-rep
    book sizes drawn from lognormal(0, 0.25) (`_capacitated_nearest`), then ~10%
    drift to one of the 2nd-4th nearest reps. Children inherit the parent's owner.
    """
    n = len(acc)
    is_child = acc["parent_id"].to_numpy() != ""
    root = np.where(is_child, acc["parent_id"], acc["account_id"])
    pos = pd.Series(np.arange(n), index=acc["account_id"].to_numpy())
    root_pos = pos.loc[root].to_numpy()
    fam_pot = np.bincount(root_pos, weights=acc["potential"].to_numpy(), minlength=n)
    u = rng.random(n)
    status = np.select([u < _SHARE_OWNED, u < _SHARE_OWNED + _SHARE_FORMER], ["owned", "former"], "new")
    owner = np.full(n, "", dtype=object)
    for b, (region, segment) in enumerate(_blocks()):
        in_block = ((acc["region"] == region) & (acc["segment"] == segment)).to_numpy() & ~is_child
        owner[in_block & (status == "former")] = f"R-FORMER-{b + 1:02d}"
        a = np.flatnonzero(in_block & (status == "owned"))
        team = reps[(reps["region"] == region) & (reps["segment"] == segment) & (reps["kind"] != "tbh")]
        if len(a) == 0:
            continue
        dist = _km_matrix(acc["lat"].to_numpy()[a], acc["lon"].to_numpy()[a], team["lat"], team["lon"])
        w = fam_pot[a]
        mult = np.exp(rng.normal(0.0, 0.25, size=len(team)))
        target = w.sum() * mult / mult.sum()
        choice = _capacitated_nearest(dist, w, target)
        nearest = np.argsort(dist, axis=1, kind="stable")[:, 1 : min(4, len(team))]
        drift = rng.random(len(a)) < _DRIFT_SHARE
        if nearest.shape[1] > 0:
            pick = rng.integers(0, nearest.shape[1], size=len(a))
            choice = np.where(drift, nearest[np.arange(len(a)), pick], choice)
        owner[a] = team["rep_id"].to_numpy()[choice]
    acc["current_owner"] = owner[root_pos]


def _pins(acc: pd.DataFrame, reps: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """~0.5% of accounts pinned to today's owner: tenured reps only, at most two each,
    outside families and not above the block's median potential."""
    stable = reps.loc[reps["kind"] == "stable", "rep_id"]
    pot = acc["potential"]
    median = pot.groupby([acc["region"], acc["segment"]]).transform("median")
    in_family = (acc["parent_id"] != "").to_numpy() | _isin(acc["account_id"], acc["parent_id"])
    cand = acc.index[_isin(acc["current_owner"], stable) & ~in_family & (pot <= median).to_numpy()].to_numpy()
    cand = rng.permutation(cand)
    per_rep = acc.loc[cand, "current_owner"].groupby(acc.loc[cand, "current_owner"]).cumcount()
    cand = cand[per_rep.to_numpy() < _MAX_PINS_PER_REP]
    chosen = cand[: round(_PIN_SHARE * len(acc))]
    out = np.full(len(acc), "", dtype=object)
    out[chosen] = acc.loc[chosen, "current_owner"].to_numpy()
    return out


def _arr(acc: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Customers (~40% of all accounts, all of them owned today) pay ARR ~ revenue^0.7."""
    owned = (acc["current_owner"] != "").to_numpy()
    p = min(1.0, _CUSTOMER_SHARE / max(owned.mean(), 1e-9))
    customer = owned & (rng.random(len(acc)) < p)
    rev = np.maximum(acc["annual_revenue"].to_numpy(float), 10_000.0)
    arr = np.round(0.29 * rev**0.7 * np.exp(rng.normal(0.0, 0.4, size=len(acc))))
    return np.where(customer, arr, np.nan)


# --- events ---------------------------------------------------------------------------------


def _events(acc: pd.DataFrame, reps: pd.DataFrame, n_reps: int) -> pd.DataFrame:
    """One leave + a replacement join, one move (promotion), two transfers, all mid-year."""
    stable = reps[reps["kind"] == "stable"].sort_values("rep_id")
    by_block = stable.groupby(["region", "segment"])["rep_id"]
    big = by_block.size().sort_values(ascending=False, kind="stable").index
    leave_block, move_block = big[0], big[1]
    leaver = by_block.get_group(leave_block).iloc[0]
    mover = by_block.get_group(move_block).iloc[0]
    promote = {"SMB": "MM", "MM": "ENT", "ENT": "MM"}
    width = max(4, len(str(n_reps + _N_EMEA_HIRES + 1)))
    joiner = f"R{n_reps + _N_EMEA_HIRES + 1:0{width}d}"
    busy = {leaver, mover}
    in_family = (acc["parent_id"] != "").to_numpy() | _isin(acc["account_id"], acc["parent_id"])
    ok = (
        _isin(acc["current_owner"], sorted(set(stable["rep_id"]) - busy))
        & ~in_family
        & (acc["locked_owner"] == "")
    )
    rows = [
        ("leave", _EVENT_DATE, leaver, "", "", ""),
        ("join", _EVENT_DATE, joiner, leave_block[1], leave_block[0], ""),
        ("move", _EVENT_DATE, mover, promote[move_block[1]], move_block[0], ""),
    ]
    for region, segment in big[:2]:
        cand = acc[ok & (acc["region"] == region) & (acc["segment"] == segment)]
        account = cand.sort_values("account_id").iloc[len(cand) // 2]
        team = stable[
            (stable["region"] == region)
            & (stable["segment"] == segment)
            & ~stable["rep_id"].isin(busy | {account["current_owner"]})
        ]
        d = _km_matrix(account["lat"], account["lon"], team["lat"], team["lon"])
        receiver = team["rep_id"].to_numpy()[np.argmin(d[0])]
        rows.append(("transfer", _EVENT_DATE, receiver, "", "", account["account_id"]))
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


# --- feasibility ------------------------------------------------------------------------------


def demo_feasibility_report(
    accounts: pd.DataFrame, reps: pd.DataFrame, *, reach_k: int = _REACH_K
) -> pd.DataFrame:
    """Per block: can the demo's balance, family and continuity rules all hold?

    Potential is estimated as the demo scenarios score it (`estimate_potential`);
    targets follow CONTRACT.md (block potential x capacity factor / block's sum).

    Parameters
    ----------
    accounts : pd.DataFrame
        The accounts table (as written, or as read back from accounts.csv).
    reps : pd.DataFrame
        The reps table.
    reach_k : int
        Nearest reps per account a pruning solver keeps (for ``min_reach_ratio``).

    Returns
    -------
    pd.DataFrame
        One row per region x segment: ``accounts``, ``reps``, ``active_reps``
        (capacity factor > 0), ``block_potential``, ``min_rep_target`` (smallest
        positive target), ``largest_family_accounts``, ``largest_family_potential``,
        ``largest_family_share`` (of ``min_rep_target``), ``former_potential``
        (owned by reps no longer on the team: must move), ``excess_potential``
        (above each rep's target x 1.05: must move) and ``min_moved_potential``
        (their sum, a lower bound on the potential any feasible plan moves) and
        ``min_reach_ratio``: the smallest, over active reps, of the potential of the
        accounts that have the rep among their ``reach_k`` nearest reps or as owner,
        divided by its target (below 1, a solver pruning to that many nearest reps
        cannot fill the rep and finds the block infeasible).
    """
    acc = accounts.copy()
    rep = reps.copy()
    for frame, cols in ((acc, ("parent_id", "current_owner")), (rep, ("start_date", "end_date"))):
        for c in cols:
            frame[c] = frame[c].astype(object).where(frame[c].notna(), "").astype(str)
    acc["potential"] = estimate_potential(acc["employees"], acc["annual_revenue"])
    acc["segment"] = _segment_of(acc["employees"])
    region_of = {c: r for r, cs in REGIONS.items() for c in cs}
    acc["region"] = acc["country"].map(region_of)
    acc["family"] = np.where(acc["parent_id"] != "", acc["parent_id"], acc["account_id"])
    rep["cf"] = capacity_factors(rep["start_date"], rep["end_date"])
    keys = ["region", "segment"]
    block_pot = acc.groupby(keys)["potential"].sum()
    rep["target"] = (
        rep.set_index(keys).index.map(block_pot).to_numpy(float)
        * rep["cf"].to_numpy()
        / rep.groupby(keys)["cf"].transform("sum").to_numpy()
    )
    book = acc.groupby("current_owner")["potential"].sum()
    rep["book"] = rep["rep_id"].map(book).fillna(0.0)
    rep["excess"] = np.clip(rep["book"] - (1 + BALANCE_TOLERANCE) * rep["target"], 0.0, None)
    fam = acc.groupby([*keys, "family"])["potential"].agg(["sum", "size"]).reset_index()
    former = acc["current_owner"].ne("") & ~_isin(acc["current_owner"], rep["rep_id"])
    rows = []
    for region, segment in _blocks():
        a = acc[(acc["region"] == region) & (acc["segment"] == segment)]
        r = rep[(rep["region"] == region) & (rep["segment"] == segment)]
        f = fam[(fam["region"] == region) & (fam["segment"] == segment)]
        positive = r.loc[r["cf"] > 0, "target"]
        min_target = float(positive.min()) if len(positive) else math.nan
        largest = f.loc[f["sum"].idxmax()] if len(f) else None
        former_pot = float(a.loc[former.loc[a.index], "potential"].sum())
        excess = float(r["excess"].sum())
        rows.append(
            {
                "region": region,
                "segment": segment,
                "accounts": len(a),
                "reps": len(r),
                "active_reps": int((r["cf"] > 0).sum()),
                "block_potential": float(a["potential"].sum()),
                "min_rep_target": min_target,
                "largest_family_accounts": int(largest["size"]) if largest is not None else 0,
                "largest_family_potential": float(largest["sum"]) if largest is not None else 0.0,
                "largest_family_share": (float(largest["sum"]) / min_target) if largest is not None else 0.0,
                "former_potential": former_pot,
                "excess_potential": excess,
                "min_moved_potential": former_pot + excess,
                "min_reach_ratio": _min_reach_ratio(a, r[r["cf"] > 0], reach_k),
            }
        )
    return pd.DataFrame(rows)


def _min_reach_ratio(acc: pd.DataFrame, reps: pd.DataFrame, k: int) -> float:
    """Smallest reach / target over ``reps`` (see `demo_feasibility_report`)."""
    if len(acc) == 0 or len(reps) == 0:
        return math.nan
    d = _km_matrix(acc["lat"].to_numpy(float), acc["lon"].to_numpy(float), reps["lat"], reps["lon"])
    k = min(k, len(reps))
    rows = np.arange(len(acc))
    reachable = np.zeros(d.shape, dtype=bool)
    reachable[rows[:, None], np.argpartition(d, k - 1, axis=1)[:, :k]] = True
    owner = pd.Index(reps["rep_id"]).get_indexer(acc["current_owner"])
    reachable[rows[owner >= 0], owner[owner >= 0]] = True
    reach = (reachable * acc["potential"].to_numpy()[:, None]).sum(axis=0)
    return float(np.min(reach / reps["target"].to_numpy()))
