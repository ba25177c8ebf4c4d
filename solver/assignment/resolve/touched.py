"""Which blocks a change touches: compare the problem before and after it, block by block.

Blocks are independent given the rules (`solver.assignment.block`), so a block
whose accounts, reps and rules are all unchanged keeps its plan. Reps are
compared by id (adding a rep shifts the indices of the reps after it).
Changes that reshape the blocks themselves (a new segmentation, new
potentials, which rescale every block's costs) touch every block.
"""

from __future__ import annotations

import numpy as np

from solver.config import AssignmentConfig
from solver.problem import Problem

#: Rule settings that do not change what a block's plan should be.
NEUTRAL_RULES = frozenset({"time_limit", "seed", "num_workers"})

_ACCOUNT_NUMBERS = ("workload", "arr", "lat", "lon")
_REP_NUMBERS = ("capacity_factor", "rep_lat", "rep_lon", "max_accounts", "max_workload")


def _same_numbers(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise equality that treats two missing values as equal."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


def _texts(values: np.ndarray | None, n: int) -> np.ndarray:
    return np.full(n, "", dtype=object) if values is None else values


def rules_touch_all(before: AssignmentConfig, after: AssignmentConfig) -> bool:
    """True when a rule every block obeys changed (a tolerance, a weight, the budget)."""
    keys = set(type(before).model_fields) - NEUTRAL_RULES
    return any(getattr(before, k) != getattr(after, k) for k in sorted(keys))


def _account_blocks(before: Problem, after: Problem) -> set[int] | None:
    """Blocks of the accounts whose data changed; None when the blocks themselves differ."""
    same_shape = (
        before.blocks == after.blocks
        and np.array_equal(before.account_ids, after.account_ids)
        and np.array_equal(before.unit, after.unit)
        and np.array_equal(before.unit_block, after.unit_block)
        and np.array_equal(before.potential, after.potential)
    )
    if not same_shape:
        return None
    n = after.n_accounts
    changed = np.zeros(n, dtype=bool)
    for name in _ACCOUNT_NUMBERS:
        changed |= ~_same_numbers(getattr(before, name), getattr(after, name))
    changed |= before.owner_id != after.owner_id
    changed |= _pin_ids(before) != _pin_ids(after)
    for name in ("account_country", "account_language"):
        changed |= _texts(getattr(before, name), n) != _texts(getattr(after, name), n)
    changed[_forbidden_accounts(before, after)] = True
    return {int(b) for b in np.unique(after.account_block()[changed])}


def _pin_ids(problem: Problem) -> np.ndarray:
    """The pinned rep's id per account ("" when not pinned)."""
    return np.where(problem.pin >= 0, problem.rep_ids[np.maximum(problem.pin, 0)], "")


def _forbidden_accounts(before: Problem, after: Problem) -> np.ndarray:
    """Accounts with a forbidden rep added or removed."""

    def pairs(p: Problem) -> set[tuple[int, str]]:
        f = p.forbidden_pairs()
        return {(int(a), str(p.rep_ids[r])) for a, r in f}

    differ = pairs(before) ^ pairs(after)
    return np.array(sorted({a for a, _ in differ}), dtype=np.int64)


def _rep_blocks(before: Problem, after: Problem) -> set[int]:
    """Blocks (of ``after``) of reps added, removed or changed.

    A rep that changed blocks touches both; the block before is found by name.
    """
    index_after = {str(r): i for i, r in enumerate(after.rep_ids)}
    block_after = {key: b for b, key in enumerate(after.blocks)}
    touched: set[int] = set()

    def block_of_before(i: int) -> int:
        b = int(before.rep_block[i])
        return block_after.get(before.blocks[b], -1) if b >= 0 else -1

    kept_before: list[int] = []
    kept_after: list[int] = []
    for i, rep in enumerate(before.rep_ids):
        j = index_after.get(str(rep))
        if j is None:
            touched.add(block_of_before(i))
        else:
            kept_before.append(i)
            kept_after.append(j)
    kept = set(kept_after)
    touched |= {int(after.rep_block[j]) for j in range(after.n_reps) if j not in kept}
    ib, ia = np.array(kept_before, dtype=np.int64), np.array(kept_after, dtype=np.int64)
    changed = (before.rep_segment[ib] != after.rep_segment[ia]) | (
        before.rep_region[ib] != after.rep_region[ia]
    )
    for name in _REP_NUMBERS:
        changed |= ~_same_numbers(getattr(before, name)[ib], getattr(after, name)[ia])
    for name in ("max_accounts_lost", "max_accounts_gained"):
        changed |= ~_same_numbers(before.limit(name)[ib], after.limit(name)[ia])
    for name in ("rep_countries", "rep_languages"):
        changed |= (
            _texts(getattr(before, name), before.n_reps)[ib] != _texts(getattr(after, name), after.n_reps)[ia]
        )
    for i, j in zip(ib[changed], ia[changed], strict=True):
        touched |= {block_of_before(int(i)), int(after.rep_block[j])}
    return {b for b in touched if b >= 0}


def touched_blocks(
    before: Problem, after: Problem, rules_before: AssignmentConfig, rules_after: AssignmentConfig
) -> tuple[int, ...]:
    """Blocks of ``after`` whose plan a change from ``before`` may alter, sorted.

    Every block when a plan-wide rule changed or the blocks themselves differ;
    none for a change that leaves every block's accounts, reps and rules as
    they were (a quota target, a time limit).
    """
    every = tuple(range(len(after.blocks)))
    if rules_touch_all(rules_before, rules_after):
        return every
    accounts = _account_blocks(before, after)
    if accounts is None:
        return every
    return tuple(sorted(accounts | _rep_blocks(before, after)))


def pinned_only(
    before: Problem, after: Problem, rules_before: AssignmentConfig, rules_after: AssignmentConfig
) -> frozenset[int]:
    """Blocks whose only change is new pins: every plan of the block after is a plan before.

    Such a change only takes plans away, so the block's bound before the change
    stays a bound after it.
    """
    if rules_touch_all(rules_before, rules_after) or _account_blocks(before, after) is None:
        return frozenset()
    new_pin = (_pin_ids(before) == "") & (_pin_ids(after) != "")
    if not new_pin.any():
        return frozenset()
    reverted = after.replace(pin=np.where(new_pin, -1, after.pin))
    others = set(touched_blocks(before, reverted, rules_before, rules_after))
    return frozenset(int(b) for b in np.unique(after.account_block()[new_pin])) - others
