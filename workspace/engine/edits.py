"""Editing a version's inputs: a copy of the parent's inputs with the changes of one request applied.

Kept apart from running because an edit only rewrites tables and the scenario
file (the user's headers and text kept); the run that follows is a separate
job. Every rejected change comes back as a `Problem` naming the change.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from solver.errors import InputError
from solver.inputs import TableSpec, read_table
from solver.inputs.columns import ACCOUNTS, REPS
from workspace.engine.problems import EngineInputError, Problem, located_problems
from workspace.engine.scenario import data_paths, load_scenario_file, validate

__all__ = ["CHANGE_TYPES", "apply_changes", "header_of", "quota_only"]

#: change types of POST /api/plans/{id}/changes
CHANGE_TYPES = ("pin", "unpin", "rep", "add_rep", "set")


def quota_only(changes: Iterable[dict[str, Any]]) -> bool:
    """True when every change sets a ``quota.*`` key: quotas re-split, assignment kept."""
    changes = list(changes)
    return bool(changes) and all(
        c.get("type") == "set" and str(c.get("key", "")).startswith("quota.") for c in changes
    )


def header_of(table: pd.DataFrame, spec: TableSpec, column: str) -> str | None:
    claimed, _ = spec.match([str(h) for h in table.columns])
    positions = claimed.get(column)
    return str(table.columns[positions[0]]) if positions else None


class _Table:
    """One input table being edited: the user's headers and text values kept."""

    def __init__(self, path: Path, spec: TableSpec, root: Path):
        self.path, self.spec, self.root = path, spec, root
        try:
            self.df = read_table(path).reset_index(drop=True)
        except InputError as e:
            raise EngineInputError(located_problems(e, root)) from None
        self.dirty = False

    def column(self, name: str, create: bool = False) -> str | None:
        header = header_of(self.df, self.spec, name)
        if header is None and create:
            self.df[name] = pd.Series(pd.NA, index=self.df.index, dtype="string")
            header = name
        return header

    def rows_of(self, key: str, value: str) -> np.ndarray:
        header = self.column(key)
        if header is None:
            return np.array([], dtype=np.int64)
        return np.flatnonzero((self.df[header] == value).fillna(False).to_numpy(dtype=bool))

    def set(self, rows: np.ndarray, name: str, value: str | None) -> None:
        header = self.column(name, create=True)
        self.df.loc[rows, header] = pd.NA if value in (None, "") else value
        self.dirty = True

    def save(self) -> Path:
        """Write back as CSV (a non-CSV table becomes ``<stem>.csv`` beside it)."""
        target = self.path if self.path.suffix.lower() == ".csv" else self.path.with_suffix(".csv")
        self.df.to_csv(target, index=False, lineterminator="\n")
        return target


def _set_key(doc: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = doc
    for p in parts[:-1]:
        nxt = node.setdefault(p, {})
        if not isinstance(nxt, dict):
            raise KeyError(key)
        node = nxt
    node[parts[-1]] = value


def apply_changes(
    src_inputs: Path,
    dst_inputs: Path,
    scenario_file: str,
    changes: list[dict[str, Any]],
    base_run: Path | None = None,
) -> None:
    """Copy a version's inputs to ``dst_inputs`` and apply ``changes`` there; then check them.

    Raises `EngineInputError` (nothing left at ``dst_inputs``) when a change
    names an unknown account or rep, a date is not ISO, or the scenario's
    keys no longer validate. A new rep row brings the CLI's whole validation;
    pins, dates and keys are checked on their own (the full check reads every
    table: seconds at 20k accounts, and the run that follows checks again).
    With ``base_run`` (the base version's run folder), a pin to a rep of
    another segment or region is refused: no plan could keep it.
    """
    if dst_inputs.exists():
        raise FileExistsError(dst_inputs)
    shutil.copytree(src_inputs, dst_inputs, symlinks=False)
    try:
        _apply(dst_inputs, scenario_file, changes, base_run)
        if any(c.get("type") == "add_rep" for c in changes):
            problems = validate(dst_inputs, scenario_file)
        else:
            problems = _scenario_problems(dst_inputs, scenario_file)
        if problems:
            raise EngineInputError(problems)
    except BaseException:
        shutil.rmtree(dst_inputs, ignore_errors=True)
        raise


def _scenario_problems(inputs_dir: Path, scenario_file: str) -> list[Problem]:
    """The scenario file's own checks (keys, values), without reading the tables."""
    try:
        load_scenario_file(inputs_dir / scenario_file)
    except InputError as e:
        return located_problems(e, inputs_dir)
    return []


@functools.lru_cache(maxsize=16)
def _blocks_cached(path: str, mtime: float, column: str) -> dict[str, tuple[str, str]]:
    table = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=[column, "segment", "region"])
    return dict(zip(table[column], zip(table["segment"], table["region"], strict=True), strict=True))


class _Edit:
    """One version's inputs being edited: tables read on first use, the top scenario document."""

    def __init__(self, root: Path, scenario_file: str, base_run: Path | None = None):
        self.root, self.scenario_file, self.base_run = root, scenario_file, base_run
        self.paths = data_paths(root, scenario_file)
        self.tables: dict[str, _Table] = {}
        self.scenario_path = root / scenario_file
        self.doc = tomllib.loads(self.scenario_path.read_text(encoding="utf-8"))
        self.doc_changed = False

    def block_of(self, kind: str, key: str) -> tuple[str, str] | None:
        """(segment, region) of an account or rep in the base run, None when unknown there."""
        path = (
            self.base_run / ("assignment.csv" if kind == "account" else "reps.csv") if self.base_run else None
        )
        if path is None or not path.is_file():
            return None
        column = "account_id" if kind == "account" else "rep_id"
        rows = _blocks_cached(str(path), path.stat().st_mtime, column)
        return rows.get(key)

    def table(self, kind: str) -> _Table:
        if kind not in self.tables:
            spec = ACCOUNTS if kind == "accounts" else REPS
            self.tables[kind] = _Table(self.paths[kind], spec, self.root)
        return self.tables[kind]

    def save(self) -> None:
        for kind, t in self.tables.items():
            if t.dirty:
                written = t.save()
                if written != t.path:
                    self.doc_changed = True
                    _set_key(self.doc, f"data.{kind}", written.relative_to(self.root).as_posix())
        if not self.doc_changed:
            return
        try:
            text = tomli_w.dumps(self.doc)
        except (TypeError, ValueError) as e:
            why = f"value cannot be written: {e}"
            raise EngineInputError([Problem(self.scenario_file, None, None, why)]) from None
        self.scenario_path.write_text(text, encoding="utf-8", newline="\n")


def _pin(edit: _Edit, change: dict[str, Any]) -> str | None:
    """pin / unpin: the account's ``locked_owner``."""
    acc = edit.table("accounts")
    rows = acc.rows_of("account_id", str(change.get("account_id", "")))
    if len(rows) == 0:
        return f"unknown account {change.get('account_id')!r}"
    rep = None
    if change["type"] == "pin":
        rep = str(change.get("rep_id", ""))
        if len(edit.table("reps").rows_of("rep_id", rep)) == 0:
            return f"unknown rep {rep!r}"
        account_block = edit.block_of("account", str(change["account_id"]))
        rep_block = edit.block_of("rep", rep)
        if account_block and rep_block and account_block != rep_block:
            return (
                f"account {change['account_id']} is in {' x '.join(account_block)} and rep {rep} covers "
                f"{' x '.join(rep_block)}: a pin must stay within its segment and region"
            )
    acc.set(rows, "locked_owner", rep)
    return None


def _rep_dates(edit: _Edit, change: dict[str, Any]) -> str | None:
    """rep: a rep's start and end dates (absent keys untouched, null clears)."""
    reps = edit.table("reps")
    rows = reps.rows_of("rep_id", str(change.get("rep_id", "")))
    if len(rows) == 0:
        return f"unknown rep {change.get('rep_id')!r}"
    for key in ("start_date", "end_date"):
        if key in change:
            value = change[key]
            if value not in (None, ""):
                try:
                    dt.date.fromisoformat(str(value))
                except ValueError:
                    return f"{key} {value!r} is not an ISO date (YYYY-MM-DD)"
            reps.set(rows, key, None if value is None else str(value))
    return None


def _add_rep(edit: _Edit, change: dict[str, Any]) -> str | None:
    """add_rep: one new row of the reps table, columns by their canonical names."""
    reps = edit.table("reps")
    rep = change.get("rep")
    if not isinstance(rep, dict) or not rep.get("rep_id"):
        return "add_rep needs a rep object with a rep_id"
    unknown = sorted(set(rep) - set(REPS.names))
    if unknown:
        return f"unknown reps columns: {', '.join(unknown)}"
    if len(reps.rows_of("rep_id", str(rep["rep_id"]))):
        return f"rep {rep['rep_id']!r} already exists"
    row = {reps.column(key, create=True): None if value is None else str(value) for key, value in rep.items()}
    reps.df = pd.concat([reps.df, pd.DataFrame([row], dtype="string")], ignore_index=True)
    reps.dirty = True
    return None


def _set(edit: _Edit, change: dict[str, Any]) -> str | None:
    """set: one dotted scenario key in the top scenario file (it overrides what it extends)."""
    key = str(change.get("key", ""))
    if not key or key.split(".")[0] in ("data", "extends"):
        return "set needs a scenario key (data and extends are fixed by the upload)"
    try:
        _set_key(edit.doc, key, change.get("value"))
    except KeyError:
        return f"{key!r} is inside a value that is not a table"
    edit.doc_changed = True
    return None


_APPLY: dict[str, Callable[[_Edit, dict[str, Any]], str | None]] = {
    "pin": _pin,
    "unpin": _pin,
    "rep": _rep_dates,
    "add_rep": _add_rep,
    "set": _set,
}


def _apply(
    root: Path, scenario_file: str, changes: list[dict[str, Any]], base_run: Path | None = None
) -> None:
    edit = _Edit(root, scenario_file, base_run)
    problems: list[Problem] = []
    for i, change in enumerate(changes):
        handler = _APPLY.get(str(change.get("type")))
        if handler is None:
            why = f"unknown change type {change.get('type')!r} (one of {', '.join(CHANGE_TYPES)})"
        else:
            why = handler(edit, change)
        if why:
            problems.append(Problem("changes", i + 1, None, why))
    if problems:
        raise EngineInputError(problems)
    edit.save()
