"""`terraquota plan-hires SCENARIO.toml [-o reps_with_hires.csv]`: propose to-be-hired rows.

Runs the capacity model of the scenario (`solver.planning.capacity_plan`), prints the
plan per block, and writes the scenario's reps table with one placeholder row
per proposed hire appended (no name, a start date, segment, region, OTE, ids
like ``TBH-NA-SMB-01``). The user's rows and headers are kept as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from reports.exports.safe_cells import csv_bytes
from scenarios.cli.summaries import folding_table
from scenarios.run.output_path import check_output_file
from scenarios.run.prepare import prepare
from scenarios.run.runfolder import write_file_atomically
from scenarios.run.runner import EXIT_OK
from scenarios.run.scenario import load_scenario
from solver.errors import InputError, InputProblem
from solver.inputs.readers import read_reps, read_table
from solver.planning.capacity_plan import CapacityPlan, capacity_plan, hire_rows


def plan_tables(plan: CapacityPlan, currency: str | None = None) -> tuple[Table, Table]:
    """The capacity plan per block for the terminal: what is needed, then the hires (capacity in FTE)."""
    code = f" ({currency})" if currency else ""
    need = folding_table(
        "block",
        f"potential{code}",
        f"revenue target{code}",
        "required FTE",
        "team FTE",
        "gap FTE",
        title="capacity plan",
    )
    hires = folding_table(
        "block", "hires", f"hires' cost{code}", "gap left FTE", "start by", "open req. by", title="hires"
    )
    for r in plan.blocks.itertuples():
        block = f"{r.segment} x {r.region}"
        need.add_row(
            block,
            f"{r.potential:,.0f}",
            f"{r.revenue_target:,.0f}",
            f"{r.required_capacity:.2f}",
            f"{r.productive_capacity:.2f}",
            f"{r.capacity_gap:.2f}",
        )
        hires.add_row(
            block,
            str(int(r.hires)),
            "" if pd.isna(r.hire_cost) else f"{r.hire_cost:,.0f}",
            f"{r.gap_left:.2f}",
            r.start_date.isoformat() if r.hires else "",
            r.open_requisition_by.isoformat() if r.hires else "",
        )
    return need, hires


def hires_summary(plan: CapacityPlan, currency: str | None = None) -> str:
    """What the hires cost in the plan year and the capacity gap they leave."""
    b = plan.blocks
    cost = float(b["hire_cost"].fillna(0.0).sum())
    unpriced = int(((b["hires"] > 0) & b["hire_cost"].isna()).sum())
    money = f"{currency} {cost:,.0f}" if currency else f"{cost:,.0f}"
    line = (
        f"{plan.hires} hires cost {money} in the plan year (OTE prorated to their start); "
        f"capacity gap left after them: {float(b['gap_left'].sum()):.2f} FTE"
    )
    if unpriced:
        line += f" ({unpriced} blocks hire without an OTE: give [capacity] ote)"
    return line


def reps_with_hires(reps_path: Path, plan: CapacityPlan) -> pd.DataFrame:
    """The user's reps table (text, own headers) with the placeholder rows appended."""
    text = read_table(reps_path).reset_index(drop=True)
    canonical = read_reps(reps_path)
    header_of = dict(canonical.attrs.get("columns", {}))
    hires = hire_rows(plan, canonical["rep_id"])
    rows = pd.DataFrame(index=range(len(hires)), columns=text.columns, dtype="string")
    for col in ("rep_id", "segment", "region", "start_date", "ote"):
        header = header_of.get(col)
        if header is None:
            header = col
            if header not in rows.columns:
                rows[header] = pd.Series(pd.NA, index=rows.index, dtype="string")
                text[header] = pd.Series(pd.NA, index=text.index, dtype="string")
        values = hires[col]
        if col == "start_date":
            values = values.map(lambda d: d.date().isoformat())
        elif col == "ote":
            values = values.map(lambda v: "" if v is None or pd.isna(v) else f"{float(v):.2f}")
        rows[header] = values.astype("string").to_numpy()
    return pd.concat([text, rows], ignore_index=True)


def plan_hires_to_file(
    scenario_path: Path, output: Path, *, console: Console, log: Callable[[str], None]
) -> int:
    """Run the capacity model and write the reps table with proposed hires."""
    if Path(output).suffix.lower() != ".csv":
        raise InputError(InputProblem(str(output), None, None, "the output must be a .csv file"))
    scenario = load_scenario(scenario_path)
    output = check_output_file(output, inputs=scenario.input_paths())
    log("reading and scoring the inputs")
    prep = prepare(scenario)
    acc = prep.accounts
    block_potential = acc.groupby([acc["region"].astype(str), acc["segment"].astype(str)])["potential"].sum()
    plan = capacity_plan(prep.reps, block_potential, scenario.params)
    currency = scenario.params.plan.currency
    for table in plan_tables(plan, currency):
        console.print(table)
    if plan.sizing is not None and plan.sizing.status.has_plan:
        console.print(
            f"sizing: potential per capacity from {plan.sizing.min_ratio:,.0f} "
            f"to {plan.sizing.max_ratio:,.0f} "
            f"(spread {plan.sizing.spread:.1%} of the mean)",
            markup=False,
            highlight=False,
        )
    for note in plan.notes:
        console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    console.print(hires_summary(plan, currency), markup=False, highlight=False, soft_wrap=True)
    table = reps_with_hires(scenario.reps, plan)
    write_file_atomically(output, csv_bytes(table.fillna("")))
    console.print(
        f"{plan.hires} hires proposed; reps table with placeholders written to {output}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return EXIT_OK
