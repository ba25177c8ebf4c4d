"""Rep colours: stable per rep_id, independent of row order and process, spread in a block."""

from __future__ import annotations

import numpy as np
import pandas as pd

from maps.palette import NO_REP_RGBA, colours_for, palette, rep_colour_indices, rep_colours


def _reps(n: int = 40) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rep_id": pd.array([f"R{i:03d}" for i in range(n)], dtype="string"),
            "segment": ["SMB", "MM"] * (n // 2),
            "region": ["NA"] * (n // 2) + ["EMEA"] * (n // 2),
        }
    )


def test_same_rep_same_colour_whatever_the_row_order() -> None:
    reps = _reps()
    shuffled = reps.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a, b = rep_colours(reps), rep_colours(shuffled)
    pd.testing.assert_frame_equal(a, b.loc[a.index])


def test_colours_for_maps_ids_in_any_order_and_greys_unknown() -> None:
    table = rep_colours(_reps())
    ids = pd.Series(["R005", None, "R001", "R005", "nobody"], dtype="string")
    rgba = colours_for(ids, table)
    assert rgba.shape == (5, 4)
    np.testing.assert_array_equal(rgba[0], table.loc["R005"].to_numpy())
    np.testing.assert_array_equal(rgba[3], rgba[0])
    np.testing.assert_array_equal(rgba[2], table.loc["R001"].to_numpy())
    np.testing.assert_array_equal(rgba[1], NO_REP_RGBA)
    np.testing.assert_array_equal(rgba[4], NO_REP_RGBA)


def test_reps_of_one_block_get_distinct_colours() -> None:
    ids = [f"rep-{i}" for i in range(30)]
    index = rep_colour_indices(ids, ["ENT|EMEA"] * 30)
    assert index.nunique() == 30
    # Without the block spreading, 30 hashes into 48 colours would collide.
    plain = pd.Series([rep_colour_indices([i]).iloc[0] for i in ids])
    assert plain.nunique() < 30


def test_reps_in_other_blocks_do_not_change_a_reps_colour() -> None:
    reps = _reps()
    more = pd.concat(
        [reps, pd.DataFrame({"rep_id": ["Z1", "Z2"], "segment": "ENT", "region": "APAC"})],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(rep_colours(reps), rep_colours(more).loc[rep_colours(reps).index])


def test_palette_has_no_greys_or_near_white() -> None:
    rgb = palette()[:, :3]
    assert len(rgb) >= 40
    assert ((rgb.max(1) - rgb.min(1)) >= 0.12).all()
    assert (rgb @ np.array([0.2126, 0.7152, 0.0722]) <= 0.82).all()


def test_colours_do_not_depend_on_the_process_hash_seed(fresh_process: dict) -> None:
    here = rep_colour_indices([f"R{i}" for i in range(60)], ["b"] * 60).tolist()
    assert fresh_process["colours"] == here


def test_neighbouring_territories_get_colours_that_stand_apart() -> None:
    from maps.palette import _lab, separate_neighbours

    table = rep_colours(_reps())
    # Force two bordering reps onto one colour, as a hash collision across blocks would.
    table.loc["R001"] = table.loc["R000"].to_numpy()
    pairs = [("R000", "R001"), ("R001", "R002")]
    out = separate_neighbours(table, pairs)
    pal, lab = palette(), _lab()

    def slot(rep: str) -> int:
        return int(np.argmin(np.abs(pal - out.loc[rep].to_numpy()).sum(axis=1)))

    for a, b in pairs:
        assert np.linalg.norm(lab[slot(a)] - lab[slot(b)]) >= 30.0
    # R000 settles first and keeps its colour; reps without neighbours are untouched.
    pd.testing.assert_series_equal(out.loc["R000"], table.loc["R000"])
    untouched = [r for r in table.index if r not in {"R000", "R001", "R002"}]
    pd.testing.assert_frame_equal(out.loc[untouched], table.loc[untouched])


def test_no_neighbours_no_change() -> None:
    from maps.palette import separate_neighbours

    table = rep_colours(_reps())
    assert separate_neighbours(table, []) is table
