"""The demo's accounts: places at real cities, heavy-tailed sizes, industries, potential.

Also how the generator cuts accounts into the six region x segment blocks.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from scenarios.demo.plan import (
    _COUNTRY_WEIGHTS,
    POTENTIAL_SCALE,
    REGION_SHARES,
    REGIONS,
    SCORING_WEIGHTS,
    SEGMENT_BANDS,
    SEGMENTS,
)

_BAND_SHARES = (0.70, 0.22, 0.08)
# Truncated Pareto per band: (lower, upper, alpha); medians ~18 / ~360 / ~4,000.
_BAND_PARETO = ((5.0, 200.0, 0.35), (200.0, 2000.0, 1.0), (2000.0, 400_000.0, 1.0))
_JITTER_KM = 3.0
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


def load_cities() -> pd.DataFrame:
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


def place_accounts(cities: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
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


def size_accounts(n: int, rng: np.random.Generator) -> pd.DataFrame:
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


def isin(values: pd.Series, pool: object) -> np.ndarray:
    """Fast membership test (hash lookup; Series.isin is slow on pandas 3 strings)."""
    return pd.Index(pd.Series(pool, dtype=object)).unique().get_indexer(values) >= 0


def segment_of(employees: pd.Series) -> np.ndarray:
    emp = pd.to_numeric(employees).to_numpy(float)
    out = np.full(len(emp), "", dtype=object)
    for name, (lo, hi) in SEGMENT_BANDS.items():
        out[(emp >= lo) & (emp < hi)] = name
    return out


def demo_blocks() -> list[tuple[str, str]]:
    return [(r, s) for r in REGIONS for s in SEGMENTS]
