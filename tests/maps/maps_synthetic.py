"""Synthetic runs for the map tests: accounts at real city coordinates.

The 30 cities are hard-coded, so these tests run without ../shared/data.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

#: (name, country, lat, lon, macro region)
CITIES: tuple[tuple[str, str, float, float, str], ...] = (
    ("New York", "US", 40.7128, -74.0060, "NA"),
    ("Los Angeles", "US", 34.0522, -118.2437, "NA"),
    ("Chicago", "US", 41.8781, -87.6298, "NA"),
    ("Houston", "US", 29.7604, -95.3698, "NA"),
    ("Atlanta", "US", 33.7490, -84.3880, "NA"),
    ("Seattle", "US", 47.6062, -122.3321, "NA"),
    ("Denver", "US", 39.7392, -104.9903, "NA"),
    ("Miami", "US", 25.7617, -80.1918, "NA"),
    ("Boston", "US", 42.3601, -71.0589, "NA"),
    ("Dallas", "US", 32.7767, -96.7970, "NA"),
    ("Toronto", "CA", 43.6532, -79.3832, "NA"),
    ("Montreal", "CA", 45.5017, -73.5673, "NA"),
    ("Vancouver", "CA", 49.2827, -123.1207, "NA"),
    ("Calgary", "CA", 51.0447, -114.0719, "NA"),
    ("Mexico City", "MX", 19.4326, -99.1332, "NA"),
    ("London", "GB", 51.5074, -0.1278, "EMEA"),
    ("Manchester", "GB", 53.4808, -2.2426, "EMEA"),
    ("Dublin", "IE", 53.3498, -6.2603, "EMEA"),
    ("Paris", "FR", 48.8566, 2.3522, "EMEA"),
    ("Lyon", "FR", 45.7640, 4.8357, "EMEA"),
    ("Berlin", "DE", 52.5200, 13.4050, "EMEA"),
    ("Munich", "DE", 48.1351, 11.5820, "EMEA"),
    ("Hamburg", "DE", 53.5511, 9.9937, "EMEA"),
    ("Amsterdam", "NL", 52.3676, 4.9041, "EMEA"),
    ("Madrid", "ES", 40.4168, -3.7038, "EMEA"),
    ("Milan", "IT", 45.4642, 9.1900, "EMEA"),
    ("Stockholm", "SE", 59.3293, 18.0686, "EMEA"),
    ("Warsaw", "PL", 52.2297, 21.0122, "EMEA"),
    ("Dubai", "AE", 25.2048, 55.2708, "EMEA"),
    ("Johannesburg", "ZA", -26.2041, 28.0473, "EMEA"),
)

_NAMES = (
    "Ava Martin",
    "Ben Okafor",
    "Chloe Dubois",
    "Dev Patel",
    "Elena Rossi",
    "Finn Larsen",
    "Grace Kim",
    None,
    "Hugo Silva",
    "Isla Brown",
    "Jonas Weber",
    None,
)


def synthetic_run(n_accounts: int = 300, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An assignment of ``n_accounts`` accounts and 12 reps (2 of them to be hired)."""
    rng = np.random.default_rng(seed)
    cities = pd.DataFrame(CITIES, columns=["city", "country", "lat", "lon", "region"])
    pick = cities.iloc[rng.integers(0, len(cities), n_accounts)].reset_index(drop=True)
    reps = pd.DataFrame(
        {
            "rep_id": [f"R{i:03d}" for i in range(12)],
            "name": pd.array(list(_NAMES), dtype="string"),
            "segment": ["SMB", "SMB", "MM", "MM", "ENT", "ENT"] * 2,
            "region": ["NA"] * 6 + ["EMEA"] * 6,
            "manager_id": ["M1", "M1", "M1", "M2", "M2", "M2", "M3", "M3", "M3", "M4", "M4", "M4"],
            "start_date": "2026-01-01",
            "end_date": pd.NA,
        }
    )
    homes = {0: 0, 1: 1, 2: 2, 3: 3, 4: 10, 5: 12, 6: 15, 7: 18, 8: 20, 9: 24, 10: 26}
    reps["lat"] = [cities.lat[homes[i]] if i in homes else np.nan for i in range(12)]
    reps["lon"] = [cities.lon[homes[i]] if i in homes else np.nan for i in range(12)]
    segment = np.array(["SMB", "MM", "ENT"])[rng.integers(0, 3, n_accounts)]
    na = (pick["region"] == "NA").to_numpy()
    seg_offset = pd.Series(segment).map({"SMB": 0, "MM": 2, "ENT": 4}).to_numpy()
    rep_index = np.where(na, 0, 6) + seg_offset + rng.integers(0, 2, n_accounts)
    assignment = pd.DataFrame(
        {
            "account_id": [f"A{i:05d}" for i in range(n_accounts)],
            "rep_id": reps["rep_id"].to_numpy()[rep_index],
            "segment": segment,
            "region": pick["region"],
            "previous_owner": reps["rep_id"].to_numpy()[rep_index],
            "moved": False,
            "reason": "continuity",
            "name": [f"Account {i}" for i in range(n_accounts)],
            "country": pick["country"],
            "state": pd.NA,
            "lat": pick["lat"] + rng.normal(0, 0.25, n_accounts),
            "lon": pick["lon"] + rng.normal(0, 0.25, n_accounts),
            "potential": rng.lognormal(10, 1, n_accounts).round(2),
            "workload": 1.0,
            "arr": 0.0,
            "family_id": pd.NA,
        }
    )
    for col in ("account_id", "rep_id", "previous_owner"):
        assignment[col] = assignment[col].astype("string")
    assignment.loc[[i for i in (5, 17, 99) if i < n_accounts], ["lat", "lon"]] = np.nan
    counts = assignment.groupby("rep_id").size()
    reps["accounts"] = reps["rep_id"].map(counts).fillna(0).astype(int)
    reps["potential"] = reps["rep_id"].map(assignment.groupby("rep_id")["potential"].sum())
    reps["capacity_factor"] = 1.0
    reps["target_potential"] = reps["potential"]
    reps["balance_ratio"] = 1.0
    reps["quota"] = 100000.0
    reps["rep_id"] = reps["rep_id"].astype("string")
    return assignment, reps


def reassigned(assignment: pd.DataFrame, share: float, seed: int = 1) -> pd.DataFrame:
    """A second run: ``share`` of the accounts handed to another rep of their region."""
    rng = np.random.default_rng(seed)
    after = assignment.copy()
    pick = rng.random(len(after)) < share
    rotate = {f"R{i:03d}": f"R{(i + 1) % 6 + 6 * (i // 6):03d}" for i in range(12)}
    after.loc[pick, "rep_id"] = after.loc[pick, "rep_id"].map(rotate)
    return after


BASELINE_DIR = Path(__file__).resolve().parent / "baseline"
#: RMS tolerance of matplotlib's image comparison (0-255 scale). Small dots
#: move the RMS little: 30 of 300 accounts shifted by 2 degrees give 1.9, all
#: reps' colours rotated 2.4, so the usual tol of 5 would let those pass.
#: Text-free renders on the same libraries are byte-identical (RMS 0).
BASELINE_TOL = 1.0


def assert_matches_baseline(png: bytes, name: str, tmp_path: Path) -> None:
    """Compare a text-free render with its stored baseline, within `BASELINE_TOL`.

    Set TERRAQUOTA_UPDATE_BASELINES=1 to (re)write the baseline instead, after
    looking at the new image.
    """
    from matplotlib.testing.compare import compare_images

    expected = BASELINE_DIR / name
    if os.environ.get("TERRAQUOTA_UPDATE_BASELINES") == "1":
        expected.write_bytes(png)
    actual = tmp_path / name
    actual.write_bytes(png)
    result = compare_images(str(expected), str(actual), tol=BASELINE_TOL, in_decorator=True)
    assert result is None, f"{name} differs from its baseline: {result}"


def decode(png: bytes) -> np.ndarray:
    """Decode PNG bytes to an (h, w, 4) array."""
    import io

    import matplotlib.image as mpimg

    return mpimg.imread(io.BytesIO(png), format="png")
