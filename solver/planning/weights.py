"""What a rep's FTE and level weigh: its productive capacity, its book target and its quota.

Two optional reps columns weigh a rep against a full-time peer:

- ``fte`` (0 to 1): a part-time rep works that share of a full-time rep's
  time, so it has that share of the productive capacity (capacity.csv,
  expected bookings, capacity gap), of the book target in the assignment and
  of the quota;
- ``level`` with ``[quota] level_weights``: a senior level carries more
  quota and, so that book share and quota share agree, a larger book target
  in the assignment by the same weight. A level does not change capacity.

Blank or absent columns weigh 1.0, so a team without them plans exactly as
the contract defines (target = block total x capacity_factor share).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from solver.config import QuotaConfig
from solver.errors import InputError, InputProblem


def fte_of(reps: pd.DataFrame) -> np.ndarray:
    """Each rep's FTE (``fte`` column), 1.0 where blank or absent."""
    if "fte" not in reps:
        return np.ones(len(reps))
    return pd.to_numeric(reps["fte"], errors="coerce").astype(float).fillna(1.0).to_numpy()


def rep_weights(reps: pd.DataFrame, config: QuotaConfig) -> tuple[np.ndarray, list[str]]:
    """Each rep's weight: its level's weight (``[quota] level_weights``) x its FTE.

    ``reps`` is indexed by rep_id. 1.0 where the columns are absent or blank;
    an FTE of 0 carries nothing. A level without a weight is an input error
    once weights are given (a problem about one rep starts "rep ID:", so the
    caller can name its row).
    """
    factor = np.ones(len(reps))
    notes = []
    if "level" in reps and reps["level"].notna().any():
        level = reps["level"].astype("string")
        if not config.level_weights:
            notes.append("reps have a level but [quota] level_weights is not set: levels do not weigh quotas")
        else:
            missing = level.notna() & ~level.isin(list(config.level_weights))
            if missing.any():
                known = ", ".join(sorted(config.level_weights))
                raise InputError(
                    [
                        InputProblem(
                            "reps",
                            None,
                            "level",
                            f"rep {rid}: level {value!r} has no weight in [quota] level_weights ({known})",
                        )
                        for rid, value in level[missing].head(20).items()
                    ]
                )
            factor *= level.map(config.level_weights).astype(float).fillna(1.0).to_numpy()
    return factor * fte_of(reps), notes


def territory_weights(capacity_factor: np.ndarray, reps: pd.DataFrame, config: QuotaConfig) -> np.ndarray:
    """The weight of each rep's book target in its block: capacity_factor x level weight x FTE.

    The assignment splits a block's potential (and workload, accounts, ARR)
    over its reps in proportion to these weights.
    """
    factor, _ = rep_weights(reps, config)
    return np.asarray(capacity_factor, dtype=float) * factor
