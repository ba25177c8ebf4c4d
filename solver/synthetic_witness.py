"""Generated instances that are feasible by construction: the plan comes first.

`solver.synthetic` imitates a book of business tuned around metro clusters and
current owners. This second generator covers the shapes it does not: a plan is
built first (the *witness*: every account's rep, each rep's book summing to
exactly its capacity-factor share of the block), and the tables are derived
from it, so every instance has a plan with every balance ratio at 1.0 and
keeps every pin and family. What varies:

- greenfield (no owners) or owned books, with owners that differ from the
  witness (so least disruption has work to do);
- coordinates or none at all;
- any number of blocks and reps per block (1 to hundreds);
- heavy-tailed potential (lognormal, sigma a parameter), with "whales": single
  accounts that hold most of their witness rep's book, so the rep's band
  leaves room for little else;
- pins and families (always inside one witness book), ramping and leaving
  reps (capacity factor below 1).

Deterministic: the same spec gives the same tables and witness.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.problem import Problem, build_problem
from solver.synthetic import largest_remainder

#: Potential of a fully ramped rep's book (whole currency units).
BOOK = 1_000_000
#: Capacity factors of ramping hires and of reps leaving during the year.
RAMP_FACTORS = np.array([0.25, 0.5])
LEAVING_FACTORS = np.array([0.5, 0.75])
#: Share of a whale rep's book held by its single largest account.
WHALE_SHARE = (0.80, 0.97)


@dataclass(frozen=True)
class WitnessSpec:
    """Shape of a generated instance.

    Parameters
    ----------
    n_accounts, n_reps, n_blocks
        Size; every block gets at least one rep and every rep at least one account.
    seed
        Seed of the one random stream.
    owned_share
        Accounts with a current owner (0: greenfield).
    book_sigma
        Lognormal sigma of accounts per book around the rep's capacity share.
    keep_owner_share
        Of owned accounts, those whose owner is their witness rep (the others
        are owned by another rep of the block, or by a rep who left).
    coordinates
        Give accounts and reps coordinates (else every lat/lon is missing).
    sigma
        Lognormal sigma of potential within a book (the tail).
    whale_share
        Reps whose book is mostly one account.
    pin_share, family_share
        Accounts pinned to their witness rep; accounts in families of 2-5.
    hire_share, leaving_share
        Ramping reps and reps leaving during the year (capacity factor < 1).
    """

    n_accounts: int
    n_reps: int
    n_blocks: int = 2
    seed: int = 0
    owned_share: float = 0.0
    keep_owner_share: float = 0.8
    book_sigma: float = 0.3
    coordinates: bool = False
    sigma: float = 1.5
    whale_share: float = 0.05
    pin_share: float = 0.0
    family_share: float = 0.0
    hire_share: float = 0.05
    leaving_share: float = 0.03

    def __post_init__(self) -> None:
        if self.n_blocks < 1 or self.n_reps < self.n_blocks:
            raise ValueError(f"need at least one rep per block: {self.n_reps} reps, {self.n_blocks} blocks")
        if self.n_accounts < self.n_reps:
            raise ValueError(
                f"need at least one account per rep: {self.n_accounts} accounts, {self.n_reps} reps"
            )


@dataclass(frozen=True)
class WitnessInstance:
    """Tables for `build_problem` and the plan that proves them feasible."""

    accounts: pd.DataFrame
    reps: pd.DataFrame
    witness: pd.Series  # account_id -> rep_id

    def problem(self) -> Problem:
        return build_problem(self.accounts, self.reps)

    def witness_plan(self, problem: Problem) -> np.ndarray:
        """The witness as a rep index per account of ``problem``."""
        rep_index = pd.Series(np.arange(problem.n_reps), index=problem.rep_ids)
        return rep_index[self.witness[problem.account_ids].to_numpy()].to_numpy()


def _capacity_factors(spec: WitnessSpec, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(spec.n_reps)
    hire = u < spec.hire_share
    leaving = (u >= spec.hire_share) & (u < spec.hire_share + spec.leaving_share)
    cf = np.ones(spec.n_reps)
    cf[hire] = rng.choice(RAMP_FACTORS, int(hire.sum()))
    cf[leaving] = rng.choice(LEAVING_FACTORS, int(leaving.sum()))
    return cf


def _book_potential(
    rng: np.random.Generator, book: np.ndarray, books: np.ndarray, sigma: float, whale: np.ndarray
) -> np.ndarray:
    """Whole-unit potential per account, each book summing exactly to ``books[rep]``."""
    n = len(book)
    raw = rng.lognormal(0.0, sigma, n)
    first = np.r_[True, book[1:] != book[:-1]]
    # a whale book: its first account holds most of it, the rest share what is left
    share = rng.uniform(*WHALE_SHARE, len(books))
    rest = np.bincount(book, weights=np.where(first, 0.0, raw), minlength=len(books))
    alone = np.bincount(book, minlength=len(books)) == 1
    big = whale[book] & ~alone[book]
    scaled = raw / np.bincount(book, weights=raw, minlength=len(books))[book]
    scaled = np.where(big & first, share[book], scaled)
    scaled = np.where(big & ~first, (1 - share[book]) * raw / np.maximum(rest[book], 1e-300), scaled)
    potential = np.maximum(np.floor(scaled * books[book]), 1.0)
    # the rounding remainder goes to each book's largest account: sums stay exact
    short = books - np.bincount(book, weights=potential, minlength=len(books))
    order = np.lexsort((-potential, book))
    top = order[np.r_[True, book[order][1:] != book[order][:-1]]]
    potential[top] += short[book[top]]
    return potential


def _families(rng: np.random.Generator, book: np.ndarray, share: float) -> np.ndarray:
    """Root account per account: runs of 2-5 accounts of one book form a family."""
    n = len(book)
    root = np.arange(n)
    if share <= 0:
        return root
    size = rng.integers(2, 6, n)
    starts = np.flatnonzero(rng.random(n) < share / 3.5)
    for s in starts:  # few families: a short loop over them is clearer than a scan
        end = min(s + int(size[s]), n)
        same = np.flatnonzero(book[s:end] == book[s])
        root[s + same] = root[s]
    return root


def generate_witness(spec: WitnessSpec) -> WitnessInstance:
    """Accounts, reps and the witness plan (see the module docstring)."""
    rng = np.random.default_rng(spec.seed)
    reps_per_block = largest_remainder(spec.n_reps, np.ones(spec.n_blocks), minimum=1)
    rep_block = np.repeat(np.arange(spec.n_blocks), reps_per_block)
    cf = _capacity_factors(spec, rng)
    # accounts per rep: proportional to capacity, uneven, at least one
    weight = cf * rng.lognormal(0.0, spec.book_sigma, spec.n_reps)
    per_rep = largest_remainder(spec.n_accounts, weight, minimum=1)
    book = np.repeat(np.arange(spec.n_reps), per_rep)
    books = np.round(cf * BOOK).astype(float)
    whale = rng.random(spec.n_reps) < spec.whale_share
    potential = _book_potential(rng, book, books, spec.sigma, whale)
    n = spec.n_accounts
    acc_block = rep_block[book]

    rep_ids = np.array([f"R{i:04d}" for i in range(spec.n_reps)], dtype=object)
    segment = np.array([f"S{b // 2}" for b in range(spec.n_blocks)], dtype=object)
    region = np.array([("NA", "EMEA")[b % 2] for b in range(spec.n_blocks)], dtype=object)

    # owners: the witness rep, another rep of the block, or a rep who left
    owned = rng.random(n) < spec.owned_share
    keep = rng.random(n) < spec.keep_owner_share
    other = rng.integers(0, reps_per_block[acc_block]) + np.r_[0, np.cumsum(reps_per_block)][acc_block]
    departed = rng.random(n) < 0.1
    owner = np.where(keep, rep_ids[book], np.where(departed, "X0001", rep_ids[other])).astype(object)
    owner[~owned] = None

    root = _families(rng, book, spec.family_share)
    pinned = (rng.random(n) < spec.pin_share) & (root == np.arange(n))

    locked = np.full(n, None, dtype=object)
    locked[pinned] = rep_ids[book][pinned]
    ids = np.empty(n, dtype=object)
    ids[rng.permutation(n)] = [f"A{i:07d}" for i in range(n)]
    if spec.coordinates:
        home_lat, home_lon = rng.uniform(30, 48, spec.n_reps), rng.uniform(-120, -75, spec.n_reps)
        lat = np.round(home_lat[book] + rng.normal(0, 1.0, n), 5)
        lon = np.round(home_lon[book] + rng.normal(0, 1.0, n), 5)
    else:
        home_lat = home_lon = np.full(spec.n_reps, np.nan)
        lat = lon = np.full(n, np.nan)
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "segment": segment[acc_block],
            "region": region[acc_block],
            "potential": potential,
            "workload": 1.0,
            "arr": 0.0,
            "lat": lat,
            "lon": lon,
            "current_owner": pd.array(owner, dtype="string"),
            "locked_owner": pd.array(locked, dtype="string"),
            "family_id": ids[root],
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": rep_ids,
            "segment": segment[rep_block],
            "region": region[rep_block],
            "capacity_factor": cf,
            "lat": home_lat,
            "lon": home_lon,
            "max_accounts": np.nan,
            "max_workload": np.nan,
        }
    )
    witness = pd.Series(rep_ids[book], index=ids, name="rep_id")
    order = np.argsort(ids, kind="stable")
    return WitnessInstance(accounts.iloc[order].reset_index(drop=True), reps, witness.iloc[order])
