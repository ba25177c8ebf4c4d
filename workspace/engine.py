"""The workspace's one door into the planning library (solver and scenarios).

Every call the web app makes into planning goes through this module, so a
new way to solve (an incremental re-solve of touched blocks only) replaces
one function here and nothing else:

- `validate`       the CLI's `terraquota validate` checks, as a list of problems
- `solve_into`     `terraquota run` of a version's scenario into a run folder
- `resplit_into`   quota keys changed only: keep the parent's assignment, re-split quotas
- `resolve_into`   other edits: re-solve only the blocks they touch, from the parent's plan
- `apply_changes`  a version's inputs + changes -> the next version's inputs
- `publish`        Salesforce load files and the workbook of one run folder
- `team`           a manager's reps and their accounts
- `write_demo`     the demo plan's inputs (the same generator as `terraquota demo`)

Functions take and return plain paths and values (they run in worker
processes, and problems cross back as dicts).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import shutil
import tomllib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from solver.errors import InputError
from solver.inputs import TableSpec, read_table
from solver.inputs.columns import ACCOUNTS, REPS

Progress = Callable[[float, str], None]

#: change types of POST /api/plans/{id}/changes
CHANGE_TYPES = ("pin", "unpin", "rep", "add_rep", "set")


@dataclass(frozen=True)
class Problem:
    """One thing wrong, located as the CLI locates it (file relative to the scenario folder)."""

    file: str
    row: int | None
    column: str | None
    why: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column, "why": self.why}


class EngineInputError(Exception):
    """The scenario or a change is wrong; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.file}: {p.why}" for p in problems[:5]))


def _relative(file: str, root: Path) -> str:
    """Problem file names relative to the scenario folder: no machine paths reach users."""
    try:
        return Path(file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(file).name


def _problems(e: InputError, root: Path) -> list[Problem]:
    return [Problem(_relative(p.file, root), p.row, p.column, p.why) for p in e.problems]


# --- reading scenarios ------------------------------------------------------------------------


def _load(scenario_path: Path) -> Any:
    from scenarios.run import load_scenario

    return load_scenario(scenario_path)


def validate(inputs_dir: Path, scenario_file: str) -> list[Problem]:
    """Every problem `terraquota validate` would print for this scenario (empty = valid)."""
    from scenarios.run import prepare

    try:
        prepare(_load(inputs_dir / scenario_file))
    except InputError as e:
        return _problems(e, inputs_dir)
    return []


def data_paths(inputs_dir: Path, scenario_file: str) -> dict[str, Path]:
    """The scenario's resolved table paths (``[data]``, ``assignment.forbid``; ``extends`` followed)."""
    from scenarios.run import merged_document

    try:
        doc = merged_document(inputs_dir / scenario_file)
    except InputError as e:
        raise EngineInputError(_problems(e, inputs_dir)) from None
    paths = {k: Path(v) for k, v in doc.get("data", {}).items() if isinstance(v, str)}
    forbid = doc.get("assignment", {}).get("forbid")
    if isinstance(forbid, str):
        paths["assignment.forbid"] = Path(forbid)
    return paths


def extends_chain(inputs_dir: Path, scenario_file: str) -> list[Path]:
    """The scenario file and every file it extends, resolved, without reading tables."""
    chain: list[Path] = []
    path = (inputs_dir / scenario_file).resolve()
    while path not in chain and path.is_file():
        chain.append(path)
        try:
            parent = tomllib.loads(path.read_text(encoding="utf-8")).get("extends")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            break
        if not isinstance(parent, str):
            break
        path = (path.parent / parent).resolve()
    else:
        if path not in chain:
            chain.append(path)  # a missing file: the caller checks where it points
    return chain


def warm_up() -> None:
    """Import the library's heavy modules now (worker processes are forked from a warm parent)."""
    import importlib

    for name in ("scenarios.cli.summaries", "scenarios.run", "scenarios.run.resolve", "solver.assignment"):
        importlib.import_module(name)
    # the geocoder's reference tables (cached per process): about a second each run otherwise
    from solver.inputs import geocode

    geocode._cities()
    geocode._zips()


# --- running ----------------------------------------------------------------------------------

#: progress fractions of `run_scenario`'s steps (the solve itself takes most of the time)
_STEPS = (("reading", 0.05), ("assigning", 0.15), ("setting quotas", 0.85), ("drawing", 0.9))


def _progress_of(report: Progress | None) -> Callable[[str], None]:
    state = {"at": 0.0}

    def say(message: str) -> None:
        for prefix, fraction in _STEPS:
            if message.startswith(prefix):
                state["at"] = max(state["at"], fraction)
        if report is not None:
            report(state["at"], message)

    return say


def solve_into(
    scenario_path: Path, out_dir: Path, progress: Progress | None = None, render: bool = False
) -> tuple[int, str]:
    """Run one scenario as `terraquota run` does and write its run folder atomically.

    Returns the CLI's exit code and the one-line summary. Bad input is
    raised as `EngineInputError`.
    """
    from scenarios.cli.summaries import summary_line
    from scenarios.run import run_scenario, write_folder_atomically

    try:
        outcome = run_scenario(_load(scenario_path), progress=_progress_of(progress), render=render)
    except InputError as e:
        raise EngineInputError(_problems(e, scenario_path.parent)) from None
    write_folder_atomically(out_dir, outcome.files)
    message = summary_line(outcome)
    if outcome.result.explanation and not outcome.result.status.has_plan:
        message += "\n" + outcome.result.explanation
    return outcome.exit_code, message


#: finished runs read (`load_run`), newest last: a worker process keeps the last few
_RUNS: OrderedDict[tuple[str, int], Any] = OrderedDict()
RUNS_KEPT = 3


def load_run(run_dir: Path) -> Any:
    """A finished run as `scenarios.run.resolve.load_base` reads it, kept for the next edits.

    Keyed by the folder and its assignment's modification time (a re-run
    replaces the folder). Versions' inputs never change once made, so a kept
    run stays true. This is what makes an edit fast in a long-lived worker:
    the next edit of a plan starts from its last run already read.
    """
    from scenarios.run.resolve import load_base

    key = (str(Path(run_dir).resolve()), (Path(run_dir) / "assignment.csv").stat().st_mtime_ns)
    if key in _RUNS:
        _RUNS.move_to_end(key)
        return _RUNS[key]
    base = load_base(Path(run_dir))
    _RUNS[key] = base
    while len(_RUNS) > RUNS_KEPT:
        _RUNS.popitem(last=False)
    return base


def resplit_into(
    scenario_path: Path, parent_run_dir: Path, out_dir: Path, progress: Progress | None = None
) -> tuple[int, str]:
    """Quotas only: the parent's assignment kept byte for byte, quotas re-split from the new keys.

    The same `run_scenario` the CLI uses, handed the parent's plan instead of a
    solve, so every file but the quota ones is what a full run would write for
    that plan. Refuses (ValueError) if the assignment would change.
    """
    from scenarios.cli.summaries import summary_line
    from scenarios.run import run_scenario, write_folder_atomically

    say = _progress_of(progress)
    say("reading and validating inputs")
    try:
        scenario = _load(scenario_path)
        # quota keys do not enter the prepared tables: the parent's serve as they are
        base = load_run(parent_run_dir)
    except InputError as e:
        raise EngineInputError(_problems(e, scenario_path.parent)) from None
    say("setting quotas (assignment kept)")
    outcome = run_scenario(scenario, progress=say, render=False, prepared=base.prepared, result=base.result)
    before = (parent_run_dir / "assignment.csv").read_bytes()
    if outcome.files.get("assignment.csv") != before:
        raise ValueError("a quota-only change altered the assignment; run a full solve instead")
    write_folder_atomically(out_dir, outcome.files)
    return outcome.exit_code, "quotas re-split, assignment unchanged; " + summary_line(outcome)


def resolve_into(
    parent_run_dir: Path,
    scenario_path: Path,
    changes: list[dict[str, Any]],
    out_dir: Path,
    progress: Progress | None = None,
) -> tuple[int, str]:
    """An edited version's run from its parent's run: only the blocks the changes touch are solved again.

    `scenarios.run.resolve.resolve_run` applies ``changes`` to the parent run's
    inputs and re-solves; the run folder's scenario.toml is this version's own
    (the same keys, its own edited tables), so the next edit starts from it.
    """
    from scenarios.cli.summaries import summary_line
    from scenarios.run import write_folder_atomically
    from scenarios.run.resolve import resolve_run

    try:
        scenario = _load(scenario_path)
        done = resolve_run(
            parent_run_dir,
            changes,
            source="changes",
            render=False,
            progress=_progress_of(progress),
            base=load_run(parent_run_dir),
        )
    except InputError as e:
        raise EngineInputError(_problems(e, scenario_path.parent)) from None
    files = dict(done.outcome.files)
    files["scenario.toml"] = scenario.to_toml().encode("utf-8")
    write_folder_atomically(out_dir, files)
    r = done.resolved
    what = "every block solved again" if r.whole else f"{len(r.blocks)} block(s) solved again"
    return done.outcome.exit_code, f"{what}; " + summary_line(done.outcome)


def publish(run_dir: Path, out_dir: Path) -> list[str]:
    """Write the Salesforce load files and the workbook of one finished run; the names written."""
    from reports import salesforce_files, workbook_bytes
    from scenarios.run import write_folder_atomically
    from solver.results import RunData

    run = RunData.from_folder(run_dir)
    files = {f"salesforce/{name}": data for name, data in salesforce_files(run).items()}
    files["workbook.xlsx"] = workbook_bytes(run)
    write_folder_atomically(out_dir, files)
    return sorted(files)


# --- editing inputs ---------------------------------------------------------------------------


def quota_only(changes: Iterable[dict[str, Any]]) -> bool:
    """True when every change sets a ``quota.*`` key: quotas re-split, assignment kept."""
    changes = list(changes)
    return bool(changes) and all(
        c.get("type") == "set" and str(c.get("key", "")).startswith("quota.") for c in changes
    )


def _header_of(table: pd.DataFrame, spec: TableSpec, column: str) -> str | None:
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
            raise EngineInputError(_problems(e, root)) from None
        self.dirty = False

    def column(self, name: str, create: bool = False) -> str | None:
        header = _header_of(self.df, self.spec, name)
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
        _load(inputs_dir / scenario_file)
    except InputError as e:
        return _problems(e, inputs_dir)
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


# --- reading what a version holds --------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _team_cached(
    reps_path: str,
    reps_mtime: float,
    owners_path: str,
    owners_mtime: float,
    owner_column: str,
    manager_id: str,
) -> tuple[frozenset[str], frozenset[str]]:
    reps = read_table(reps_path)
    rep_h, mgr_h = _header_of(reps, REPS, "rep_id"), _header_of(reps, REPS, "manager_id")
    if rep_h is None or mgr_h is None:
        return frozenset(), frozenset()
    team = frozenset(reps.loc[reps[mgr_h] == manager_id, rep_h].dropna().astype(str))
    owners = read_table(owners_path)
    acc_h = _header_of(owners, ACCOUNTS, "account_id") if owner_column != "rep_id" else "account_id"
    own_h = owner_column if owner_column == "rep_id" else _header_of(owners, ACCOUNTS, "current_owner")
    if acc_h is None or own_h is None:
        return team, frozenset()
    accounts = frozenset(owners.loc[owners[own_h].isin(team).fillna(False), acc_h].dropna().astype(str))
    return team, accounts


def team(
    inputs_dir: Path, scenario_file: str, run_dir: Path, manager_id: str
) -> tuple[frozenset[str], frozenset[str]]:
    """A manager's reps (``manager_id`` in the reps table) and those reps' accounts.

    Accounts are the run's assignment when the version has run, else today's
    owners (``current_owner``).
    """
    paths = data_paths(inputs_dir, scenario_file)
    assignment = run_dir / "assignment.csv"
    if assignment.is_file():
        owners, column = assignment, "rep_id"
    else:
        owners, column = paths["accounts"], "current_owner"
    return _team_cached(
        str(paths["reps"]),
        paths["reps"].stat().st_mtime,
        str(owners),
        owners.stat().st_mtime,
        column,
        manager_id,
    )


def scenario_name(inputs_dir: Path, scenario_file: str) -> str:
    """The scenario's ``name`` (``extends`` followed), or the folder's name."""
    from scenarios.run import merged_document

    try:
        name = merged_document(inputs_dir / scenario_file).get("name")
    except InputError:
        name = None
    return name.strip() if isinstance(name, str) and name.strip() else inputs_dir.name


@functools.lru_cache(maxsize=64)
def _ids_cached(
    accounts: str, accounts_mtime: float, reps: str, reps_mtime: float
) -> tuple[frozenset[str], frozenset[str]]:
    out = []
    for path, spec, key in ((accounts, ACCOUNTS, "account_id"), (reps, REPS, "rep_id")):
        table = read_table(path)
        header = _header_of(table, spec, key)
        out.append(frozenset(table[header].dropna().astype(str)) if header else frozenset())
    return out[0], out[1]


def ids(inputs_dir: Path, scenario_file: str) -> tuple[frozenset[str], frozenset[str]]:
    """The account ids and rep ids of a version's input tables."""
    paths = data_paths(inputs_dir, scenario_file)
    a, r = paths["accounts"], paths["reps"]
    return _ids_cached(str(a), a.stat().st_mtime, str(r), r.stat().st_mtime)


@functools.lru_cache(maxsize=32)
def _csv_records(path: str, mtime: float) -> tuple[dict[str, Any], ...]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return tuple(df.to_dict("records"))


def reps_rows(inputs_dir: Path, scenario_file: str, run_dir: Path) -> list[dict[str, Any]]:
    """The run's reps.csv rows as text (the input reps table before a run)."""
    path = run_dir / "reps.csv"
    if not path.is_file():
        path = data_paths(inputs_dir, scenario_file)["reps"]
        table = read_table(path)
        claimed, _ = REPS.match([str(h) for h in table.columns])
        table = table.rename(columns={table.columns[p[0]]: name for name, p in claimed.items()})
        return table.fillna("").astype(str).to_dict("records")
    return [dict(r) for r in _csv_records(str(path), path.stat().st_mtime)]


def account_rows(
    inputs_dir: Path, scenario_file: str, run_dir: Path, rep_id: str | None = None
) -> list[dict[str, Any]]:
    """The run's assignment.csv rows as text, optionally of one rep (empty before a run)."""
    path = run_dir / "assignment.csv"
    if not path.is_file():
        return []
    rows = _csv_records(str(path), path.stat().st_mtime)
    return [dict(r) for r in rows if rep_id is None or r["rep_id"] == rep_id]


def write_demo(folder: Path, n_accounts: int = 20_000, n_reps: int = 150) -> str:
    """The demo's inputs (as `terraquota demo` builds them) with a scenario.toml for its baseline."""
    from scenarios.demo.data import write_demo_inputs

    inputs = write_demo_inputs(folder, n_accounts=n_accounts, n_reps=n_reps, seed=0)
    baseline = inputs.scenarios[0].name
    (folder / "scenario.toml").write_text(tomli_w.dumps({"extends": baseline}), encoding="utf-8")
    return "scenario.toml"


def scenario_document(scenario_path: Path) -> dict[str, Any]:
    """The top scenario file as a TOML document (a copy: callers may change it)."""
    return copy.deepcopy(tomllib.loads(scenario_path.read_text(encoding="utf-8")))
