"""Regions below the country: subdivisions, ZIP prefixes, NUTS codes, polygons; one region each."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from solver.config import PlanConfig, PlanParams, QuotaConfig, region_entry
from solver.inputs.polygons import read_polygons
from solver.inputs.readers import read_accounts
from solver.planning.regions import account_subdivisions, match_regions
from solver.planning.segmentation import assign_regions
from tests.tests_paths import require_shared

# The US split into three sales regions by state (the CRM history's three offices).
US_THREE = {
    "East": ["US-NY", "US-NC", "US-FL", "US-MA", "US-GA", "US-PA", "US-VA", "US-NJ"],
    "Central": ["US-TX", "US-IL", "US-KS", "US-MN", "US-MO", "US-OH", "US-MI", "US-CO"],
    "West": ["US-CA", "US-OR", "US-WA", "US-AZ", "US-NV", "US-UT"],
}


def _params(regions: dict[str, list[str]]) -> PlanParams:
    return PlanParams(
        plan=PlanConfig(start=dt.date(2027, 2, 1)), regions=regions, quota=QuotaConfig(target=1.0)
    )


def _frame(**columns) -> pd.DataFrame:
    df = pd.DataFrame(columns)
    df.index = pd.Index(np.arange(len(df)) + 2, name="row")
    return df


def test_entry_kinds() -> None:
    assert region_entry("us") == ("country", "US")
    assert region_entry("CA-ON") == ("subdivision", "CA-ON")
    assert region_entry("zip:941") == ("zip", "941")
    assert region_entry("DE21") == ("nuts", "DE21")
    assert region_entry("nuts:ukI3") == ("nuts", "UKI3")
    assert region_entry("file:west.geojson") == ("polygons", "west.geojson")
    with pytest.raises(ValueError, match="is not a country"):
        region_entry("North America")


def test_an_entry_listed_in_two_regions_is_refused() -> None:
    with pytest.raises(ValueError, match="US-CA is listed in regions West and Pacific"):
        _params({"West": ["US-CA"], "Pacific": ["us-ca"]})


def test_subdivisions_from_codes_names_and_iso_codes() -> None:
    acc = _frame(
        country=["US", "US", "CA", "DE", "DE", "FR"],
        state=["California", "ny", "Ontario", "BY", "DE-BE", None],
    )
    assert account_subdivisions(acc).tolist() == ["US-CA", "US-NY", "CA-ON", "DE-BY", "DE-BE", pd.NA]


def test_us_east_central_west_on_the_salesforce_sample() -> None:
    path = require_shared("crm", "salesforce_sample_dataloader", "Account.csv")
    accounts = read_accounts(path, on_unknown_country="keep")
    params = _params({**US_THREE, "EMEA": ["FR", "GB"]})
    region, problems = assign_regions(accounts, params, file="Account.csv")
    by_name = dict(zip(accounts["name"], region, strict=True))
    assert by_name["Burlington Textiles Corp of America"] == "East"  # NC
    assert by_name["United Oil & Gas Corp."] == "East"  # NY
    assert by_name["Dickenson plc"] == "Central"  # KS
    assert by_name["Grand Hotels & Resorts Ltd"] == "Central"  # IL
    assert by_name["GenePoint"] == "West"  # CA
    assert by_name["University of Arizona"] == "West"  # AZ
    assert by_name["Pyramid Construction Inc."] == "EMEA"  # FR
    # The two accounts without a country were reported by the reader; none are here.
    assert problems == []
    counts = region.value_counts().to_dict()
    assert counts == {"East": 2, "Central": 3, "West": 4, "EMEA": 1}


def test_rows_in_no_region_or_in_several_are_named() -> None:
    acc = _frame(
        country=["US", "US", "US", "DE"],
        state=["CA", "CA", "WY", "BY"],
        postal_code=["94105", "90210", "82001", None],
    )
    entries = _params({"Bay": ["zip:94"], "California": ["US-CA"], "Bavaria": ["DE-BY"]}).region_entries()
    region, problems = match_regions(acc, entries, file="a.csv")
    assert region.tolist() == [pd.NA, "California", pd.NA, "Bavaria"]
    assert [(p.row, p.column) for p in problems] == [(4, "region"), (2, "region")]
    assert "falls in no [regions] entry (country US, subdivision US-WY, zip 82001)" in problems[0].why
    assert "several regions: Bay (zip:94), California (US-CA)" in problems[1].why


def test_nuts_codes_match_finer_levels() -> None:
    acc = _frame(country=["DE", "DE", "AT"], nuts=["DE212", "de30", "AT13"])
    entries = _params({"South": ["DE21", "AT"], "Berlin": ["nuts:DE3"]}).region_entries()
    region, problems = match_regions(acc, entries)
    assert region.tolist() == ["South", "Berlin", "South"] and problems == []


def test_polygon_files_place_accounts_by_coordinates(tmp_path: Path) -> None:
    west = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "west"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[-125, 30], [-100, 30], [-100, 50], [-125, 50], [-125, 30]]],
                },
            }
        ],
    }
    path = tmp_path / "west.geojson"
    path.write_text(json.dumps(west), encoding="utf-8")
    acc = _frame(country=["US", "US"], lat=[37.8, 40.7], lon=[-122.4, -74.0])
    params = _params({"West": [str(path)], "Rest": ["US-NY"]})
    acc["state"] = [None, "NY"]
    region, problems = assign_regions(acc, params, {str(path): read_polygons(path)})
    assert region.tolist() == ["West", "Rest"] and problems == []


def test_nuts2_polygons_from_eurostat() -> None:
    path = require_shared("europe", "NUTS_RG_60M_2021_4326_LEVL_2.geojson")
    import geopandas as gpd

    nuts = gpd.read_file(path)
    bavaria = nuts[nuts["NUTS_ID"].str.startswith("DE2")]
    assert len(bavaria) > 0
    geometry = read_polygons(path)  # the whole file: every NUTS-2 region
    acc = _frame(country=["DE", "US"], lat=[48.14, 40.7], lon=[11.58, -74.0])
    region, problems = match_regions(acc, {"Europe": (("polygons", str(path)),)}, {str(path): geometry})
    assert region.tolist() == ["Europe", pd.NA]
    assert len(problems) == 1 and problems[0].row == 3


def test_dach_and_the_rest_of_emea_by_nuts_polygons(tmp_path: Path) -> None:
    from scenarios.run.prepare import region_polygons
    from scenarios.run.scenario import load_scenario

    nuts = require_shared("europe", "NUTS_RG_60M_2021_4326_LEVL_2.geojson")
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f"""
name = "dach"
[data]
accounts = "a.csv"
reps = "r.csv"
[plan]
start = "2027-02-01"
[regions]
DACH = ["{nuts}#DE,AT,CH"]
Rest = ["{nuts}#FR,NL,BE,IT"]
[quota]
target = 1.0
""",
        encoding="utf-8",
    )
    params = load_scenario(scenario).params
    # Munich, Vienna, Zurich / Paris, Amsterdam / the Atlantic off Portugal.
    acc = _frame(
        country=["DE", "AT", "CH", "FR", "NL", "PT"],
        lat=[48.14, 48.21, 47.37, 48.86, 52.37, 39.0],
        lon=[11.58, 16.37, 8.54, 2.35, 4.90, -12.0],
    )
    region, problems = assign_regions(acc, params, region_polygons(params))
    assert region.tolist() == ["DACH", "DACH", "DACH", "Rest", "Rest", pd.NA]
    assert [p.row for p in problems] == [7]


def test_a_selection_that_matches_no_feature_is_an_input_error() -> None:
    from solver.errors import InputError

    nuts = require_shared("europe", "NUTS_RG_60M_2021_4326_LEVL_2.geojson")
    with pytest.raises(InputError, match="no feature has an id starting with ZZ"):
        read_polygons(nuts, ("ZZ",))


def test_nuts_entries_without_a_nuts_column_say_how_to_fix() -> None:
    acc = _frame(country=["DE", "DE", "AT"], state=["BY", "BE", None])
    entries = _params({"South": ["DE21", "AT"], "Berlin": ["nuts:DE3"]}).region_entries()
    region, problems = match_regions(acc, entries)
    assert region.isna().tolist() == [True, True, False] and region.iloc[2] == "South"
    hint = [p for p in problems if p.column == "nuts"]
    assert len(hint) == 1 and hint[0].row is None
    assert "2 accounts in no region have no NUTS code" in hint[0].why
    assert "add a `nuts` column" in hint[0].why and "NUTS_2021.geojson#DE21" in hint[0].why
    # Each unplaced row is still named.
    assert sorted(p.row for p in problems if p.column == "region") == [2, 3]


def test_no_nuts_hint_when_every_unplaced_account_has_a_code() -> None:
    acc = _frame(country=["DE"], nuts=["DE30"])
    _, problems = match_regions(acc, _params({"South": ["DE21"]}).region_entries())
    assert [p.column for p in problems] == ["region"]
