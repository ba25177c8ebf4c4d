"""One block's model data: candidate (unit, rep) pairs and their coefficients.

Formulation (per block b, units U_b, active reps R_b, candidate pairs E_b):

    min  sum_{(u,r) in E_b} c_ur x_ur
    s.t. sum_r x_ur = 1                                   (each unit once)
         (1-t_m) T_rm <= sum_u v_um x_ur <= (1+t_m) T_rm    (balance, per metric m)
         sum_u n_u x_ur <= max_accounts_r, sum_u w_u x_ur <= max_workload_r
         O_r - sum_u h_ur x_ur <= max_accounts_lost_r         (accounts lost by r)
         sum_u (o_u - h_ur) x_ur <= max_accounts_gained_r      (accounts gained by r)
         sum_(u,r) moved_ur x_ur <= B_b                    (disruption budget share)
         x_ur = 1 for pinned units; x binary

with T_rm = V_bm * cf_r / sum_{r' in R_b} cf_r' and
c_ur = w_dis * moved_ur / P + w_km * sum_{i in u} p_i km(i, r) / (P * D_ref).
h_ur = accounts of u whose previous owner is r, o_u = accounts of u with a
previous owner, O_r = accounts r owns today (whole plan). E_b holds only the
pairs every account of the unit may take: same block, the rep's optional
``countries`` / ``languages`` lists, no forbidden pair (`eligibility`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.assignment.eligibility import eligible_matrix
from solver.assignment.terms import account_rep_km, active_reps
from solver.problem import NO_OWNER, Problem


@dataclass(frozen=True)
class BlockData:
    """Arrays of one block; pair k links local unit pair_unit[k] to local rep pair_rep[k]."""

    index: int
    units: np.ndarray  # global unit ids
    reps: np.ndarray  # global rep ids (active only)
    pair_unit: np.ndarray
    pair_rep: np.ndarray
    moved: np.ndarray  # potential that changes owner if the pair is chosen
    potential_km: np.ndarray  # sum of potential x km of the unit's accounts to the rep
    unit_values: dict[str, np.ndarray]  # metric -> value per local unit
    pinned_rep: np.ndarray  # local rep index per local unit, -1 if none
    #: for sub-problems: load already placed on each local rep by units fixed
    #: outside the pairs (metric -> per rep), and potential those units moved
    fixed_load: dict[str, np.ndarray] | None = None
    fixed_moved: float = 0.0
    #: continuity counts (accounts, not potential): per local unit the accounts
    #: with a previous owner; sorted keys unit * n_reps + rep with the number of
    #: the unit's accounts that rep owns today; per local rep all accounts it
    #: owns today in the whole plan
    unit_owned: np.ndarray | None = None
    held_key: np.ndarray | None = None
    held_count: np.ndarray | None = None
    rep_owned: np.ndarray | None = None
    #: for a piece of a split block (`solver.assignment.split.pieces`): the whole
    #: block's balance target of each local rep, per metric
    targets: dict[str, np.ndarray] | None = None

    @property
    def is_piece(self) -> bool:
        return self.targets is not None

    def load_of(self, metric: str) -> np.ndarray:
        if self.fixed_load is None:
            return np.zeros(len(self.reps))
        return self.fixed_load[metric]

    def kept_accounts(self, units: np.ndarray, reps: np.ndarray) -> np.ndarray:
        """Accounts of each local unit that stay with their owner if the unit goes to the rep."""
        if self.held_key is None or self.held_count is None or len(self.held_key) == 0:
            return np.zeros(len(units))
        key = np.asarray(units, dtype=np.int64) * max(len(self.reps), 1) + np.asarray(reps, dtype=np.int64)
        pos = np.searchsorted(self.held_key, key).clip(0, len(self.held_key) - 1)
        return np.where(self.held_key[pos] == key, self.held_count[pos], 0.0)

    def gained_accounts(self, units: np.ndarray, reps: np.ndarray) -> np.ndarray:
        """Accounts of each local unit that change owner (contract "moved") if it goes to the rep."""
        owned = np.zeros(len(self.units)) if self.unit_owned is None else self.unit_owned
        return owned[np.asarray(units, dtype=np.int64)] - self.kept_accounts(units, reps)


def owner_mask(block: BlockData) -> np.ndarray:
    """The pair keeping each owned unit with its owner (it moves nothing).

    Unowned units move nothing with any rep, so "moves nothing" alone would
    pick all of their pairs.
    """
    has_owner = np.zeros(len(block.units), dtype=bool)
    has_owner[block.pair_unit[block.moved > 1e-12]] = True
    return (block.moved <= 1e-12) & has_owner[block.pair_unit]


def fixed_loads(block: BlockData, fixed: np.ndarray, rep_of_unit: np.ndarray) -> dict[str, np.ndarray]:
    """What the ``fixed`` local units place on each local rep, for sub-problems.

    Balance metrics per rep, plus ``kept`` (accounts kept by their owner) and
    ``gained`` (accounts gained from another owner) for the continuity limits.
    """
    nr = len(block.reps)
    u = np.flatnonzero(fixed)
    r = np.asarray(rep_of_unit)[u]
    loads = {m: np.bincount(r, weights=v[u], minlength=nr) for m, v in block.unit_values.items()}
    loads["kept"] = np.bincount(r, weights=block.kept_accounts(u, r), minlength=nr)
    loads["gained"] = np.bincount(r, weights=block.gained_accounts(u, r), minlength=nr)
    return loads


def unit_eligibility(
    problem: Problem, accs: np.ndarray, acc_unit: np.ndarray, reps: np.ndarray, n_units: int
) -> np.ndarray | None:
    """units x reps: every account of the unit may go to the rep (None: no restriction)."""
    ok = eligible_matrix(problem, accs, reps)
    if ok is None:
        return None
    order = np.argsort(acc_unit, kind="stable")
    starts = np.searchsorted(acc_unit[order], np.arange(n_units))
    return np.logical_and.reduceat(ok[order], starts, axis=0)


def unit_owners(problem: Problem, units: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """Index in ``reps`` of each of ``units``' current owner (the owner of its first account);
    -1 where that is not one of ``reps`` (no owner, departed, another block's rep)."""
    first = np.full(problem.n_units, -1)
    order = np.arange(problem.n_accounts)[::-1]
    first[problem.unit[order]] = order
    owner = problem.owner[first[units]]
    local = np.full(problem.n_reps, -1)
    local[reps] = np.arange(len(reps))
    return np.where(owner >= 0, local[np.maximum(owner, 0)], -1)


def block_units(problem: Problem, b: int) -> np.ndarray:
    return np.flatnonzero(problem.unit_block == b)


def block_reps(problem: Problem, b: int) -> np.ndarray:
    return np.flatnonzero(active_reps(problem) & (problem.rep_block == b))


METRICS = ("potential", "workload", "arr", "accounts")


def unit_totals(problem: Problem, units: np.ndarray) -> dict[str, np.ndarray]:
    """Per unit (of ``units``, global ids) the sum of each metric over its accounts."""
    local = np.full(problem.n_units, -1)
    local[units] = np.arange(len(units))
    accs = np.flatnonzero(local[problem.unit] >= 0)
    at = local[problem.unit[accs]]
    n = len(units)
    return {
        "potential": np.bincount(at, weights=problem.potential[accs], minlength=n),
        "workload": np.bincount(at, weights=problem.workload[accs], minlength=n),
        "arr": np.bincount(at, weights=problem.arr[accs], minlength=n),
        "accounts": np.bincount(at, minlength=n).astype(float),
    }


def block_targets(problem: Problem, b: int, reps: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Each rep's capacity-factor share of block ``b``'s total, per metric (as `balance_targets`)."""
    reps = block_reps(problem, b) if reps is None else reps
    acc = problem.unit_block[problem.unit] == b
    cf = problem.capacity_factor[reps]
    share = cf / cf.sum() if cf.sum() > 0 else np.zeros(len(cf))
    totals = {
        "potential": float(problem.potential[acc].sum()),
        "workload": float(problem.workload[acc].sum()),
        "arr": float(problem.arr[acc].sum()),
        "accounts": float(acc.sum()),
    }
    return {m: totals[m] * share for m in METRICS}


def build_block(
    problem: Problem,
    b: int,
    units: np.ndarray | None = None,
    reps: np.ndarray | None = None,
    targets: dict[str, np.ndarray] | None = None,
) -> BlockData:
    """Candidate pairs and coefficients of block ``b`` (vectorised).

    ``units`` / ``reps`` (global ids, sorted) restrict it to a piece of the
    block, or a chunk of its units; ``targets`` then gives the whole block's
    balance targets of those reps (`solver.assignment.split.pieces`).
    """
    units = block_units(problem, b) if units is None else np.asarray(units, dtype=np.int64)
    reps = block_reps(problem, b) if reps is None else np.asarray(reps, dtype=np.int64)
    local_unit = np.full(problem.n_units, -1)
    local_unit[units] = np.arange(len(units))
    accs = np.flatnonzero(local_unit[problem.unit] >= 0)
    acc_unit = local_unit[problem.unit[accs]]
    nu, nr = len(units), len(reps)

    p = problem.potential[accs]
    unit_values = {
        "potential": np.bincount(acc_unit, weights=p, minlength=nu),
        "workload": np.bincount(acc_unit, weights=problem.workload[accs], minlength=nu),
        "arr": np.bincount(acc_unit, weights=problem.arr[accs], minlength=nu),
        "accounts": np.bincount(acc_unit, minlength=nu).astype(float),
    }
    local_rep = np.full(problem.n_reps, -1)
    local_rep[reps] = np.arange(nr)
    pin = problem.pin[accs]
    pinned_rep = np.full(nu, -1)
    has_pin = pin >= 0
    pinned_rep[acc_unit[has_pin]] = np.where(local_rep[pin[has_pin]] >= 0, local_rep[pin[has_pin]], -2)

    # all pairs; pinned units keep only their pinned rep
    pu = np.repeat(np.arange(nu), nr)
    pr = np.tile(np.arange(nr), nu)
    keep = (pinned_rep[pu] < 0) | (pinned_rep[pu] == pr)
    allowed = unit_eligibility(problem, accs, acc_unit, reps, nu) if nr and nu else None
    if allowed is not None:
        keep &= allowed[pu, pr]
    pu, pr = pu[keep], pr[keep]

    # moved potential: owned potential of the unit minus what its owner r already holds
    owned = problem.owner[accs] != NO_OWNER
    owned_total = np.bincount(acc_unit, weights=np.where(owned, p, 0.0), minlength=nu)
    owner_local = np.where(problem.owner[accs] >= 0, local_rep[np.maximum(problem.owner[accs], 0)], -1)
    by_local = owner_local >= 0
    pot_key, pot_at = np.unique(
        acc_unit[by_local].astype(np.int64) * max(nr, 1) + owner_local[by_local], return_inverse=True
    )
    pot_held = np.bincount(pot_at, weights=p[by_local], minlength=len(pot_key))
    pair_key = pu.astype(np.int64) * max(nr, 1) + pr
    moved = owned_total[pu]
    if len(pot_key):
        at = np.searchsorted(pot_key, pair_key).clip(0, len(pot_key) - 1)
        moved = moved - np.where(pot_key[at] == pair_key, pot_held[at], 0.0)

    # continuity counts: who owns each unit's accounts today
    has_owner = problem.owner[accs] != NO_OWNER
    local_owned = owner_local >= 0
    held_key, held_count = np.unique(
        acc_unit[local_owned].astype(np.int64) * max(nr, 1) + owner_local[local_owned], return_counts=True
    )
    owned_by_rep = np.bincount(problem.owner[problem.owner >= 0], minlength=problem.n_reps)

    km = account_rep_km(problem, accs, reps) if nr else np.zeros((len(accs), 0))
    unit_km = np.zeros((nu, nr))
    np.add.at(unit_km, acc_unit, p[:, None] * km)
    return BlockData(
        index=b,
        units=units,
        reps=reps,
        pair_unit=pu,
        pair_rep=pr,
        # clean float noise: an owner keeping its own unit moves exactly nothing
        moved=np.where(moved > 1e-6 * max(float(p.max(initial=0.0)), 1.0), moved, 0.0),
        potential_km=unit_km[pu, pr],
        unit_values=unit_values,
        pinned_rep=pinned_rep,
        unit_owned=np.bincount(acc_unit, weights=has_owner.astype(float), minlength=nu),
        held_key=held_key,
        held_count=held_count.astype(float),
        rep_owned=owned_by_rep[reps].astype(float),
        targets=targets,
    )
