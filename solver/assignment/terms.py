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
        # in chunks of accounts: a million accounts x 2,000 reps would not fit at once
        step = max(1, KM_CHUNK_PAIRS // len(reps))
        nearest = np.concatenate(
            [account_rep_km(problem, accs[i : i + step], reps).min(axis=1) for i in range(0, len(accs), step)]
        )
        w = problem.potential[accs]
        ref = float(np.dot(w, nearest)) / float(w.sum()) if w.sum() > 0 else 0.0
        refs[b] = ref if ref > 1e-9 else 1.0
    return refs


def total_potential(problem: Problem) -> float:
    total = float(problem.potential.sum())
    return total if total > 0 else 1.0
