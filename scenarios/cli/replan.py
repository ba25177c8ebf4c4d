"""`terraquota replan RUN_DIR EVENTS.csv -o DIR`: re-plan a finished run after dated events.

Reads the run folder (its tables, metrics and resolved scenario.toml), the
inputs the run was made from (to keep every rule: pins, families,
eligibility, limits) and the events table; re-assigns only what the events
free up (`solver.replan.plan`), re-splits the quotas by period, and writes a new
run folder atomically: the contract files plus ``changes.csv``, a copy of
the validated ``events.csv`` and ``replan.json`` (the run re-planned and
every events file applied so far).

Re-plans chain: re-planning a re-planned run re-plans its original run with
the earlier events followed by the new ones, so the result is the same as
re-planning the original once with both event files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console

from scenarios.run.inputs_digest import INPUTS_FILE, check_inputs_unchanged, file_sha256, inputs_json
from scenarios.run.output_path import check_output
from scenarios.run.prepare import Prepared, prepare
from scenarios.run.replan_tables import replan_files, run_data_of
from scenarios.run.runfolder import write_folder_atomically
from scenarios.run.runner import EXIT_BY_STATUS, EXIT_OK, json_bytes, render_files
from scenarios.run.scenario import Scenario, load_scenario
from solver.errors import InputError, InputProblem
from solver.inputs.readers import read_table
from solver.money import to_cents
from solver.planning.capacity import month_bounds
from solver.replan.events import Event, parse_events
from solver.replan.plan import DEFAULT_MAX_MOVED_SHARE, ReplanInputs, ReplanResult, replan
from solver.results.run_data import RunData

#: What a re-plan folder records about its chain.
CHAIN_FILE = "replan.json"


def _read_text_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _forbidden(prep: Prepared) -> pd.DataFrame | None:
    """The plan's forbidden (account_id, rep_id) pairs, so the re-plan keeps them forbidden."""
    pairs = getattr(prep.problem, "forbidden_pairs", None)
    if pairs is None:
        return None
    ij = pairs()
    if len(ij) == 0:
        return None
    pb = prep.problem
    return pd.DataFrame({"account_id": pb.account_ids[ij[:, 0]], "rep_id": pb.rep_ids[ij[:, 1]]})


def _check_run_folder(run_dir: Path) -> None:
    needed = ("metrics.json", "scenario.toml", "assignment.csv", "reps.csv", "quotas.csv")
    missing = [n for n in needed if not (run_dir / n).is_file()]
    if missing:
        raise InputError(
            InputProblem(
                str(run_dir),
                None,
                None,
                f"not a run folder with a plan (missing {', '.join(missing)}); run `terraquota run` first",
            )
        )


@dataclass(frozen=True)
class Chain:
    """The original run a re-plan starts from, and the events applied to it before this one."""

    base: Path
    prior: pd.DataFrame | None = None
    prior_file: Path | None = None
    event_files: list[str] = field(default_factory=list)


def chain_of(run_dir: Path) -> Chain:
    """The chain of ``run_dir``: itself, or (a re-plan) its original run and earlier events.

    The original must still be there, unchanged, with unchanged inputs: the
    chain re-plans it.
    """
    record = run_dir / CHAIN_FILE
    if not record.is_file():
        return Chain(run_dir)
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        base, digest, files = Path(data["base"]), data["base_assignment_sha256"], list(data["events"])
    except (ValueError, KeyError, TypeError):
        raise InputError(InputProblem(str(record), None, None, "not a valid replan.json")) from None
    _check_run_folder(base)
    if file_sha256(base / "assignment.csv") != digest:
        why = f"the run {run_dir} was re-planned from has been replaced since; re-plan it again from scratch"
        raise InputError(InputProblem(str(base), None, None, why))
    check_inputs_unchanged(base)
    return Chain(base, read_table(run_dir / "events.csv"), run_dir / "events.csv", files)


def _owners_and_quotas(
    base: Path, scenario: Scenario, prep: Prepared
) -> tuple[pd.DataFrame, object, pd.DataFrame]:
    """The run's assignment (text), each account's owner, and the period quotas in cents."""
    assignment_text = _read_text_csv(base / "assignment.csv")
    ids = prep.accounts["account_id"].astype(str)
    run_ids = set(assignment_text["account_id"])
    if set(ids) != run_ids:
        differ = len(set(ids) ^ run_ids)
        why = f"{differ} accounts differ from the run's assignment.csv: the inputs changed since the run"
        raise InputError(InputProblem(str(scenario.accounts), None, "account_id", why))
    owner = assignment_text.set_index("account_id")["rep_id"].reindex(ids).to_numpy(dtype=object)
    unknown = sorted(set(owner) - set(prep.reps["rep_id"].astype(str)))
    if unknown:
        why = f"reps of the run missing from the inputs: {unknown[:5]}"
        raise InputError(InputProblem(str(scenario.reps), None, "rep_id", why))
    q = _read_text_csv(base / "quotas.csv")
    quotas = pd.DataFrame(
        {
            "rep_id": q["rep_id"],
            "period": pd.to_datetime(q["period"]).dt.date,
            "quota_cents": [to_cents(x) for x in q["quota"]],
        }
    )
    return assignment_text, owner, quotas


def _events(chain: Chain, events_path: Path, scenario: Scenario, prep: Prepared) -> list[Event]:
    """The earlier events of the chain, then the new ones, validated together."""
    params = scenario.params
    bounds = month_bounds(params.plan.start)
    plan_end = (pd.Timestamp(bounds[-1]) - pd.Timedelta(days=1)).date()
    table = read_table(events_path)
    n_prior = 0
    if chain.prior is not None:
        # earlier events first: negative rows sort before the new file's rows on a tie
        prior = chain.prior.reindex(columns=list(dict.fromkeys([*chain.prior.columns, *table.columns])))
        n_prior = len(prior)
        prior.index = pd.Index(range(-n_prior, 0), name="row")
        table = pd.concat([prior, table.reindex(columns=prior.columns)])
    try:
        return parse_events(
            table,
            str(events_path),
            plan_start=params.plan.start,
            plan_end=plan_end,
            reps=prep.reps,
            accounts=prep.accounts,
            segments=set(params.segments.bands) or set(prep.reps["segment"].astype(str)),
            regions=set(params.regions),
        )
    except InputError as e:
        earlier = str(chain.prior_file)
        raise InputError(
            [
                InputProblem(earlier, p.row + n_prior + 2, p.column, p.why)
                if p.row is not None and p.row < 0
                else p
                for p in e.problems
            ]
        ) from None


def _chain_record(chain: Chain, events_path: Path) -> dict[str, Any]:
    return {
        "base": str(chain.base.resolve()),
        "base_assignment_sha256": file_sha256(chain.base / "assignment.csv"),
        "events": [*chain.event_files, str(Path(events_path).resolve())],
    }


def _unsolved_files(run: RunData, name: str, result: ReplanResult, n_events: int) -> dict[str, bytes]:
    metrics = {"name": name, "status": str(result.status), "replan_of": run.name, "events": n_events}
    return {
        "metrics.json": json_bytes(metrics),
        "explanation.txt": ((result.explanation or str(result.status)) + "\n").encode("utf-8"),
        "scenario.toml": run.scenario_toml.encode("utf-8"),
    }


def _print_summary(console: Console, name: str, result: ReplanResult, output: Path) -> None:
    s = result.summary
    moved = int((result.changes["kind"] == "account").sum())
    console.print(
        f"{name}: {result.status}; {s['events']} events, {moved} accounts changed owner "
        f"({float(s['freed_potential']):,.0f} potential freed, {float(s['moved_beyond_freed']):,.0f} "
        f"moved beyond it, budget {float(s['budget']):,.0f}); quota moved {s['quota_moved']}, "
        f"total {s['quota_total_after']} (unchanged)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"run folder: {output}", markup=False, highlight=False, soft_wrap=True)
    for note in result.notes:
        console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


def replan_run(
    run_dir: Path,
    events_path: Path,
    output: Path,
    *,
    max_moved_share: float = DEFAULT_MAX_MOVED_SHARE,
    render: bool = True,
    console: Console,
    log: Callable[[str], None],
) -> int:
    """Re-plan ``run_dir`` after the events in ``events_path``; write ``output``; return the exit code."""
    run_dir = Path(run_dir)
    _check_run_folder(run_dir)
    check_inputs_unchanged(run_dir)
    chain = chain_of(run_dir)
    output = check_output(output, inputs=[run_dir, chain.base, events_path])
    run = RunData.from_folder(chain.base)
    scenario = load_scenario(chain.base / "scenario.toml")
    log(f"reading the inputs of run {run.name}")
    prep = prepare(scenario)
    assignment_text, owner, quotas = _owners_and_quotas(chain.base, scenario, prep)
    events = _events(chain, events_path, scenario, prep)
    log(f"applying {len(events)} events")
    params = scenario.params
    inputs = ReplanInputs(
        accounts=prep.accounts,
        reps=prep.reps,
        owner=owner,
        quotas=quotas,
        plan_start=params.plan.start,
        ramp=params.plan.ramp,
        periods=params.quota.periods,
        seasonality=params.quota.seasonality,
        rules=params.assignment,
        max_moved_share=max_moved_share,
        forbid=_forbidden(prep),
        quota=params.quota,
    )
    result = replan(inputs, events)
    name = f"{run.name}-replan"
    if not result.status.has_plan:
        write_folder_atomically(output, _unsolved_files(run, name, result, len(events)))
        console.print(result.explanation or str(result.status), markup=False, highlight=False, soft_wrap=True)
        return EXIT_BY_STATUS[result.status]
    reps_columns = list(_read_text_csv(chain.base / "reps.csv").columns)
    files = replan_files(prep, run, assignment_text, reps_columns, result, events, run.scenario_toml, name)
    record = _chain_record(chain, events_path)
    files[INPUTS_FILE] = inputs_json(
        scenario, {f"events.{i}": Path(p) for i, p in enumerate(record["events"])}
    )
    files[CHAIN_FILE] = json_bytes(record)
    if render:
        log("drawing the map and writing reports")
        currency = scenario.params.plan.currency or "USD"
        files.update(render_files(run_data_of(name, files, run.scenario_toml), currency=currency))
    write_folder_atomically(output, files)
    _print_summary(console, name, result, output)
    return EXIT_OK
