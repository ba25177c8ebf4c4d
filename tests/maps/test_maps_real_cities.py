"""A realistic scale: 20,000 accounts at real cities (GeoNames, ../shared/data), 150 reps."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from maps import comparison_map_png, territory_map_png
from tests.maps.maps_synthetic import decode
from tests.tests_paths import require_shared


def _realistic_run(n_accounts: int = 20_000, n_reps: int = 150) -> tuple[pd.DataFrame, pd.DataFrame]:
    cities_file = require_shared("geo", "cities_na_emea.csv")
    rng = np.random.default_rng(11)
    cities = pd.read_csv(cities_file, keep_default_na=False)
    weight = cities["population"].to_numpy(float)
    pick = cities.iloc[rng.choice(len(cities), n_accounts, p=weight / weight.sum())]
    accounts = pd.DataFrame(
        {
            "account_id": pd.array([f"A{i:06d}" for i in range(n_accounts)], dtype="string"),
            "region": pick["macro_region"].to_numpy(),
            "segment": rng.choice(["SMB", "MM", "ENT"], n_accounts, p=[0.6, 0.3, 0.1]),
            "country": pick["country"].to_numpy(),
            "lat": pick["lat"].to_numpy() + rng.normal(0, 0.05, n_accounts),
            "lon": pick["lon"].to_numpy() + rng.normal(0, 0.05, n_accounts),
            "potential": rng.lognormal(10, 1, n_accounts),
        }
    )
    # Reps live at accounts of their block; each account goes to its block's nearest rep.
    homes = accounts.sample(n_reps, random_state=5).reset_index(drop=True)
    reps = pd.DataFrame(
        {
            "rep_id": pd.array([f"R{i:04d}" for i in range(n_reps)], dtype="string"),
            "name": pd.array([f"Rep {i}" if i % 17 else None for i in range(n_reps)], "string"),
            "segment": homes["segment"],
            "region": homes["region"],
            "manager_id": [f"M{i // 10}" for i in range(n_reps)],
            "lat": homes["lat"],
            "lon": homes["lon"],
        }
    )
    same_block = (accounts["segment"].to_numpy()[:, None] == reps["segment"].to_numpy()) & (
        accounts["region"].to_numpy()[:, None] == reps["region"].to_numpy()
    )
    dist = (accounts["lat"].to_numpy()[:, None] - reps["lat"].to_numpy()) ** 2 + (
        accounts["lon"].to_numpy()[:, None] - reps["lon"].to_numpy()
    ) ** 2
    accounts["rep_id"] = reps["rep_id"].to_numpy()[np.where(same_block, dist, np.inf).argmin(1)]
    accounts["rep_id"] = accounts["rep_id"].astype("string")
    accounts.loc[accounts.index[:40], ["lat", "lon"]] = np.nan
    return accounts, reps


def test_twenty_thousand_accounts_render_in_seconds() -> None:
    accounts, reps = _realistic_run()
    start = time.perf_counter()
    png = territory_map_png(accounts, reps, title="20,000 accounts")
    seconds = time.perf_counter() - start
    print(f"territory map, 20,000 accounts, 150 reps: {seconds:.2f} s")
    image = decode(png)
    assert image.shape[1] > 1700  # two panels at 110 dpi
    # A generous bound that only a pathological slowdown (e.g. categorical plotting) breaks.
    assert seconds < 30

    moved = accounts.copy()
    shift = np.random.default_rng(2).random(len(moved)) < 0.05
    moved.loc[shift, "rep_id"] = reps["rep_id"].to_numpy()[np.arange(shift.sum()) % len(reps)]
    start = time.perf_counter()
    decode(comparison_map_png(accounts, moved, reps, title="5% moved"))
    print(f"comparison map: {time.perf_counter() - start:.2f} s")
