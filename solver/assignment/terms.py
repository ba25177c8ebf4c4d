"""The objective's terms and their normalisation (shared by the model and the checker).

Terms are normalised so that weights are comparable across plans of any size:

- disruption = potential that changes owner / total potential (a share);
- distance = sum over blocks of the block's potential-weighted km from account
  to rep home, divided by (total potential x the block's potential-weighted
  mean km from each account to the nearest home of an eligible rep).
"""

from __future__ import annotations

import numpy as np

from solver.geo import haversine_km
from solver.problem import Problem


def account_rep_km(problem: Problem, accounts: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """km matrix (accounts x reps); accounts without coordinates get 0.

    A rep without a home gets, for each account, the mean km to the homed reps
    given, so that a missing home is neither a bonus nor a penalty.
    """
    km = haversine_km(
        problem.lat[accounts][:, None],
        problem.lon[accounts][:, None],
        problem.rep_lat[reps][None, :],
        problem.rep_lon[reps][None, :],
    )
    homeless = np.isnan(problem.rep_lat[reps]) | np.isnan(problem.rep_lon[reps])
    if homeless.any():
        fill = np.nanmean(km[:, ~homeless], axis=1) if (~homeless).any() else np.zeros(len(accounts))
        km[:, homeless] = fill[:, None]
    return np.nan_to_num(km, nan=0.0)


#: Account-rep distances computed at once when looking for each account's nearest rep.
KM_CHUNK_PAIRS = 4_000_000


def active_reps(problem: Problem) -> np.ndarray:
    """Reps that can hold accounts: a block with accounts and some capacity this year."""
    return (problem.capacity_factor > 0) & (problem.rep_block >= 0)


def block_distance_reference_km(problem: Problem) -> np.ndarray:
    """Per block: potential-weighted mean km from each account to its nearest eligible rep home.

    Per block, so that a what-if in one block (a hire in EMEA) leaves the
    objective of every other block, and so its plan, unchanged.
    """
    act = active_reps(problem)
    acc_block = problem.account_block()
    refs = np.ones(len(problem.blocks))
    for b in range(len(problem.blocks)):
        accs = np.flatnonzero(acc_block == b)
        reps = np.flatnonzero(act & (problem.rep_block == b))
        if len(accs) == 0 or len(reps) == 0:
            continue
        nearest = nearest_home_km(problem, accs, reps)
        w = problem.potential[accs]
        ref = float(np.dot(w, nearest)) / float(w.sum()) if w.sum() > 0 else 0.0
        refs[b] = ref if ref > 1e-9 else 1.0
    return refs


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def nearest_home_km(problem: Problem, accounts: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """km from each account to the nearest home among ``reps``, as `account_rep_km` counts it
    (a homeless rep's fill is a mean, never below the nearest home; 0 without coordinates).

    The great-circle distance falls as the dot product of the points' unit
    vectors rises, so the nearest home is found with one matrix product per
    chunk (a million accounts x 500 reps in about a second, where a haversine
    per pair took 16 s), and only its distance is computed.
    """
    out = np.zeros(len(accounts))
    homed = reps[~np.isnan(problem.rep_lat[reps]) & ~np.isnan(problem.rep_lon[reps])]
    located = ~np.isnan(problem.lat[accounts]) & ~np.isnan(problem.lon[accounts])
    accs = accounts[located]
    if len(homed) == 0 or len(accs) == 0:
        return out
    homes = _unit_vectors(problem.rep_lat[homed], problem.rep_lon[homed]).T
    step = max(1, KM_CHUNK_PAIRS // len(homed))
    best = np.concatenate(
        [
            np.argmax(_unit_vectors(problem.lat[chunk], problem.lon[chunk]) @ homes, axis=1)
            for chunk in (accs[i : i + step] for i in range(0, len(accs), step))
        ]
    )
    out[located] = haversine_km(
        problem.lat[accs], problem.lon[accs], problem.rep_lat[homed[best]], problem.rep_lon[homed[best]]
    )
    return out


def own_rep_km(problem: Problem, rep_of_account: np.ndarray, accounts: np.ndarray) -> np.ndarray:
    """km from each of ``accounts`` to its own rep's home, as the model counts it.

    0 without coordinates; a homeless rep counts, for each account, the mean km
    to the homes of the block's other active reps (as in `account_rep_km`); a
    homeless rep outside the active reps counts 0. One distance per account,
    not one per account and block rep.
    """
    r = np.asarray(rep_of_account, dtype=np.int64)[accounts]
    km = np.zeros(len(accounts))
    assigned = r >= 0
    homed_rep = ~np.isnan(problem.rep_lat) & ~np.isnan(problem.rep_lon)
    direct = assigned & homed_rep[np.maximum(r, 0)]
    a, j = accounts[direct], r[direct]
    km[direct] = haversine_km(problem.lat[a], problem.lon[a], problem.rep_lat[j], problem.rep_lon[j])
    act = active_reps(problem)
    # homeless active reps of blocks with a home to average over; the rest count 0
    rep = np.maximum(r, 0)
    homed_blocks = np.unique(problem.rep_block[act & homed_rep])
    filled = np.flatnonzero(assigned & ~direct & act[rep] & np.isin(problem.rep_block[rep], homed_blocks))
    by_rep = filled[np.argsort(r[filled], kind="stable")]
    reps, starts = np.unique(r[by_rep], return_index=True)
    for j, mine in zip(reps, np.split(by_rep, starts[1:]) if len(by_rep) else [], strict=True):
        peers = np.flatnonzero(act & homed_rep & (problem.rep_block == problem.rep_block[j]))
        step = max(1, KM_CHUNK_PAIRS // len(peers))
        km[mine] = np.concatenate(
            [
                account_rep_km(problem, accounts[mine[i : i + step]], peers).mean(axis=1)
                for i in range(0, len(mine), step)
            ]
        )
    located = ~np.isnan(problem.lat[accounts]) & ~np.isnan(problem.lon[accounts])
    return np.where(located, np.nan_to_num(km, nan=0.0), 0.0)


def total_potential(problem: Problem) -> float:
    total = float(problem.potential.sum())
    return total if total > 0 else 1.0
