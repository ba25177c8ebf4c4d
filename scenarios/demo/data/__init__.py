"""Bundled demo data: a synthetic North America + EMEA book of business.

`terraquota demo` must work offline and show every feature on data that looks
like a real CRM export, so this package fabricates one from a fixed seed:
accounts placed at real cities (GeoNames, shipped in ``scenarios/data``),
heavy-tailed company sizes, a sales team split over the six segment x region
blocks in proportion to each block's potential, today's uneven territories
(the continuity the optimiser has to weigh), account families, pins, planned
hires and leavers, example scenario files and a mid-year events file.

Everything is drawn from ``numpy.random.default_rng`` streams spawned from one
seed and written sorted with fixed number formats, so the same seed gives
byte-identical files. The generator also keeps the example scenarios solvable:
families stay far smaller than the smallest rep target of their block, and rep
homes are placed so that every rep can be filled from the accounts that have it
among their few nearest reps (what a pruning solver keeps); the disruption budget
of the tight scenario is set from a lower bound on what any balanced plan must
move. `demo_feasibility_report` measures all three.

One module per job: `accounts` (places, sizes, potential), `homes` and `reps`
(the team), `owners` (families, today's owners, pins, ARR), `events`,
`feasibility`, `geometry` (the distances they share), and `generate`, which
draws them in order and writes the files.
"""

from scenarios.demo.data.accounts import estimate_potential
from scenarios.demo.data.feasibility import demo_feasibility_report
from scenarios.demo.data.generate import (
    MIN_ACCOUNTS,
    MIN_REPS,
    DemoInputs,
    build_demo_tables,
    write_demo_inputs,
)
from scenarios.demo.data.reps import capacity_factors
from scenarios.demo.plan import ACCOUNT_COLUMNS, EVENT_COLUMNS, REGIONS, REP_COLUMNS, SEGMENT_BANDS

__all__ = [
    "ACCOUNT_COLUMNS",
    "EVENT_COLUMNS",
    "MIN_ACCOUNTS",
    "MIN_REPS",
    "REGIONS",
    "REP_COLUMNS",
    "SEGMENT_BANDS",
    "DemoInputs",
    "build_demo_tables",
    "capacity_factors",
    "demo_feasibility_report",
    "estimate_potential",
    "write_demo_inputs",
]
