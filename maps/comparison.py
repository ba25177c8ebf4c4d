"""Comparison map of two runs: which accounts change rep, and to whom.

All accounts are drawn faint grey; those whose rep differs between the two
runs are drawn larger, black-edged, in the colour of their rep in the second
run, so the reader sees where the change happens and who receives it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from maps.basemap import base_layers, draw_base
from maps.layout import (
    Format,
    PanelAxes,
    PanelPlan,
    add_footnote,
    add_titles,
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
)
from maps.palette import colours_for, rep_colours
from maps.tables import coordinates, rep_homes, rep_labels, select, sort_accounts

_SAME_GREY = (0.55, 0.55, 0.55, 1.0)


def join_runs(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Accounts of both runs side by side, one row per account_id, sorted.

    Returns
    -------
    pandas.DataFrame
        account_id, rep_before, rep_after, lat, lon, potential (from ``after``
        where present, else ``before``), in_before, in_after, changed (the
        account is in both runs and its rep differs; a missing rep counts as a
        rep of its own).
    """
    cols = ["account_id", "rep_id", "lat", "lon", "potential"]

    def part(table: pd.DataFrame, suffix: str) -> pd.DataFrame:
        present = [c for c in cols if c in table]
        out = table[present].copy()
        out["account_id"] = out["account_id"].astype("string")
        out["present"] = True
        return (
            out.drop_duplicates("account_id")
            .add_suffix(suffix)
            .rename(columns={f"account_id{suffix}": "account_id"})
        )

    joined = part(before, "_b").merge(part(after, "_a"), on="account_id", how="outer")
    joined = sort_accounts(joined)
    out = pd.DataFrame({"account_id": joined["account_id"]})
    for col in ("lat", "lon", "potential"):
        a = joined.get(f"{col}_a", pd.Series(np.nan, index=joined.index))
        b = joined.get(f"{col}_b", pd.Series(np.nan, index=joined.index))
        out[col] = (
            pd.to_numeric(a, errors="coerce")
            .astype("Float64")
            .fillna(pd.to_numeric(b, errors="coerce").astype("Float64"))
        )
    out["rep_before"] = joined["rep_id_b"].astype("string")
    out["rep_after"] = joined["rep_id_a"].astype("string")
    out["in_before"] = joined["present_b"].fillna(False).astype(bool)
    out["in_after"] = joined["present_a"].fillna(False).astype(bool)
    differs = out["rep_before"].fillna("\x00") != out["rep_after"].fillna("\x00")
    out["changed"] = (out["in_before"] & out["in_after"] & differs).astype(bool)
    return out


def _summary(changed: np.ndarray, potential: np.ndarray, receivers: int) -> str:
    """'412 accounts change rep (3.8% of 10,979), 8.3% of potential, to 40 reps'."""
    n, total = int(changed.sum()), len(changed)
    text = f"{plural(n, 'account')} change rep ({n / total:.1%} of {total:,})" if total else ""
    pot_total = float(np.nansum(potential))
    if pot_total > 0:
        text += f", {float(np.nansum(potential[changed])) / pot_total:.1%} of potential"
    if receivers:
        text += f", to {plural(receivers, 'rep')}"
    return text


def _receivers(plan: PanelPlan, joined: pd.DataFrame, labels: pd.Series) -> pd.Series:
    """'Name (+N)' of each rep receiving N changed accounts in the panel, by rep_id."""
    changed = joined["changed"].to_numpy(dtype=bool)[plan.rows]
    counts = joined["rep_after"].iloc[plan.rows][changed].value_counts(dropna=True).sort_index()
    ids = pd.Index(counts.index, dtype="string")
    shown = labels.reindex(ids).fillna(pd.Series(ids, index=ids, dtype="string"))
    return shown + " (+" + counts.to_numpy().astype(str) + ")"


def _draw_panel(
    axes: PanelAxes,
    plan: PanelPlan,
    joined: pd.DataFrame,
    rgba: np.ndarray,
    receivers: pd.Series,
    colour_table: pd.DataFrame,
    names: tuple[str, str],
    text: bool,
) -> None:
    ax = axes.map
    layers = base_layers(plan.spec.key, plan.frame.lon0, plan.frame.lat0)
    draw_base(ax, layers, plan.frame.xlim, plan.frame.ylim)
    n = len(plan.rows)
    changed = joined["changed"].to_numpy(dtype=bool)[plan.rows]
    base = dot_size(n)
    ax.scatter(
        plan.x[~changed],
        plan.y[~changed],
        s=base * 0.6,
        c=[_SAME_GREY],
        linewidths=0,
        alpha=0.45,
        zorder=3,
        rasterized=True,
    )
    ax.scatter(
        plan.x[changed],
        plan.y[changed],
        s=max(base * 1.8, 9.0),
        c=rgba[plan.rows][changed],
        edgecolors="black",
        linewidths=0.35,
        zorder=4,
        rasterized=True,
    )
    if len(plan.homes):
        ax.scatter(
            plan.homes["x"],
            plan.homes["y"],
            s=120.0 if len(plan.homes) <= MAX_NAMED_REPS else 70.0,
            c=colours_for(plan.homes["rep_id"], colour_table),
            marker=HOME_MARKER,
            edgecolors="black",
            linewidths=0.7,
            zorder=5,
        )
    if not text:
        return
    listed = 0 < len(receivers) <= MAX_NAMED_REPS
    ax.set_title(f"{plan.spec.title}  ·  {plural(n, 'account')}", loc="left", fontweight="bold")
    draw_key(
        axes.strip,
        [
            dot_handle(_SAME_GREY, "Same rep in both"),
            dot_handle("#5a5a5a", "Changed (colour = new rep)", edge="black"),
            home_handle("New rep's home" + (" (+N = accounts gained)" if listed else "")),
        ],
    )
    potential = joined["potential"].to_numpy(dtype=float, na_value=np.nan)[plan.rows]
    draw_note(axes.strip, _summary(changed, potential, len(receivers)), boxed=True)
    if listed:
        ids = pd.Series(receivers.index, dtype="string")
        draw_rep_list(axes.strip, ids, receivers, colour_table, offset_lines=1)


def _figure(
    before: pd.DataFrame,
    after: pd.DataFrame,
    reps_after: pd.DataFrame,
    title: str,
    names: tuple[str, str],
    dpi: int,
    text: bool,
    region: str | Sequence[str] | None,
) -> Figure:
    colour_table = rep_colours(reps_after, extra_rep_ids=after["rep_id"].astype("string"))
    after_sel, reps_sel = select(after, reps_after, region, None)
    before_sel = before
    if region is not None:
        # An account is in the comparison when either run places it in the region.
        before_sel, _ = select(before, reps_after, region, None)
    joined = join_runs(before_sel, after_sel)
    lat, lon = coordinates(joined)
    changed = joined["changed"].to_numpy(dtype=bool)
    receiving = joined["rep_after"].where(changed)
    rgba = colours_for(joined["rep_after"], colour_table)
    labels = rep_labels(reps_sel)

    plans = plan_panels(lon, lat, receiving, rep_homes(reps_sel))
    receivers = [_receivers(plan, joined, labels) for plan in plans]
    rows = max((legend_rows(r.tolist()) for r in receivers), default=0)
    # One more row for the summary box above the list of receiving reps.
    fig, axes = new_figure(len(plans), dpi, legend_rows=rows + 1 if rows else 0)
    for plan, gained, panel_axes in zip(plans, receivers, axes, strict=False):
        _draw_panel(panel_axes, plan, joined, rgba, gained, colour_table, names, text)
    if not text:
        return fig
    a, b = names
    if not plans:
        no_data(axes[0].map, "No accounts with map coordinates" if len(lat) else "No accounts")
    add_titles(
        fig,
        title,
        f"Accounts whose rep differs between {a} and {b}, coloured by their rep in {b}.",
    )
    notes = [not_shown(int(np.isnan(lat).sum()), sum(int((~p.visible()).sum()) for p in plans))]
    only_a = int((joined["in_before"] & ~joined["in_after"]).sum())
    only_b = int((~joined["in_before"] & joined["in_after"]).sum())
    if only_a or only_b:
        notes.append(f"In one run only (grey): {only_a:,} accounts only in {a}, {only_b:,} only in {b}.")
    add_footnote(fig, "  ".join(n for n in notes if n))
    return fig


def comparison_map(
    before: pd.DataFrame,
    after: pd.DataFrame,
    reps_after: pd.DataFrame,
    *,
    title: str,
    labels: tuple[str, str] = ("A", "B"),
    dpi: int = 110,
    fmt: Format = "png",
    text: bool = True,
    region: str | Sequence[str] | None = None,
) -> bytes:
    """Render where two runs differ: accounts whose rep changes, per region panel.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Assignment tables of the two runs (account_id, rep_id, region, lat,
        lon, potential), joined on account_id.
    reps_after : pandas.DataFrame
        Reps table of the second run (names, homes, colours).
    title : str
        Figure title.
    labels : tuple of str
        Names of the two runs, e.g. ("baseline", "fy27-growth").
    dpi : int
        Resolution.
    fmt : {"png", "svg"}
        Image format.
    text : bool
        False draws no title, legend or summary (for image comparison tests).
    region : str or sequence of str, optional
        Keep only accounts either run places in these regions.

    Returns
    -------
    bytes
        The encoded image; identical inputs give identical bytes.
    """
    names = (str(labels[0]), str(labels[1]))
    return render(lambda: _figure(before, after, reps_after, title, names, dpi, text, region), fmt)


def comparison_map_png(
    before: pd.DataFrame,
    after: pd.DataFrame,
    reps_after: pd.DataFrame,
    *,
    title: str,
    labels: tuple[str, str] = ("A", "B"),
    dpi: int = 110,
    text: bool = True,
    region: str | Sequence[str] | None = None,
) -> bytes:
    """PNG comparison map; see `comparison_map`."""
    return comparison_map(
        before,
        after,
        reps_after,
        title=title,
        labels=labels,
        dpi=dpi,
        fmt="png",
        text=text,
        region=region,
    )


def comparison_map_svg(
    before: pd.DataFrame,
    after: pd.DataFrame,
    reps_after: pd.DataFrame,
    *,
    title: str,
    labels: tuple[str, str] = ("A", "B"),
    text: bool = True,
    region: str | Sequence[str] | None = None,
) -> bytes:
    """SVG comparison map (dots rasterised inside it); see `comparison_map`."""
    return comparison_map(
        before,
        after,
        reps_after,
        title=title,
        labels=labels,
        fmt="svg",
        text=text,
        region=region,
    )
