"""A plan's changes (the workspace's changes list) applied to the tables and the scenario.

A change is one JSON object:

- ``{"type": "pin", "account_id": "A1", "rep_id": "R7"}``: the account must go to R7;
- ``{"type": "unpin", "account_id": "A1"}``: the account may go anywhere again;
- ``{"type": "rep", "rep_id": "R7", "start_date": "2027-05-01", "end_date": "2027-07-31"}``:
  a rep's dates (either may be left out; ``null`` clears it): a rep leaving,
  joining later, or gone before the plan year;
- ``{"type": "add_rep", "rep": {"rep_id": "R9", "segment": "MM", "region": "NA", ...}}``:
  a new rep or planned hire, with the reps table's columns;
- ``{"type": "set", "key": "quota.target", "value": 125000000}``: any dotted scenario
  key, e.g. ``assignment.balance.potential`` (a tolerance).

Every problem names the changes file, the change (as its row: the first change
is row 1) and the field.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from solver.errors import InputError, InputProblem
from solver.inputs.readers import read_reps
from solver.inputs.validation import cross_check

CHANGE_TYPES = ("pin", "unpin", "rep", "add_rep", "set")
_FIELDS = {
    "pin": {"account_id", "rep_id"},
    "unpin": {"account_id"},
    "rep": {"rep_id", "start_date", "end_date"},
    "add_rep": {"rep"},
    "set": {"key", "value"},
}
_REQUIRED = {
    "pin": ("account_id", "rep_id"),
    "unpin": ("account_id",),
    "rep": ("rep_id",),
    "add_rep": ("rep",),
}


@dataclass(frozen=True)
class Changed:
    """Tables and scenario overrides after the changes."""

    accounts: pd.DataFrame
    reps: pd.DataFrame
    overrides: dict[str, Any]


def read_changes(path: Path) -> list[dict[str, Any]]:
    """The changes of a JSON file: a list of changes, or ``{"changes": [...]}`` as the workspace sends."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(InputProblem(str(path), None, None, "file not found")) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(InputProblem(str(path), None, None, f"not valid JSON: {e}")) from None
    return changes_list(data, str(path))


def changes_list(data: Any, source: str) -> list[dict[str, Any]]:
    """Check the shape of every change (types, fields); values are checked against the tables later."""
    if isinstance(data, dict) and "changes" in data:
        data = data["changes"]
    if not isinstance(data, list):
        raise InputError(InputProblem(source, None, None, 'expected a list of changes or {"changes": [...]}'))
    problems: list[InputProblem] = []
    for row, change in enumerate(data, start=1):
        if not isinstance(change, dict):
            problems.append(InputProblem(source, row, None, "a change is a JSON object"))
            continue
        kind = change.get("type")
        if kind not in CHANGE_TYPES:
            problems.append(
                InputProblem(
                    source, row, "type", f"unknown change type {kind!r}; known: {', '.join(CHANGE_TYPES)}"
                )
            )
            continue
        unknown = sorted(set(change) - _FIELDS[kind] - {"type"})
        problems += [InputProblem(source, row, k, f"not a field of a {kind!r} change") for k in unknown]
        for k in _REQUIRED.get(kind, ()):
            if change.get(k) in (None, ""):
                problems.append(InputProblem(source, row, k, f"a {kind!r} change needs {k}"))
        if kind == "set" and (not isinstance(change.get("key"), str) or "value" not in change):
            problems.append(InputProblem(source, row, "key", "a 'set' change needs a dotted key and a value"))
        if kind == "add_rep" and not isinstance(change.get("rep"), dict):
            problems.append(InputProblem(source, row, "rep", "the new rep is an object of reps columns"))
    if problems:
        raise InputError(problems)
    return data


def is_quota_only(changes: list[dict[str, Any]]) -> bool:
    """True when every change sets a quota key (the assignment cannot change)."""
    return all(c["type"] == "set" and str(c["key"]).startswith("quota.") for c in changes)


def _date(value: Any, source: str, row: int, column: str) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:
        return pd.Timestamp(dt.date.fromisoformat(str(value)))
    except ValueError:
        raise InputError(
            InputProblem(source, row, column, f"{value!r} is not an ISO date (YYYY-MM-DD)")
        ) from None


def _dotted(key: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    node = out
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def _merge(into: dict[str, Any], top: dict[str, Any]) -> None:
    for k, v in top.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v


def _new_rep(rep: dict[str, Any], source: str, row: int) -> pd.DataFrame:
    """One reps row read and validated as the reps table is (columns, types, aliases)."""
    with tempfile.TemporaryDirectory(prefix="terraquota-rep-") as tmp:
        path = Path(tmp) / "rep.json"
        path.write_text(json.dumps([rep]), encoding="utf-8")
        try:
            table = read_reps(path)
        except InputError as e:
            raise InputError(
                [
                    InputProblem(source, row, f"rep.{p.column}" if p.column else "rep", p.why)
                    for p in e.problems
                ]
            ) from None
    return table


class _Tables:
    """The tables being changed, and the problems found so far."""

    def __init__(self, accounts: pd.DataFrame, reps: pd.DataFrame, source: str) -> None:
        self.acc, self.rp, self.source = accounts.copy(), reps.copy(), source
        self.overrides: dict[str, Any] = {}
        self.problems: list[InputProblem] = []

    def fail(self, row: int | None, column: str, why: str) -> None:
        self.problems.append(InputProblem(self.source, row, column, why))

    def pin(self, change: dict[str, Any], row: int) -> None:
        hit = self.acc["account_id"] == str(change["account_id"])
        if not hit.any():
            self.fail(row, "account_id", f"{change['account_id']!r} is not an account")
        elif change["type"] == "unpin":
            self.acc.loc[hit, "locked_owner"] = pd.NA
        elif not (self.rp["rep_id"] == str(change["rep_id"])).any():
            self.fail(row, "rep_id", f"{change['rep_id']!r} is not a rep of this plan")
        else:
            self.acc.loc[hit, "locked_owner"] = str(change["rep_id"])

    def rep(self, change: dict[str, Any], row: int) -> None:
        hit = self.rp["rep_id"] == str(change["rep_id"])
        if not hit.any():
            self.fail(row, "rep_id", f"{change['rep_id']!r} is not a rep of this plan")
            return
        for column in ("start_date", "end_date"):
            if column in change:
                self.rp.loc[hit, column] = _date(change[column], self.source, row, column)

    def add_rep(self, change: dict[str, Any], row: int) -> None:
        new = _new_rep(change["rep"], self.source, row)
        if new["rep_id"].isin(self.rp["rep_id"]).any():
            self.fail(row, "rep.rep_id", f"{new['rep_id'].iloc[0]!r} is already a rep")
            return
        at = int(self.rp.index.max()) + 1 if len(self.rp) else 2
        new.index = pd.Index([at], name=self.rp.index.name)
        self.rp = pd.concat([self.rp, new.astype(self.rp.dtypes.to_dict())])

    def set(self, change: dict[str, Any], row: int) -> None:
        _merge(self.overrides, _dotted(str(change["key"]), change["value"]))

    def check(self) -> None:
        start, end = self.rp["start_date"], self.rp["end_date"]
        for rep_id in self.rp["rep_id"][(end < start).fillna(False).to_numpy(dtype=bool)]:
            self.fail(None, "end_date", f"rep {rep_id}: end_date is before start_date")
        self.problems += [
            InputProblem(self.source, None, p.column, p.why) for p in cross_check(self.acc, self.rp)
        ]


def apply_changes(
    accounts: pd.DataFrame, reps: pd.DataFrame, changes: list[dict[str, Any]], source: str
) -> Changed:
    """The tables (as `solver.inputs.readers.read_inputs` returns them) after ``changes``, in order."""
    tables = _Tables(accounts, reps, source)
    apply = {
        "pin": tables.pin,
        "unpin": tables.pin,
        "rep": tables.rep,
        "add_rep": tables.add_rep,
        "set": tables.set,
    }
    for row, change in enumerate(changes, start=1):
        apply[change["type"]](change, row)
    tables.check()
    if tables.problems:
        raise InputError(tables.problems)
    tables.acc.attrs, tables.rp.attrs = accounts.attrs, reps.attrs
    return Changed(tables.acc, tables.rp, tables.overrides)
