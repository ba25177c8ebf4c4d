"""The plan map's data: compact, column-wise JSON of every account and rep.

A 20k-account plan is about 0.5 MB of JSON built with numpy in tens of
milliseconds: accounts are parallel arrays (coordinates rounded to 1e-4
degrees, about 10 m) and refer to reps, segments and regions by index, so
the browser filters and recolours without asking the server again. Account
names and details are fetched on click.

Layout::

    {"reps": [[rep_id, name, segment, region, manager_id, "#rrggbb"], ...],
     "segments": [...], "regions": [...],
     "accounts": {"id": [...], "lat": [...], "lon": [...], "rep": [rep index or -1],
                  "seg": [segment index], "reg": [region index],
                  "moved": [0/1], "changed": [0/1] (only when a base plan is given)}}
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from maps.palette import rep_colours

COORD_DECIMALS = 4


def _hex(rgba: np.ndarray) -> list[str]:
    rgb = np.clip(np.rint(np.asarray(rgba, dtype=float)[:, :3] * 255), 0, 255).astype(np.int64)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb]


def _codes(values: pd.Series) -> tuple[list[int], list[str]]:
    codes, uniques = pd.factorize(values.astype("string").fillna(""), sort=True)
    return codes.tolist(), [str(u) for u in uniques]


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column].astype("string").fillna("")
    return pd.Series("", index=frame.index, dtype="string")


def map_payload(
    assignment: pd.DataFrame,
    reps: pd.DataFrame,
    visible: np.ndarray | None = None,
    base: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The map's data for one plan (``visible``: mask of accounts the user may see).

    ``base`` is another plan's assignment: accounts whose rep differs from it
    are flagged ``changed`` (the comparison map).
    """
    rows = np.ones(len(assignment), dtype=bool) if visible is None else np.array(visible, dtype=bool)
    lat = pd.to_numeric(assignment["lat"], errors="coerce") if "lat" in assignment else None
    lon = pd.to_numeric(assignment["lon"], errors="coerce") if "lon" in assignment else None
    if lat is None or lon is None:
        rows[:] = False
    else:
        rows &= (lat.notna() & lon.notna()).to_numpy()
    acc = assignment.loc[rows]
    rep_ids = _text(reps, "rep_id")
    colours = rep_colours(reps.assign(rep_id=rep_ids))
    rep_index = pd.Series(np.arange(len(reps)), index=pd.Index(rep_ids))
    rep_of = _text(acc, "rep_id").map(rep_index).fillna(-1).astype(np.int64)
    seg, segments = _codes(_text(acc, "segment"))
    reg, regions = _codes(_text(acc, "region"))
    moved = _text(acc, "moved").str.lower().eq("true").astype(np.int8)
    accounts: dict[str, Any] = {
        "id": _text(acc, "account_id").tolist(),
        "lat": np.round(lat[rows].to_numpy(float), COORD_DECIMALS).tolist() if lat is not None else [],
        "lon": np.round(lon[rows].to_numpy(float), COORD_DECIMALS).tolist() if lon is not None else [],
        "rep": rep_of.tolist(),
        "seg": seg,
        "reg": reg,
        "moved": moved.tolist(),
    }
    if base is not None:
        before = _text(base, "rep_id")
        before.index = _text(base, "account_id")
        was = before.reindex(_text(acc, "account_id")).astype("string").fillna("")
        accounts["changed"] = (was.to_numpy() != _text(acc, "rep_id").to_numpy()).astype(np.int8).tolist()
    rep_rows = [
        [rid, name, s, r, m, c]
        for rid, name, s, r, m, c in zip(
            rep_ids,
            _text(reps, "name"),
            _text(reps, "segment"),
            _text(reps, "region"),
            _text(reps, "manager_id"),
            _hex(colours.reindex(pd.Index(rep_ids)).to_numpy()),
            strict=True,
        )
    ]
    return {"reps": rep_rows, "segments": segments, "regions": regions, "accounts": accounts}


def map_json(payload: dict[str, Any]) -> bytes:
    """Compact JSON bytes (no spaces; NaN never occurs: rows without coordinates are left out)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
