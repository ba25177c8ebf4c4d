"""The events table of ``terraquota replan``: dated leave / join / move / manager / transfer.

Columns (CONTRACT.md, matched case-insensitively): event, date, rep_id,
segment, region, account_id, and manager_id (for ``manager``: the rep's new
manager, whose team the rep's quota rolls up to from the first period that
starts on or after the date; a ``join`` may name it too). ``date`` is the *effective* date, the first day
of the new situation: a rep who leaves on 2027-08-01 works until 2027-07-31;
a rep who joins, moves or receives an account on that date covers the new
territory from that day.

Events are checked in date order against the team as the earlier events
leave it (a transfer may name a rep who joins earlier or on the same day),
and every problem is reported with file, row, column and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.errors import InputError, InputProblem
from solver.inputs.columns import header_key, parse_dates
from solver.inputs.validation import formula_id_problems

EVENT_KINDS = ("leave", "join", "move", "manager", "transfer")
EVENT_COLUMNS = ("event", "date", "rep_id", "segment", "region", "account_id", "manager_id")
REQUIRED = ("event", "date", "rep_id")
#: Order of events on one day: the team changes first, then accounts follow.
_DAY_ORDER = {"join": 0, "move": 1, "manager": 2, "leave": 3, "transfer": 4}


@dataclass(frozen=True)
class Event:
    """One validated event (``row`` is the spreadsheet row, header = 1)."""

    row: int
    kind: str
    date: dt.date
    rep_id: str
    segment: str | None = None
    region: str | None = None
    account_id: str | None = None
    manager_id: str | None = None


@dataclass
class _RepState:
    segment: str
    region: str
    start: dt.date | None
    end: dt.date | None  # last day employed
    manager: str | None = None


def _text(table: pd.DataFrame, col: str) -> pd.Series:
    if col not in table:
        return pd.Series(pd.NA, index=table.index, dtype="string")
    return table[col].astype("string").str.strip().replace("", pd.NA)


def _canonical(table: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[InputProblem]]:
    """Headers matched by key; missing required columns are problems."""
    by_key = {header_key(h): h for h in table.columns}
    problems = []
    out = pd.DataFrame(index=table.index)
    for col in EVENT_COLUMNS:
        src = by_key.get(header_key(col))
        if src is None:
            if col in REQUIRED:
                found = ", ".join(repr(h) for h in table.columns) or "none"
                problems.append(
                    InputProblem(file, None, col, f"required column {col!r} is missing; found: {found}")
                )
            continue
        out[col] = table[src]
    return out, problems


def parse_events(
    table: pd.DataFrame,
    file: str,
    *,
    plan_start: dt.date,
    plan_end: dt.date,
    reps: pd.DataFrame,
    accounts: pd.DataFrame,
    segments: set[str],
    regions: set[str],
) -> list[Event]:
    """Validate the events table (text, as `solver.inputs.readers.read_table` returns it).

    Parameters
    ----------
    table
        The file's cells as text, index = spreadsheet row.
    file
        Its path, for messages.
    plan_start, plan_end
        First and last day of the plan year: events must fall inside it.
    reps
        The run's team: rep_id, segment, region, start_date, end_date.
    accounts
        The run's accounts: account_id, segment, region, locked_owner.
    segments, regions
        Known segment and region names.

    Returns
    -------
    list[Event]
        Sorted by date; on one day joins, moves and leaves before transfers, then by row.

    Raises
    ------
    InputError
        With every problem found.
    """
    t, problems = _canonical(table, file)
    if problems:
        raise InputError(problems)
    kind = _text(t, "event").str.lower()
    dates, bad_date = parse_dates(_text(t, "date"))
    rep, seg, reg, acc, mgr = (
        _text(t, c) for c in ("rep_id", "segment", "region", "account_id", "manager_id")
    )
    rows = t.index.to_numpy()
    for i, row in enumerate(rows):
        if pd.isna(kind.iloc[i]) or kind.iloc[i] not in EVENT_KINDS:
            why = f"{kind.iloc[i]!r} is not one of {', '.join(EVENT_KINDS)}"
            problems.append(InputProblem(file, int(row), "event", why))
        if pd.isna(dates.iloc[i]):
            why = "not an ISO date (YYYY-MM-DD)" if bad_date[i] else "missing: every event needs a date"
            problems.append(InputProblem(file, int(row), "date", why))
        elif not plan_start <= dates.iloc[i].date() <= plan_end:
            problems.append(
                InputProblem(
                    file,
                    int(row),
                    "date",
                    f"{dates.iloc[i].date()} is outside the plan year {plan_start} .. {plan_end}",
                )
            )
        if pd.isna(rep.iloc[i]):
            problems.append(InputProblem(file, int(row), "rep_id", "missing: every event names a rep"))
    for col in ("rep_id", "account_id", "manager_id"):
        if col in t:
            problems += formula_id_problems(t, col, file)
    if problems:
        raise InputError(problems)

    events = [
        Event(
            int(row),
            str(kind.iloc[i]),
            dates.iloc[i].date(),
            str(rep.iloc[i]),
            None if pd.isna(seg.iloc[i]) else str(seg.iloc[i]),
            None if pd.isna(reg.iloc[i]) else str(reg.iloc[i]),
            None if pd.isna(acc.iloc[i]) else str(acc.iloc[i]),
            None if pd.isna(mgr.iloc[i]) else str(mgr.iloc[i]),
        )
        for i, row in enumerate(rows)
    ]
    events.sort(key=lambda e: (e.date, _DAY_ORDER[e.kind], e.row))
    problems = _check_sequence(events, file, reps, accounts, segments, regions)
    if problems:
        raise InputError(problems)
    return events


def _opt(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _date(v: object) -> dt.date | None:
    return None if pd.isna(v) else pd.Timestamp(v).date()


class _Replay:
    """The team as the events leave it; each event kind is checked by its own method."""

    def __init__(
        self, file: str, reps: pd.DataFrame, accounts: pd.DataFrame, segments: set[str], regions: set[str]
    ):
        managers = reps["manager_id"] if "manager_id" in reps else pd.Series(pd.NA, index=reps.index)
        self.team = {
            str(r.rep_id): _RepState(
                str(r.segment), str(r.region), _date(r.start_date), _date(r.end_date), _opt(m)
            )
            for r, m in zip(reps.itertuples(), managers, strict=True)
        }
        self.acc = accounts.set_index(accounts["account_id"].astype(str))
        self.file, self.segments, self.regions = file, segments, regions
        self.seen: set[tuple[str, dt.date]] = set()
        self.moved: dict[tuple[str, dt.date], Event] = {}
        self.out: list[InputProblem] = []

    def bad(self, e: Event, col: str, why: str) -> None:
        self.out.append(InputProblem(self.file, e.row, col, why))

    def active(self, e: Event) -> _RepState | None:
        s = self.team.get(e.rep_id)
        if s is None:
            self.bad(e, "rep_id", f"{e.rep_id} is not a rep of the run (nor joins before {e.date})")
            return None
        if s.end is not None and s.end < e.date:
            self.bad(e, "rep_id", f"{e.rep_id} has left (last day {s.end}) before {e.date}")
            return None
        return s

    def apply(self, e: Event) -> None:
        if e.kind != "transfer":
            if (e.rep_id, e.date) in self.seen:
                self.bad(e, "rep_id", f"{e.rep_id} has two events on {e.date}: give one per rep and day")
                return
            self.seen.add((e.rep_id, e.date))
        getattr(self, f"_{e.kind}")(e)

    def _join(self, e: Event) -> None:
        if e.rep_id in self.team:
            self.bad(e, "rep_id", f"{e.rep_id} is already a rep of the run: use a new id to join")
        elif _block_ok(e, self.segments, self.regions, self.bad, need_both=True):
            self.team[e.rep_id] = _RepState(str(e.segment), str(e.region), e.date, None, e.manager_id)

    def _manager(self, e: Event) -> None:
        s = self.active(e)
        if s is None:
            return
        if e.manager_id is None:
            self.bad(e, "manager_id", "missing: a manager event names the rep's new manager")
        elif e.manager_id == s.manager:
            self.bad(e, "manager_id", f"{e.rep_id} already reports to {e.manager_id}: nothing changes")
        else:
            s.manager = e.manager_id

    def _leave(self, e: Event) -> None:
        s = self.active(e)
        if s is None:
            return
        if s.start is not None and s.start > e.date:
            self.bad(e, "date", f"{e.rep_id} starts on {s.start}, after the leave date {e.date}")
            return
        s.end = e.date - dt.timedelta(days=1)

    def _move(self, e: Event) -> None:
        s = self.active(e)
        if s is None or not _block_ok(e, self.segments, self.regions, self.bad, need_both=False):
            return
        new = (e.segment or s.segment, e.region or s.region)
        if new == (s.segment, s.region):
            self.bad(e, "segment", f"{e.rep_id} already covers {s.segment} x {s.region}: nothing moves")
            return
        s.segment, s.region = new

    def _transfer(self, e: Event) -> None:
        s = self.active(e)
        if e.account_id is None:
            self.bad(e, "account_id", "missing: a transfer names the account")
            return
        if e.account_id not in self.acc.index:
            self.bad(e, "account_id", f"{e.account_id} is not an account of the run")
            return
        twin = self.moved.setdefault((e.account_id, e.date), e)
        if twin is not e:
            why = (
                f"{e.account_id} is transferred twice on {e.date} (to {twin.rep_id} in row "
                f"{twin.row} and to {e.rep_id}): keep one"
            )
            self.bad(e, "account_id", why)
            return
        if s is not None:
            self._transfer_fits(e, s)

    def _transfer_fits(self, e: Event, s: _RepState) -> None:
        a = self.acc.loc[str(e.account_id)]
        if (str(a["segment"]), str(a["region"])) != (s.segment, s.region):
            why = (
                f"{e.rep_id} covers {s.segment} x {s.region} on {e.date}, but account "
                f"{e.account_id} is {a['segment']} x {a['region']}"
            )
            self.bad(e, "rep_id", why)
        lock = a.get("locked_owner")
        if lock is not None and not pd.isna(lock) and str(lock) != e.rep_id:
            keeper = self.team.get(str(lock))
            if keeper is not None and (keeper.end is None or keeper.end >= e.date):
                self.bad(e, "account_id", f"{e.account_id} is pinned to {lock} (locked_owner)")


def _check_sequence(
    events: list[Event],
    file: str,
    reps: pd.DataFrame,
    accounts: pd.DataFrame,
    segments: set[str],
    regions: set[str],
) -> list[InputProblem]:
    """Replay the events on the team; each must make sense where it happens."""
    replay = _Replay(file, reps, accounts, segments, regions)
    for e in events:
        replay.apply(e)
    return replay.out


def _block_ok(
    e: Event,
    segments: set[str],
    regions: set[str],
    report: Callable[[Event, str, str], None],
    *,
    need_both: bool,
) -> bool:
    ok = True
    if need_both or (e.segment is None and e.region is None):
        for col, value in (("segment", e.segment), ("region", e.region)):
            if value is None:
                report(e, col, f"missing: a {e.kind} names the rep's new {col}")
                ok = False
    if e.segment is not None and segments and e.segment not in segments:
        report(e, "segment", f"{e.segment!r} is not a segment of the plan ({', '.join(sorted(segments))})")
        ok = False
    if e.region is not None and e.region not in regions:
        report(e, "region", f"{e.region!r} is not a region of the plan ({', '.join(sorted(regions))})")
        ok = False
    return ok


def roster_after(reps: pd.DataFrame, events: list[Event], upto: dt.date) -> pd.DataFrame:
    """The team once every event dated on or before ``upto`` has happened.

    ``reps`` has rep_id, segment, region, start_date, end_date (datetime) and
    any other columns (kept; a joiner's are blank). Leavers get
    ``end_date = date - 1 day``; joiners a row with ``start_date = date``;
    movers their new segment and region.
    """
    out = reps.copy()
    out["rep_id"] = out["rep_id"].astype(str)
    out.index = pd.Index(out["rep_id"].to_numpy())
    for e in events:
        if e.date > upto:
            break
        if e.kind == "leave":
            last = pd.Timestamp(e.date - dt.timedelta(days=1))
            cur = out.loc[e.rep_id, "end_date"]
            out.loc[e.rep_id, "end_date"] = last if pd.isna(cur) else min(pd.Timestamp(cur), last)
        elif e.kind == "join":
            row = pd.DataFrame(
                {
                    "rep_id": [e.rep_id],
                    "segment": [e.segment],
                    "region": [e.region],
                    "start_date": [pd.Timestamp(e.date)],
                    "end_date": [pd.NaT],
                    **({"manager_id": [e.manager_id]} if "manager_id" in out else {}),
                },
                index=[e.rep_id],
            )
            out = pd.concat([out, row.astype({c: out[c].dtype for c in row.columns if c in out})])
        elif e.kind == "move":
            if e.segment:
                out.loc[e.rep_id, "segment"] = e.segment
            if e.region:
                out.loc[e.rep_id, "region"] = e.region
        elif e.kind == "manager":
            out.loc[e.rep_id, "manager_id"] = e.manager_id
    out = out.sort_index(kind="stable").reset_index(drop=True)
    for col in ("start_date", "end_date"):
        out[col] = pd.to_datetime(out[col])
    return out


def event_dates(events: list[Event]) -> list[dt.date]:
    return sorted({e.date for e in events})


def as_frame(events: list[Event]) -> pd.DataFrame:
    """The validated events as a table (for the run folder)."""
    return pd.DataFrame(
        {
            "event": [e.kind for e in events],
            "date": [e.date.isoformat() for e in events],
            "rep_id": [e.rep_id for e in events],
            "segment": [e.segment or "" for e in events],
            "region": [e.region or "" for e in events],
            "account_id": [e.account_id or "" for e in events],
            "manager_id": [e.manager_id or "" for e in events],
        },
        index=np.arange(len(events)),
    )
