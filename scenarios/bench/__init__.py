"""Benchmark suites that print tables: GAP literature, scale ladder, peer comparison."""

from scenarios.bench.gap import (
    find_gap_data_dir,
    format_gap_table,
    gap_summary_lines,
    run_gap_suite,
)
from scenarios.bench.peer import (
    format_peer_table,
    peer_summary_lines,
    run_peer_suite,
)
from scenarios.bench.resolve import (
    format_resolve_table,
    resolve_summary_lines,
    run_resolve_suite,
)
from scenarios.bench.scale import (
    format_scale_table,
    parse_sizes,
    run_scale_suite,
    scale_summary_lines,
)

__all__ = [
    "find_gap_data_dir",
    "format_gap_table",
    "format_peer_table",
    "format_resolve_table",
    "format_scale_table",
    "gap_summary_lines",
    "parse_sizes",
    "peer_summary_lines",
    "resolve_summary_lines",
    "run_gap_suite",
    "run_peer_suite",
    "run_resolve_suite",
    "run_scale_suite",
    "scale_summary_lines",
]
