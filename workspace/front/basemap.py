"""The shipped Natural Earth layers (maps/data) as one GeoJSON for the Leaflet map.

No tile server and no network: the browser draws countries and North
American states/provinces as vector layers. Outlines are simplified to
about 5 km and coordinates rounded to 1e-3 degrees, which keeps the file
small (built once per process) and is finer than a pixel at the zooms a
territory map uses.
"""

from __future__ import annotations

import functools
import json

import geopandas as gpd
import numpy as np
import shapely

from maps.basemap import countries, na_admin1

SIMPLIFY_DEG = 0.05
DECIMALS = 3


def _features(frame: gpd.GeoDataFrame, kind: str) -> list[dict[str, object]]:
    geoms = shapely.simplify(frame.geometry.to_numpy(), SIMPLIFY_DEG, preserve_topology=True)
    geoms = shapely.set_precision(geoms, 10.0**-DECIMALS)
    keep = ~shapely.is_empty(geoms) & np.isin(shapely.get_type_id(geoms), (3, 6))
    out = []
    for geom in geoms[keep]:
        out.append({"type": "Feature", "properties": {"k": kind}, "geometry": shapely.geometry.mapping(geom)})
    return out


@functools.lru_cache(maxsize=1)
def basemap_json() -> bytes:
    """Countries (``k`` = "c") and NA admin-1 areas (``k`` = "a") as GeoJSON bytes."""
    features = _features(countries(), "c") + _features(na_admin1(), "a")
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, separators=(",", ":")).encode("utf-8")
