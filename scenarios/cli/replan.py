"""`terraquota replan RUN_DIR EVENTS.csv -o DIR`: re-plan a finished run after dated events.

Reads the run folder (its tables, metrics and resolved scenario.toml), the
inputs the run was made from (to keep every rule: pins, families,
eligibility, limits) and the events table; re-assigns only what the events
free up (`solver.replan.plan`), re-splits the quotas by period, and writes a new
run folder atomically: the contract files plus ``changes.csv`` and a copy of
the validated ``events.csv``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from rich.console import Console

from scenarios.run.output_path import check_output
from scenarios.run.prepare import Prepared, prepare
from scenarios.run.replan_tables import replan_files, run_data_of
from scenarios.run.runfolder import write_folder_atomically
from scenarios.run.runner import EXIT_BY_STATUS, EXIT_OK
from scenarios.run.scenario import load_scenario
from solver.errors import InputError, InputProblem
from solver.inputs.readers import read_table
from solver.money import to_cents
from solver.planning.capacity import month_bounds
from solver.replan.events import parse_events
from solver.replan.plan import DEFAULT_MAX_MOVED_SHARE, ReplanInputs, replan
from solver.results.run_data import RunData


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
    output = check_output(output, inputs=[run_dir, events_path])
    run = RunData.from_folder(run_dir)
    scenario = load_scenario(run_dir / "scenario.toml")
    log(f"reading the inputs of run {run.name}")
    prep = prepare(scenario)
    assignment_text = _read_text_csv(run_dir / "assignment.csv")
    ids = prep.accounts["account_id"].astype(str)
    run_ids = set(assignment_text["account_id"])
    if set(ids) != run_ids:
        differ = len(set(ids) ^ run_ids)
        raise InputError(
            InputProblem(
                str(scenario.accounts),
                None,
                "account_id",
                f"{differ} accounts differ from the run's assignment.csv: the inputs changed since the run",
            )
        )
    owner = assignment_text.set_index("account_id")["rep_id"].reindex(ids).to_numpy(dtype=object)
    unknown = sorted(set(owner) - set(prep.reps["rep_id"].astype(str)))
    if unknown:
        raise InputError(
            InputProblem(
                str(scenario.reps), None, "rep_id", f"reps of the run missing from the inputs: {unknown[:5]}"
            )
        )
    q = _read_text_csv(run_dir / "quotas.csv")
    quotas = pd.DataFrame(
        {
            "rep_id": q["rep_id"],
            "period": pd.to_datetime(q["period"]).dt.date,
            "quota_cents": [to_cents(x) for x in q["quota"]],
        }
    )
    params = scenario.params
    bounds = month_bounds(params.plan.start)
    plan_end = (pd.Timestamp(bounds[-1]) - pd.Timedelta(days=1)).date()
    events = parse_events(
        read_table(events_path),
        str(events_path),
        plan_start=params.plan.start,
        plan_end=plan_end,
        reps=prep.reps,
        accounts=prep.accounts,
        segments=set(params.segments.bands) or set(prep.reps["segment"].astype(str)),
        regions=set(params.regions),
    )
    log(f"applying {len(events)} events")
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
    )
    result = replan(inputs, events)
    name = f"{run.name}-replan"
    if not result.status.has_plan:
        text = result.explanation or str(result.status)
        metrics = {"name": name, "status": str(result.status), "replan_of": run.name, "events": len(events)}
        write_folder_atomically(
            output,
            {
                "metrics.json": (json.dumps(metrics, indent=2, sort_keys=True) + "\n").encode("utf-8"),
                "explanation.txt": (text + "\n").encode("utf-8"),
                "scenario.toml": run.scenario_toml.encode("utf-8"),
            },
        )
        console.print(text, markup=False, highlight=False, soft_wrap=True)
        return EXIT_BY_STATUS[result.status]
    files = replan_files(
        prep,
        run,
        assignment_text,
        list(_read_text_csv(run_dir / "reps.csv").columns),
        result,
        events,
        run.scenario_toml,
        name,
    )
    if render:
        from maps import territory_map_png
        from reports import render_run_report, salesforce_files, workbook_bytes

        log("drawing the map and writing reports")
        data = run_data_of(name, files, run.scenario_toml)
        png = territory_map_png(data.assignment, data.reps, title=f"{name}: territories")
        files["map.png"] = png
        files["report.html"] = render_run_report(data, png).encode("utf-8")
        files["workbook.xlsx"] = workbook_bytes(data)
        for key, blob in salesforce_files(data).items():
            files[f"salesforce/{key}"] = blob
    write_folder_atomically(output, files)
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
    return EXIT_OK
