"""Rep homes: cities amid each rep's share of its block, moved out of thin markets.

Homes decide what a solver that keeps each account's few nearest reps can fill,
so they are placed for that (`REACH_K`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.demo.data.geometry import capacitated_nearest, km_matrix

REACH_K = 5  # nearest reps per account a pruning solver may keep
_REACH_MARGIN = 1.25  # reach needed, as a multiple of the rep's share


def balanced_homes(
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
    (`relocate_isolated`).
    """
    lat, lon = acc["lat"].to_numpy(), acc["lon"].to_numpy()
    w = acc["potential"].to_numpy()
    k = len(cf)
    cap = rep_shares(w.sum(), cf)
    first = rng.choice(len(w), size=min(k, len(w)), replace=False, p=w / w.sum())
    c_lat = np.resize(lat[first], k)
    c_lon = np.resize(lon[first], k)
    for _ in range(8):
        group = capacitated_nearest(km_matrix(lat, lon, c_lat, c_lon), w, cap)
        mass = np.bincount(group, weights=w, minlength=k)
        filled = mass > 0
        c_lat[filled] = (np.bincount(group, weights=w * lat, minlength=k) / np.where(filled, mass, 1))[filled]
        c_lon[filled] = (np.bincount(group, weights=w * lon, minlength=k) / np.where(filled, mass, 1))[filled]
    big_lat, big_lon = large_cities(cities, region, k)
    d = km_matrix(c_lat, c_lon, big_lat, big_lon)
    home = np.empty(k, dtype=int)
    used = np.zeros(len(big_lat), dtype=bool)
    for i in np.argsort(-cap, kind="stable"):  # one pass over the block's reps, not rows
        j = int(np.argmin(np.where(used, np.inf, d[i])))
        home[i], used[j] = j, True
    return relocate_isolated(big_lat[home], big_lon[home], np.ones(k, dtype=bool), acc, cap, big_lat, big_lon)


def rep_shares(block_potential: float, cf: np.ndarray) -> np.ndarray:
    """Each rep's share of the block's potential; a zero-capacity rep still counts a little."""
    share = np.maximum(cf, 0.05)
    return block_potential * share / share.sum()


def large_cities(cities: pd.DataFrame, region: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate homes: the region's cities of >= 100,000 people (at least 3k of them)."""
    big = cities[cities["region"] == region]
    big = big[big["population"] >= min(100_000, big["population"].nlargest(3 * k).min())]
    return big["lat"].to_numpy(), big["lon"].to_numpy()


def relocate_isolated(
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
    `REACH_K` nearest reps. A rep in a thin, remote market (the only rep in South
    Africa, say) reaches less than its share, and a solver that prunes each account
    to its few nearest reps would find its block infeasible. Such a (movable) rep
    moves to the free candidate city with the most potential within 150 km per rep
    already based there.
    """
    h_lat, h_lon = h_lat.astype(float), h_lon.astype(float)
    lat, lon, w = acc["lat"].to_numpy(), acc["lon"].to_numpy(), acc["potential"].to_numpy()
    supply: np.ndarray | None = None
    k_near = min(REACH_K, len(h_lat))
    for _ in range(len(h_lat)):  # bounded: one pass over the block's reps
        nearest = np.argpartition(km_matrix(lat, lon, h_lat, h_lon), k_near - 1, axis=1)
        reach = np.bincount(nearest[:, :k_near].ravel(), weights=np.repeat(w, k_near), minlength=len(h_lat))
        ratio = np.where(movable, reach / cap, np.inf)
        worst = int(np.argmin(ratio))
        if ratio[worst] >= _REACH_MARGIN:
            break
        if supply is None:
            supply = city_supply(c_lat, c_lon, acc)
        j = best_free_city(c_lat, c_lon, h_lat, h_lon, supply)
        h_lat[worst], h_lon[worst] = c_lat[j], c_lon[j]
    return h_lat, h_lon


def city_supply(c_lat: np.ndarray, c_lon: np.ndarray, acc: pd.DataFrame) -> np.ndarray:
    """Potential of the accounts within 150 km of each candidate city.

    Accounts are pooled on a 0.1-degree grid first (~10 km, well inside the radius),
    which keeps the distance matrix small.
    """
    pooled = acc.groupby([acc["lat"].round(1), acc["lon"].round(1)])["potential"].sum()
    lat = pooled.index.get_level_values(0).to_numpy(float)
    lon = pooled.index.get_level_values(1).to_numpy(float)
    return (km_matrix(c_lat, c_lon, lat, lon) < 150.0) @ pooled.to_numpy()


def best_free_city(
    c_lat: np.ndarray, c_lon: np.ndarray, h_lat: np.ndarray, h_lon: np.ndarray, supply: np.ndarray
) -> int:
    """The candidate city, not yet a home, with the most supply per rep based within 150 km."""
    to_homes = km_matrix(c_lat, c_lon, h_lat, h_lon)
    crowd = (to_homes < 150.0).sum(axis=1)
    score = np.where((to_homes < 1.0).any(axis=1), -np.inf, supply / (1.0 + crowd))
    return int(np.argmax(score))
