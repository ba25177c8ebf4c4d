"""Territory outlines: hulls per rep, limits, and that the baseline sees them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import maps.territory as territory
from maps import territory_map_png
from maps.outlines import MAX_OUTLINED_REPS, draw_outlines, rep_hulls
from maps.palette import rep_colours
from tests.maps.maps_synthetic import BASELINE_DIR, BASELINE_TOL, synthetic_run


def test_hulls_only_for_reps_with_three_non_collinear_points() -> None:
    x = np.array([0.0, 4.0, 0.0, 4.0, 9.0, 10.0, 0.0, 1.0, 2.0, 5.0])
    y = np.array([0.0, 0.0, 3.0, 3.0, 9.0, 10.0, 7.0, 8.0, 9.0, np.nan])
    reps = pd.Series(["A", "A", "A", "A", "B", "B", "C", "C", "C", "A"], dtype="string")
    hulls = rep_hulls(x, y, reps)
    # B has two points, C's three lie on one line, A's NaN point is ignored.
    assert hulls.index.tolist() == ["A"]
    assert hulls["A"].area == pytest.approx(12.0)


def test_hulls_do_not_depend_on_row_order() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=200), rng.normal(size=200)
    reps = pd.Series(rng.choice(["R1", "R2", "R3"], 200), dtype="string")
    perm = rng.permutation(200)
    a = rep_hulls(x, y, reps)
    b = rep_hulls(x[perm], y[perm], reps.iloc[perm])
    assert a.index.tolist() == b.index.tolist() == ["R1", "R2", "R3"]
    assert all(p.normalize().equals(q.normalize()) for p, q in zip(a, b, strict=True))


def test_no_outlines_when_a_panel_has_too_many_reps() -> None:
    from matplotlib.figure import Figure

    n = MAX_OUTLINED_REPS + 1
    ids = pd.Series(np.repeat([f"R{i:03d}" for i in range(n)], 3), dtype="string")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=len(ids)), rng.normal(size=len(ids))
    colours = rep_colours(pd.DataFrame({"rep_id": ids.unique()}))
    ax = Figure().add_subplot()
    assert draw_outlines(ax, x, y, ids, colours) == 0
    keep = (ids != "R000").to_numpy()
    assert draw_outlines(ax, x[keep], y[keep], ids[keep], colours) == n - 1


def test_baseline_fails_without_outlines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from matplotlib.testing.compare import compare_images

    assignment, reps = synthetic_run()
    monkeypatch.setattr(territory, "draw_outlines", lambda *args: 0)
    png = territory_map_png(assignment, reps, title="ignored", dpi=40, text=False)
    actual = tmp_path / "no_outlines.png"
    actual.write_bytes(png)
    expected = BASELINE_DIR / "territory_300.png"
    assert compare_images(str(expected), str(actual), tol=BASELINE_TOL, in_decorator=True) is not None
