"""Polygon files of ``[regions]`` entries, read once into WGS84 geometry.

Geometry and its CRS are handled here only: the region matcher sees one
shapely geometry per file, in longitude / latitude degrees.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from solver.errors import InputError, InputProblem

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["read_polygons", "split_entry"]


def split_entry(value: str) -> tuple[str, tuple[str, ...]]:
    """``"nuts.geojson#DE2,AT"`` -> (``"nuts.geojson"``, (``"DE2"``, ``"AT"``))."""
    path, _, codes = value.partition("#")
    return path, tuple(c.strip().upper() for c in codes.split(",") if c.strip())


def _selected(frame: gpd.GeoDataFrame, codes: tuple[str, ...], file: str) -> gpd.GeoDataFrame:
    """Features with a text attribute (an id such as NUTS_ID) starting with one of the codes."""
    text = [c for c in frame.columns if c != frame.geometry.name and pd.api.types.is_string_dtype(frame[c])]
    hit = np.zeros(len(frame), dtype=bool)
    for column in text:
        values = frame[column].astype("string").str.upper()
        for code in codes:
            hit |= values.str.startswith(code).to_numpy(dtype=bool, na_value=False)
    if not hit.any():
        raise InputError(
            InputProblem(file, None, None, f"no feature has an id starting with {', '.join(codes)}")
        )
    return frame[hit]


def read_polygons(path: str | Path, select: tuple[str, ...] = ()) -> shapely.Geometry:
    """The union of a file's polygons (GeoJSON, GeoPackage, Shapefile, GeoParquet), in WGS84.

    ``select`` keeps only the features with a text attribute starting with
    one of these codes (``("DE2", "AT")`` picks NUTS regions by their NUTS_ID).

    Raises
    ------
    InputError
        Missing or unreadable file, or a file without polygons.
    """
    import geopandas as gpd  # heavy: only scenarios with polygon regions pay for it

    file = str(path)
    if not Path(path).is_file():
        raise InputError(InputProblem(file, None, None, "polygon file of a [regions] entry not found"))
    try:
        frame = gpd.read_parquet(path) if str(path).lower().endswith(".parquet") else gpd.read_file(path)
    except Exception as exc:  # a corrupt or foreign file: say what failed, not a traceback
        raise InputError(
            InputProblem(file, None, None, f"cannot read as polygons: {type(exc).__name__}: {exc}")
        ) from None
    if select:
        frame = _selected(frame, select, file)
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    kinds = set(frame.geometry.dropna().geom_type)
    if not kinds or not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputError(
            InputProblem(
                file, None, None, f"holds no polygons (geometry types: {', '.join(sorted(kinds)) or 'none'})"
            )
        )
    geometry = shapely.union_all(frame.geometry.dropna().to_numpy())
    shapely.prepare(geometry)
    return geometry
