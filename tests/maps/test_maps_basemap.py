"""Base layers load from the package; frames fit the data and stay in their region."""

from __future__ import annotations

import numpy as np
import pytest

from maps.basemap import (
    EMEA,
    NORTH_AMERICA,
    base_layers,
    countries,
    fit_frame,
    na_admin1,
    panel_index,
    project,
)


def test_shipped_layers_load() -> None:
    assert len(countries()) > 200
    admin1 = na_admin1()
    assert set(admin1["iso_a2"]) == {"US", "CA"}
    layers = base_layers("na", -95.0, 40.0)
    assert len(layers.land) > 10 and len(layers.admin1) > 50


def test_panel_split() -> None:
    assert panel_index(np.array([-74.0, -0.1, 55.3, np.nan])).tolist() == [0, 1, 1, -1]


def test_frame_fits_the_accounts_with_the_requested_aspect() -> None:
    lon = np.array([2.35, 13.40, -3.70, 18.07])  # Paris, Berlin, Madrid, Stockholm
    lat = np.array([48.86, 52.52, 40.42, 59.33])
    frame = fit_frame(EMEA, lon, lat, aspect=1.4)
    width = frame.xlim[1] - frame.xlim[0]
    height = frame.ylim[1] - frame.ylim[0]
    assert width / height == pytest.approx(1.4)
    x, y = project(lon, lat, frame.crs)
    assert (x > frame.xlim[0]).all() and (x < frame.xlim[1]).all()
    assert (y > frame.ylim[0]).all() and (y < frame.ylim[1]).all()
    # A European frame, not a whole-EMEA one: Johannesburg is out of view.
    _, jy = project(np.array([28.05]), np.array([-26.20]), frame.crs)
    assert jy[0] < frame.ylim[0]
    assert width < 5_000_000


def test_a_stray_account_far_away_does_not_become_a_world_map() -> None:
    lon = np.array([2.35, 13.40, 139.69])  # Paris, Berlin, Tokyo
    lat = np.array([48.86, 52.52, 35.68])
    frame = fit_frame(EMEA, lon, lat, aspect=1.4)
    tx, _ = project(np.array([139.69]), np.array([35.68]), frame.crs)
    assert tx[0] > frame.xlim[1]  # Tokyo stays off the EMEA panel


def test_one_city_still_shows_its_surroundings() -> None:
    frame = fit_frame(NORTH_AMERICA, np.array([-87.63]), np.array([41.88]), aspect=1.4)
    assert frame.ylim[1] - frame.ylim[0] >= 600_000
