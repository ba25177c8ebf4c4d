"""Polygon files of ``[regions]`` entries, read once into WGS84 geometry.

Geometry and its CRS are handled here only: the region matcher sees one
shapely geometry per file, in longitude / latitude degrees.
"""

from __future__ import annotations

from pathlib import Path

import shapely

from solver.errors import InputError, InputProblem

__all__ = ["read_polygons"]


def read_polygons(path: str | Path) -> shapely.Geometry:
    """The union of a file's polygons (GeoJSON, GeoPackage, Shapefile, GeoParquet), in WGS84.

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
