"""Natural Earth base layers and the framing of the two map panels.

The maps show up to three panels, North America, EMEA and Asia-Pacific
(each only when it has accounts), each in a Lambert
azimuthal equal-area projection centred on the accounts it shows (rounded to
5 degrees so that a handful of projections, each cached, serve every run).
Equal-area keeps dot densities honest; centring keeps the region upright.

The layers ship inside the package (``maps/data``; Natural Earth, public
domain) and are read, clipped, projected and simplified once per process per
projection; each render then cuts them to its view and to its pixel size.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.path import Path

#: longitude splitting the first two panels: accounts west of it are drawn in North America.
PANEL_SPLIT_LON = -32.0
#: accounts east of this longitude are drawn in the Asia-Pacific panel.
APAC_SPLIT_LON = 62.0

#: below this span (metres) a frame is widened, so a one-city territory still shows context.
MIN_SPAN_M = 600_000.0

#: base-map vertices closer than this (metres) to a simplified outline are dropped.
SIMPLIFY_M = 800.0

#: share of the data span added on each side of a frame.
PAD_SHARE = 0.08

SEA = "#eef3f7"
LAND = "#e3e3e3"
COUNTRY_EDGE = "#9c9c9c"
ADMIN1_EDGE = "#c2c2c2"


@dataclass(frozen=True)
class PanelSpec:
    """A map panel: its name and the geographic box it may ever show.

    ``extent`` (lon_min, lat_min, lon_max, lat_max) clamps the frame, so a
    stray account far away never turns the panel into a world map.
    ``clip`` is the larger box of base layers drawn, so widening a frame to
    fit the panel's shape still shows land at the edges.
    """

    key: str
    title: str
    extent: tuple[float, float, float, float]
    clip: tuple[float, float, float, float]
    admin1: bool


NORTH_AMERICA = PanelSpec(
    key="na",
    title="North America",
    extent=(-170.0, 7.0, -50.0, 72.0),
    clip=(-180.0, -5.0, -20.0, 85.0),
    admin1=True,
)
EMEA = PanelSpec(
    key="emea",
    title="EMEA",
    extent=(-32.0, -38.0, 75.0, 72.0),
    clip=(-55.0, -50.0, 110.0, 85.0),
    admin1=False,
)
APAC = PanelSpec(
    key="apac",
    title="Asia-Pacific",
    extent=(62.0, -50.0, 180.0, 60.0),
    clip=(40.0, -60.0, 180.0, 80.0),
    admin1=False,
)
PANELS: tuple[PanelSpec, ...] = (NORTH_AMERICA, EMEA, APAC)


def panel_index(lon: np.ndarray) -> np.ndarray:
    """Index into `PANELS` of each longitude (NaN gives -1)."""
    lon = np.asarray(lon, dtype=float)
    out = np.where(lon < PANEL_SPLIT_LON, 0, np.where(lon < APAC_SPLIT_LON, 1, 2))
    return np.where(np.isnan(lon), -1, out)


def _data_file(name: str) -> gpd.GeoDataFrame:
    with resources.as_file(resources.files("maps") / "data" / name) as path:
        return gpd.read_parquet(path)


@lru_cache(maxsize=1)
def countries() -> gpd.GeoDataFrame:
    """Country polygons (Natural Earth 1:50m, WGS84); cached per process."""
    return _data_file("ne50_countries.parquet")


@lru_cache(maxsize=1)
def na_admin1() -> gpd.GeoDataFrame:
    """US state and Canadian province polygons (Natural Earth 1:50m); cached."""
    return _data_file("ne50_na_admin1.parquet")


def crs_for(lon0: float, lat0: float) -> str:
    """Lambert azimuthal equal-area projection centred on (lon0, lat0)."""
    return f"+proj=laea +lat_0={lat0:g} +lon_0={lon0:g} +x_0=0 +y_0=0 +datum=WGS84 +units=m"


@lru_cache(maxsize=32)
def _transformer(crs: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def project(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 degrees to ``crs`` metres, vectorised."""
    x, y = _transformer(crs).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def _geometry_path(geom: shapely.Geometry) -> Path:
    """One compound path (exteriors and holes) for a polygon or multipolygon."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    pieces = [Path(shapely.get_coordinates(ring), closed=True) for ring in rings]
    return Path.make_compound_path(*pieces)


@dataclass(frozen=True)
class BaseLayers:
    """Projected, simplified base-map polygons for one panel projection."""

    crs: str
    land: np.ndarray  # shapely polygons / multipolygons, in crs metres
    admin1: np.ndarray


def _project_layer(frame: gpd.GeoDataFrame, spec: PanelSpec, crs: str) -> np.ndarray:
    clipped = shapely.clip_by_rect(frame.geometry.to_numpy(), *spec.clip)
    clipped = clipped[~shapely.is_missing(clipped) & ~shapely.is_empty(clipped)]
    projected = gpd.GeoSeries(clipped, crs="EPSG:4326").to_crs(crs)
    polys = projected[projected.geom_type.isin(["Polygon", "MultiPolygon"])].to_numpy()
    # About a pixel at the closest zoom: keeps SVGs and rendering light.
    polys = shapely.simplify(polys, SIMPLIFY_M, preserve_topology=True)
    polys = polys[~shapely.is_empty(polys)]
    polys.setflags(write=False)
    return polys


@lru_cache(maxsize=16)
def base_layers(key: str, lon0: float, lat0: float) -> BaseLayers:
    """Base-map polygons of panel ``key`` projected about (lon0, lat0); cached per process."""
    spec = next(p for p in PANELS if p.key == key)
    crs = crs_for(lon0, lat0)
    land = _project_layer(countries(), spec, crs)
    admin1 = _project_layer(na_admin1(), spec, crs) if spec.admin1 else np.array([], dtype=object)
    return BaseLayers(crs=crs, land=land, admin1=admin1)


@lru_cache(maxsize=16)
def land_union(key: str, lon0: float, lat0: float) -> shapely.Geometry:
    """All land of panel ``key`` projected about (lon0, lat0) as one prepared geometry; cached."""
    # Snapped to a 50 m grid: the simplified country outlines overlap by a hair at borders.
    land = shapely.union_all(shapely.make_valid(base_layers(key, lon0, lat0).land), grid_size=50.0)
    shapely.prepare(land)
    return land


def _paths_in(
    geoms: np.ndarray, xlim: tuple[float, float], ylim: tuple[float, float], pixel: float
) -> list[Path]:
    """Paths of the polygons cut to the view and simplified to half a pixel.

    Nothing off-view or finer than the output can show is drawn, which keeps
    rendering fast and SVG files small.
    """
    mx, my = 0.05 * (xlim[1] - xlim[0]), 0.05 * (ylim[1] - ylim[0])
    cut = shapely.clip_by_rect(geoms, xlim[0] - mx, ylim[0] - my, xlim[1] + mx, ylim[1] + my)
    cut = cut[~shapely.is_empty(cut)]
    cut = shapely.simplify(cut, 0.5 * pixel, preserve_topology=True)
    cut = cut[~shapely.is_empty(cut)]
    cut = cut[np.isin(shapely.get_type_id(cut), (3, 6))]  # Polygon, MultiPolygon
    return [_geometry_path(g) for g in cut]


def draw_base(ax: Axes, layers: BaseLayers, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    """Draw sea, land, state/province lines and country borders on ``ax`` for one view."""
    ax.set_facecolor(SEA)
    width_px = ax.get_position().width * ax.figure.get_figwidth() * ax.figure.dpi
    pixel = (xlim[1] - xlim[0]) / max(width_px, 1.0)
    land = _paths_in(layers.land, xlim, ylim, pixel)
    ax.add_collection(PathCollection(land, facecolors=LAND, edgecolors="none", zorder=0), autolim=False)
    if len(layers.admin1):
        ax.add_collection(
            PathCollection(
                _paths_in(layers.admin1, xlim, ylim, pixel),
                facecolors="none",
                edgecolors=ADMIN1_EDGE,
                linewidths=0.35,
                zorder=1,
            ),
            autolim=False,
        )
    ax.add_collection(
        PathCollection(land, facecolors="none", edgecolors=COUNTRY_EDGE, linewidths=0.5, zorder=2),
        autolim=False,
    )
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)


@dataclass(frozen=True)
class Frame:
    """Where a panel looks: its projection centre and projected limits."""

    spec: PanelSpec
    lon0: float
    lat0: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    @property
    def crs(self) -> str:
        """The panel's projection."""
        return crs_for(self.lon0, self.lat0)


def _inside(spec: PanelSpec, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon_min, lat_min, lon_max, lat_max = spec.extent
    return (lon >= lon_min) & (lon <= lon_max) & (lat >= lat_min) & (lat <= lat_max)


def _extent_box(spec: PanelSpec, crs: str) -> tuple[float, float, float, float]:
    """Projected bounding box of the panel's clamp extent (edges densified)."""
    lon_min, lat_min, lon_max, lat_max = spec.extent
    t = np.linspace(0.0, 1.0, 60)
    lon = np.concatenate(
        [
            lon_min + (lon_max - lon_min) * t,
            np.full(60, lon_max),
            lon_max - (lon_max - lon_min) * t,
            np.full(60, lon_min),
        ]
    )
    lat = np.concatenate(
        [
            np.full(60, lat_min),
            lat_min + (lat_max - lat_min) * t,
            np.full(60, lat_max),
            lat_max - (lat_max - lat_min) * t,
        ]
    )
    x, y = project(lon, lat, crs)
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())


def fit_frame(spec: PanelSpec, lon: np.ndarray, lat: np.ndarray, aspect: float) -> Frame:
    """Frame a panel on the given points, padded, clamped to the panel extent.

    Parameters
    ----------
    spec : PanelSpec
        The panel.
    lon, lat : numpy.ndarray
        Points that should be visible (accounts, rep homes), WGS84 degrees.
    aspect : float
        Width / height of the axes box; the frame is widened to match it so
        the map fills the box without distortion.

    Returns
    -------
    Frame
    """
    lon = np.asarray(lon, float)
    lat = np.asarray(lat, float)
    keep = _inside(spec, lon, lat)
    if not keep.any():
        lon_min, lat_min, lon_max, lat_max = spec.extent
        lon, lat = np.array([lon_min, lon_max]), np.array([lat_min, lat_max])
    else:
        lon, lat = lon[keep], lat[keep]
    lon0 = float(np.round((lon.min() + lon.max()) / 2 / 5) * 5)
    lat0 = float(np.round((lat.min() + lat.max()) / 2 / 5) * 5)
    crs = crs_for(lon0, lat0)
    x, y = project(lon, lat, crs)
    x0, x1, y0, y1 = x.min(), x.max(), y.min(), y.max()
    pad = PAD_SHARE * max(x1 - x0, y1 - y0, MIN_SPAN_M)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    bx0, by0, bx1, by1 = _extent_box(spec, crs)
    x0, x1 = max(x0, bx0), min(x1, bx1)
    y0, y1 = max(y0, by0), min(y1, by1)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    width = max(x1 - x0, MIN_SPAN_M)
    height = max(y1 - y0, MIN_SPAN_M)
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    return Frame(
        spec=spec,
        lon0=lon0,
        lat0=lat0,
        xlim=(cx - width / 2, cx + width / 2),
        ylim=(cy - height / 2, cy + height / 2),
    )
