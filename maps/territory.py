"""Territory map of one run: accounts coloured by rep, rep homes, one panel per region.

Dots get precomputed RGBA arrays, never a categorical column: with hundreds
of reps matplotlib's per-category path is some 70x slower.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from maps.basemap import base_layers, draw_base, land_union
from maps.labels import draw_labels, metres_per_point, place_labels
from maps.layout import (
    Format,
    PanelAxes,
    PanelPlan,
    add_footnote,
    add_titles,
    dot_alpha,
    dot_size,
    new_figure,
    no_data,
    not_shown,
    plan_panels,
    plural,
    render,
)
from maps.legend import (
    HOME_MARKER,
    MAX_NAMED_REPS,
    dot_handle,
    draw_key,
    draw_note,
    draw_rep_list,
    home_handle,
    legend_rows,
    outline_handle,
)
from maps.outlines import draw_outlines, reach, rep_territories, touching_reps
from maps.palette import NO_REP_RGBA, colours_for, rep_colours, separate_neighbours
from maps.tables import coordinates, rep_homes, rep_labels, select, sort_accounts


def _panel_reps(plan: PanelPlan, rep_ids: pd.Series, labels: pd.Series) -> pd.Series:
    """Label of each rep with accounts in the panel, indexed and sorted by rep_id."""
    ids = pd.Index(np.sort(rep_ids.iloc[plan.rows].dropna().unique()), dtype="string")
    return labels.reindex(ids).fillna(pd.Series(ids, index=ids, dtype="string"))


def _draw_panel(
    axes: PanelAxes,
    plan: PanelPlan,
    rgba: np.ndarray,
    rep_ids: pd.Series,
    panel_reps: pd.Series,
    territories: pd.Series,
    colour_table: pd.DataFrame,
    text: bool,
) -> None:
    ax = axes.map
    layers = base_layers(plan.spec.key, plan.frame.lon0, plan.frame.lat0)
    draw_base(ax, layers, plan.frame.xlim, plan.frame.ylim)
    n = len(plan.rows)
    outlined = draw_outlines(ax, territories, colour_table)
    ax.scatter(
        plan.x,
        plan.y,
        s=dot_size(n),
        c=rgba[plan.rows],
        linewidths=0,
        alpha=dot_alpha(n),
        zorder=3,
        rasterized=True,
    )
    homes = plan.homes
    if len(homes):
        ax.scatter(
            homes["x"],
            homes["y"],
            s=120.0 if len(homes) <= MAX_NAMED_REPS else 70.0,
            c=colours_for(homes["rep_id"], colour_table),
            marker=HOME_MARKER,
            edgecolors="black",
            linewidths=0.7,
            zorder=5,
        )
    if not text:
        return
    n_reps = len(panel_reps)
    ax.set_title(
        f"{plan.spec.title}  ·  {plural(n, 'account')}  ·  {plural(n_reps, 'rep')}",
        loc="left",
        fontweight="bold",
    )
    key = [dot_handle("#5a5a5a", "Account (colour = its rep)"), home_handle("Rep home")]
    if outlined:
        key.append(outline_handle("Territory (land nearest its accounts)"))
    if rep_ids.iloc[plan.rows].isna().any():
        key.append(dot_handle(NO_REP_RGBA, "No rep"))
    draw_key(axes.strip, key)
    if n_reps > MAX_NAMED_REPS:
        (x0, x1), (y0, y1) = plan.frame.xlim, plan.frame.ylim
        named = place_labels(territories, panel_reps, metres_per_point(ax), (x0, y0, x1, y1))
        draw_labels(ax, named)
        draw_note(
            axes.strip,
            f"{n_reps:,} reps, too many to list: {len(named):,} named on the map where the name fits."
            " Bordering territories differ in colour.",
        )
    elif n_reps:
        draw_rep_list(axes.strip, pd.Series(panel_reps.index, dtype="string"), panel_reps, colour_table)


def _reach(plan: PanelPlan) -> float:
    """How far territories reach beyond their accounts in this panel (metres)."""
    ok = np.isfinite(plan.x) & np.isfinite(plan.y)
    return reach(plan.x[ok], plan.y[ok], float(np.diff(plan.frame.xlim)[0]))


def _neighbour_pairs(
    plans: list[PanelPlan], rep_ids: pd.Series, reaches: list[float]
) -> list[tuple[str, str]]:
    """Reps whose territories border each other in any panel (Delaunay neighbours within reach).

    Testing the territories themselves for contact costs seconds per panel at
    100k accounts; neighbouring accounts closer than two reaches find the same
    borders in a fraction of that.
    """
    pairs: list[tuple[str, str]] = []
    for plan, reach_m in zip(plans, reaches, strict=True):
        pairs += touching_reps(plan.x, plan.y, rep_ids.iloc[plan.rows], 2.0 * reach_m)
    return pairs


def _territories(plan: PanelPlan, rep_ids: pd.Series, reach_m: float) -> pd.Series:
    """Each rep's territory in the panel: its accounts' cells, cut to land and reach."""
    land = land_union(plan.spec.key, plan.frame.lon0, plan.frame.lat0)
    return rep_territories(plan.x, plan.y, rep_ids.iloc[plan.rows], land, reach_m)


def _figure(
    assignment: pd.DataFrame,
    reps: pd.DataFrame,
    title: str,
    dpi: int,
    text: bool,
    region: str | Sequence[str] | None,
    manager_id: str | Sequence[str] | None,
) -> Figure:
    # Colours come from the full tables, so zooming with a filter keeps them.
    colour_table = rep_colours(reps, extra_rep_ids=assignment["rep_id"].astype("string"))
    accounts, sel_reps = select(assignment, reps, region, manager_id)
    accounts = sort_accounts(accounts)
    rep_ids = accounts["rep_id"].astype("string")
    lat, lon = coordinates(accounts)
    labels = rep_labels(sel_reps)

    plans = plan_panels(lon, lat, rep_ids, rep_homes(sel_reps))
    reaches = [_reach(plan) for plan in plans]
    territories = [_territories(plan, rep_ids, r) for plan, r in zip(plans, reaches, strict=True)]
    # Bordering territories must not look alike; reps with no look-alike neighbour keep their colour.
    colour_table = separate_neighbours(colour_table, _neighbour_pairs(plans, rep_ids, reaches))
    rgba = colours_for(rep_ids, colour_table)
    panel_reps = [_panel_reps(plan, rep_ids, labels) for plan in plans]
    rows = max((legend_rows(r.tolist()) for r in panel_reps), default=0)
    fig, axes = new_figure(len(plans), dpi, legend_rows=rows)
    for plan, reps_here, cells, panel_axes in zip(plans, panel_reps, territories, axes, strict=False):
        _draw_panel(panel_axes, plan, rgba, rep_ids, reps_here, cells, colour_table, text)
    if not text:
        return fig
    if not plans:
        no_data(axes[0].map, "No accounts with map coordinates" if len(lat) else "No accounts")
    add_titles(fig, title, "Each dot is an account, coloured by its rep; stars mark rep homes.")
    add_footnote(
        fig,
        not_shown(int(np.isnan(lat).sum()), sum(int((~p.visible()).sum()) for p in plans)),
    )
    return fig


def territory_map(
    assignment: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    title: str,
    dpi: int = 110,
    fmt: Format = "png",
    text: bool = True,
    region: str | Sequence[str] | None = None,
    manager_id: str | Sequence[str] | None = None,
) -> bytes:
    """Render a run's territories: one panel per part of the world with accounts.

    Parameters
    ----------
    assignment : pandas.DataFrame
        One row per account: account_id, rep_id, region, lat, lon. Accounts
        without coordinates are counted in a note, not drawn.
    reps : pandas.DataFrame
        rep_id, name (missing for planned hires, shown as "TBH <rep_id>"),
        segment, region, manager_id, lat, lon (home; may be missing).
    title : str
        Figure title.
    dpi : int
        Resolution. The figure is 7.6 in wide per panel plus margins (see
        `maps.layout.figure_size`); a region without accounts has no panel.
    fmt : {"png", "svg"}
        Image format.
    text : bool
        False draws no title, legend or note (for image comparison tests).
    region, manager_id : str or sequence of str, optional
        Keep only these regions' / managers' reps and accounts (zooms the map).
        Colours do not change with the filters.

    Returns
    -------
    bytes
        The encoded image; identical inputs give identical bytes.
    """
    return render(lambda: _figure(assignment, reps, title, dpi, text, region, manager_id), fmt)


def territory_map_png(
    assignment: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    title: str,
    dpi: int = 110,
    text: bool = True,
    region: str | Sequence[str] | None = None,
    manager_id: str | Sequence[str] | None = None,
) -> bytes:
    """PNG territory map; see `territory_map`."""
    return territory_map(
        assignment,
        reps,
        title=title,
        dpi=dpi,
        fmt="png",
        text=text,
        region=region,
        manager_id=manager_id,
    )


def territory_map_svg(
    assignment: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    title: str,
    text: bool = True,
    region: str | Sequence[str] | None = None,
    manager_id: str | Sequence[str] | None = None,
) -> bytes:
    """SVG territory map (the dots are rasterised inside it); see `territory_map`."""
    return territory_map(
        assignment, reps, title=title, fmt="svg", text=text, region=region, manager_id=manager_id
    )
