"""A stable colour per rep, the same in every run, scenario and comparison.

A rep's colour comes from a CRC-32 of its rep_id (never Python's ``hash()``,
which is salted per process), so the same rep looks the same on every map a
user puts side by side. Within one block (segment x region) reps that would
share a colour are moved along a probe sequence that also comes from their own
rep_id; reps are settled in rep_id order, so a rep's colour depends only on
its id and on the ids of lower-numbered reps in its block, never on row order.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from functools import lru_cache

import matplotlib as mpl
import numpy as np
import pandas as pd

#: colour of accounts that have no rep (unassigned, or rep unknown).
NO_REP_RGBA = (0.55, 0.55, 0.55, 1.0)

#: greys and near-white tints disappear against the grey land, so they are
#: dropped from the qualitative palettes.
_MIN_SATURATION = 0.12
_MAX_LUMINANCE = 0.82


@lru_cache(maxsize=1)
def palette() -> np.ndarray:
    """The qualitative palette: tab20 + tab20b + tab20c without greys and pale tints.

    Returns
    -------
    numpy.ndarray
        Array of shape (n_colours, 4), RGBA in [0, 1]; read-only.
    """
    rgb = np.vstack([np.asarray(mpl.colormaps[n].colors) for n in ("tab20", "tab20b", "tab20c")])
    saturation = rgb.max(axis=1) - rgb.min(axis=1)
    luminance = rgb @ np.array([0.2126, 0.7152, 0.0722])
    keep = (saturation >= _MIN_SATURATION) & (luminance <= _MAX_LUMINANCE)
    rgba = np.column_stack([rgb[keep], np.ones(int(keep.sum()))])
    rgba.setflags(write=False)
    return rgba


@lru_cache(maxsize=1)
def _lab() -> np.ndarray:
    """CIE L*a*b* (D65) of the palette, to tell look-alike colours apart."""
    rgb = palette()[:, :3]
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192], [0.1805, 0.0722, 0.9505]])
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    lab = np.column_stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])])
    lab.setflags(write=False)
    return lab


#: colour differences (CIE76 delta E) a rep's colour should keep from its
#: blockmates', tried in turn until one is achievable.
_SEPARATIONS = (35.0, 25.0, 15.0, 0.0)


def _crc(text: str, salt: bytes = b"") -> int:
    return zlib.crc32(salt + text.encode("utf-8"))


def base_index(rep_id: str) -> int:
    """Palette index a rep gets when nothing in its block competes for it."""
    return _crc(rep_id) % len(palette())


@lru_cache(maxsize=4)
def _coprime_steps(n: int) -> tuple[int, ...]:
    return tuple(s for s in range(1, n) if np.gcd(s, n) == 1)


def _probe(rep_id: str, n: int) -> np.ndarray:
    """The rep's own order of fallback palette slots (a permutation of 0..n-1)."""
    start = _crc(rep_id) % n
    # Any step coprime with n visits every slot once; derive it from a second hash.
    steps = _coprime_steps(n)
    step = steps[_crc(rep_id, b"step:") % len(steps)]
    return (start + step * np.arange(n)) % n


def rep_colour_indices(rep_ids: Iterable[str], blocks: Iterable[str] | None = None) -> pd.Series:
    """Palette index of each unique rep, spreading colours within each block.

    Parameters
    ----------
    rep_ids : iterable of str
        Rep ids; duplicates and missing values are ignored.
    blocks : iterable of str, optional
        Block label of each entry of ``rep_ids`` (e.g. "SMB|NA"). Reps of one
        block avoid look-alike colours, then identical ones, while the block
        has no more reps than the palette has colours; a larger block falls
        back to each rep's base colour. Without blocks all reps form one block.

    Returns
    -------
    pandas.Series
        Palette index (int) indexed by rep_id, sorted by rep_id.
    """
    ids = pd.Series(list(rep_ids), dtype="string")
    groups = (
        pd.Series(list(blocks), dtype="string").fillna("")
        if blocks is not None
        else pd.Series("", index=ids.index, dtype="string")
    )
    if len(groups) != len(ids):
        raise ValueError("rep_ids and blocks must have the same length")
    table = (
        pd.DataFrame({"rep_id": ids, "block": groups})
        .dropna(subset=["rep_id"])
        .drop_duplicates("rep_id")
        .sort_values("rep_id", kind="stable")
    )
    n = len(palette())
    lab = _lab()
    result: dict[str, int] = {}
    # One pass per unique rep (a few hundred at most), not per account.
    for _, members in table.groupby("block", sort=True):
        used: list[int] = []
        for rep_id in members["rep_id"].tolist():
            if len(members) > n:
                slot = base_index(rep_id)
            else:
                order = np.array([s for s in _probe(rep_id, n) if int(s) not in used])
                # Distance of each candidate to the nearest colour a blockmate has.
                gap = (
                    np.linalg.norm(lab[order][:, None, :] - lab[used][None, :, :], axis=2).min(1)
                    if used
                    else np.full(len(order), np.inf)
                )
                # First candidate in the rep's own order that keeps a clear difference.
                slot = next(int(order[gap >= t][0]) for t in _SEPARATIONS if (gap >= t).any())
            used.append(slot)
            result[rep_id] = slot
    return pd.Series(result, dtype="int64").sort_index()


def rep_colours(reps: pd.DataFrame, extra_rep_ids: Iterable[str] = ()) -> pd.DataFrame:
    """RGBA colour of each rep of a reps table (and of any extra rep ids).

    Parameters
    ----------
    reps : pandas.DataFrame
        Needs ``rep_id``; ``segment`` and ``region`` (when present) define the
        blocks whose reps should not share a colour.
    extra_rep_ids : iterable of str
        Rep ids seen elsewhere (e.g. in an assignment) but absent from ``reps``;
        they get their base colour.

    Returns
    -------
    pandas.DataFrame
        Columns r, g, b, a indexed by rep_id.
    """
    ids = reps["rep_id"].astype("string") if "rep_id" in reps else pd.Series([], dtype="string")
    if {"segment", "region"} <= set(reps.columns):
        blocks = (
            reps["segment"].astype("string").fillna("") + "|" + reps["region"].astype("string").fillna("")
        )
    else:
        blocks = pd.Series("", index=ids.index, dtype="string")
    extra = pd.Series(list(extra_rep_ids), dtype="string").dropna()
    extra = extra[~extra.isin(ids)].drop_duplicates()
    all_ids = pd.concat([ids, extra], ignore_index=True)
    # Extras get a block of their own each, i.e. their base colour.
    all_blocks = pd.concat([blocks, "\x00extra|" + extra], ignore_index=True)
    index = rep_colour_indices(all_ids, all_blocks)
    rgba = palette()[index.to_numpy()]
    return pd.DataFrame(rgba, index=index.index.rename("rep_id"), columns=["r", "g", "b", "a"])


def colours_for(rep_ids: pd.Series, table: pd.DataFrame) -> np.ndarray:
    """Map a column of rep ids to an (n, 4) RGBA array, vectorised.

    Rep ids missing from ``table`` (or NA) get `NO_REP_RGBA`.
    """
    codes, uniques = pd.factorize(rep_ids.astype("string"), use_na_sentinel=True)
    lookup = table.reindex(pd.Index(uniques, dtype="string"))
    unique_rgba = lookup.to_numpy(dtype=float, na_value=np.nan, copy=True)
    missing = np.isnan(unique_rgba).any(axis=1)
    unique_rgba[missing] = NO_REP_RGBA
    unique_rgba = np.vstack([unique_rgba, np.asarray(NO_REP_RGBA)[None, :]])
    return unique_rgba[codes]  # code -1 (NA) picks the appended grey row


#: colour difference (CIE76 delta E) neighbouring territories should keep, tried in turn.
_NEIGHBOUR_SEPARATIONS = (30.0, 20.0, 10.0, 0.0)


def separate_neighbours(table: pd.DataFrame, pairs: Iterable[tuple[str, str]]) -> pd.DataFrame:
    """Recolour reps whose colour looks like a neighbouring territory's.

    Reps are settled in rep_id order; a rep keeps its own colour unless a
    neighbour settled before it looks alike, and then takes the first colour
    of its own probe order that stands apart from every settled neighbour.
    A rep without look-alike neighbours keeps the colour it has on every map.

    Parameters
    ----------
    table : pandas.DataFrame
        r, g, b, a by rep_id (`rep_colours`).
    pairs : iterable of (str, str)
        Reps whose territories touch.
    """
    near: dict[str, set[str]] = {}
    for a, b in pairs:
        if a != b and a in table.index and b in table.index:
            near.setdefault(a, set()).add(b)
            near.setdefault(b, set()).add(a)
    if not near:
        return table
    pal, lab = palette(), _lab()
    slot = {rep: int(np.argmin(np.abs(pal - table.loc[rep].to_numpy()).sum(axis=1))) for rep in near}
    out = table.copy()
    settled: set[str] = set()
    for rep in sorted(near):
        others = [slot[o] for o in near[rep] if o in settled]
        if others:
            gap = np.linalg.norm(lab[:, None, :] - lab[others][None, :, :], axis=2).min(axis=1)
            if gap[slot[rep]] < _NEIGHBOUR_SEPARATIONS[0]:
                order = _probe(rep, len(pal))
                slot[rep] = next(
                    int(order[gap[order] >= t][0]) for t in _NEIGHBOUR_SEPARATIONS if (gap[order] >= t).any()
                )
                out.loc[rep] = pal[slot[rep]]
        settled.add(rep)
    return out
