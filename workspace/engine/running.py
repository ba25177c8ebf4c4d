"""Running a version: a full solve, a quota-only re-split, a re-solve of touched blocks, publishing.

Each writes one run folder atomically through `scenarios.run`, exactly as the
CLI would; a worker process keeps the last few finished runs read
(`load_run`) so the next edit of a plan starts from memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from solver.errors import InputError
from workspace.engine.problems import EngineInputError, Progress, located_problems
from workspace.engine.scenario import load_scenario_file

__all__ = ["RUNS_KEPT", "load_run", "publish", "resolve_into", "resplit_into", "solve_into"]

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
        outcome = run_scenario(
            load_scenario_file(scenario_path), progress=_progress_of(progress), render=render
        )
    except InputError as e:
        raise EngineInputError(located_problems(e, scenario_path.parent)) from None
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
        scenario = load_scenario_file(scenario_path)
        # quota keys do not enter the prepared tables: the parent's serve as they are
        base = load_run(parent_run_dir)
    except InputError as e:
        raise EngineInputError(located_problems(e, scenario_path.parent)) from None
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
        scenario = load_scenario_file(scenario_path)
        done = resolve_run(
            parent_run_dir,
            changes,
            source="changes",
            render=False,
            progress=_progress_of(progress),
            base=load_run(parent_run_dir),
        )
    except InputError as e:
        raise EngineInputError(located_problems(e, scenario_path.parent)) from None
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
