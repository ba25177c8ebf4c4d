"""Choropleths of a run: potential, quota, coverage or attainment by state or country.

Areas are US states and Canadian provinces (Natural Earth admin-1) and, for
every other country, the country (EMEA has no admin-1 layer). An account
falls in the area of its state code or name (US and Canada), else in the
admin-1 polygon holding its coordinates, else in its country.

Values per area:

- ``potential``: the sum of the accounts' potential.
- ``quota``: each rep's annual quota spread over the areas in proportion to
  the rep's potential there (quota follows the potential it was set on).
- ``coverage``: capacity (FTE, the reps' capacity factors spread the same
  way) share of the area / potential share of the area. 1.0 means the area
  gets capacity in line with its potential; below 1 it is thinly covered.
- ``attainment``: bookings / quota, both spread by potential share from a
  rep-level table (rep_id, quota, bookings; the ``total`` period rows of
  ``attainment_by_rep.csv`` when a period column is present).

The picture uses the territory map's panels, projections and base layers
(`maps.basemap`) and one colour scale for both panels: sequential for
amounts, diverging around 1.0 for coverage and attainment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PathCollection
from matplotlib.colors import Colormap, ListedColormap, Normalize, TwoSlopeNorm
from matplotlib.figure import Figure

from maps.basemap import (
    PANELS,
    _geometry_path,
    base_layers,
    countries,
    draw_base,
    fit_frame,
    na_admin1,
    panel_index,
)
from maps.layout import (
    Format,
    add_footnote,
    add_titles,
    map_aspect,
    new_figure,
    no_data,
    plural,
    render,
)
from maps.money import DEFAULT_CURRENCY, money_label, short_money
from maps.tables import coordinates

Value = Literal["potential", "quota", "coverage", "attainment"]
VALUES: tuple[str, ...] = ("potential", "quota", "coverage", "attainment")

#: Colour maps: sequential for amounts, diverging (centred on 1.0) for ratios.
SEQUENTIAL = "YlGnBu"
DIVERGING = "RdYlBu"
#: Ratios are drawn within [1 - RATIO_SPAN, 1 + RATIO_SPAN] at least, so a
#: plan where every area sits at 1.00 +- 0.01 does not look alarming.
RATIO_SPAN = 0.25
#: A point this close (degrees) to a US state or Canadian province belongs to it.
NEAR_DEGREES = 0.5

_TITLES = {
    "potential": "Potential",
    "quota": "Quota (rep quotas spread by potential)",
    "coverage": "Coverage: capacity share / potential share",
    "attainment": "Attainment: bookings / quota",
}

_ADMIN1_COUNTRIES = ("US", "CA")


@lru_cache(maxsize=1)
def areas() -> gpd.GeoDataFrame:
    """Area polygons: US/CA admin-1 (key ``US-NY``), other countries (key ``FR``); WGS84."""
    admin1 = na_admin1()[["iso_3166_2", "iso_a2", "name", "geometry"]].rename(columns={"iso_3166_2": "key"})
    world = countries()
    world = world[~world["iso_a2"].isin(_ADMIN1_COUNTRIES) & world["iso_a2"].str.fullmatch(r"[A-Z]{2}")]
    world = world[["iso_a2", "name", "geometry"]].assign(key=world["iso_a2"])
    frame = pd.concat([admin1, world[["key", "iso_a2", "name", "geometry"]]], ignore_index=True)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
    pts = shapely.point_on_surface(frame.geometry.to_numpy())
    frame["panel"] = panel_index(shapely.get_x(pts))
    return frame.sort_values("key", kind="stable").reset_index(drop=True)


def _state_keys(country: pd.Series, state: pd.Series) -> pd.Series:
    """``US-NY`` from country US and state ``NY`` or ``New York`` (NA when unknown)."""
    table = areas()
    table = table[table["iso_a2"].isin(_ADMIN1_COUNTRIES)]
    by_code = pd.Series(table["key"].to_numpy(), index=table["key"].to_numpy())
    by_name = pd.Series(
        table["key"].to_numpy(), index=(table["iso_a2"] + "|" + table["name"].str.casefold()).to_numpy()
    )
    s = state.astype("string").str.strip()
    c = country.astype("string").str.strip().str.upper()
    code = (c + "-" + s.str.upper()).map(by_code)
    name = (c + "|" + s.str.casefold()).map(by_name)
    return code.fillna(name).astype("string")


def _point_keys(lat: np.ndarray, lon: np.ndarray, mask: np.ndarray) -> pd.Series:
    """Admin-1 key of each masked point inside a US/CA polygon (NA elsewhere)."""
    out = pd.Series(pd.NA, index=range(len(lat)), dtype="string")
    if not mask.any():
        return out
    table = areas()
    table = table[table["iso_a2"].isin(_ADMIN1_COUNTRIES)].reset_index(drop=True)
    tree = shapely.STRtree(table.geometry.to_numpy())
    rows = np.flatnonzero(mask)
    pts = shapely.points(lon[rows], lat[rows])
    # Points in the sea just off a coast (geocoded to a harbour, a jittered
    # city) take the nearest state within NEAR_DEGREES.
    hit_pt, hit_area = tree.query_nearest(pts, max_distance=NEAR_DEGREES, all_matches=False)
    first = pd.Series(hit_area, index=hit_pt).groupby(level=0).min()
    out.iloc[rows[first.index.to_numpy()]] = table["key"].to_numpy()[first.to_numpy()]
    return out


def area_keys(assignment: pd.DataFrame) -> pd.Series:
    """The area key of each account (state / province for US and CA, else the country)."""
    n = len(assignment)
    country = assignment.get("country", pd.Series(pd.NA, index=assignment.index)).astype("string")
    country = country.str.strip().str.upper().reset_index(drop=True)
    state = assignment.get("state", pd.Series(pd.NA, index=assignment.index)).reset_index(drop=True)
    keys = _state_keys(country, state)
    lat, lon = coordinates(assignment.reset_index(drop=True))
    in_admin1 = country.isin(_ADMIN1_COUNTRIES).to_numpy(dtype=bool, na_value=False)
    need = keys.isna().to_numpy(dtype=bool) & np.isfinite(lat) & (in_admin1 | country.isna().to_numpy(bool))
    keys = keys.fillna(_point_keys(lat, lon, need))
    known = set(areas()["key"])
    fallback = country.where(~country.isin(_ADMIN1_COUNTRIES) & country.isin(known))
    keys = keys.fillna(fallback)
    return pd.Series(keys.to_numpy(), index=assignment.index[:n], dtype="string")


def _rep_spread(assignment: pd.DataFrame, keys: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Each rep's share of its potential per area (rep_id, key, share), and potential per area."""
    pot = pd.to_numeric(assignment.get("potential"), errors="coerce").fillna(0.0).clip(lower=0.0)
    data = pd.DataFrame(
        {
            "rep_id": assignment["rep_id"].astype("string").to_numpy(),
            "key": keys.to_numpy(),
            "potential": pot.to_numpy(dtype=float),
        }
    ).dropna(subset=["rep_id", "key"])
    by_pair = data.groupby(["rep_id", "key"], sort=True)["potential"].sum().reset_index()
    rep_total = by_pair.groupby("rep_id")["potential"].transform("sum")
    count = by_pair.groupby("rep_id")["potential"].transform("size")
    by_pair["share"] = np.where(
        rep_total > 0, by_pair["potential"] / rep_total.where(rep_total > 0, 1.0), 1.0 / count
    )
    area_potential = data.groupby("key", sort=True)["potential"].sum()
    return by_pair, area_potential


def _spread(by_pair: pd.DataFrame, per_rep: pd.Series) -> pd.Series:
    """A rep-level figure spread over the areas by the reps' potential shares."""
    values = by_pair["rep_id"].map(per_rep).astype(float).fillna(0.0) * by_pair["share"]
    return values.groupby(by_pair["key"]).sum()


def _rep_numbers(table: pd.DataFrame, column: str) -> pd.Series:
    if "period" in table:
        table = table[table["period"].astype(str) == "total"]
    values = pd.to_numeric(table[column], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    return pd.Series(values, index=table["rep_id"].astype("string").to_numpy()).groupby(level=0).sum()


def area_values(
    assignment: pd.DataFrame,
    reps: pd.DataFrame,
    value: Value,
    attainment: pd.DataFrame | None = None,
) -> pd.Series:
    """The figure of each area with accounts (indexed by area key, sorted)."""
    if value not in VALUES:
        raise ValueError(f"unknown value {value!r}; use one of {', '.join(VALUES)}")
    keys = area_keys(assignment)
    by_pair, area_potential = _rep_spread(assignment, keys)
    if value == "potential":
        return area_potential.astype(float)
    if value == "quota":
        return _spread(by_pair, _rep_numbers(reps, "quota")).reindex(area_potential.index, fill_value=0.0)
    if value == "coverage":
        fte = _spread(by_pair, _rep_numbers(reps, "capacity_factor")).reindex(
            area_potential.index, fill_value=0.0
        )
        pot_share = (
            area_potential / area_potential.sum() if area_potential.sum() > 0 else area_potential * np.nan
        )
        fte_share = fte / fte.sum() if fte.sum() > 0 else fte * np.nan
        return (fte_share / pot_share.where(pot_share > 0)).astype(float)
    if attainment is None:
        raise ValueError("value='attainment' needs the attainment table (rep_id, quota, bookings)")
    quota = _spread(by_pair, _rep_numbers(attainment, "quota")).reindex(area_potential.index, fill_value=0.0)
    booked = _spread(by_pair, _rep_numbers(attainment, "bookings")).reindex(
        area_potential.index, fill_value=0.0
    )
    return (booked / quota.where(quota > 0)).astype(float)


@dataclass(frozen=True)
class _Scale:
    cmap: Colormap
    norm: Normalize
    ratio: bool


@lru_cache(maxsize=4)
def _colour_map(name: str, low: float) -> Colormap:
    """``name`` without its palest end (below ``low``), which would vanish into the grey land."""
    return ListedColormap(colormaps[name](np.linspace(low, 1.0, 256)), name=f"{name}_from_{low:g}")


def _scale(values: pd.Series, value: str) -> _Scale:
    finite = values[np.isfinite(values.to_numpy(dtype=float))]
    if value in ("coverage", "attainment"):
        span = max(RATIO_SPAN, float(np.abs(finite - 1.0).max()) if len(finite) else RATIO_SPAN)
        return _Scale(
            colormaps[DIVERGING], TwoSlopeNorm(vcenter=1.0, vmin=max(1.0 - span, 0.0), vmax=1.0 + span), True
        )
    top = float(finite.max()) if len(finite) else 1.0
    return _Scale(_colour_map(SEQUENTIAL, 0.15), Normalize(vmin=0.0, vmax=top if top > 0 else 1.0), False)


@lru_cache(maxsize=16)
def _projected_areas(crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Area keys and polygons projected to ``crs`` (cached per projection)."""
    table = areas()
    projected = table.geometry.to_crs(crs).to_numpy()
    keys = table["key"].to_numpy(dtype=object)
    keys.setflags(write=False)
    projected.setflags(write=False)
    return keys, projected


def _draw_panel(
    ax: Axes, spec_index: int, values: pd.Series, lat: np.ndarray, lon: np.ndarray, scale: _Scale
) -> None:
    spec = PANELS[spec_index]
    table = areas()
    keys_here = table.loc[table["panel"] == spec_index, "key"]
    shown = values[values.index.isin(keys_here)]
    pts = shapely.point_on_surface(table.set_index("key").loc[shown.index].geometry.to_numpy())
    in_panel = panel_index(lon) == spec_index
    frame_lon = np.concatenate([lon[in_panel], shapely.get_x(pts)])
    frame_lat = np.concatenate([lat[in_panel], shapely.get_y(pts)])
    frame = fit_frame(spec, frame_lon, frame_lat, map_aspect())
    layers = base_layers(spec.key, frame.lon0, frame.lat0)
    draw_base(ax, layers, frame.xlim, frame.ylim)
    keys, polys = _projected_areas(frame.crs)
    pick = np.isin(keys, shown.index.to_numpy())
    (x0, x1), (y0, y1) = frame.xlim, frame.ylim
    cut = shapely.clip_by_rect(polys[pick], x0, y0, x1, y1)
    width_px = ax.get_position().width * ax.figure.get_figwidth() * ax.figure.dpi
    cut = shapely.simplify(cut, 0.5 * (x1 - x0) / max(width_px, 1.0), preserve_topology=True)
    vals = shown.reindex(keys[pick]).to_numpy(dtype=float)
    keep = ~shapely.is_empty(cut) & np.isin(shapely.get_type_id(cut), (3, 6))
    cmap = scale.cmap
    colours = np.where(
        np.isfinite(vals)[:, None], cmap(scale.norm(np.nan_to_num(vals, nan=1.0))), (0.8, 0.8, 0.8, 1.0)
    )
    paths = [_geometry_path(g) for g in cut[keep]]
    ax.add_collection(
        # Between the land fill (0) and the state / country borders (1, 2), which stay visible.
        PathCollection(paths, facecolors=colours[keep], edgecolors="none", zorder=0.5),
        autolim=False,
    )
    ax.set_xlim(*frame.xlim)
    ax.set_ylim(*frame.ylim)


def _panels_with_data(values: pd.Series) -> list[int]:
    table = areas().set_index("key")
    panels = table.loc[values.index, "panel"].to_numpy()
    return [i for i in range(len(PANELS)) if (panels == i).any()]


def _colourbar(fig: Figure, strip: Axes, scale: _Scale, text: bool, value: str, currency: str) -> None:
    pos = strip.get_position()
    cax = fig.add_axes(
        (pos.x0 + 0.02 * pos.width, pos.y0 + 0.45 * pos.height, 0.55 * pos.width, 0.22 * pos.height),
        label="colour bar",
    )
    bar = fig.colorbar(ScalarMappable(norm=scale.norm, cmap=scale.cmap), cax=cax, orientation="horizontal")
    bar.outline.set_linewidth(0.4)
    if not text:
        cax.set_xticks([])
        return
    if scale.ratio:
        bar.ax.xaxis.set_major_formatter(lambda x, _p: f"{x:.0%}" if value == "attainment" else f"{x:.2f}")
        label = _TITLES[value]
    else:
        bar.ax.xaxis.set_major_formatter(lambda x, _p: short_money(x, currency))
        label = money_label(_TITLES[value], currency)
    bar.ax.tick_params(labelsize=7)
    bar.ax.set_title(label, fontsize=7.5, loc="left")


def _figure(
    assignment: pd.DataFrame,
    reps: pd.DataFrame,
    value: Value,
    title: str,
    text: bool,
    dpi: int,
    attainment: pd.DataFrame | None,
    currency: str = DEFAULT_CURRENCY,
) -> Figure:
    values = area_values(assignment, reps, value, attainment)
    lat, lon = coordinates(assignment.reset_index(drop=True))
    panels = _panels_with_data(values)
    fig, axes = new_figure(len(panels), dpi)
    scale = _scale(values, value)
    for i, panel_axes in zip(panels, axes, strict=False):
        _draw_panel(panel_axes.map, i, values, lat, lon, scale)
        if text:
            n = int(areas().set_index("key").loc[values.index, "panel"].eq(i).sum())
            panel_axes.map.set_title(
                f"{PANELS[i].title}  ·  {plural(n, 'area')}", loc="left", fontweight="bold"
            )
    # One colour scale for every panel, and its bar under each: a panel read alone still has its key.
    for panel_axes in axes:
        _colourbar(fig, panel_axes.strip, scale, text, value, currency)
    if not text:
        return fig
    if not panels:
        no_data(axes[0].map, "No accounts with a known state or country")
    add_titles(fig, title, _TITLES[value] + ", by US state, Canadian province or country.")
    unplaced = int(area_keys(assignment).isna().sum())
    if unplaced:
        add_footnote(fig, f"Not shown: {plural(unplaced, 'account')} without a known state or country.")
    return fig


def choropleth(
    assignment: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    value: Value,
    title: str,
    text: bool = True,
    dpi: int = 110,
    fmt: Format = "png",
    attainment: pd.DataFrame | None = None,
    currency: str = DEFAULT_CURRENCY,
) -> bytes:
    """Render a choropleth of one figure of a run by state / province / country.

    Parameters
    ----------
    assignment : pandas.DataFrame
        account_id, rep_id, country, state, lat, lon, potential.
    reps : pandas.DataFrame
        rep_id, quota, capacity_factor.
    value : {"potential", "quota", "coverage", "attainment"}
        The figure (module docstring).
    title : str
        Figure title.
    text : bool
        False draws no title, panel titles, colour-bar labels or notes (for
        image comparison tests); the image size does not change.
    dpi : int
        Resolution.
    fmt : {"png", "svg"}
        Image format.
    attainment : pandas.DataFrame, optional
        rep_id, quota, bookings (and period: the ``total`` rows are used);
        required for ``value="attainment"``.
    currency : str
        ISO code written on money scales (symbol for the common ones).

    Returns
    -------
    bytes
        The encoded image; identical inputs give identical bytes.
    """
    return render(lambda: _figure(assignment, reps, value, title, text, dpi, attainment, currency), fmt)


def choropleth_png(
    assignment: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    value: Value,
    title: str,
    text: bool = True,
    dpi: int = 110,
    attainment: pd.DataFrame | None = None,
    currency: str = DEFAULT_CURRENCY,
) -> bytes:
    """PNG choropleth; see `choropleth`."""
    return choropleth(
        assignment,
        reps,
        value=value,
        title=title,
        text=text,
        dpi=dpi,
        attainment=attainment,
        currency=currency,
    )
