"""Large unowned units go, before the cut, to a group with a rep that has room for them."""

from __future__ import annotations

import numpy as np

from solver.assignment.block import block_reps, block_units, unit_totals
from solver.assignment.split.whales import whale_groups
from solver.config import AssignmentConfig
from tests.solver.assignment.helpers import make_problem

RULES = AssignmentConfig(balance={"potential": 0.02}, weights={"disruption": 1.0, "distance": 0.0})


def _block():
    """R0-R2 own books of 100; R3 owns 10. Unowned: a whale of 85 and a small unit of 5;
    R0 also owns a large account (60) of its book."""
    pots = [60.0, 40.0] + [10.0] * 20 + [10.0, 85.0, 5.0]
    owners: list[str | None] = ["R0", "R0"] + ["R1"] * 10 + ["R2"] * 10 + ["R3", None, None]
    p = make_problem(pots, owners, ["R0", "R1", "R2", "R3"])
    units, reps = block_units(p, 0), block_reps(p, 0)
    return p, units, reps, unit_totals(p, units)["potential"]


def test_a_whale_is_pinned_to_the_group_with_room_for_it_whatever_its_prices() -> None:
    p, units, reps, pot = _block()
    group = np.array([0, 0, 1, 1])  # R3, the only rep with room for 85, is in group 1
    minima = np.zeros((len(units), 2))
    minima[:, 1] = 1.0  # the prices prefer group 0 for every unit
    pin = whale_groups(p, 0, RULES, units, reps, group, minima, np.full(len(units), -1))
    whale, small, owned_large = (int(np.flatnonzero(pot == v)[0]) for v in (85.0, 5.0, 60.0))
    assert pin[whale] == 1
    assert pin[small] == -1 and pin[owned_large] == -1  # small ones and owned ones: left to prices
    assert (np.delete(pin, whale) == -1).all()


def test_among_groups_with_room_the_cheapest_is_chosen_and_pins_are_kept() -> None:
    p, units, reps, pot = _block()
    whale = int(np.flatnonzero(pot == 85.0)[0])
    group = np.array([0, 1, 2, 3])
    minima = np.tile(np.array([0.0, 0.0, 0.0, 5.0]), (len(units), 1))
    pin = whale_groups(p, 0, RULES, units, reps, group, minima, np.full(len(units), -1))
    assert pin[whale] == 3  # the only rep with room, though its group prices highest
    pinned = np.full(len(units), -1)
    pinned[whale] = 0
    assert whale_groups(p, 0, RULES, units, reps, group, minima, pinned)[whale] == 0
    # a group that may not take the unit (inf) is never chosen, even with room
    minima[whale, 3] = np.inf
    assert whale_groups(p, 0, RULES, units, reps, group, minima, np.full(len(units), -1))[whale] in (0, 1, 2)


def test_groups_priced_alike_share_the_large_units_by_their_room() -> None:
    """A greenfield block prices every group at 0: its large units are spread, not all
    given to the first group (whose piece then found no plan)."""
    p = make_problem([30.0] * 4 + [10.0] * 28, [None] * 32, ["R0", "R1", "R2", "R3"])
    units, reps = block_units(p, 0), block_reps(p, 0)
    group = np.array([0, 0, 1, 1])
    pin = whale_groups(p, 0, RULES, units, reps, group, np.zeros((len(units), 2)), np.full(len(units), -1))
    large = unit_totals(p, units)["potential"] == 30.0
    assert sorted(pin[large].tolist()) == [0, 0, 1, 1]
    assert (pin[~large] == -1).all()


def test_a_whale_its_owner_cannot_keep_goes_where_a_rep_has_room() -> None:
    """R0 works at half capacity (a target of 43 of the block's 300): its own account of 85 is
    over its band's top even alone, so it must leave R0 whole, whatever the prices say. It
    goes to R3's group, whose rep has most room (77: it sheds least); R0's small account is
    left to the prices."""
    pots = [85.0, 5.0] + [10.0] * 10 + [10.0] * 10 + [10.0]
    owners: list[str | None] = ["R0", "R0"] + ["R1"] * 10 + ["R2"] * 10 + ["R3"]
    p = make_problem(pots, owners, ["R0", "R1", "R2", "R3"], cf=[0.5, 1.0, 1.0, 1.0])
    units, reps = block_units(p, 0), block_reps(p, 0)
    pot = unit_totals(p, units)["potential"]
    group = np.array([0, 0, 1, 1])  # R0, R1 | R2, R3
    minima = np.zeros((len(units), 2))
    minima[:, 1] = 1.0  # the prices prefer group 0, the owner's, for every unit
    pin = whale_groups(p, 0, RULES, units, reps, group, minima, np.full(len(units), -1))
    whale = int(np.flatnonzero(pot == 85.0)[0])
    assert pin[whale] == 1
    assert (np.delete(pin, whale) == -1).all()
