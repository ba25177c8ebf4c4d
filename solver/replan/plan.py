"""Mid-year re-plan: apply dated events to a finished plan, move as little as possible.

For each event date, in order:

1. the team changes (`solver.replan.events.roster_after`): leavers end the
   day before, joiners start, movers change block; transfers pin their
   account (and its family) to the receiver;
2. the blocks the events touch are re-assigned (`solver.replan.assign`):
   freed accounts must move, transferred ones go to their receiver, the
   others stay unless moving a few of them, within the disruption budget,
   balances the rest of the year better. Blocks nothing touches are not
   looked at. Reps who leave on their own ``end_date`` (a departure the
   annual plan already knew) keep their accounts, as the annual plan gave
   them. Balance targets share each block by each rep's capacity while it
   holds its current territory: the whole plan year for reps the events do
   not touch (so the annual plan's balance is the reference), from the move
   date for a mover, none for a leaver;
3. quotas follow the accounts (`solver.replan.quota`): givers keep the
   periods worked, receivers get the rest prorated by their capacity, and
   the company total is unchanged to the cent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from solver.assignment.result import Status
from solver.config import AssignmentConfig, QuotaConfig
from solver.errors import ConservationError
from solver.money import cents_to_str
from solver.planning.capacity import PLAN_MONTHS, monthly_capacity
from solver.planning.weights import fte_of, territory_weights
from solver.problem import Problem, build_problem
from solver.replan.assign import reassign
from solver.replan.events import Event, event_dates, roster_after
from solver.replan.quota import QuotaBook, after_fraction, move_quotas

#: Default share of all potential that may change owner beyond what the events free.
DEFAULT_MAX_MOVED_SHARE = 0.02


@dataclass(frozen=True)
class ReplanInputs:
    """A finished plan: prepared tables (sorted by id), owners, period quotas and settings."""

    accounts: pd.DataFrame
    reps: pd.DataFrame
    owner: np.ndarray  # rep_id per account (aligned with ``accounts``)
    quotas: pd.DataFrame  # rep_id, period, quota_cents
    plan_start: dt.date
    ramp: tuple[float, ...]
    periods: str
    seasonality: tuple[float, ...] | None
    rules: AssignmentConfig
    max_moved_share: float = DEFAULT_MAX_MOVED_SHARE
    forbid: pd.DataFrame | None = None  # forbidden (account_id, rep_id) pairs of the plan
    quota: QuotaConfig | None = (
        None  # the plan's [quota]: level weights (with reps' fte, level) weigh targets
    )


@dataclass(frozen=True)
class ReplanResult:
    """The plan after the events, and every change with its quota effect."""

    status: Status
    owner: np.ndarray  # rep_id per account after the events
    reps: pd.DataFrame  # final team (rep_id sorted): capacity_factor, territory_capacity, territory_weight
    quotas: pd.DataFrame  # rep_id, period, quota_cents
    changes: pd.DataFrame
    summary: dict[str, object]
    problem: Problem | None = None  # the plan of the last date (targets on territory capacity)
    explanation: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _monthly(roster: pd.DataFrame, inputs: ReplanInputs) -> dict[str, np.ndarray]:
    m = monthly_capacity(roster["start_date"], roster["end_date"], inputs.plan_start, inputs.ramp)
    return dict(zip(roster["rep_id"].astype(str), m, strict=True))


def territory_capacity(
    roster: pd.DataFrame, events: list[Event], upto: dt.date, inputs: ReplanInputs
) -> np.ndarray:
    """Each rep's capacity (share of a plan year) while it holds its current territory.

    The whole plan year (the contract capacity factor) for a rep no event has
    touched, so the annual plan's balance stays the reference; capacity from
    the move date for a rep who moved; 0 for a rep who left by an event.
    """
    m = monthly_capacity(roster["start_date"], roster["end_date"], inputs.plan_start, inputs.ramp)
    w = m.sum(axis=1) / PLAN_MONTHS
    last: dict[str, Event] = {}
    for e in events:
        if e.date <= upto and e.kind in ("leave", "move"):
            last[e.rep_id] = e
    pos = {r: i for i, r in enumerate(roster["rep_id"].astype(str))}
    for rep, e in last.items():
        i = pos[rep]
        after = after_fraction(inputs.plan_start, e.date)
        w[i] = 0.0 if e.kind == "leave" else float((m[i] * after).sum()) / PLAN_MONTHS
    return w


def rep_factor(roster: pd.DataFrame, inputs: ReplanInputs) -> np.ndarray:
    """Each rep's level weight x FTE, as the annual plan weighs it (`solver.planning.weights`)."""
    by_id = roster.set_index(roster["rep_id"].astype(str).to_numpy())
    if inputs.quota is None:  # no [quota] table: levels weigh 1.0, FTE still weighs
        return fte_of(by_id)
    return territory_weights(np.ones(len(roster)), by_id, inputs.quota)


def book_weights(
    roster: pd.DataFrame, events: list[Event], upto: dt.date, inputs: ReplanInputs
) -> np.ndarray:
    """Each rep's book-target weight after ``upto``: territory capacity x level weight x FTE.

    The same weighing as the annual plan, so a part-time or senior rep keeps
    its share of its block after the events.
    """
    return territory_capacity(roster, events, upto, inputs) * rep_factor(roster, inputs)


def _problem(
    inputs: ReplanInputs,
    roster: pd.DataFrame,
    owner: np.ndarray,
    pins: dict[str, str],
    weight: np.ndarray,
) -> Problem:
    """The plan's Problem with the team after a date (capacity = territory capacity)."""
    acc = inputs.accounts.copy()
    acc["current_owner"] = pd.array(owner, dtype="string")
    lock = (
        acc["locked_owner"].astype("string")
        if "locked_owner" in acc
        else pd.Series(pd.NA, index=acc.index, dtype="string")
    )
    if pins:
        pinned = acc["account_id"].astype(str).map(pins)
        lock = lock.where(pinned.isna(), pinned.astype("string"))
    acc["locked_owner"] = lock.astype("string")
    rp = roster.assign(capacity_factor=weight)
    return build_problem(acc, rp, inputs.forbid) if inputs.forbid is not None else build_problem(acc, rp)


def _family_pins(accounts: pd.DataFrame, transfers: list[Event]) -> dict[str, str]:
    """Each transferred account pins its whole family (a family stays with one rep)."""
    fam = accounts["family_id"].astype(str) if "family_id" in accounts else accounts["account_id"].astype(str)
    ids = accounts["account_id"].astype(str)
    out: dict[str, str] = {}
    for e in transfers:
        f = fam[ids == str(e.account_id)].iloc[0]
        for a in ids[fam == f]:
            out[str(a)] = e.rep_id
    return out


def replan(inputs: ReplanInputs, events: list[Event]) -> ReplanResult:
    """Apply ``events`` (validated, sorted) to the plan in ``inputs``."""
    owner = np.asarray(inputs.owner, dtype=object).astype(str)
    book = QuotaBook.of(inputs.quotas)
    total_before = book.total()
    step = {"month": 1, "quarter": 3}[inputs.periods]
    season = np.asarray(inputs.seasonality or [1.0] * PLAN_MONTHS, dtype=float)
    potential = inputs.accounts["potential"].to_numpy(dtype=float)
    ids = inputs.accounts["account_id"].astype(str).to_numpy()
    budget_left = inputs.max_moved_share * float(potential.sum())
    original = inputs.reps.copy()
    pins: dict[str, str] = {}
    rows: list[dict[str, object]] = []
    notes: list[str] = []
    per_date: list[dict[str, Any]] = []
    status = Status.OPTIMAL
    problem: Problem | None = None
    for d in event_dates(events):
        today = [e for e in events if e.date == d]
        before = roster_after(original, events, d - dt.timedelta(days=1))
        after = roster_after(original, events, d)
        # capacity after the date weighed by level x FTE: an orphan's quota is shared as targets are
        m_after = {
            r: m * f
            for (r, m), f in zip(_monthly(after, inputs).items(), rep_factor(after, inputs), strict=True)
        }
        weight = book_weights(after, events, d, inputs)
        pins.update(_family_pins(inputs.accounts, [e for e in today if e.kind == "transfer"]))
        problem = _problem(inputs, after, owner, pins, weight)
        blocks = _touched_blocks(problem, today, before, after, pins, owner)
        outcome = reassign(problem, blocks, inputs.rules, budget_left)
        if not outcome.status.has_plan:
            return _failed(inputs, outcome.status, outcome.explanation, rows, book, after)
        if outcome.status == Status.FEASIBLE:
            status = Status.FEASIBLE
        budget_left = max(budget_left - outcome.moved_beyond_freed, 0.0)
        new_owner = _new_owners(problem, outcome.rep_of_unit, owner)
        changed = new_owner != owner
        moves = _moves(ids, owner, new_owner, potential)
        holdings = pd.Series(potential).groupby(owner).sum()
        orphans = _orphans(today, moves, book, (before, after), weight)
        annual_before = {r: book.annual(r) for r in set(book.cents) | set(after["rep_id"].astype(str))}
        carried = move_quotas(
            book,
            moves,
            holdings,
            d,
            plan_start=inputs.plan_start,
            step=step,
            season=season,
            monthly_before=_monthly(before, inputs),
            monthly_after=m_after,
            orphans=orphans,
        )
        notes += [
            f"{r}: no rep is left in its block after {d}; it keeps its quota after then"
            for r, team in orphans.items()
            if not team
        ]
        rows += _change_rows(d, today, moves, carried, before, pins, annual_before, book)
        per_date.append(
            {
                "date": d.isoformat(),
                "events": len(today),
                "blocks": [problem.block_name(b) for b in blocks],
                "freed_potential": outcome.freed_potential,
                "moved_beyond_freed": outcome.moved_beyond_freed,
                "accounts_moved": int(changed.sum()),
                "seconds": round(outcome.seconds, 3),
                "status": str(outcome.status),
            }
        )
        owner = new_owner
    if book.total() != total_before:
        raise ConservationError(f"replan: quotas add up to {book.total()}, not {total_before}")
    final = _final_roster(inputs, original, events)
    changes = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    summary = _summary(inputs, events, per_date, float(potential.sum()), total_before, book, changes)
    return ReplanResult(
        status,
        owner,
        final,
        book.table(list(final["rep_id"].astype(str))),
        changes,
        summary,
        problem,
        None,
        tuple(notes),
    )


def _new_owners(problem: Problem, rep_of_unit: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Owner ids after a re-assignment (accounts of units it did not place keep theirs)."""
    new_owner = owner.copy()
    unit_rep = rep_of_unit[problem.unit]
    placed = unit_rep >= 0
    new_owner[placed] = problem.rep_ids[unit_rep[placed]]
    return new_owner


def _orphans(
    today: list[Event],
    moves: pd.DataFrame,
    book: QuotaBook,
    rosters: tuple[pd.DataFrame, pd.DataFrame],
    weight: np.ndarray,
) -> dict[str, list[str]]:
    """Reps leaving or moving today with quota but no accounts to hand over -> who shares it."""
    before, after = rosters
    leaving = {e.rep_id for e in today if e.kind in ("leave", "move")}
    givers_with_moves = set(moves["giver"])
    return {
        r: _team_of(after, weight, before, r)
        for r in sorted(leaving)
        if r not in givers_with_moves and book.annual(r)
    }


def _moves(ids: np.ndarray, owner: np.ndarray, new_owner: np.ndarray, potential: np.ndarray) -> pd.DataFrame:
    """One row per account that changes owner: who gives it, who receives it, its potential."""
    changed = new_owner != owner
    return pd.DataFrame(
        {
            "account_id": ids[changed],
            "giver": owner[changed],
            "receiver": new_owner[changed],
            "potential": potential[changed],
        }
    )


def _final_roster(inputs: ReplanInputs, original: pd.DataFrame, events: list[Event]) -> pd.DataFrame:
    """The reps after the last event: capacity factors, territory capacity and book weight then."""
    final = roster_after(original, events, events[-1].date) if events else original.copy()
    final["capacity_factor"] = np.array([v.sum() / PLAN_MONTHS for v in _monthly(final, inputs).values()])
    last = max((e.date for e in events), default=inputs.plan_start)
    final["territory_capacity"] = territory_capacity(final, events, last, inputs)
    final["territory_weight"] = final["territory_capacity"].to_numpy() * rep_factor(final, inputs)
    return final


def _summary(
    inputs: ReplanInputs,
    events: list[Event],
    per_date: list[dict[str, Any]],
    total_potential: float,
    total_before: int,
    book: QuotaBook,
    changes: pd.DataFrame,
) -> dict[str, Any]:
    """The re-plan's figures: per date, the budget, what moved, quota totals before and after."""
    return {
        "events": len(events),
        "dates": per_date,
        "budget": inputs.max_moved_share * total_potential,
        "max_moved_share": inputs.max_moved_share,
        "moved_beyond_freed": sum(float(x["moved_beyond_freed"]) for x in per_date),
        "freed_potential": sum(float(x["freed_potential"]) for x in per_date),
        "quota_total_before": cents_to_str(total_before),
        "quota_total_after": cents_to_str(book.total()),
        "quota_moved": cents_to_str(int(pd.to_numeric(changes["quota_moved_cents"]).fillna(0).sum())),
    }


CHANGE_COLUMNS = [
    "date",
    "kind",
    "event",
    "rep_id",
    "account_id",
    "from_rep",
    "to_rep",
    "segment",
    "region",
    "potential",
    "quota_moved_cents",
    "quota_before_cents",
    "quota_after_cents",
    "note",
]


def _team_of(after: pd.DataFrame, weight: np.ndarray, before: pd.DataFrame, rep: str) -> list[str]:
    """Reps holding a territory (after the date) in the block ``rep`` covered before it."""
    b = before.set_index(before["rep_id"].astype(str))
    seg, reg = str(b.loc[rep, "segment"]), str(b.loc[rep, "region"])
    m = (after["segment"].astype(str) == seg) & (after["region"].astype(str) == reg) & (weight > 0)
    m &= after["rep_id"].astype(str) != rep
    return sorted(after.loc[m, "rep_id"].astype(str))


def _touched_blocks(
    problem: Problem,
    today: list[Event],
    before: pd.DataFrame,
    after: pd.DataFrame,
    pins: dict[str, str],
    owner: np.ndarray,
) -> list[int]:
    """Blocks with freed or transferred accounts, or whose team changed today."""
    from solver.assignment.terms import active_reps

    act = active_reps(problem)
    acc_block = problem.account_block()
    o = problem.owner
    owner_ok = (o >= 0) & act[np.maximum(o, 0)] & (problem.rep_block[np.maximum(o, 0)] == acc_block)
    pin_moves = (problem.pin >= 0) & (problem.pin != o)
    touched = set(np.unique(acc_block[~owner_ok | pin_moves]).tolist())
    names = {blk: i for i, blk in enumerate(problem.blocks)}
    for frame in (before, after):
        f = frame.set_index(frame["rep_id"].astype(str))
        for e in today:
            if e.kind in ("join", "move", "leave") and e.rep_id in f.index:
                key = (str(f.loc[e.rep_id, "segment"]), str(f.loc[e.rep_id, "region"]))
                if key in names:
                    touched.add(names[key])
    return sorted(int(b) for b in touched)


def _cause(giver: str, account: str, today: list[Event], pins: dict[str, str], receiver: str) -> str:
    kinds = {e.rep_id: e.kind for e in today if e.kind != "transfer"}
    if any(e.kind == "transfer" for e in today) and pins.get(account) == receiver:
        transferred = {str(e.account_id) for e in today if e.kind == "transfer"}
        if account in transferred:
            return "transfer"
        return "transfer (family)"
    if kinds.get(giver) in ("leave", "move"):
        return kinds[giver]
    return "rebalance"


def _change_rows(
    d: dt.date,
    today: list[Event],
    moves: pd.DataFrame,
    carried: pd.Series,
    before: pd.DataFrame,
    pins: dict[str, str],
    annual_before: dict[str, int],
    book: QuotaBook,
) -> list[dict[str, object]]:
    """One row per event (quota before / after) and one per account that changed owner."""
    out: list[dict[str, object]] = []
    f = before.set_index(before["rep_id"].astype(str))
    for e in today:
        note = ""
        if e.kind == "leave":
            note = f"last day {d - dt.timedelta(days=1)}; keeps the quota of the periods worked"
        elif e.kind == "move" and e.rep_id in f.index:
            note = f"from {f.loc[e.rep_id, 'segment']} x {f.loc[e.rep_id, 'region']}"
        elif e.kind == "join":
            note = "starts on this date (ramp applies)"
        elif e.kind == "manager" and e.rep_id in f.index:
            old = f.loc[e.rep_id, "manager_id"] if "manager_id" in f else None
            note = (
                f"manager {'none' if old is None or pd.isna(old) else old} -> {e.manager_id}; "
                "quotas roll up to the new team from the first period starting on or after this date"
            )
        out.append(
            {
                "date": d.isoformat(),
                "kind": "event",
                "event": e.kind,
                "rep_id": e.rep_id,
                "account_id": e.account_id or "",
                "from_rep": "",
                "to_rep": "",
                "segment": e.segment or "",
                "region": e.region or "",
                "potential": np.nan,
                "quota_moved_cents": np.nan,
                "quota_before_cents": annual_before.get(e.rep_id, 0),
                "quota_after_cents": book.annual(e.rep_id),
                "note": note,
            }
        )
    for m in moves.sort_values("account_id").itertuples():
        cause = _cause(str(m.giver), str(m.account_id), today, pins, str(m.receiver))
        out.append(
            {
                "date": d.isoformat(),
                "kind": "account",
                "event": cause,
                "rep_id": m.receiver,
                "account_id": m.account_id,
                "from_rep": m.giver,
                "to_rep": m.receiver,
                "segment": "",
                "region": "",
                "potential": float(m.potential),
                "quota_moved_cents": int(carried.get(str(m.account_id), 0)),
                "quota_before_cents": np.nan,
                "quota_after_cents": np.nan,
                "note": "",
            }
        )
    for key, cents in carried.items():
        if str(key).startswith("(no accounts)"):
            giver, receiver = str(key).split(" ", 2)[2].split("->")
            out.append(
                {
                    "date": d.isoformat(),
                    "kind": "quota",
                    "event": "hand-over",
                    "rep_id": receiver,
                    "account_id": "",
                    "from_rep": giver,
                    "to_rep": receiver,
                    "segment": "",
                    "region": "",
                    "potential": np.nan,
                    "quota_moved_cents": int(cents),
                    "quota_before_cents": np.nan,
                    "quota_after_cents": np.nan,
                    "note": "the giver had no accounts to hand over",
                }
            )
    return out


def _failed(
    inputs: ReplanInputs,
    status: Status,
    explanation: str | None,
    rows: list[dict[str, object]],
    book: QuotaBook,
    roster: pd.DataFrame,
) -> ReplanResult:
    return ReplanResult(
        status,
        np.asarray(inputs.owner, dtype=object).astype(str),
        roster,
        book.table(list(roster["rep_id"].astype(str))),
        pd.DataFrame(rows, columns=CHANGE_COLUMNS),
        {},
        None,
        explanation,
    )
