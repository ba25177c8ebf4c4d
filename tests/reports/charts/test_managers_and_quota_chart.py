"""Per-manager roll-up table and the quota-by-period chart of the run report."""

from __future__ import annotations

import io
import re

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from reports import render_run_report
from reports.charts.quota import quota_chart_png
from reports.managers import manager_frame
from tests.reports import fixtures as fx

REPS = pd.DataFrame(
    {
        "rep_id": ["R3", "R1", "R2", "R4", "R5"],
        "manager_id": pd.array(["M2", "M1", "M1", "M2", None], dtype="string"),
        "accounts": [5, 10, 20, 7, 1],
        "potential": [50.0, 100.0, 200.0, 70.0, 10.0],
        "target_potential": [60.0, 110.0, 190.0, 60.0, 10.0],
        "quota": [5.0, 10.0, 20.0, 7.0, 1.0],
        "balance_ratio": [0.80, 0.91, 1.05, 1.20, 1.0],
        "accounts_gained": [1, 0, 2, 0, 0],
        "accounts_lost": [0, 3, 0, 1, 0],
    }
)


def test_manager_frame_sums_and_picks_the_worst_ratio() -> None:
    out = manager_frame(REPS)
    assert out["manager_id"].tolist()[:2] == ["M1", "M2"]
    assert pd.isna(out["manager_id"].iloc[2])  # reps without a manager still count
    m1, m2 = out.iloc[0], out.iloc[1]
    assert (m1["reps"], m1["accounts"], m1["potential"], m1["quota"]) == (2, 30, 300.0, 30.0)
    assert (m1["accounts_gained"], m1["accounts_lost"]) == (2, 3)
    assert m1["worst_ratio"] == pytest.approx(0.91)  # |0.91-1| > |1.05-1|
    # 0.80 and 1.20 tie on |r - 1|: the first rep by id (R3) wins.
    assert m2["worst_ratio"] == pytest.approx(0.80)
    assert out["accounts"].sum() == REPS["accounts"].sum()


def test_manager_frame_ignores_row_order_and_missing_columns() -> None:
    shuffled = REPS.sample(frac=1.0, random_state=4)
    pd.testing.assert_frame_equal(manager_frame(REPS), manager_frame(shuffled))
    assert manager_frame(REPS.drop(columns=["manager_id"])).empty
    slim = manager_frame(REPS[["rep_id", "manager_id", "accounts"]])
    assert list(slim.columns) == ["manager_id", "reps", "accounts"]


def test_report_has_a_sortable_manager_table() -> None:
    html = render_run_report(fx.make_run(), None)
    table = re.search(r'<table class="data sortable" id="managers">(.*?)</table>', html, re.S)
    assert table is not None
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)[1:]
    assert [re.search(r"<td[^>]*>(.*?)</td>", r).group(1) for r in rows] == ["M1", "M2"]


def _decode(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")


def test_quota_chart_draws_deterministically_and_handles_many_reps() -> None:
    quotas = fx.make_run().quotas
    png = quota_chart_png(quotas)
    assert png is not None and png.startswith(b"\x89PNG")
    assert png == quota_chart_png(quotas.sample(frac=1.0, random_state=1))
    assert _decode(png)[..., :3].std() > 0.05
    big = pd.DataFrame(
        {
            "rep_id": np.repeat([f"R{i:03d}" for i in range(150)], 4),
            "period": np.tile(["2027-02-01", "2027-05-01", "2027-08-01", "2027-11-01"], 150),
            "quota": np.arange(600, dtype=float) + 1000.0,
        }
    )
    image = _decode(quota_chart_png(big))
    assert image.shape[1] == int(13.0 * 110)  # capped width, no per-rep labels


def test_quota_chart_none_without_quotas() -> None:
    assert quota_chart_png(pd.DataFrame()) is None
    empty = pd.DataFrame({"rep_id": ["R1"], "period": ["2027-02-01"], "quota": [np.nan]})
    assert quota_chart_png(empty) is None
