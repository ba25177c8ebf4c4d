"""Realistic generated assignment instances, for benchmarks and scale tests.

Real books of business are not uniform random points: accounts cluster around
metro areas where reps live, potential is heavy-tailed, books are uneven,
some owners have left, a few accounts belong to families or are pinned, and
some reps ramp up or leave during the year. A benchmark on uniform data
would flatter the solver (or the baseline), so the generator reproduces each
of these features, with shares that are parameters:

- 6 blocks: 3 segments x 2 regions; accounts per block in fixed shares and
  more reps per account in the larger-account segments;
- rep homes near metro centres of their region, accounts scattered around the
  home of a "cluster" rep (10% uniformly over the region);
- potential lognormal per segment (heavy tail), winsorised at a quarter of
  its block's mean rep target (as computed before winsorising);
- ~82% of accounts owned by a rep of the plan, with uneven books (each rep's
  share of cluster accounts is lognormal with sigma 0.25) and 10% of owned
  accounts held by another rep of the block; ~3% owned by reps who left
  (ids that are not in the reps table); the rest unowned;
- ~3% of accounts in families of 2-5 near each other (one owner mostly);
- ~0.5% of accounts pinned to their current owner (never family members);
- ~5% of reps are ramping hires (capacity factor 0.25 or 0.5, no book yet)
  and ~3% are leaving during the year (capacity factor 0.5 or 0.75).

Everything is vectorised and deterministic: same arguments, same tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.money import largest_remainder
from solver.problem import Problem, build_problem

SEGMENTS: tuple[str, ...] = ("ENT", "MM", "SMB")
REGIONS: tuple[str, ...] = ("AMER", "EMEA")
#: Share of accounts per segment and per region (blocks are the products).
SEGMENT_SHARE = np.array([0.10, 0.30, 0.60])
REGION_SHARE = np.array([0.60, 0.40])
#: Reps per account, relative to SMB (enterprise books are smaller).
SEGMENT_REP_INTENSITY = np.array([3.0, 1.5, 1.0])
#: Median potential per segment (currency) and lognormal sigma of potential.
SEGMENT_MEDIAN_POTENTIAL = np.array([400_000.0, 60_000.0, 8_000.0])
POTENTIAL_SIGMA = 1.0
#: Region boxes: (lat min, lat max, lon min, lon max).
REGION_BOX = {
    "AMER": (26.0, 49.0, -123.0, -71.0),
    "EMEA": (37.0, 59.0, -9.0, 28.0),
}
METROS_PER_REGION = 40
#: Scatter of accounts around their cluster rep's home, in degrees.
CLUSTER_SIGMA_DEG = 0.8
#: Scatter of rep homes around their metro centre, in degrees.
HOME_SIGMA_DEG = 0.15
BACKGROUND_SHARE = 0.10
#: Share of owned accounts held by a rep other than their cluster rep.
STRAY_OWNER_SHARE = 0.10
#: Share of family members whose owner differs from the family root's.
FAMILY_SPLIT_OWNER_SHARE = 0.20
#: Cap of an account's potential, as a share of its block's mean rep target before capping.
POTENTIAL_CAP_SHARE = 0.25

REP_STATUS_FULL = "full"
REP_STATUS_HIRE = "ramping"
REP_STATUS_LEAVING = "leaving"


@dataclass(frozen=True)
class SyntheticSpec:
    """Shape of a generated instance (shares are of accounts, or of reps).

    Parameters
    ----------
    n_accounts, n_reps
        Size; ``n_reps`` must allow 2 reps per block (12).
    seed
        Seed of the one random stream; same spec -> same tables.
    owned_share, departed_share
        Accounts owned by a current rep, and by a rep who left.
    family_share
        Accounts that belong to a family of 2-5 accounts.
    pin_share
        Accounts pinned to their current owner.
    hire_share, leaving_share
        Reps ramping up (no book yet) and reps leaving during the year.
    book_sigma
        Lognormal sigma of the reps' book sizes.
    with_arr, with_workload
        Generate ``arr`` (else 0) and ``workload`` (else 1 per account).
    """

    n_accounts: int
    n_reps: int
    seed: int = 0
    owned_share: float = 0.82
    departed_share: float = 0.03
    family_share: float = 0.03
    pin_share: float = 0.005
    hire_share: float = 0.05
    leaving_share: float = 0.03
    book_sigma: float = 0.25
    with_arr: bool = True
    with_workload: bool = True

    def __post_init__(self) -> None:
        n_blocks = len(SEGMENTS) * len(REGIONS)
        if self.n_reps < 2 * n_blocks:
            raise ValueError(f"n_reps must be at least {2 * n_blocks} (2 per block), got {self.n_reps}")
        if self.n_accounts < 10 * n_blocks:
            raise ValueError(f"n_accounts must be at least {10 * n_blocks}, got {self.n_accounts}")
        if self.owned_share + self.departed_share > 1:
            raise ValueError("owned_share + departed_share must not exceed 1")


def _block_tables(spec: SyntheticSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Segment and region per block, accounts per block, reps per block."""
    seg = np.repeat(np.arange(len(SEGMENTS)), len(REGIONS))
    reg = np.tile(np.arange(len(REGIONS)), len(SEGMENTS))
    acc_share = SEGMENT_SHARE[seg] * REGION_SHARE[reg]
    n_acc = largest_remainder(spec.n_accounts, acc_share, minimum=10)
    n_rep = largest_remainder(spec.n_reps, acc_share * SEGMENT_REP_INTENSITY[seg], minimum=2)
    return seg, reg, n_acc, n_rep


def _pick(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Boolean mask with round(share * n) True entries at random positions."""
    mask = np.zeros(n, dtype=bool)
    mask[rng.permutation(n)[: round(share * n)]] = True
    return mask


def _sample_by_block(
    rng: np.random.Generator, acc_block: np.ndarray, rep_block: np.ndarray, weight: np.ndarray
) -> np.ndarray:
    """For each account, one rep of its block drawn with probability proportional to ``weight``.

    Vectorised: cumulative weights per block (reps sorted by block), then a
    searchsorted of a uniform draw scaled into the account's block segment.
    """
    order = np.argsort(rep_block, kind="stable")
    w = weight[order]
    cum = np.cumsum(w)
    nb = int(max(acc_block.max(initial=0), rep_block.max(initial=0))) + 1
    start = np.searchsorted(rep_block[order], np.arange(nb), side="left")
    stop = np.searchsorted(rep_block[order], np.arange(nb), side="right")
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    span = cum[stop - 1] - before
    u = before[acc_block] + rng.random(len(acc_block)) * span[acc_block]
    pos = np.searchsorted(cum, u, side="right")
    pos = np.clip(pos, start[acc_block], stop[acc_block] - 1)
    return order[pos]


def _reps(
    spec: SyntheticSpec,
    rng: np.random.Generator,
    block_seg: np.ndarray,
    block_reg: np.ndarray,
    n_rep: np.ndarray,
) -> pd.DataFrame:
    """Rep table: block, home, capacity factor, status and book weight."""
    m = spec.n_reps
    rep_block = np.repeat(np.arange(len(n_rep)), n_rep)
    # metro centres per region, Zipf-weighted so a few metros hold many reps
    metros = {}
    for r, name in enumerate(REGIONS):
        lat0, lat1, lon0, lon1 = REGION_BOX[name]
        lat = rng.uniform(lat0, lat1, METROS_PER_REGION)
        lon = rng.uniform(lon0, lon1, METROS_PER_REGION)
        metros[r] = (lat, lon)
    zipf = 1.0 / np.arange(1, METROS_PER_REGION + 1)
    metro = rng.choice(METROS_PER_REGION, size=m, p=zipf / zipf.sum())
    region = block_reg[rep_block]
    mlat = np.choose(region, [metros[r][0][metro] for r in range(len(REGIONS))])
    mlon = np.choose(region, [metros[r][1][metro] for r in range(len(REGIONS))])
    lat = mlat + rng.normal(0.0, HOME_SIGMA_DEG, m)
    lon = mlon + rng.normal(0.0, HOME_SIGMA_DEG, m)

    # hires and leavers never include the first rep of a block: every block keeps a full rep
    first_of_block = np.r_[True, np.diff(rep_block) != 0]
    eligible = np.flatnonzero(~first_of_block)
    shuffled = rng.permutation(eligible)
    n_hire = min(round(spec.hire_share * m), len(shuffled))
    n_leave = min(round(spec.leaving_share * m), len(shuffled) - n_hire)
    status = np.full(m, REP_STATUS_FULL, dtype=object)
    status[shuffled[:n_hire]] = REP_STATUS_HIRE
    status[shuffled[n_hire : n_hire + n_leave]] = REP_STATUS_LEAVING
    cf = np.ones(m)
    cf[shuffled[:n_hire]] = rng.choice([0.25, 0.5], size=n_hire)
    cf[shuffled[n_hire : n_hire + n_leave]] = rng.choice([0.5, 0.75], size=n_leave)
    book = rng.lognormal(0.0, spec.book_sigma, m)
    return pd.DataFrame(
        {
            "rep_id": [f"R{i:05d}" for i in range(m)],
            "segment": np.asarray(SEGMENTS, dtype=object)[block_seg[rep_block]],
            "region": np.asarray(REGIONS, dtype=object)[region],
            "capacity_factor": cf,
            "lat": np.round(lat, 5),
            "lon": np.round(lon, 5),
            "max_accounts": np.nan,
            "max_workload": np.nan,
            "rep_status": status,
            "_block": rep_block,
            "_book": book,
        }
    )


def _families(
    rng: np.random.Generator, share: float, acc_block: np.ndarray, cluster: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Family root index per account (itself when alone) and a member mask.

    Accounts sorted by (block, cluster rep) are cut into slots of 5; a random
    set of slots each gives a family of 2-5 consecutive accounts, members of
    one block and one cluster (so near each other).
    """
    n = len(acc_block)
    root = np.arange(n)
    order = np.lexsort((rng.random(n), cluster, acc_block))
    n_slots = n // 5
    want = round(share * n)
    sizes_all = rng.integers(2, 6, size=max(n_slots, 1))
    # enough slots to hold ~share of accounts (mean family size 3.5)
    n_fam = min(n_slots, round(want / 3.5))
    slots = np.sort(rng.permutation(n_slots)[:n_fam])
    sizes = sizes_all[:n_fam]
    if n_fam == 0:
        return root, np.zeros(n, dtype=bool)
    offs = np.arange(5)
    pos = slots[:, None] * 5 + offs[None, :]  # n_fam x 5 positions in ``order``
    idx = order[pos]
    in_family = offs[None, :] < sizes[:, None]
    same = (acc_block[idx] == acc_block[idx[:, :1]]) & (cluster[idx] == cluster[idx[:, :1]])
    in_family &= same
    in_family[in_family.sum(axis=1) < 2] = False
    members = idx[in_family]
    root[members] = np.broadcast_to(idx[:, :1], idx.shape)[in_family]
    is_member = np.zeros(n, dtype=bool)
    is_member[members] = True
    return root, is_member


def _places(
    rng: np.random.Generator, home_lat: np.ndarray, home_lon: np.ndarray, reg: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Account coordinates: around the cluster rep's home, or anywhere in the region."""
    n = len(home_lat)
    lat = home_lat + rng.normal(0.0, CLUSTER_SIGMA_DEG, n)
    lon = home_lon + rng.normal(0.0, CLUSTER_SIGMA_DEG, n)
    background = rng.random(n) < BACKGROUND_SHARE
    boxes = np.array([REGION_BOX[r] for r in REGIONS])
    lat = np.where(background, rng.uniform(boxes[reg, 0], boxes[reg, 1]), lat)
    lon = np.where(background, rng.uniform(boxes[reg, 2], boxes[reg, 3]), lon)
    return lat, lon


def _potentials(
    rng: np.random.Generator,
    seg: np.ndarray,
    acc_block: np.ndarray,
    rep_block: np.ndarray,
    capacity_factor: np.ndarray,
    n_blocks: int,
) -> np.ndarray:
    """Heavy-tailed potential, winsorised below a share of the block's mean rep target."""
    potential = SEGMENT_MEDIAN_POTENTIAL[seg] * rng.lognormal(0.0, POTENTIAL_SIGMA, len(seg))
    block_total = np.bincount(acc_block, weights=potential, minlength=n_blocks)
    block_cf = np.bincount(rep_block, weights=capacity_factor, minlength=n_blocks)
    cap = POTENTIAL_CAP_SHARE * block_total / block_cf
    return np.round(np.minimum(potential, cap[acc_block]))


def generate_tables(spec: SyntheticSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accounts and reps tables in the columns `solver.problem.build_problem` reads.

    Returns
    -------
    accounts : DataFrame
        account_id, segment, region, potential, workload, arr, lat, lon,
        current_owner (rep id, a departed id ``X...`` or <NA>), locked_owner
        (<NA> unless pinned), family_id (the root account's id).
    reps : DataFrame
        rep_id, segment, region, capacity_factor, lat, lon, max_accounts,
        max_workload (both nan: no limits), rep_status (full / ramping /
        leaving).
    """
    rng = np.random.default_rng(spec.seed)
    block_seg, block_reg, n_acc, n_rep = _block_tables(spec)
    reps = _reps(spec, rng, block_seg, block_reg, n_rep)
    rep_block = reps["_block"].to_numpy()
    rep_lat, rep_lon = reps["lat"].to_numpy(), reps["lon"].to_numpy()
    hire = reps["rep_status"].to_numpy() == REP_STATUS_HIRE
    n = spec.n_accounts
    acc_block = np.repeat(np.arange(len(n_acc)), n_acc)
    seg, reg = block_seg[acc_block], block_reg[acc_block]

    cluster = _sample_by_block(rng, acc_block, rep_block, reps["_book"].to_numpy())
    lat, lon = _places(rng, rep_lat[cluster], rep_lon[cluster], reg)
    potential = _potentials(rng, seg, acc_block, rep_block, reps["capacity_factor"].to_numpy(), len(n_acc))

    # owners: the cluster rep; hires have no book yet, so their cluster goes to a
    # full rep of the block; some owned accounts sit with another rep of the block
    owner = cluster.copy()
    stray = rng.random(n) < STRAY_OWNER_SHARE
    not_hire_w = np.where(hire, 0.0, 1.0)
    random_rep = _sample_by_block(rng, acc_block, rep_block, not_hire_w)
    owner = np.where(stray | hire[owner], random_rep, owner)

    root, is_member = _families(rng, spec.family_share, acc_block, cluster)
    keep_root_owner = rng.random(n) >= FAMILY_SPLIT_OWNER_SHARE
    owner = np.where(is_member & keep_root_owner, owner[root], owner)

    u = rng.random(n)
    owned = u < spec.owned_share
    departed = (u >= spec.owned_share) & (u < spec.owned_share + spec.departed_share)
    n_departed_reps = np.maximum(n_rep // 10, 1)
    departed_k = np.floor(rng.random(n) * n_departed_reps[acc_block]).astype(np.int64)
    rep_ids = reps["rep_id"].to_numpy()
    nothing = np.array(None, dtype=object)  # a blank id (None), as numpy's typing wants an array
    owner_id = np.where(owned, rep_ids[owner], nothing)
    departed_ids = np.char.add(
        np.char.add("X", acc_block.astype(str)), np.char.zfill(departed_k.astype(str), 3)
    ).astype(object)
    owner_id = np.where(departed, departed_ids, owner_id)

    # pins: owned, non-family accounts held by their current (non-hire) owner
    can_pin = owned & ~is_member
    pin_pool = np.flatnonzero(can_pin)
    n_pin = min(round(spec.pin_share * n), len(pin_pool))
    pinned = np.zeros(n, dtype=bool)
    pinned[rng.permutation(pin_pool)[:n_pin]] = True
    locked = np.where(pinned, owner_id, nothing)

    workload = np.round(1.0 + 0.5 * np.log1p(potential / 1_000.0), 3) if spec.with_workload else np.ones(n)
    has_arr = owned & (rng.random(n) < 0.6)
    arr = np.round(potential * rng.uniform(0.05, 0.4, n)) * has_arr if spec.with_arr else np.zeros(n)

    # ids in a shuffled order, so that id order says nothing about block or cluster
    perm = rng.permutation(n)
    account_ids = np.empty(n, dtype=object)
    account_ids[perm] = [f"A{i:07d}" for i in range(n)]
    accounts = pd.DataFrame(
        {
            "account_id": account_ids,
            "segment": np.asarray(SEGMENTS, dtype=object)[seg],
            "region": np.asarray(REGIONS, dtype=object)[reg],
            "potential": potential,
            "workload": workload,
            "arr": arr.astype(float),
            "lat": np.round(lat, 5),
            "lon": np.round(lon, 5),
            "current_owner": pd.array(owner_id, dtype="string"),
            "locked_owner": pd.array(locked, dtype="string"),
            "family_id": account_ids[root],
        }
    )
    accounts = accounts.sort_values("account_id", kind="stable").reset_index(drop=True)
    return accounts, reps.drop(columns=["_block", "_book"])


def generate_problem(spec: SyntheticSpec) -> Problem:
    """The generated instance as a `Problem` (via `build_problem`)."""
    accounts, reps = generate_tables(spec)
    return build_problem(accounts, reps)
