"""Coordinates for accounts that have none, from shipped tables (no network).

CRM exports often carry a billing address but no latitude or longitude: the
map is then blank and distance plays no part. Each such account is placed,
in this order of preference, at

1. its postal code's centroid (US ZIP codes; ZIP+4 and ZIPs that lost their
   leading zero in a spreadsheet included) -> quality ``postal``;
2. its city, matched within its country (and, for the US and Canada, within
   its state or province when that is known) -> quality ``city``; among
   cities of one name the most populous wins.

Accounts that came with coordinates keep them (quality ``exact``); the rest
get NaN (quality ``none``). A blank country is taken from a state that names
a country ("Singapore", "UK"), for placing only: the country column is not
changed here.

The tables (`solver/data/geocode`, GeoNames, CC BY 4.0; see the NOTICE there)
are read once per process.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from solver.inputs.countries import CA_PROVINCES, US_STATES, country_key, normalise_countries

__all__ = ["QUALITIES", "city_key", "geocode", "geocode_counts", "state_codes", "zip5"]

_DATA = Path(__file__).resolve().parents[1] / "data" / "geocode"

#: ``geocode_quality`` values, best first.
QUALITIES = ("exact", "postal", "city", "none")

_ZIP = re.compile(r"^\s*(\d{3,5})(?:-\d{4})?\s*$")


def city_key(values: pd.Series) -> pd.Series:
    """Matching key of city names: ASCII, lower case, words only, "Saint" as "st"."""
    s = values.astype("string")
    uniques = s.dropna().unique()
    return s.map({u: _city_key(str(u)) for u in uniques}).astype("string")


def _city_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join("st" if w in ("saint", "st") else w for w in words)


@cache
def _zips() -> pd.DataFrame:
    return pd.read_csv(_DATA / "us_zip.csv.gz", dtype={"zip": str, "state": str}, keep_default_na=False)


@cache
def _cities() -> pd.DataFrame:
    """Most populous city per (key, country, admin1), with "X City" also known as "X"."""
    table = pd.read_csv(
        _DATA / "cities15000.csv.gz",
        dtype={"name": str, "country": str, "admin1": str},
        keep_default_na=False,  # "NA" is Namibia
    )
    keys = city_key(table["name"])
    short = keys.str.replace(r" city$", "", regex=True)
    both = pd.concat(
        [table.assign(key=keys), table.assign(key=short)[short != keys]], ignore_index=True
    ).sort_values(["population", "geonameid"], ascending=[False, True], kind="stable")
    return both.drop_duplicates(["key", "country", "admin1"])[["key", "country", "admin1", "lat", "lon"]]


@cache
def _cities_by_country() -> pd.DataFrame:
    # _cities() is already sorted by population, most populous first.
    return _cities().drop_duplicates(["key", "country"])[["key", "country", "lat", "lon"]]


def zip5(postal: pd.Series) -> pd.Series:
    """Five-digit US ZIP of a postal code text (``"02134-1234"``, ``"2134"``), else NA."""
    digits = postal.astype("string").str.extract(_ZIP, expand=False)
    return digits.str.zfill(5).astype("string")


@cache
def _state_lookup() -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for country, table in (("US", US_STATES), ("CA", CA_PROVINCES)):
        for code, name in table.items():
            out[(country, country_key(code))] = code
            out[(country, country_key(name))] = code
    return out


def state_codes(country: pd.Series, state: pd.Series) -> pd.Series:
    """USPS state / Canadian province code of each account (NA elsewhere or when unknown)."""
    lookup = _state_lookup()
    pairs = pd.DataFrame({"c": country.astype("string"), "s": state.astype("string")})
    # a plan has few distinct (country, state) pairs: each is keyed once
    codes, uniques = pd.MultiIndex.from_frame(pairs).factorize()
    found = [
        lookup.get((c, country_key(s))) if isinstance(c, str) and isinstance(s, str) else None
        for c, s in uniques
    ]
    keys = np.array([*found, None], dtype=object)[codes]  # code -1 (a missing value) -> None
    return pd.Series(keys, index=country.index, dtype="string")


def _column(accounts: pd.DataFrame, name: str) -> pd.Series:
    if name in accounts.columns:
        return accounts[name].astype("string").reset_index(drop=True)
    return pd.Series(pd.NA, index=range(len(accounts)), dtype="string")


def _lookup(frame: pd.DataFrame, table: pd.DataFrame, on: list[str]) -> np.ndarray:
    """(n, 2) lat/lon of each row of ``frame`` matched on ``on`` (NaN when unmatched)."""
    hit = frame[on].merge(table, on=on, how="left", validate="many_to_one")
    return hit[["lat", "lon"]].to_numpy(dtype=float, na_value=np.nan)


def geocode(accounts: pd.DataFrame) -> pd.DataFrame:
    """Coordinates and their quality for every account (see the module docstring).

    Parameters
    ----------
    accounts : pandas.DataFrame
        Columns ``lat``, ``lon``, ``country`` (ISO alpha-2) and, when known,
        ``state``, ``city``, ``postal_code``.

    Returns
    -------
    pandas.DataFrame
        ``lat``, ``lon``, ``geocode_quality`` on the accounts' index.
    """
    lat = pd.to_numeric(accounts["lat"], errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    lon = pd.to_numeric(accounts["lon"], errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    exact = np.isfinite(lat) & np.isfinite(lon)
    quality = np.where(exact, "exact", "none").astype(object)
    missing = np.flatnonzero(~exact)
    if len(missing):  # only accounts without coordinates are looked up: a located plan costs nothing
        lat[missing], lon[missing], quality[missing] = _place(accounts.iloc[missing])
    return pd.DataFrame(
        {"lat": lat, "lon": lon, "geocode_quality": pd.array(quality, dtype="string")}, index=accounts.index
    )


def _place(accounts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Latitude, longitude and quality (postal / city / none) of accounts that came without coordinates."""
    n = len(accounts)
    lat, lon = np.full(n, np.nan), np.full(n, np.nan)
    quality = np.full(n, "none", dtype=object)
    country = _column(accounts, "country")
    state = _column(accounts, "state")
    hint, _ = normalise_countries(state)
    country = country.fillna(hint.reset_index(drop=True))
    frame = pd.DataFrame({"country": country, "zip": zip5(_column(accounts, "postal_code"))})
    postal = _lookup(
        frame.assign(zip=frame["zip"].where(country == "US")), _zips()[["zip", "lat", "lon"]], ["zip"]
    )
    use = np.isfinite(postal[:, 0])
    lat[use], lon[use] = postal[use, 0], postal[use, 1]
    quality[use] = "postal"
    frame["key"] = city_key(_column(accounts, "city"))
    frame["admin1"] = state_codes(country, state)
    in_state = _lookup(frame, _cities(), ["key", "country", "admin1"])
    anywhere = _lookup(frame, _cities_by_country(), ["key", "country"])
    # A known state that has no such city does not fall back to a namesake elsewhere.
    city = np.where(frame["admin1"].isna().to_numpy(dtype=bool)[:, None], anywhere, in_state)
    use = (quality == "none") & np.isfinite(city[:, 0])
    lat[use], lon[use] = city[use, 0], city[use, 1]
    quality[use] = "city"
    return lat, lon, quality


def geocode_counts(quality: pd.Series) -> dict[str, int]:
    """Accounts per ``geocode_quality`` value, every value listed (for metrics.json)."""
    counts = quality.value_counts()
    return {q: int(counts.get(q, 0)) for q in QUALITIES}
