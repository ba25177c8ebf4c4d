"""Mid-year re-plans: dated events applied to a finished plan, moving as little as possible."""

from solver.replan.events import (
    Event,
    as_frame,
    parse_events,
)
from solver.replan.plan import (
    DEFAULT_MAX_MOVED_SHARE,
    ReplanInputs,
    ReplanResult,
    replan,
)

__all__ = [
    "DEFAULT_MAX_MOVED_SHARE",
    "Event",
    "ReplanInputs",
    "ReplanResult",
    "as_frame",
    "parse_events",
    "replan",
]
