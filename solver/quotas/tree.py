"""The reps of a quota plan coded at every level of the cascade, with their basis values.

`QuotaTree` gives each rep its node at every level (region, segment,
manager, rep), each node its parent and region, and the per-rep values the
allocation bases read (potential, bookings, capacity x level x FTE, fixed
overrides); `solver.quotas.cascade` splits money over it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.config import QuotaConfig
from solver.errors import InputError, InputProblem
from solver.money import to_cents
from solver.planning.capacity import PLAN_MONTHS
from solver.planning.weights import rep_weights

LEVELS = ("region", "segment", "manager", "rep")
NO_MANAGER = "(no manager)"
#: Separator of the parts of a node id ("NA|SMB|M01"); ids never contain it.
SEP = "|"


@dataclass(frozen=True)
class QuotaTree:
    """Reps coded at every level: node names, each rep's node, each node's parent and region.

    Node names are sorted; rep arrays follow the reps' (sorted) order.
    """

    reps: pd.DataFrame
    levels: tuple[str, ...]
    names: dict[str, np.ndarray]  # level -> node ids
    code: dict[str, np.ndarray]  # level -> node index of each rep
    parent: dict[str, np.ndarray]  # level -> parent node index of each node (levels below region)
    region_of: dict[str, np.ndarray]  # level -> region index of each node
    carrying: np.ndarray  # rep has capacity this year
    cf: np.ndarray  # capacity factor (0 without capacity)
    potential_value: np.ndarray
    bookings_value: np.ndarray
    bookings_raw: np.ndarray
    monthly: np.ndarray
    weight_cf: np.ndarray  # capacity x quota weight (level, fte): the basis when no source has values
    override: np.ndarray  # int64 cents of the rep's fixed quota, -1 without one
    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, reps: pd.DataFrame, monthly: np.ndarray, config: QuotaConfig, regions: pd.Index) -> QuotaTree:
        if len(reps) != monthly.shape[0]:
            raise ValueError("reps and monthly capacity rows do not align")
        order = np.argsort(reps.index.astype(str).to_numpy(), kind="stable")
        reps, monthly = reps.iloc[order], monthly[order]
        cf = monthly.sum(axis=1) / PLAN_MONTHS
        carrying = cf > 0
        region = reps["region"].astype(str).to_numpy()
        ids: dict[str, np.ndarray] = {"region": region}
        levels = ["region"]
        if "segment" in reps and reps["segment"].notna().any():
            seg = reps["segment"].astype("string").fillna("").astype(str).to_numpy()
            levels.append("segment")
            ids["segment"] = np.char.add(np.char.add(region.astype(str), SEP), seg.astype(str))
        if "manager_id" in reps and reps["manager_id"].notna().any():
            mgr = reps["manager_id"].astype("string").fillna(NO_MANAGER).astype(str).to_numpy()
            levels.append("manager")
            ids["manager"] = np.char.add(np.char.add(ids[levels[-2]].astype(str), SEP), mgr.astype(str))
        levels.append("rep")
        ids["rep"] = reps.index.astype(str).to_numpy()
        names, code, parent, region_of = {}, {}, {}, {}
        region_names = np.array(sorted(set(regions.astype(str)) | set(region)), dtype=object)
        for i, level in enumerate(levels):
            if level == "region":
                names[level] = region_names
                code[level] = np.searchsorted(region_names.astype(str), region)
            else:
                names[level], code[level] = np.unique(ids[level].astype(str), return_inverse=True)
                names[level] = names[level].astype(object)
            n = len(names[level])
            first = np.full(n, -1)
            first[code[level][::-1]] = np.arange(len(reps))[::-1]
            region_of[level] = np.where(first >= 0, code["region"][np.maximum(first, 0)], -1)
            if level == "region":
                region_of[level] = np.arange(n)
            if i > 0:
                parent[level] = code[levels[i - 1]][first]
        factor, notes = rep_weights(reps, config)
        # the assignment already weighs each rep's book by level x FTE (as by capacity factor)
        pot = np.where(carrying, reps["potential"].astype(float).fillna(0.0).to_numpy(), 0.0)
        raw, value = bookings_values(reps, cf, carrying, config)
        return cls(
            reps,
            tuple(levels),
            names,
            code,
            parent,
            region_of,
            carrying,
            np.where(carrying, cf, 0.0),
            pot,
            value * factor,
            raw,
            monthly,
            np.where(carrying, cf, 0.0) * factor,
            override_cents(reps, carrying),
            tuple(notes),
        )

    def sums(self, level: str, values: np.ndarray) -> np.ndarray:
        """Per node of ``level``: the sum of a per-rep array."""
        return np.bincount(self.code[level], weights=values, minlength=len(self.names[level]))

    def parent_chain(self, level: str, upto: str) -> np.ndarray:
        """For each node of ``level``, the index of its ancestor at level ``upto``."""
        idx = np.arange(len(self.names[level]))
        i, j = self.levels.index(level), self.levels.index(upto)
        while i > j:
            idx = self.parent[self.levels[i]][idx]
            i -= 1
        return idx


def override_cents(reps: pd.DataFrame, carrying: np.ndarray) -> np.ndarray:
    """Each rep's quota override in cents (-1: none); a rep without capacity cannot carry one."""
    out = np.full(len(reps), -1, dtype=np.int64)
    if "quota_override" not in reps:
        return out
    v = pd.to_numeric(reps["quota_override"], errors="coerce").astype(float).to_numpy()
    has = ~np.isnan(v)
    out[has] = [to_cents(x) for x in v[has]]
    idle = has & ~carrying & (out > 0)
    if idle.any():
        raise InputError(
            [
                InputProblem(
                    "reps",
                    None,
                    "quota_override",
                    f"rep {rid}: a quota override but no capacity in the plan year",
                )
                for rid in reps.index[idle][:20]
            ]
        )
    return out


def bookings_values(
    reps: pd.DataFrame, cf: np.ndarray, carrying: np.ndarray, config: QuotaConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Raw last-year bookings, and the basis value: imputed where missing, times capacity."""
    uses = any("bookings" in config.basis_of(lv) for lv in LEVELS)
    raw = (
        pd.to_numeric(reps["last_year_bookings"], errors="coerce").astype(float)
        if "last_year_bookings" in reps
        else pd.Series(np.nan, index=reps.index)
    )
    if not uses:
        return raw.to_numpy(), np.zeros(len(reps))
    if raw.notna().sum() == 0:
        raise InputError(
            InputProblem(
                "reps",
                None,
                "last_year_bookings",
                "the quota basis uses bookings but no rep has a last_year_bookings value",
            )
        )
    seg = (
        reps["segment"].astype("string").fillna("") if "segment" in reps else pd.Series("", index=reps.index)
    )
    peer_mean = raw.groupby(seg.to_numpy()).transform("mean").fillna(raw.mean())
    filled = raw.fillna(peer_mean).to_numpy()
    return raw.to_numpy(), np.where(carrying, filled * cf, 0.0)


def blend_weights(blend: dict[str, float], values: dict[str, np.ndarray], capacity: np.ndarray) -> np.ndarray:
    """Children's weights: blended shares of each source; capacity when no source has any."""
    w = np.zeros(len(capacity))
    used = 0.0
    for source, a in blend.items():
        v = np.asarray(values[source], dtype=float)
        if v.sum() > 0:
            w += a * v / v.sum()
            used += a
    if used > 0:
        return w / used
    return np.asarray(capacity, dtype=float)
