"""Batch runs: many scenario members, each to its own run folder, engine-independent.

A task is plain data (a `BatchTask` dict: scenario path, overrides, output
folder, render flag), so it crosses process and machine boundaries unchanged;
models are built inside the worker (`run_task`), which returns a plain summary
dict. The engines (`scenarios.batch.engines`: a local process pool or Dask)
only move tasks and summaries.

Resumable: every run folder carries ``inputs.sha256``, the digest of the
resolved scenario TOML and the bytes of its data files, written in the same
atomic step as the folder. A member whose finished folder holds the digest of
its current inputs is skipped, so a killed batch restarted finishes the rest
and never solves a finished member twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
import traceback
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd

from reports.exports.safe_cells import csv_bytes
from scenarios.batch.sweep import expand_sweep
from scenarios.run.runfolder import recover_all, write_folder_atomically
from scenarios.run.runner import (
    EXIT_BUG,
    EXIT_BY_STATUS,
    EXIT_INFEASIBLE,
    EXIT_INPUT,
    EXIT_NO_SOLUTION,
    EXIT_OK,
    run_scenario,
)
from scenarios.run.scenario import PATH_KEYS, Scenario, load_scenario
from solver.assignment import Status
from solver.errors import InputError, InputProblem

__all__ = [
    "DIGEST_FILE",
    "SKIPPED",
    "SOLVED",
    "BatchTask",
    "batch_exit_code",
    "failure_summary",
    "input_digest",
    "member_scenario",
    "plan_tasks",
    "remove_stale_staging",
    "run_task",
    "summary_csv",
    "summary_frame",
]

DIGEST_FILE = "inputs.sha256"
SOLVED, SKIPPED, FAILED = "solved", "skipped (up to date)", "failed"
#: Exit-code precedence of a batch (CONTRACT codes): a bug outranks no solution,
#: which outranks infeasible, which outranks bad input; 0 only when all solved.
_SEVERITY = {EXIT_OK: 0, EXIT_INPUT: 1, EXIT_INFEASIBLE: 2, EXIT_NO_SOLUTION: 3, EXIT_BUG: 4}
SUMMARY_COLUMNS = (
    "name",
    "action",
    "status",
    "exit_code",
    "objective",
    "gap",
    "moved_accounts",
    "moved_potential_share",
    "worst_potential_balance",
    "seconds",
    "error",
    "folder",
)


class BatchTask(TypedDict):
    """One member to run: plain data only (picklable, serialisable)."""

    name: str
    scenario: str
    overrides: dict[str, Any]
    output: str
    render: bool
    values: dict[str, Any]


def plan_tasks(scenario_files: list[Path], output: Path, *, render: bool = True) -> list[BatchTask]:
    """Expand scenario files (plain or sweeps) into tasks, one per member.

    Parameters
    ----------
    scenario_files : list[Path]
        Scenario TOML files; a file with a ``[sweep]`` section gives one task per member.
    output : Path
        Batch folder; member ``m`` writes ``output / m.name``.
    render : bool
        Draw maps and reports in each run folder.

    Returns
    -------
    list[BatchTask]
        In file order, then sweep order.

    Raises
    ------
    InputError
        A sweep is malformed, or two members share a name (they would share a folder).
    """
    tasks: list[BatchTask] = []
    problems: list[InputProblem] = []
    first_file: dict[str, Path] = {}
    for f in scenario_files:
        try:
            members = expand_sweep(f)
        except InputError as e:
            problems += e.problems
            continue
        for m in members:
            if m.name in first_file:
                problems.append(
                    InputProblem(
                        str(m.source),
                        None,
                        "name",
                        f"member {m.name!r} is also declared by {first_file[m.name]}: "
                        "two members cannot share a run folder",
                    )
                )
                continue
            first_file[m.name] = m.source
            tasks.append(
                BatchTask(
                    name=m.name,
                    scenario=str(m.source),
                    overrides=m.overrides,
                    output=str(Path(output).resolve() / m.name),
                    render=render,
                    values=m.values,
                )
            )
    if problems:
        raise InputError(problems)
    return tasks


def _input_files(doc: Any, prefix: str = "") -> list[tuple[str, Path]]:
    """(dotted key, path) of every existing file the resolved scenario names (paths are absolute)."""
    out: list[tuple[str, Path]] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _input_files(v, f"{prefix}{k}.")
    elif isinstance(doc, str) and Path(doc).is_absolute() and Path(doc).is_file():
        out.append((prefix.rstrip("."), Path(doc)))
    return out


def input_digest(scenario: Scenario) -> str:
    """sha256 of the resolved scenario TOML and the bytes of every input file it names.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario (its data paths are absolute).

    Returns
    -------
    str
        Hex digest; equal digests mean the same plan would be computed again.
    """
    h = hashlib.sha256()
    h.update(b"scenario.toml\0" + scenario.to_toml().encode("utf-8"))
    data = scenario.resolved.get("data", {})
    for key in PATH_KEYS:  # named but missing: the digest still changes when it appears
        if isinstance(data.get(key), str) and not Path(data[key]).is_file():
            h.update(f"\0data.{key}\0<missing>".encode())
    for key, path in sorted(_input_files(scenario.resolved)):
        h.update(f"\0{key}\0".encode())
        with path.open("rb") as f:
            h.update(hashlib.file_digest(f, "sha256").digest())
    return h.hexdigest()


def member_scenario(task: BatchTask) -> Scenario:
    """The member's scenario; its ``[sweep]`` section is dropped (a member is not a sweep)."""
    sc = load_scenario(task["scenario"], overrides=task["overrides"])
    resolved = {k: v for k, v in sc.resolved.items() if k != "sweep"}
    return dataclasses.replace(sc, resolved=resolved)


def _finished_metrics(folder: Path, digest: str, render: bool) -> dict[str, Any] | None:
    """metrics.json of a finished run folder made from these very inputs, else None."""
    try:
        if (folder / DIGEST_FILE).read_text(encoding="utf-8").strip() != digest:
            return None
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    has_plan = (folder / "assignment.csv").is_file()
    if render and has_plan and not (folder / "report.html").is_file():
        return None  # finished without reports; reports were asked for now
    return metrics


def _exit_of_status(status: str) -> int:
    try:
        return EXIT_BY_STATUS[Status(status)]
    except ValueError:
        return EXIT_BUG


def _figures(metrics: dict[str, Any]) -> dict[str, Any]:
    moved = metrics.get("moved", {})
    bal = metrics.get("balance", {}).get("potential", {})
    return {
        "objective": metrics.get("objective"),
        "gap": metrics.get("gap"),
        "moved_accounts": moved.get("accounts"),
        "moved_potential_share": moved.get("potential_share"),
        "worst_potential_balance": bal.get("max_abs_deviation"),
    }


def failure_summary(task: BatchTask, error: str, exit_code: int, seconds: float = 0.0) -> dict[str, Any]:
    """The summary of a member that produced no run folder."""
    return {
        "name": task["name"],
        "action": FAILED,
        "status": "input error" if exit_code == EXIT_INPUT else "error",
        "exit_code": exit_code,
        **_figures({}),
        "seconds": round(seconds, 3),
        "error": error,
        "folder": "",
    }


def _error_text(e: BaseException) -> str:
    """One line: exception type and message, and where it was raised."""
    if isinstance(e, InputError):
        return "; ".join(str(p) for p in e.problems)
    where = traceback.extract_tb(e.__traceback__)[-1:] if e.__traceback__ else []
    at = f" (at {Path(where[0].filename).name}:{where[0].lineno} in {where[0].name})" if where else ""
    return f"{type(e).__name__}: {e}{at}".replace("\n", " ")


def run_task(task: BatchTask) -> dict[str, Any]:
    """Worker: load, skip if up to date, else solve and write the folder atomically.

    Never raises for a member's own failure (bad input, infeasible, bug): the
    summary says what happened, so one member never stops the others.

    Parameters
    ----------
    task : BatchTask
        The member to run.

    Returns
    -------
    dict
        Plain summary: name, action (solved / skipped (up to date) / failed),
        status, exit_code, objective, gap, moved_accounts, moved_potential_share,
        worst_potential_balance, seconds (wall), error, folder.
    """
    t0 = time.perf_counter()
    folder = Path(task["output"])
    try:
        scenario = member_scenario(task)
        digest = input_digest(scenario)
        metrics = _finished_metrics(folder, digest, task["render"])
        action = SKIPPED
        if metrics is None:
            outcome = run_scenario(scenario, render=task["render"])
            files = dict(outcome.files)
            files[DIGEST_FILE] = (digest + "\n").encode("ascii")
            write_folder_atomically(folder, files)
            metrics = json.loads(files["metrics.json"])
            action = SOLVED
    except InputError as e:
        return failure_summary(task, _error_text(e), EXIT_INPUT, time.perf_counter() - t0)
    except Exception as e:
        return failure_summary(task, _error_text(e), EXIT_BUG, time.perf_counter() - t0)
    status = str(metrics.get("status"))
    return {
        "name": task["name"],
        "action": action,
        "status": status,
        "exit_code": _exit_of_status(status),
        **_figures(metrics),
        "seconds": round(time.perf_counter() - t0, 3),
        "error": "",
        "folder": str(folder),
    }


def batch_exit_code(summaries: list[dict[str, Any]]) -> int:
    """0 when every member solved, else the most severe member exit code (bug worst)."""
    codes = [int(s["exit_code"]) for s in summaries] or [EXIT_OK]
    return max(codes, key=lambda c: _SEVERITY.get(c, _SEVERITY[EXIT_BUG]))


def summary_frame(tasks: list[BatchTask], summaries: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per member in task order: summary columns, then the swept values."""
    frame = pd.DataFrame(summaries, columns=list(SUMMARY_COLUMNS))
    keys = list(dict.fromkeys(k for t in tasks for k in t["values"]))
    for k in keys:
        frame[k] = [_cell(t["values"].get(k)) for t in tasks]
    return frame


def _cell(value: Any) -> Any:
    """Swept values as CSV cells: tables and lists as compact JSON."""
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def summary_csv(frame: pd.DataFrame) -> bytes:
    """batch_summary.csv bytes (text cells neutralised against formula injection)."""
    return csv_bytes(frame, float_format="%.10g")


def remove_stale_staging(output: Path, names: list[str]) -> int:
    """Clean up after a killed batch: leftovers of these members' folder writes; return how many.

    Only the hidden folders of `write_folder_atomically` are touched; a run
    folder caught between its two renames is put back (`runfolder.recover_all`).
    """
    return recover_all(output, names)
