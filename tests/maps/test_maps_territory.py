"""Territory maps: bytes decode, sizes, determinism, filters, baseline image."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from maps import figure_size, territory_map_png, territory_map_svg
from maps.tables import rep_labels
from tests.maps.maps_synthetic import assert_matches_baseline, decode, synthetic_run


@pytest.fixture(scope="module")
def run() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthetic_run()


def _assert_size(image: np.ndarray, n_panels: int, legend_rows: int, dpi: int) -> None:
    width, height = figure_size(n_panels, legend_rows)
    assert abs(image.shape[1] - width * dpi) < 1
    assert abs(image.shape[0] - height * dpi) < 1


def test_png_decodes_with_the_expected_size(run) -> None:
    assignment, reps = run
    png = territory_map_png(assignment, reps, title="Synthetic", dpi=60)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = decode(png)
    # Two panels, 6 reps each: a per-rep legend of two rows of four.
    _assert_size(image, n_panels=2, legend_rows=2, dpi=60)
    assert image[..., :3].std() > 0.05  # not a blank canvas


def test_same_input_same_bytes_whatever_the_row_order(run) -> None:
    assignment, reps = run
    first = territory_map_png(assignment, reps, title="Synthetic", dpi=50)
    again = territory_map_png(assignment, reps, title="Synthetic", dpi=50)
    shuffled = territory_map_png(
        assignment.sample(frac=1.0, random_state=1),
        reps.sample(frac=1.0, random_state=2),
        title="Synthetic",
        dpi=50,
    )
    assert first == again == shuffled


def test_no_text_render_matches_baseline(run, tmp_path: Path) -> None:
    assignment, reps = run
    png = territory_map_png(assignment, reps, title="ignored", dpi=40, text=False)
    assert_matches_baseline(png, "territory_300.png", tmp_path)


def test_text_flag_removes_all_text(run) -> None:
    assignment, reps = run
    with_text = decode(territory_map_png(assignment, reps, title="Synthetic", dpi=40))
    without = decode(territory_map_png(assignment, reps, title="Synthetic", dpi=40, text=False))
    assert with_text.shape == without.shape
    assert (np.abs(with_text - without) > 0.1).any()
    # The title band of a text-free render is plain white.
    assert (without[:10, :, :3] == 1.0).all()


def test_region_filter_draws_one_panel(run) -> None:
    assignment, reps = run
    image = decode(territory_map_png(assignment, reps, title="EMEA", dpi=40, region="EMEA"))
    _assert_size(image, n_panels=1, legend_rows=2, dpi=40)


def test_manager_filter_and_missing_data_still_render(run) -> None:
    assignment, reps = run
    assignment = assignment.astype(object)
    assignment.loc[0, "rep_id"] = None
    assignment.loc[1, "lat"] = "not a number"
    png = territory_map_png(assignment, reps, title="M3", dpi=40, manager_id="M3")
    image = decode(png)
    # Manager M3 has three EMEA reps only: one panel.
    _assert_size(image, n_panels=1, legend_rows=1, dpi=40)


def test_many_reps_get_a_compact_legend() -> None:
    assignment, _ = synthetic_run()
    # 60 reps in each region: too many to list, so no rows of names.
    assignment["rep_id"] = (assignment["rep_id"] + "-" + (assignment.index % 10).astype(str)).astype("string")
    big = pd.DataFrame({"rep_id": pd.unique(assignment["rep_id"])}).merge(
        assignment[["rep_id", "segment", "region"]].drop_duplicates("rep_id"), on="rep_id"
    )
    image = decode(territory_map_png(assignment, big, title="many", dpi=40))
    _assert_size(image, n_panels=2, legend_rows=0, dpi=40)


def test_empty_assignment_renders_a_message(run) -> None:
    assignment, reps = run
    image = decode(territory_map_png(assignment.iloc[:0], reps, title="none", dpi=40))
    _assert_size(image, n_panels=1, legend_rows=0, dpi=40)


def test_svg_is_xml_and_deterministic(run) -> None:
    assignment, reps = run
    svg = territory_map_svg(assignment, reps, title="Synthetic")
    assert svg == territory_map_svg(assignment, reps, title="Synthetic")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")


def test_labels_name_planned_hires_and_split_namesakes() -> None:
    reps = pd.DataFrame(
        {
            "rep_id": ["R1", "R2", "R3", "R4"],
            "name": pd.array(["Ann Lee", None, "Bo Park", "Bo Park"], dtype="string"),
        }
    )
    assert rep_labels(reps).tolist() == ["Ann Lee", "TBH R2", "Bo Park (R3)", "Bo Park (R4)"]


def test_rendering_never_uses_pyplot(fresh_process: dict) -> None:
    assert fresh_process["pyplot_loaded"] is False


def test_threads_render_the_same_bytes_as_one_at_a_time(run) -> None:
    from concurrent.futures import ThreadPoolExecutor

    assignment, reps = run
    serial = territory_map_png(assignment, reps, title="t", dpi=30)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: territory_map_png(assignment, reps, title="t", dpi=30), range(3)))
    assert all(r == serial for r in results)


def test_reps_without_names_are_labelled_by_id_and_bad_filters_say_why(run) -> None:
    assignment, reps = run
    assert rep_labels(reps.drop(columns=["name"])).tolist() == reps["rep_id"].tolist()
    with pytest.raises(ValueError, match="manager_id"):
        territory_map_png(assignment, reps.drop(columns=["manager_id"]), title="t", manager_id="M1")


def test_ninety_reps_a_panel_are_all_outlined_as_in_the_baseline(tmp_path: Path) -> None:
    # 15 reps per city cluster region-wide: 90 reps in each panel, far beyond the named legend.
    assignment, _ = synthetic_run(3000, seed=2)
    suffix = (assignment.index % 15).astype(str)
    assignment["rep_id"] = (assignment["rep_id"] + "-" + suffix).astype("string")
    many = assignment[["rep_id", "segment", "region"]].drop_duplicates("rep_id").reset_index(drop=True)
    assert many.groupby("region").size().tolist() == [90, 90]
    png = territory_map_png(assignment, many, title="ignored", dpi=60, text=False)
    assert_matches_baseline(png, "territory_90_reps.png", tmp_path)
