"""The demo's entry: draw every table from one seed, in order, and write the input folder."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.demo.data.accounts import estimate_potential, load_cities, place_accounts, size_accounts
from scenarios.demo.data.events import demo_events
from scenarios.demo.data.feasibility import demo_feasibility_report
from scenarios.demo.data.owners import assign_owners, customer_arr, families, pins
from scenarios.demo.data.reps import MIN_REPS_PER_BLOCK, build_reps, emea_hires, min_block_targets
from scenarios.demo.files import (
    NOTICE,
    format_accounts,
    format_reps,
    scenario_texts,
    tight_moved_share,
    write_csv,
)
from scenarios.demo.names import company_names

logger = logging.getLogger(__name__)

#: Smallest demo: some accounts in every block, three reps per block.
MIN_ACCOUNTS = 300
MIN_REPS = MIN_REPS_PER_BLOCK * 6


@dataclass(frozen=True)
class DemoInputs:
    """Paths of the files `write_demo_inputs` wrote (all inside one folder).

    Attributes
    ----------
    accounts, reps, reps_emea_hires : Path
        The input tables; ``reps_emea_hires`` is ``reps`` plus ten planned EMEA hires.
    base_scenario : Path
        ``base.toml``, the shared settings the example scenarios extend.
    scenarios : list[Path]
        The example scenarios to run: baseline, EMEA hires, tight disruption.
    events : Path
        A mid-year events table for ``terraquota replan``.
    notice : Path
        Data credit (GeoNames, CC BY 4.0) for the generated locations.
    """

    accounts: Path
    reps: Path
    reps_emea_hires: Path
    base_scenario: Path
    scenarios: list[Path]
    events: Path
    notice: Path


def write_demo_inputs(
    out_dir: Path, *, n_accounts: int = 20_000, n_reps: int = 150, seed: int = 0
) -> DemoInputs:
    """Generate the demo tables and scenario files into ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        Folder to write into (created if missing; existing demo files are replaced).
    n_accounts : int
        Number of accounts (at least 300, so that every block has some).
    n_reps : int
        Number of reps rows including planned hires (at least 18: three per block).
    seed : int
        Seed of every random draw; the same seed gives byte-identical files.

    Returns
    -------
    DemoInputs
        The paths written.
    """
    if n_accounts < MIN_ACCOUNTS:
        raise ValueError(f"n_accounts must be >= {MIN_ACCOUNTS}, got {n_accounts}")
    if n_reps < MIN_REPS:
        raise ValueError(f"n_reps must be >= {MIN_REPS}, got {n_reps}")
    tables = build_demo_tables(n_accounts=n_accounts, n_reps=n_reps, seed=seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "accounts": out_dir / "accounts.csv",
        "reps": out_dir / "reps.csv",
        "reps_emea_hires": out_dir / "reps_emea_hires.csv",
        "events": out_dir / "events.csv",
    }
    write_csv(format_accounts(tables["accounts"]), paths["accounts"])
    write_csv(format_reps(tables["reps"]), paths["reps"])
    write_csv(format_reps(tables["reps_emea_hires"]), paths["reps_emea_hires"])
    write_csv(tables["events"], paths["events"])
    report = demo_feasibility_report(tables["accounts"], tables["reps"])
    toml_texts = scenario_texts(tight_moved_share(report))
    for file_name, text in toml_texts.items():
        (out_dir / file_name).write_text(text, encoding="utf-8", newline="\n")
    notice = out_dir / "NOTICE.md"
    notice.write_text(NOTICE, encoding="utf-8", newline="\n")
    logger.info("demo data: %d accounts, %d reps written to %s", n_accounts, n_reps, out_dir)
    return DemoInputs(
        accounts=paths["accounts"],
        reps=paths["reps"],
        reps_emea_hires=paths["reps_emea_hires"],
        base_scenario=out_dir / "base.toml",
        scenarios=[out_dir / n for n in ("baseline.toml", "emea_hires.toml", "tight_disruption.toml")],
        events=paths["events"],
        notice=notice,
    )


def build_demo_tables(*, n_accounts: int, n_reps: int, seed: int) -> dict[str, pd.DataFrame]:
    """Draw the demo tables in memory (numbers unformatted), keyed by file stem.

    Kept separate from the writer so tests and notebooks can inspect the data.
    """
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)]
    cities = load_cities()
    acc = place_accounts(cities, n_accounts, streams[0])
    acc = pd.concat([acc, size_accounts(n_accounts, streams[1])], axis=1)
    acc["name"] = company_names(acc["country"].to_numpy(), acc["segment"].to_numpy(), streams[2])
    acc["potential"] = estimate_potential(acc["employees"], acc["annual_revenue"])
    width = max(6, len(str(n_accounts)))
    acc["account_id"] = [f"A{i:0{width}d}" for i in range(1, n_accounts + 1)]

    reps = build_reps(acc, cities, n_reps, streams[3])
    hires = emea_hires(acc, cities, reps, n_reps, streams[4])
    reps_all = pd.concat([reps, hires], ignore_index=True)
    min_target = min_block_targets(acc, reps, reps_all)
    acc["parent_id"] = families(acc, min_target, streams[5])
    assign_owners(acc, reps, streams[6])
    acc["locked_owner"] = pins(acc, reps, streams[7])
    acc["arr"] = customer_arr(acc, streams[8])
    events = demo_events(acc, reps, n_reps)
    return {
        "accounts": acc.sort_values("account_id", ignore_index=True),
        "reps": reps.sort_values("rep_id", ignore_index=True),
        "reps_emea_hires": reps_all.sort_values("rep_id", ignore_index=True),
        "events": events,
    }
