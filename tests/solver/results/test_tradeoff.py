"""Trade-off data (non-dominated runs, KPI paths) and its chart."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.image import imread

from reports.charts.tradeoff import axis_label, tradeoff_chart_png
from solver.results.tradeoff import (
    DEFAULT_X,
    DEFAULT_Y,
    axis_problem,
    kpi_value,
    non_dominated,
    tradeoff_frame,
)

METRICS = {
    "status": "optimal",
    "objective": 0.25,
    "moved": {"accounts": 4, "potential_share": 0.25},
    "balance": {"potential": {"max_abs_deviation": 0.03, "cv": 0.01}},
    "quota": {"total": "1100.00", "conserved": True},
    "notes": ["x"],
}


def _brute_force(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = np.zeros(len(x), dtype=bool)
    for i in range(len(x)):
        if not (math.isfinite(x[i]) and math.isfinite(y[i])):
            continue
        out[i] = not any(
            x[j] <= x[i] and y[j] <= y[i] and (x[j] < x[i] or y[j] < y[i])
            for j in range(len(x))
            if math.isfinite(x[j]) and math.isfinite(y[j])
        )
    return out


def test_non_dominated_by_hand() -> None:
    x = np.array([0.1, 0.2, 0.2, 0.3, 0.1, np.nan, 0.05])
    y = np.array([0.5, 0.2, 0.3, 0.1, 0.5, 0.0, 0.9])
    # (0.1, 0.5) twice: identical points are both kept; (0.2, 0.3) is beaten by (0.2, 0.2);
    # NaN never counts; (0.05, 0.9) has the least x
    assert non_dominated(x, y).tolist() == [True, True, False, True, True, False, True]
    assert non_dominated(np.array([]), np.array([])).tolist() == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.1, 0.2, 0.3, math.nan]), st.sampled_from([0.0, 0.5, 1.0, 2.0, math.nan])
        ),
        max_size=25,
    )
)
def test_non_dominated_matches_the_definition(points: list[tuple[float, float]]) -> None:
    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points], dtype=float)
    assert non_dominated(x, y).tolist() == _brute_force(x, y).tolist()


def test_kpi_paths_read_numbers_and_numeric_text() -> None:
    assert kpi_value(METRICS, DEFAULT_X) == 0.25
    assert kpi_value(METRICS, DEFAULT_Y) == 0.03
    assert kpi_value(METRICS, "quota.total") == 1100.0
    for missing in ("status", "quota.conserved", "moved.nothing", "notes", "balance.potential"):
        assert math.isnan(kpi_value(METRICS, missing)), missing
    assert math.isnan(kpi_value(None, DEFAULT_X))


def test_unknown_axis_gets_did_you_mean() -> None:
    assert axis_problem("--tradeoff-x", DEFAULT_X, [METRICS]) is None
    p = axis_problem("--tradeoff-y", "balance.potential.max_abs_dev", [METRICS])
    assert p is not None and p.file == "--tradeoff-y"
    assert "did you mean 'balance.potential.max_abs_deviation'" in p.why
    assert axis_problem("--tradeoff-x", "anything", []) is None  # nothing solved: nothing to check


def test_tradeoff_frame_keeps_batch_order_and_swept_values() -> None:
    m2 = {**METRICS, "moved": {"potential_share": 0.1}, "balance": {"potential": {"max_abs_deviation": 0.05}}}
    frame = tradeoff_frame(
        ["a", "b", "c"],
        ["optimal", "feasible", "infeasible"],
        [METRICS, m2, None],
        [{"k.x": 1, "k.t": {"p": 1}}, {"k.x": 2}, {}],
    )
    assert frame.columns.tolist() == ["name", "status", DEFAULT_X, DEFAULT_Y, "non_dominated", "k.x", "k.t"]
    assert frame["non_dominated"].tolist() == [True, True, False]
    assert frame["k.t"].tolist()[0] == '{"p": 1}'
    assert math.isnan(frame[DEFAULT_X].iloc[2])


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    x, y = rng.random(n) * 0.2, rng.random(n) * 0.1
    return pd.DataFrame(
        {
            "name": [f"run-{i}" for i in range(n)],
            DEFAULT_X: x,
            DEFAULT_Y: y,
            "non_dominated": non_dominated(x, y),
        }
    )


def test_chart_is_a_deterministic_png_of_sensible_size() -> None:
    frame = _frame(64)
    png = tradeoff_chart_png(frame, DEFAULT_X, DEFAULT_Y)
    assert png == tradeoff_chart_png(frame, DEFAULT_X, DEFAULT_Y)
    image = imread(io.BytesIO(png), format="png")
    assert image.shape[0] >= 500 and image.shape[1] >= 1000
    # the frontier's red is drawn; a frame without any finite point still renders
    red = (image[..., 0] > 0.8) & (image[..., 1] < 0.45) & (image[..., 2] < 0.45)
    assert red.sum() > 200
    empty = frame.assign(**{DEFAULT_X: np.nan, "non_dominated": False})
    assert tradeoff_chart_png(empty, DEFAULT_X, DEFAULT_Y)[:4] == b"\x89PNG"


def test_axis_labels_are_human() -> None:
    assert axis_label(DEFAULT_X) == "Moved potential, share"
    assert axis_label(DEFAULT_Y) == "Balance potential, worst deviation"
    assert axis_label("counts.reps") == "counts.reps"


def _batch(n: int, solved: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = [f"m{i:02d}" for i in range(n)]
    ok = [i < solved for i in range(n)]
    # a front of 3 (m00..m02 on x + y = 1 shape), the rest dominated by m01
    x = [0.1, 0.2, 0.3, *[0.5 + 0.01 * i for i in range(n - 3)]][:n]
    y = [0.3, 0.2, 0.1, *[0.5] * (n - 3)][:n]
    frame = pd.DataFrame(
        {
            "name": names,
            "exit_code": [0 if o else 3 for o in ok],
            "folder": [f"/runs/{m}" if o else "" for m, o in zip(names, ok, strict=True)],
        }
    )
    xs = np.where(ok, x, np.nan)
    table = pd.DataFrame({"name": names, DEFAULT_X: xs, "non_dominated": non_dominated(xs, np.array(y))})
    return frame, table


def test_comparison_takes_all_solved_up_to_twelve_else_the_front() -> None:
    from scenarios.cli.batch import comparison_folders

    frame, table = _batch(5, solved=4)
    folders, note = comparison_folders(frame, table, DEFAULT_X)
    assert folders == ["/runs/m00", "/runs/m01", "/runs/m02", "/runs/m03"] and "4 solved" in note
    frame, table = _batch(20, solved=20)
    folders, note = comparison_folders(frame, table, DEFAULT_X)
    assert folders == ["/runs/m00", "/runs/m01", "/runs/m02"] and "3 non-dominated" in note
    frame, table = _batch(3, solved=1)
    assert comparison_folders(frame, table, DEFAULT_X)[0] == []
