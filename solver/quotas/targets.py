"""Fixed targets (``[quota] targets``): the unhedged cents each region or block must carry.

Fixed regions or segments take their amount and the rest of the company
target is shared by the basis over the others; with both, the blocks are
fitted to both margins (`solver.quotas.margins`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from solver.config import QuotaConfig
from solver.errors import InputError, InputProblem
from solver.money import allocate_cents, cents_to_str, to_cents
from solver.quotas.margins import Margins, fit_blocks
from solver.quotas.tree import SEP, QuotaTree, blend_weights


def region_basis(tree: QuotaTree, region_potential: pd.Series, config: QuotaConfig) -> np.ndarray:
    """Each region's weight by the region basis (0 for a region nobody there can carry)."""
    regions = tree.names["region"]
    carrying_region = tree.sums("region", tree.carrying.astype(float)) > 0
    values = {
        "potential": np.where(carrying_region, region_potential.reindex(regions, fill_value=0.0), 0.0),
        "bookings": tree.sums("region", tree.bookings_value),
    }
    return blend_weights(config.basis_of("region"), values, tree.sums("region", tree.weight_cf))


def fixed_targets(
    tree: QuotaTree, region_potential: pd.Series, config: QuotaConfig, target: int
) -> dict[str, np.ndarray]:
    """Unhedged cents per region (or per region x segment node) under ``[quota] targets``.

    Fixed regions or segments get their amount; the rest of the company
    target is shared by the basis over the others. With both, the blocks are
    fitted to both margins (`solver.quotas.margins`). Empty without targets.
    """
    if config.targets.get("region") and config.targets.get("segment"):
        return both_margins(tree, config, target)
    if config.targets.get("region"):
        w = region_basis(tree, region_potential, config)
        carrying = tree.sums("region", tree.carrying.astype(float)) > 0
        names = np.array([str(x) for x in tree.names["region"]], dtype=object)
        cents = with_rest(names, names, config.targets["region"], w, carrying, target, "region")
        return {"region": cents}
    if config.targets.get("segment"):
        w, carrying, node_seg = segment_blocks(tree, config)
        cents = with_rest(
            node_seg, tree.names["segment"], config.targets["segment"], w, carrying, target, "segment"
        )
        region_cents = np.zeros(len(tree.names["region"]), dtype=object)
        for k, r in enumerate(tree.region_of["segment"]):
            region_cents[r] += int(cents[k])
        return {"region": region_cents, "segment": cents}
    return {}


def segment_blocks(tree: QuotaTree, config: QuotaConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each segment node's (block's) basis weight, whether a rep there has capacity, its segment name."""
    if "segment" not in tree.levels:
        raise InputError(InputProblem("scenario", None, "quota.targets.segment", "the reps carry no segment"))
    values = {
        "potential": tree.sums("segment", tree.potential_value),
        "bookings": tree.sums("segment", tree.bookings_value),
    }
    w = blend_weights(config.basis_of("segment"), values, tree.sums("segment", tree.weight_cf))
    carrying = tree.sums("segment", tree.carrying.astype(float)) > 0
    node_seg = np.array([str(x).split(SEP)[-1] for x in tree.names["segment"]], dtype=object)
    return w, carrying, node_seg


def both_margins(tree: QuotaTree, config: QuotaConfig, target: int) -> dict[str, np.ndarray]:
    """Block cents meeting the fixed region and the fixed segment totals at once."""
    w, carrying, node_seg = segment_blocks(tree, config)
    margins = Margins(
        block_region=np.array(
            [str(x) for x in tree.names["region"][tree.region_of["segment"]]], dtype=object
        ),
        block_segment=node_seg,
        weight=w,
        open_=carrying,
        regions={str(k): to_cents(v) for k, v in config.targets["region"].items()},
        segments={str(k): to_cents(v) for k, v in config.targets["segment"].items()},
        total=target,
    )
    cents = np.array([int(c) for c in fit_blocks(margins)], dtype=object)
    region_cents = np.zeros(len(tree.names["region"]), dtype=object)
    for k, r in enumerate(tree.region_of["segment"]):
        region_cents[r] += int(cents[k])
    return {"region": region_cents, "segment": cents}


def with_rest(
    group: np.ndarray,
    nodes: np.ndarray,
    fixed: dict[str, float],
    w: np.ndarray,
    carrying: np.ndarray,
    target: int,
    what: str,
) -> np.ndarray:
    """Cents per node: each fixed group's amount over its nodes by ``w``, the rest over the others."""
    key = f"quota.targets.{what}"
    unknown = sorted(set(fixed) - {str(g) for g in group})
    if unknown:
        raise InputError(
            InputProblem("scenario", None, key, f"no rep belongs to {what} {', '.join(unknown)}")
        )
    cents = np.zeros(len(nodes), dtype=object)
    is_fixed = np.isin(group.astype(str), list(fixed))
    for name, amount in sorted(fixed.items()):
        members = np.flatnonzero((group == name) & carrying)
        c = to_cents(amount)
        if c and (len(members) == 0 or not (w[members] > 0).any()):
            raise InputError(
                InputProblem(
                    "scenario", None, f"{key}.{name}", f"no rep of {what} {name} has capacity this year"
                )
            )
        if c:
            cents[members] = allocate_cents(c, w[members])
    fixed_sum = sum(to_cents(a) for a in fixed.values())
    rest = target - fixed_sum
    if rest < 0:
        raise InputError(
            InputProblem(
                "scenario",
                None,
                key,
                f"fixed {what} targets add up to {cents_to_str(fixed_sum)}, "
                f"above the company target {cents_to_str(target)}",
            )
        )
    free = np.flatnonzero(~is_fixed & carrying & (w > 0))
    if rest and len(free) == 0:
        raise InputError(
            InputProblem(
                "scenario",
                None,
                key,
                f"fixed {what} targets add up to {cents_to_str(fixed_sum)} but the company target is "
                f"{cents_to_str(target)}: no other {what} can carry the remaining {cents_to_str(rest)}",
            )
        )
    if len(free):
        cents[free] = allocate_cents(rest, w[free])
    return cents
