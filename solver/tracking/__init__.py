"""In-year tracking: opportunities and forecast overrides rolled up into attainment."""

from solver.tracking.opportunities import (
    Stage,
    read_opportunities,
    resolve_owners,
)
from solver.tracking.overrides import (
    read_overrides,
)
from solver.tracking.rollup import (
    Tracking,
    attainment_table,
    forecast_table,
    overrides_table,
    track,
)

__all__ = [
    "Stage",
    "Tracking",
    "attainment_table",
    "forecast_table",
    "overrides_table",
    "read_opportunities",
    "read_overrides",
    "resolve_owners",
    "track",
]
