"""The fast distance terms agree with the per-pair definition (`account_rep_km`) they replace.

`nearest_home_km` finds each account's nearest home by unit-vector dot
products and `own_rep_km` computes one distance per account; both must give
the numbers a full accounts x reps matrix gives, with homeless reps, accounts
without coordinates and reps outside the active set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.assignment.terms import account_rep_km, active_reps, nearest_home_km, own_rep_km
from solver.problem import Problem
from solver.synthetic_witness import WitnessSpec, generate_witness


def _problem(seed: int, homeless: float, unlocated: float) -> Problem:
    base = generate_witness(WitnessSpec(400, 12, 2, seed=seed, owned_share=0.5, coordinates=True)).problem()
    rng = np.random.default_rng(seed)
    rep_lat, lat = base.rep_lat.copy(), base.lat.copy()
    rep_lat[rng.random(len(rep_lat)) < homeless] = np.nan
    lat[rng.random(len(lat)) < unlocated] = np.nan
    return dataclasses.replace(base, rep_lat=rep_lat, lat=lat)


def shapes(test: Callable[..., None]) -> Callable[..., None]:
    """Run ``test`` on problems with some or all reps homeless and some accounts unlocated."""
    cases = given(
        seed=st.integers(0, 50),
        homeless=st.sampled_from([0.0, 0.3, 1.0]),
        unlocated=st.sampled_from([0.0, 0.2]),
    )
    return settings(max_examples=12, deadline=None)(cases(test))


def _full_matrix_own_km(problem: Problem, rep_of_account: np.ndarray) -> np.ndarray:
    """The definition: each account's column of the accounts x active block reps matrix."""
    km = np.zeros(problem.n_accounts)
    act = active_reps(problem)
    for i, j in enumerate(rep_of_account):
        peers = np.flatnonzero(act & (problem.rep_block == problem.rep_block[j]))
        cols = peers if j in peers else np.array([j])
        km[i] = account_rep_km(problem, np.array([i]), cols)[0, int(np.flatnonzero(cols == j)[0])]
    located = ~np.isnan(problem.lat) & ~np.isnan(problem.lon)
    return np.where(located, km, 0.0)


@shapes
def test_nearest_home_is_the_minimum_over_the_matrix(seed: int, homeless: float, unlocated: float) -> None:
    problem = _problem(seed, homeless, unlocated)
    accounts = np.arange(problem.n_accounts)
    reps = np.flatnonzero(active_reps(problem))
    expected = account_rep_km(problem, accounts, reps).min(axis=1)
    np.testing.assert_allclose(nearest_home_km(problem, accounts, reps), expected, rtol=1e-12, atol=1e-9)


@shapes
def test_own_rep_km_matches_the_matrix_column(seed: int, homeless: float, unlocated: float) -> None:
    problem = _problem(seed, homeless, unlocated)
    rng = np.random.default_rng(seed)
    acc_block = problem.account_block()
    plan = np.array(
        [rng.choice(np.flatnonzero(problem.rep_block == acc_block[i])) for i in range(problem.n_accounts)]
    )
    if (~active_reps(problem)).any():  # an account on a rep outside the active set counts as in the model
        plan[0] = int(np.flatnonzero(~active_reps(problem))[0])
    got = own_rep_km(problem, plan, np.arange(problem.n_accounts))
    np.testing.assert_allclose(got, _full_matrix_own_km(problem, plan), rtol=1e-12, atol=1e-9)
