"""Rep names on the map: inside their territory, never on top of each other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from maps.labels import _box_size, place_labels, short_names
from maps.outlines import rep_territories


def _plan() -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(5)
    centres = rng.uniform(0, 3e6, size=(80, 2))
    xy = np.repeat(centres, 30, axis=0) + rng.normal(0, 6e4, size=(2400, 2))
    ids = pd.Series(np.repeat([f"R{i:03d}" for i in range(80)], 30), dtype="string")
    territories = rep_territories(xy[:, 0], xy[:, 1], ids)
    labels = pd.Series([f"Firstname{i} Surname{i}" for i in range(80)], index=territories.index)
    return territories, labels


def test_names_sit_in_their_territory_and_never_overlap() -> None:
    territories, labels = _plan()
    mpp = 3e6 / (7.6 * 72)  # the plan fills a 7.6 in wide panel
    placed = place_labels(territories, labels, mpp)
    assert 0 < len(placed) < len(territories)  # crowded: some, not all, are named
    boxes = []
    for row in placed.itertuples(index=False):
        assert territories[row.rep_id].contains(shapely.Point(row.x, row.y))
        assert row.label in (labels[row.rep_id], labels[row.rep_id].split()[-1])
        w, h = _box_size(row.label, mpp)
        boxes.append(shapely.box(row.x - w / 2, row.y - h / 2, row.x + w / 2, row.y + h / 2))
    tree = shapely.STRtree(boxes)
    left, right = tree.query(boxes, predicate="intersects")
    assert (left == right).all()


def test_a_larger_map_names_more_reps_and_the_largest_first() -> None:
    territories, labels = _plan()
    small = place_labels(territories, labels, 3e6 / (7.6 * 72))
    large = place_labels(territories, labels, 3e6 / (30 * 72))
    assert len(large) > len(small)
    areas = territories.map(lambda g: max(p.area for p in shapely.get_parts(g)))
    assert small["rep_id"].iloc[0] == areas.idxmax()


def test_surnames_only_where_they_are_unique() -> None:
    labels = pd.Series(["Ava Martin", "Ben Martin", "Chloe Dubois", "TBH R9"])
    assert short_names(labels).tolist() == ["Ava Martin", "Ben Martin", "Dubois", "TBH R9"]


def test_no_territories_no_labels() -> None:
    empty = pd.Series([], dtype=object, index=pd.Index([], dtype="string"))
    assert place_labels(empty, pd.Series([], dtype="string"), 1000.0).empty


def test_names_stay_inside_the_visible_map() -> None:
    territories, labels = _plan()
    mpp = 3e6 / (30 * 72)
    everywhere = place_labels(territories, labels, mpp)
    left_half = (-1e7, -1e7, 1.5e6, 1e7)
    clipped = place_labels(territories, labels, mpp, frame=left_half)
    assert 0 < len(clipped) < len(everywhere)
    for row in clipped.itertuples(index=False):
        w, _ = _box_size(row.label, mpp)
        assert row.x + w / 2 <= 1.5e6
