"""From a scenario to a solver `Problem`: read, validate, segment, score, size.

Everything a user can get wrong is collected here and raised as one
`InputError` listing every problem (file, row, column, why).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from scenarios.run.scenario import Scenario
from scenarios.run.workbook_edits import apply_workbook_edits, read_workbook_edits
from solver.config import PlanParams
from solver.errors import InputError, InputProblem
from solver.inputs.columns import header_key
from solver.inputs.geocode import geocode
from solver.inputs.polygons import read_polygons, split_entry
from solver.inputs.readers import read_inputs, read_table
from solver.inputs.validation import family_ids
from solver.planning.capacity import monthly_capacity
from solver.planning.segmentation import assign_regions, derive_potential, derive_segments
from solver.planning.weights import territory_weights
from solver.problem import Problem, build_problem


@dataclass(frozen=True)
class Prepared:
    """Validated tables with derived columns, and the Problem built from them."""

    accounts: pd.DataFrame  # sorted by account_id, with segment, region, potential, workload, family_id
    reps: pd.DataFrame  # sorted by rep_id, with capacity_factor
    monthly_capacity: np.ndarray  # reps x 12, aligned with ``reps``
    problem: Problem


def place_accounts(accounts: pd.DataFrame) -> pd.DataFrame:
    """Accounts with coordinates from their address where they had none.

    ``geocode_quality`` (exact / postal / city / none) is added only when an
    account came without coordinates, so plans of fully located accounts keep
    their tables unchanged.
    """
    placed = geocode(accounts)
    if (placed["geocode_quality"] == "exact").all():
        return accounts
    out = accounts.assign(lat=placed["lat"], lon=placed["lon"], geocode_quality=placed["geocode_quality"])
    out.attrs = accounts.attrs
    return out


def region_polygons(params: PlanParams) -> dict[str, shapely.Geometry]:
    """The geometry of every polygon file the ``[regions]`` entries name."""
    files = {v for es in params.region_entries().values() for kind, v in es if kind == "polygons"}
    return {f: read_polygons(*split_entry(f)) for f in sorted(files)}


def _header(df: pd.DataFrame, column: str) -> str:
    """The user's own header for a canonical column (errors quote what the user wrote)."""
    return str(df.attrs.get("columns", {}).get(column, column))


def read_scenario_tables(scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scenario's accounts and reps, with the extra columns its scoring names.

    With a workbook (``[data] workbook`` or ``run --from-workbook``), the edits
    made in it are applied (`scenarios.run.workbook_edits`).
    """
    accounts, reps = read_inputs(
        scenario.accounts, scenario.reps, numeric=list(scenario.params.scoring.weights)
    )
    workbook = scenario.resolved.get("data", {}).get("workbook")
    if workbook:
        accounts, reps = apply_workbook_edits(accounts, reps, read_workbook_edits(workbook))
    return accounts, reps


def prepare(scenario: Scenario) -> Prepared:
    """Read and validate the scenario's tables and build the assignment problem."""
    return prepare_tables(scenario, *read_scenario_tables(scenario))


def prepare_tables(scenario: Scenario, accounts: pd.DataFrame, reps: pd.DataFrame) -> Prepared:
    """Derive segments, regions, potential and capacity from tables already read (`read_inputs`).

    A what-if edits the tables it read (a pin, a rep's dates) and prepares them
    again, without writing them to files first.
    """
    params = scenario.params
    problems: list[InputProblem] = []
    acc_file, rep_file = str(scenario.accounts), str(scenario.reps)
    accounts = place_accounts(accounts)

    segment, p = derive_segments(accounts, params.segments, acc_file)
    problems += p
    region, p = assign_regions(accounts, params, region_polygons(params), acc_file)
    problems += p
    potential, p = derive_potential(accounts, params.scoring, acc_file)
    problems += p
    known_regions = set(params.regions)
    bad_region = ~reps["region"].astype("string").isin(known_regions)
    for i in np.flatnonzero(bad_region.to_numpy())[:20]:
        problems.append(
            InputProblem(
                rep_file,
                int(reps.index[i]),
                _header(reps, "region"),
                f"region {reps['region'].iloc[i]!r} is not a [regions] entry "
                f"({', '.join(sorted(known_regions))})",
            )
        )
    if params.segments.bands:
        bad_seg = ~reps["segment"].astype("string").isin(set(params.segments.bands))
        for i in np.flatnonzero(bad_seg.to_numpy())[:20]:
            problems.append(
                InputProblem(
                    rep_file,
                    int(reps.index[i]),
                    _header(reps, "segment"),
                    f"segment {reps['segment'].iloc[i]!r} is not a [segments] entry "
                    f"({', '.join(sorted(params.segments.bands))})",
                )
            )
    if problems:
        raise InputError(problems)

    acc = accounts.assign(segment=segment, region=region, potential=potential)
    given_workload = pd.to_numeric(acc["workload"], errors="coerce") if "workload" in acc else None
    default_workload = acc["segment"].map(scenario.workload).astype(float).fillna(1.0)
    acc["workload"] = (
        given_workload.fillna(default_workload) if given_workload is not None else default_workload
    )
    acc["family_id"] = family_ids(acc)
    acc = acc.sort_values("account_id", kind="stable").reset_index(drop=True)
    rp = reps.sort_values("rep_id", kind="stable").reset_index(drop=True)
    monthly = monthly_capacity(rp["start_date"], rp["end_date"], params.plan.start, params.plan.ramp)
    rp["capacity_factor"] = monthly.sum(axis=1) / 12.0
    rows = dict(zip(reps["rep_id"].astype(str), (int(r) for r in reps.index), strict=True))
    weights = _territory_weights(rp, rows, params, rep_file)
    forbid_path = scenario.resolved.get("assignment", {}).get("forbid") or scenario.resolved.get(
        "data", {}
    ).get("forbid")
    forbid = read_forbid(forbid_path, acc["account_id"], rp["rep_id"]) if forbid_path else None
    # the assignment splits each block by capacity factor x level weight x FTE; reps.csv keeps the factor
    problem = build_problem(acc, rp.assign(capacity_factor=weights), forbid)
    return Prepared(acc, rp, monthly, problem)


def _territory_weights(
    rp: pd.DataFrame, rows: dict[str, int], params: PlanParams, rep_file: str
) -> np.ndarray:
    """Each rep's book-target weight (`solver.planning.weights`); a level without a weight names its row."""
    by_id = rp.set_index(rp["rep_id"].astype(str).to_numpy())
    try:
        return territory_weights(rp["capacity_factor"].to_numpy(dtype=float), by_id, params.quota)
    except InputError as e:
        located = []
        for p in e.problems:
            found = re.match(r"^rep ([^\s:,]+):", p.why)
            row = rows.get(found.group(1)) if found else None
            located.append(InputProblem(rep_file, row, _header(rp, p.column or ""), p.why))
        raise InputError(located) from None


def read_forbid(path: str, account_ids: pd.Series, rep_ids: pd.Series) -> pd.DataFrame:
    """The forbidden (account_id, rep_id) pairs of ``[assignment] forbid``, checked against the tables."""
    table = read_table(path)
    keys = {header_key(h): h for h in table.columns}
    problems = [
        InputProblem(path, None, col, f"required column {col!r} is missing")
        for col in ("account_id", "rep_id")
        if header_key(col) not in keys
    ]
    if problems:
        raise InputError(problems)
    pairs = pd.DataFrame(
        {
            "account_id": table[keys["accountid"]].astype("string"),
            "rep_id": table[keys["repid"]].astype("string"),
        },
        index=table.index,
    )
    for col, known in (("account_id", account_ids), ("rep_id", rep_ids)):
        bad = ~pairs[col].isin(set(known.astype(str)))
        problems += [
            InputProblem(path, int(row), keys[header_key(col)], f"{value!r} is not in the {col[:-3]}s table")
            for row, value in pairs[col][bad].head(20).items()
        ]
    if problems:
        raise InputError(problems)
    return pairs.reset_index(drop=True)
