"""Comparison maps: the join, the summary figures, bytes and baseline image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from maps import comparison_map_png, comparison_map_svg, figure_size, join_runs
from maps.comparison import _summary
from tests.maps.maps_synthetic import assert_matches_baseline, decode, reassigned, synthetic_run


@pytest.fixture(scope="module")
def runs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    before, reps = synthetic_run()
    return before, reassigned(before, 0.1), reps


def test_join_flags_accounts_whose_rep_differs() -> None:
    before = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "rep_id": ["R1", "R1", None, "R2"],
            "lat": [1.0, 2.0, 3.0, 4.0],
            "lon": [1.0, 2.0, 3.0, 4.0],
            "potential": 10.0,
        }
    )
    after = pd.DataFrame(
        {
            "account_id": ["e", "c", "b", "a"],
            "rep_id": ["R1", "R3", "R1", "R2"],
            "lat": [5.0, 3.0, 2.0, np.nan],
            "lon": [5.0, 3.0, 2.0, np.nan],
            "potential": 20.0,
        }
    )
    joined = join_runs(before, after).set_index("account_id")
    assert joined.index.tolist() == ["a", "b", "c", "d", "e"]
    assert joined["changed"].tolist() == [True, False, True, False, False]
    assert joined["in_before"].tolist() == [True, True, True, True, False]
    assert joined["in_after"].tolist() == [True, True, True, False, True]
    # Coordinates and potential from the second run, falling back to the first.
    assert joined.loc["a", "lat"] == 1.0
    assert joined.loc["b", "potential"] == 20.0
    assert joined.loc["d", "potential"] == 10.0


def test_summary_counts_and_potential_share() -> None:
    changed = np.array([True, False, False, True])
    potential = np.array([10.0, 30.0, 50.0, 10.0])
    assert _summary(changed, potential, 2) == (
        "2 accounts change rep (50.0% of 4), 20.0% of potential, to 2 reps"
    )
    assert _summary(changed[1:3], np.array([np.nan, np.nan]), 0) == ("0 accounts change rep (0.0% of 2)")


def test_png_decodes_is_deterministic_and_sized(runs) -> None:
    before, after, reps = runs
    png = comparison_map_png(before, after, reps, title="A vs B", labels=("base", "alt"), dpi=40)
    assert png == comparison_map_png(
        before.sample(frac=1.0, random_state=4),
        after,
        reps,
        title="A vs B",
        labels=("base", "alt"),
        dpi=40,
    )
    image = decode(png)
    width, height = figure_size(2, 3)  # summary line + two rows of receiving reps
    assert abs(image.shape[1] - width * 40) < 1 and abs(image.shape[0] - height * 40) < 1


def test_identical_runs_highlight_nothing(runs) -> None:
    before, _, reps = runs
    same = decode(comparison_map_png(before, before, reps, title="t", dpi=40, text=False))
    other = decode(comparison_map_png(before, runs[1], reps, title="t", dpi=40, text=False))
    assert same.shape[1] == other.shape[1]
    assert (np.abs(same[: other.shape[0]] - other[: same.shape[0]]) > 0.2).any()


def test_no_text_render_matches_baseline(runs, tmp_path: Path) -> None:
    before, after, reps = runs
    png = comparison_map_png(before, after, reps, title="ignored", dpi=40, text=False)
    assert_matches_baseline(png, "comparison_300.png", tmp_path)


def test_svg_variant(runs) -> None:
    before, after, reps = runs
    svg = comparison_map_svg(before, after, reps, title="A vs B", region="NA")
    assert svg.lstrip().startswith(b"<?xml")


def test_minimal_tables_without_coordinates_still_render() -> None:
    before, reps = synthetic_run(40)
    bare = before[["account_id", "rep_id", "region"]]
    image = decode(comparison_map_png(bare, bare, reps[["rep_id"]], title="bare", dpi=30))
    width, _ = figure_size(1, 0)  # one empty panel with a message
    assert abs(image.shape[1] - width * 30) < 1
