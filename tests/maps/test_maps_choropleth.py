"""Choropleths: area keys, conserved figures, deterministic bytes, baseline image without text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from maps import figure_size
from maps.choropleth import area_keys, area_values, choropleth_png
from tests.maps.maps_synthetic import assert_matches_baseline, decode, synthetic_run


@pytest.fixture(scope="module")
def run() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthetic_run()


def test_area_keys_from_state_code_name_point_or_country() -> None:
    accounts = pd.DataFrame(
        {
            "country": ["US", "US", "CA", "US", "GB", "FR", None, "US"],
            "state": ["NY", "new york", None, None, None, None, None, "Atlantis"],
            "lat": [np.nan, np.nan, 43.65, 40.60, 51.5, np.nan, 48.86, np.nan],
            "lon": [np.nan, np.nan, -79.38, -73.70, -0.13, np.nan, 2.35, np.nan],
        }
    )
    # Toronto by its point; Long Island's south shore (just off the coast) to New York;
    # a blank country with a point in Paris stays unknown (no admin-1 outside US/CA).
    assert area_keys(accounts).tolist() == ["US-NY", "US-NY", "CA-ON", "US-NY", "GB", "FR", pd.NA, pd.NA]


def test_figures_are_conserved_over_the_areas(run) -> None:
    assignment, reps = run
    keys = area_keys(assignment)
    placed = keys.notna().to_numpy()
    potential = area_values(assignment, reps, "potential")
    assert potential.sum() == pytest.approx(assignment.loc[placed, "potential"].sum())
    quota = area_values(assignment, reps, "quota")
    with_accounts = reps["rep_id"].isin(assignment.loc[placed, "rep_id"])
    assert quota.sum() == pytest.approx(reps.loc[with_accounts, "quota"].sum())
    coverage = area_values(assignment, reps, "coverage")
    share = potential / potential.sum()
    assert (coverage * share).sum() == pytest.approx(1.0)  # potential-weighted mean is 1
    with pytest.raises(ValueError, match="needs the attainment table"):
        area_values(assignment, reps, "attainment")
    table = pd.DataFrame({"rep_id": reps["rep_id"], "period": "total", "quota": 100.0, "bookings": 50.0})
    halves = area_values(assignment, reps, "attainment", table)
    assert np.allclose(halves.to_numpy(), 0.5)


def test_png_size_and_same_bytes_whatever_the_row_order(run) -> None:
    assignment, reps = run
    png = choropleth_png(assignment, reps, value="quota", title="Quota", dpi=40)
    image = decode(png)
    width, height = figure_size(2, 0)
    assert abs(image.shape[1] - width * 40) < 1 and abs(image.shape[0] - height * 40) < 1
    shuffled = choropleth_png(
        assignment.sample(frac=1.0, random_state=3),
        reps.sample(frac=1.0, random_state=4),
        value="quota",
        title="Quota",
        dpi=40,
    )
    assert png == shuffled


def test_no_text_render_matches_baseline(run, tmp_path: Path) -> None:
    assignment, reps = run
    png = choropleth_png(assignment, reps, value="potential", title="ignored", dpi=40, text=False)
    assert_matches_baseline(png, "choropleth_potential_300.png", tmp_path)
    without = decode(png)
    with_text = decode(choropleth_png(assignment, reps, value="potential", title="Potential", dpi=40))
    assert with_text.shape == without.shape
    assert (without[:10, :, :3] == 1.0).all()  # no title band text
    assert (np.abs(with_text - without) > 0.1).any()


def test_one_region_draws_one_panel(run) -> None:
    assignment, reps = run
    emea = assignment[assignment["region"] == "EMEA"]
    image = decode(choropleth_png(emea, reps, value="coverage", title="EMEA", dpi=30, text=False))
    width, _ = figure_size(1, 0)
    assert abs(image.shape[1] - width * 30) < 1


def test_every_panel_has_its_colour_bar_in_the_runs_currency(run) -> None:
    from maps.choropleth import _figure

    assignment, reps = run
    fig = _figure(assignment, reps, "potential", "t", True, 40, None, "EUR")
    bars = [ax for ax in fig.axes if ax.get_label() == "colour bar"]
    maps_with_titles = [
        ax for ax in fig.axes if ax.get_title(loc="left").startswith(("North America", "EMEA"))
    ]
    assert len(maps_with_titles) == 2 and len(bars) == 2
    fig.canvas.draw()
    for bar in bars:
        assert bar.get_title(loc="left") == "Potential (EUR)"
        labels = [t.get_text() for t in bar.get_xticklabels() if t.get_text()]
        assert labels and all(label.startswith("€") for label in labels)
