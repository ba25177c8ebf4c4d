"""Fixed targets by region and by segment at once: both margins to the cent, contradictions refused.

Figures are worked out by hand in the comments. Proportional fitting keeps
the cross ratio of the blocks' basis weights, (EMEA ENT x NA SMB) / (EMEA SMB
x NA ENT), which is how the fitted tables below are found by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.config import QuotaConfig
from solver.errors import InputError
from solver.quotas.cascade import QuotaPlan, quota_plan
from solver.quotas.margins import Margins, fit_blocks
from tests.solver.quotas.test_quota_levers import PLAN, TEAM, _conserved, _quotas, _reps


def _blocks(plan: QuotaPlan) -> dict[str, int]:
    seg = plan.nodes[plan.nodes.level == "segment"]
    return dict(zip(seg["node"], (int(x) for x in seg["quota_cents"]), strict=True))


def test_region_and_segment_fixed_at_once() -> None:
    reps, monthly = _reps(TEAM)
    # basis (potential) by block: NA|SMB 400, NA|ENT 600, EMEA|SMB 500, EMEA|ENT 500: cross ratio
    # (500 x 400) / (500 x 600) = 2/3. Company 2,300.00, EMEA fixed at 900.00, ENT at 900.00, so
    # NA (unfixed) takes 1,400.00 and SMB (unfixed) 1,400.00. The table with these margins and
    # cross ratio 2/3: EMEA ENT 300, EMEA SMB 600, NA ENT 600, NA SMB 800 ((300 x 800) / (600 x 600)).
    cfg = QuotaConfig(target=2300.0, targets={"region": {"EMEA": 900.0}, "segment": {"ENT": 900.0}})
    plan = quota_plan(reps, monthly, cfg, PLAN)
    _conserved(plan)
    assert _blocks(plan) == {"EMEA|ENT": 30_000, "EMEA|SMB": 60_000, "NA|ENT": 60_000, "NA|SMB": 80_000}
    # inside a block by potential: NA SMB 800 over A1 100 : A2 300; one rep in each other block
    assert _quotas(plan) == {"A1": 20_000, "A2": 60_000, "A3": 60_000, "B1": 60_000, "B2": 30_000}
    assert plan.regions.set_index("region")["quota_cents"].to_dict() == {"EMEA": 90_000, "NA": 140_000}


def test_both_margins_with_a_region_hedge_keep_their_proportions() -> None:
    reps, monthly = _reps(TEAM)
    # the fixed amounts are before hedges: the regions' 900 : 1,400 is hedged together to 2,530.00
    # (2,300 x 1.1): EMEA 2,530 x 9/23 = 990.00, NA 1,540.00
    cfg = QuotaConfig(
        target=2300.0, hedge={"region": 0.1}, targets={"region": {"EMEA": 900.0}, "segment": {"ENT": 900.0}}
    )
    plan = quota_plan(reps, monthly, cfg, PLAN)
    _conserved(plan)
    assert plan.regions.set_index("region")["quota_cents"].to_dict() == {"EMEA": 99_000, "NA": 154_000}
    # EMEA's 990.00 over its blocks 300 : 600 -> ENT 330.00, SMB 660.00
    assert _blocks(plan)["EMEA|ENT"] == 33_000


def test_whole_cents_nearest_the_fitted_table() -> None:
    # 3 x 3 blocks of equal weight, 1.00 in all; R1 fixed at 0.34, S1 at 0.34. Equal weights fit to the
    # product table x = row x column / total: the unfixed rows share 0.66 equally (0.33 each), as do
    # the unfixed columns. R1 S1 = 0.1156, R1 S2 = R2 S1 = 0.1122, R2 S2 = 0.1089 (cents: 11.56 ...).
    # Rounding each to the nearest cent already meets every margin: R1 12 + 11 + 11 = 34, S1 the same,
    # the others 11 + 11 + 11 = 33.
    names = np.array(["R1", "R2", "R3"], dtype=object)
    segs = np.array(["S1", "S2", "S3"], dtype=object)
    m = Margins(
        block_region=np.repeat(names, 3),
        block_segment=np.tile(segs, 3),
        weight=np.ones(9),
        open_=np.ones(9, dtype=bool),
        regions={"R1": 34},
        segments={"S1": 34},
        total=100,
    )
    assert fit_blocks(m).tolist() == [12, 11, 11, 11, 11, 11, 11, 11, 11]


def _apac(rows: list[tuple]) -> list[tuple]:
    return [*rows, ("C1", "APAC", "SMB", 100.0)]


def test_margins_that_contradict_each_other_are_refused() -> None:
    reps, monthly = _reps(_apac(TEAM))
    # APAC's only rep sells SMB; ENT fixed at 1,500.00 of 2,000.00 leaves SMB 500.00 < APAC's 600.00
    cfg = QuotaConfig(target=2000.0, targets={"region": {"APAC": 600.0}, "segment": {"ENT": 1500.0}})
    with pytest.raises(InputError) as err:
        quota_plan(reps, monthly, cfg, PLAN)
    text = str(err.value)
    assert "quota.targets" in text and "contradict each other" in text
    assert "region APAC 600.00" in text and "the unfixed segments (remaining 500.00)" in text
    assert "company target is 2000.00" in text


def test_a_fixed_margin_that_needs_a_block_without_reps_is_refused() -> None:
    reps, monthly = _reps(_apac(TEAM))
    # ENT takes the whole 2,000.00, so APAC's 600.00 would need an APAC ENT block: APAC has no ENT rep
    cfg = QuotaConfig(target=2000.0, targets={"region": {"APAC": 600.0}, "segment": {"ENT": 2000.0}})
    with pytest.raises(InputError, match=r"region APAC 600\.00.*\(remaining 0\.00\)"):
        quota_plan(reps, monthly, cfg, PLAN)
    # and the sums on each side are still checked first
    over = QuotaConfig(target=2000.0, targets={"region": {"APAC": 600.0}, "segment": {"ENT": 2100.0}})
    with pytest.raises(InputError, match=r"quota\.targets\.segment.*2100\.00, above the company target"):
        quota_plan(reps, monthly, over, PLAN)
    unknown = QuotaConfig(target=2000.0, targets={"region": {"LATAM": 1.0}, "segment": {"ENT": 1.0}})
    with pytest.raises(InputError, match="no rep belongs to region LATAM"):
        quota_plan(reps, monthly, unknown, PLAN)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pots=st.lists(st.floats(1.0, 1e6), min_size=6, max_size=14),
    target=st.integers(0, 10**12),
    region_share=st.floats(0.0, 0.5),
    segment_share=st.floats(0.0, 0.5),
    hedge=st.sampled_from([0.0, 0.07]),
)
def test_both_margins_hold_to_the_cent(
    pots: list[float], target: int, region_share: float, segment_share: float, hedge: float
) -> None:
    # every region has every segment, so shares up to a half of the target can always be met
    regions, segments = ("NA", "EMEA", "APAC"), ("SMB", "MM", "ENT")
    rows = [(f"R{i:02d}", regions[i % 3], segments[(i // 3) % 3], p) for i, p in enumerate(pots)]
    rows += [(f"Z{r}{s}", r, s, 1.0) for r in regions for s in segments]
    reps, monthly = _reps(rows)
    cents = target / 100
    fixed_na, fixed_ent = round(cents * region_share, 2), round(cents * segment_share, 2)
    cfg = QuotaConfig(
        target=cents,
        hedge={"region": hedge, "rep": hedge},
        targets={"region": {"NA": fixed_na, "APAC": 0.0}, "segment": {"ENT": fixed_ent}},
    )
    plan = quota_plan(reps, monthly, cfg, PLAN)
    _conserved(plan)
    blocks = _blocks(plan)
    if hedge == 0.0:
        assert sum(v for k, v in blocks.items() if k.startswith("NA|")) == round(fixed_na * 100)
        assert sum(v for k, v in blocks.items() if k.endswith("|ENT")) == round(fixed_ent * 100)
        assert sum(blocks.values()) == target
        assert all(v == 0 for k, v in blocks.items() if k.startswith("APAC|"))
    assert int(plan.reps["quota_cents"].sum()) == int(plan.periods["quota_cents"].sum())
