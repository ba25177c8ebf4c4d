"""Maps of runs: territory and comparison maps rendered to PNG or SVG bytes.

This package only draws: it never solves and never writes files (the
``scenarios`` package writes what these functions return).
"""

from maps.comparison import (
    comparison_map,
    comparison_map_png,
    comparison_map_svg,
    join_runs,
)
from maps.layout import figure_size
from maps.palette import colours_for, palette, rep_colour_indices, rep_colours
from maps.territory import territory_map, territory_map_png, territory_map_svg

__all__ = [
    "colours_for",
    "comparison_map",
    "comparison_map_png",
    "comparison_map_svg",
    "figure_size",
    "join_runs",
    "palette",
    "rep_colour_indices",
    "rep_colours",
    "territory_map",
    "territory_map_png",
    "territory_map_svg",
]
