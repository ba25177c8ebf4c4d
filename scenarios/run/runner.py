"""Run one scenario end to end and produce the run folder's files.

read -> validate -> segment -> size -> assign -> check -> quotas -> tables ->
render (map, report, workbook, Salesforce files) -> files. The caller writes
them atomically (`scenarios.run.runfolder`).
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports.exports.safe_cells import csv_bytes
from scenarios.run.inputs_digest import INPUTS_FILE, inputs_json
from scenarios.run.plan_tables import capacity_table, plan_outputs, plan_quotas, reconcile_table
from scenarios.run.prepare import Prepared, prepare
from scenarios.run.scenario import Scenario
from scenarios.run.tables import assignment_table, metrics, quotas_table, reps_table
from solver.assignment import Result, Status, solve
from solver.config import AssignmentConfig
from solver.quotas.cascade import QuotaPlan
from solver.results.run_data import RunData
from solver.results.warnings import plan_warnings

log = logging.getLogger(__name__)

EXIT_OK, EXIT_BUG, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4
EXIT_BY_STATUS = {
    Status.OPTIMAL: EXIT_OK,
    Status.FEASIBLE: EXIT_OK,
    Status.INFEASIBLE: EXIT_INFEASIBLE,
    Status.NO_SOLUTION: EXIT_NO_SOLUTION,
    Status.ERROR: EXIT_BUG,
}


#: Of the time limit, the share kept for writing the run folder, and at most this share.
WRITE_SHARE, WRITE_SHARE_MAX = 0.03, 0.2
#: Seconds per account that tables, map, report and workbook take to write.
WRITE_SECONDS_PER_ACCOUNT = 2e-5


def solve_rules(rules: AssignmentConfig, spent: float, n_accounts: int, render: bool) -> AssignmentConfig:
    """The rules the solve gets: the scenario's time limit covers reading and writing too,
    so the solve gets what reading left, less what writing will take."""
    limit = rules.time_limit
    writing = WRITE_SHARE * limit + (WRITE_SECONDS_PER_ACCOUNT * n_accounts if render else 0.0)
    left = limit - spent - min(writing, WRITE_SHARE_MAX * limit)
    return rules.model_copy(update={"time_limit": max(left, 0.1 * limit)})


@dataclass(frozen=True)
class RunOutcome:
    scenario: Scenario
    result: Result
    exit_code: int
    files: dict[str, bytes]
    run: RunData | None


#: printf formats of the run tables' float columns (assignment.csv uses the first five)
_FORMATS = {
    "lat": "%.5f",
    "lon": "%.5f",
    "potential": "%.2f",
    "workload": "%.4g",
    "arr": "%.2f",
    "capacity_factor": "%.6f",
    "target_potential": "%.2f",
    "balance_ratio": "%.6f",
}
_ASSIGNMENT_FLOATS = ("lat", "lon", "potential", "workload", "arr")


def _formatted(values: pd.Series, fmt: str) -> pd.Series:
    """``values`` as text in ``fmt``, blank where missing: one pass over plain floats, not a map per cell."""
    floats = values.to_numpy(dtype=float, na_value=np.nan).tolist()
    return pd.Series([fmt % v if v == v else "" for v in floats], index=values.index, dtype=object)


def _format_tables(assignment: pd.DataFrame, reps: pd.DataFrame) -> tuple[bytes, bytes]:
    a = assignment.copy()
    a["moved"] = a["moved"].map({True: "true", False: "false"})
    for col in _ASSIGNMENT_FLOATS:
        a[col] = _formatted(a[col], _FORMATS[col])
    r = reps.copy()
    for col, fmt in _FORMATS.items():
        r[col] = _formatted(r[col], fmt)
    return csv_bytes(a), csv_bytes(r)


def _quotas(scenario: Scenario, prep: Prepared, result: Result) -> QuotaPlan:
    pb = prep.problem
    acc_region = pd.Series(prep.accounts["region"].to_numpy(), index=pb.account_ids)
    region_potential = pd.Series(pb.potential, index=acc_region.index).groupby(acc_region.to_numpy()).sum()
    for region in scenario.params.regions:
        if region not in region_potential.index:
            region_potential[region] = 0.0
    r = result.rep_of_account
    rep_potential = pd.Series(pb.potential).groupby(pb.rep_ids[r]).sum()
    return plan_quotas(scenario, prep, rep_potential, region_potential)


def run_scenario(
    scenario: Scenario,
    progress: Callable[[str], None] | None = None,
    render: bool = True,
    *,
    prepared: Prepared | None = None,
    result: Result | None = None,
    manager_sheets: bool = False,
) -> RunOutcome:
    """Solve one scenario and return every file of its run folder (not yet written).

    ``prepared`` and ``result`` skip reading and solving (alternative plans of
    one scenario share both the inputs and the reading). ``manager_sheets``
    adds one workbook sheet per manager.
    """
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    if prepared is None:
        say("reading and validating inputs")
    prep = prepared or prepare(scenario)
    if result is None:
        say(f"assigning {prep.problem.n_accounts:,} accounts to {prep.problem.n_reps} reps")
        rules = solve_rules(
            scenario.params.assignment, time.perf_counter() - started, prep.problem.n_accounts, render
        )
        result = solve(prep.problem, rules, progress=say)
    files: dict[str, bytes] = {"scenario.toml": scenario.to_toml().encode("utf-8")}
    if not result.status.has_plan:
        m = metrics(scenario, prep, result, None)
        files["metrics.json"] = json_bytes(m)
        files["explanation.txt"] = ((result.explanation or str(result.status)) + "\n").encode("utf-8")
        return RunOutcome(scenario, result, EXIT_BY_STATUS[result.status], files, None)

    say("setting quotas")
    quotas = _quotas(scenario, prep, result)
    assignment = assignment_table(prep, result)
    reps = reps_table(prep, result, quotas)
    quota_periods = quotas_table(quotas)
    outputs = plan_outputs(scenario, prep, result.rep_of_account, quotas)
    m = metrics(scenario, prep, result, quotas, outputs)
    m["warnings"] = plan_warnings(m, scenario.params.warnings)
    files["metrics.json"] = json_bytes(m)
    files[INPUTS_FILE] = inputs_json(scenario)  # what explain, replan and track check
    files["assignment.csv"], files["reps.csv"] = _format_tables(assignment, reps)
    files["quotas.csv"] = csv_bytes(quota_periods)
    files["capacity.csv"] = csv_bytes(capacity_table(outputs))
    files["reconcile.csv"] = csv_bytes(reconcile_table(outputs))
    extras = {key: read_back(files[f"{key}.csv"]) for key in ("capacity", "reconcile")}
    run = RunData(scenario.name, assignment, reps, quota_periods, m, scenario.to_toml(), extras)
    if render:
        say("drawing the map and writing reports")
        currency = scenario.params.plan.currency or "USD"
        files.update(render_files(run, manager_sheets=manager_sheets, currency=currency))
    return RunOutcome(scenario, result, EXIT_OK, files, run)


def read_back(data: bytes) -> pd.DataFrame:
    """A table as its CSV reads back (what `RunData.from_folder` sees), so renders match."""
    return pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])


def render_files(run: RunData, *, manager_sheets: bool = False, currency: str = "USD") -> dict[str, bytes]:
    """The rendered files of a run folder: maps, choropleths, report, workbook, Salesforce files.

    One render step for every command that writes a run folder (`run`, `replan`).
    """
    # renderers load matplotlib and basemaps: import only when drawing
    from maps import territory_map_png, territory_map_svg
    from maps.choropleth import choropleth_png
    from reports import render_run_report, salesforce_files, workbook_bytes

    assignment, reps, title = run.assignment, run.reps, f"{run.name}: territories"
    png = territory_map_png(assignment, reps, title=title)
    files = {"map.png": png, "map.svg": territory_map_svg(assignment, reps, title=title)}
    for value in ("potential", "quota"):
        files[f"choropleth_{value}.png"] = choropleth_png(
            assignment,
            reps,
            value=value,
            title=f"{run.name}: {value} by state / country",
            currency=currency,
        )
    files["report.html"] = render_run_report(run, png).encode("utf-8")
    files["workbook.xlsx"] = workbook_bytes(run, manager_sheets=manager_sheets)
    for name, data in salesforce_files(run).items():
        files[f"salesforce/{name}"] = data
    return files


def json_bytes(obj: object) -> bytes:
    """The one writer of metrics.json (and other JSON files): sorted, indented, no NaN."""
    return (json.dumps(obj, indent=2, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")
