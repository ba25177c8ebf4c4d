"""Territory outlines: cells that follow the accounts, never overlap, never cross the sea."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

import maps.territory as territory
from maps import territory_map_png
from maps.basemap import EMEA, land_union, project
from maps.outlines import draw_outlines, neighbours, rep_territories, touching_reps
from maps.palette import rep_colours
from tests.maps.maps_synthetic import BASELINE_DIR, BASELINE_TOL, synthetic_run

# Johannesburg and Dubai (one rep, as in a real EMEA plan), and Paris / Lyon (two more reps).
CITIES = {"JNB": (-26.20, 28.05), "DXB": (25.20, 55.27), "PAR": (48.86, 2.35), "LYS": (45.76, 4.84)}


def _cluster(city: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    lat, lon = CITIES[city]
    return lat + rng.normal(0, 0.3, n), lon + rng.normal(0, 0.3, n)


def _emea_plan() -> tuple[np.ndarray, np.ndarray, pd.Series, shapely.Geometry]:
    rng = np.random.default_rng(4)
    parts = [("JNB", "R1"), ("DXB", "R1"), ("PAR", "R2"), ("LYS", "R3"), ("PAR", "R3")]
    lat, lon, reps = [], [], []
    for city, rep in parts:
        la, lo = _cluster(city, 30, rng)
        lat.append(la)
        lon.append(lo)
        reps += [rep] * 30
    lon0, lat0 = 20.0, 20.0
    x, y = project(
        np.concatenate(lon), np.concatenate(lat), f"+proj=laea +lat_0={lat0} +lon_0={lon0} +units=m"
    )
    return x, y, pd.Series(reps, dtype="string"), land_union(EMEA.key, lon0, lat0)


def test_a_rep_in_johannesburg_and_dubai_does_not_span_africa() -> None:
    x, y, reps, land = _emea_plan()
    territories = rep_territories(x, y, reps, land)
    r1 = territories["R1"]
    # Separate pieces around the two cities, each within 400 km of the rep's accounts: no arm across Africa.
    assert len(shapely.get_parts(r1)) >= 2
    own = shapely.multipoints(np.column_stack([x, y])[(reps == "R1").to_numpy()])
    assert shapely.difference(r1, shapely.buffer(own, 400_000.0)).area == pytest.approx(0.0, abs=1.0)
    # A point of inland Africa between the two cities is in nobody's territory.
    cx, cy = project(np.array([30.0]), np.array([0.0]), "+proj=laea +lat_0=20 +lon_0=20 +units=m")
    assert not any(t.contains(shapely.Point(cx[0], cy[0])) for t in territories)


def test_territories_never_overlap_and_stay_on_land() -> None:
    x, y, reps, land = _emea_plan()
    territories = rep_territories(x, y, reps, land)
    assert territories.index.tolist() == ["R1", "R2", "R3"]
    geoms = territories.to_numpy()
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert shapely.intersection(geoms[i], geoms[j]).area < 1e-6 * geoms[i].area
    for g in geoms:
        assert shapely.difference(g, land).area < 1e-3 * g.area


def test_every_account_on_land_lies_in_its_own_reps_territory() -> None:
    x, y, reps, land = _emea_plan()
    territories = rep_territories(x, y, reps, land)
    on_land = shapely.contains_xy(land, x, y)
    assert on_land.mean() > 0.8
    inside = [
        territories[r].buffer(1.0).contains(shapely.Point(px, py))
        for px, py, r, keep in zip(x, y, reps, on_land, strict=True)
        if keep
    ]
    assert all(inside)


def test_territories_do_not_depend_on_row_order() -> None:
    x, y, reps, land = _emea_plan()
    perm = np.random.default_rng(1).permutation(len(x))
    a = rep_territories(x, y, reps, land)
    b = rep_territories(x[perm], y[perm], reps.iloc[perm], land)
    assert all(p.symmetric_difference(q).area < 1e-6 * p.area for p, q in zip(a, b, strict=True))


def test_touching_reps_are_the_bordering_territories() -> None:
    x, y, reps, _ = _emea_plan()
    # Paris is shared by R2 and R3, Lyon is R3's: they border; R1 is far from both.
    assert touching_reps(x, y, reps, max_edge=300_000.0) == [("R2", "R3")]


def _crowded_plan(n_reps: int, per_rep: int = 40) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """``n_reps`` reps with interleaved accounts over a 2,000 km square (projected metres)."""
    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 2e6, size=(n_reps, 2))
    xy = np.repeat(centres, per_rep, axis=0) + rng.normal(0, 8e4, size=(n_reps * per_rep, 2))
    ids = pd.Series(np.repeat([f"R{i:03d}" for i in range(n_reps)], per_rep), dtype="string")
    return xy[:, 0], xy[:, 1], ids


def test_every_rep_of_a_crowded_panel_gets_an_outline() -> None:
    from matplotlib.figure import Figure

    x, y, ids = _crowded_plan(150)
    territories = rep_territories(x, y, ids)
    assert territories.index.tolist() == sorted(ids.unique())
    colours = rep_colours(pd.DataFrame({"rep_id": ids.unique()}))
    assert draw_outlines(Figure().add_subplot(), territories, colours) == 150


def test_fast_dissolve_matches_a_plain_union_of_the_cut_cells() -> None:
    x, y, ids = _crowded_plan(30, per_rep=25)
    radius = 60_000.0  # small enough that many cells are cut to their disc
    territories = rep_territories(x, y, ids, reach_m=radius)
    xy = np.column_stack([x, y])
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(xy), ordered=True, extend_to=shapely.box(-1e7, -1e7, 1e7, 1e7)
        )
    )
    cut = shapely.intersection(cells, shapely.buffer(shapely.points(xy), radius, quad_segs=8))
    for rep, geom in territories.items():
        plain = shapely.union_all(cut[(ids == rep).to_numpy()])
        assert shapely.symmetric_difference(geom, plain).area < 1e-6 * plain.area


def test_touching_reps_finds_every_pair_of_bordering_territories() -> None:
    x, y, ids = _crowded_plan(60)
    territories = rep_territories(x, y, ids, reach_m=150_000.0)
    found = set(touching_reps(x, y, ids, max_edge=300_000.0))
    touching = set(neighbours(territories))
    assert touching and touching <= found


def test_baseline_fails_without_outlines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from matplotlib.testing.compare import compare_images

    assignment, reps = synthetic_run()
    monkeypatch.setattr(territory, "draw_outlines", lambda *args: 0)
    png = territory_map_png(assignment, reps, title="ignored", dpi=40, text=False)
    actual = tmp_path / "no_outlines.png"
    actual.write_bytes(png)
    expected = BASELINE_DIR / "territory_300.png"
    assert compare_images(str(expected), str(actual), tol=BASELINE_TOL, in_decorator=True) is not None
