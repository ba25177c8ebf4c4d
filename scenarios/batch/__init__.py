"""Many scenario members in parallel (local processes or Dask), resumable, and sweeps."""

from scenarios.batch.engines import (
    ENGINES,
    run_dask,
    run_local,
)
from scenarios.batch.members import (
    SKIPPED,
    BatchTask,
    batch_exit_code,
    plan_tasks,
    remove_stale_staging,
    summary_csv,
    summary_frame,
)
from scenarios.batch.sweep import (
    short_keys,
    value_slug,
)

__all__ = [
    "ENGINES",
    "SKIPPED",
    "BatchTask",
    "batch_exit_code",
    "plan_tasks",
    "remove_stale_staging",
    "run_dask",
    "run_local",
    "short_keys",
    "summary_csv",
    "summary_frame",
    "value_slug",
]
