"""Country values -> ISO 3166 alpha-2 codes, and US / Canadian states -> country.

CRM data spells countries every way: ``US``, ``USA``, ``U.S.``, ``United
States``, ``United Kingdom``, ``UK``, ``Great Britain``. Regions in a scenario
are lists of ISO alpha-2 codes, so every account's country is normalised here
first. Matching is case-, accent- and punctuation-insensitive and covers ISO
alpha-2 and alpha-3 codes, the GeoNames English names shipped in
``solver/data/countries.csv`` (CC BY 4.0, GeoNames) and a short list of common
English variants. Anything else is reported, never guessed.

Salesforce orgs without State and Country Picklists often leave the country
blank for domestic accounts and fill only the state; a blank country is
therefore inferred as US or CA when the state is a US state / DC or a
Canadian province / territory (code or English name), and nothing else.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "CA_PROVINCES",
    "US_STATES",
    "country_key",
    "country_lookup",
    "country_names",
    "load_countries",
    "normalise_countries",
    "state_to_country",
    "unknown_country_why",
]

_DATA = Path(__file__).resolve().parents[1] / "data"

#: US states and the District of Columbia: USPS code -> name.
US_STATES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
}

#: Canadian provinces and territories: Canada Post code -> English name.
CA_PROVINCES: dict[str, str] = {
    "AB": "Alberta",
    "BC": "British Columbia",
    "MB": "Manitoba",
    "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador",
    "NS": "Nova Scotia",
    "NT": "Northwest Territories",
    "NU": "Nunavut",
    "ON": "Ontario",
    "PE": "Prince Edward Island",
    "QC": "Quebec",
    "SK": "Saskatchewan",
    "YT": "Yukon",
}

# Common English forms beyond the GeoNames names and ISO codes (keys are matched
# after `country_key`). Non-English names are deliberately absent.
_VARIANTS: dict[str, str] = {
    "US": "usa|u s a|united states of america|the united states|america|u s|us of a",
    "GB": "uk|u k|great britain|britain|england|scotland|wales|northern ireland"
    "|united kingdom of great britain and northern ireland",
    "AE": "uae|u a e",
    "BN": "brunei darussalam",
    "BO": "bolivia plurinational state of",
    "CD": "drc|dr congo|congo kinshasa|democratic republic of congo"
    "|congo democratic republic of the|congo democratic republic",
    "CG": "congo|congo brazzaville|republic of congo|congo republic of the",
    "CI": "cote divoire|cote d ivoire",
    "CN": "peoples republic of china|prc|mainland china",
    "CV": "cape verde",
    "CZ": "czech republic",
    "FK": "falkland islands malvinas",
    "FM": "micronesia federated states of|federated states of micronesia",
    "FO": "faeroe islands",
    "HK": "hong kong sar|hong kong sar china",
    "IE": "republic of ireland|eire",
    "IR": "iran islamic republic of",
    "KG": "kyrgyz republic",
    "KP": "korea dpr|democratic peoples republic of korea|korea north|korea democratic peoples republic of",
    "KR": "korea|republic of korea|korea republic of|korea south|korea rep",
    "LA": "lao pdr|lao peoples democratic republic",
    "MD": "republic of moldova|moldova republic of",
    "MK": "macedonia|republic of north macedonia|fyrom",
    "MM": "burma",
    "MO": "macau",
    "NL": "holland|netherlands",
    "PS": "palestine|state of palestine",
    "RU": "russian federation",
    "SK": "slovak republic",
    "SY": "syrian arab republic",
    "SZ": "swaziland",
    "TL": "east timor|timor leste",
    "TR": "turkiye",
    "TZ": "tanzania united republic of|united republic of tanzania",
    "VA": "holy see|vatican city",
    "VE": "venezuela bolivarian republic of",
    "VG": "virgin islands british",
    "VI": "us virgin islands|virgin islands us",
    "VN": "viet nam",
}


def country_key(value: str) -> str:
    """Matching key of a country spelling: accents, case, punctuation and "the" removed.

    ``"U.S."`` -> ``"us"``, ``"Côte d'Ivoire"`` -> ``"cote divoire"``,
    ``"The Netherlands"`` -> ``"netherlands"``.
    """
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ").replace(".", "").replace("'", "").replace("’", "")
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    words = text.split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


@cache
def load_countries() -> pd.DataFrame:
    """The shipped country table: country (alpha-2), iso3, name, continent, macro_region."""
    # keep_default_na=False: "NA" is Namibia's code and North America's continent code
    return pd.read_csv(_DATA / "countries.csv", dtype=str, keep_default_na=False)


@cache
def country_lookup() -> dict[str, str]:
    """Matching key -> ISO alpha-2 code, for codes, names and common variants."""
    table = load_countries()
    lookup: dict[str, str] = {}

    def add(key: str, code: str) -> None:
        if lookup.setdefault(key, code) != code:
            raise RuntimeError(f"country key {key!r} maps to {lookup[key]} and {code}")

    for code, iso3 in zip(table["country"], table["iso3"], strict=True):
        add(country_key(code), code)
        add(country_key(iso3), code)
    for code, name in zip(table["country"], table["name"], strict=True):
        lookup.setdefault(country_key(name), code)
    for code, forms in _VARIANTS.items():
        for form in forms.split("|"):
            lookup[country_key(form)] = code
    return lookup


def country_names() -> dict[str, str]:
    """ISO alpha-2 code -> English name."""
    table = load_countries()
    return dict(zip(table["country"], table["name"], strict=True))


def normalise_countries(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Map country spellings to ISO alpha-2 codes.

    Parameters
    ----------
    values
        Raw country values (strings; blanks as NA).

    Returns
    -------
    tuple[pandas.Series, numpy.ndarray]
        The codes (``string`` dtype; NA where blank or unknown) and a boolean
        mask of the non-blank values that matched nothing.
    """
    s = values.astype("string")
    lookup = country_lookup()
    uniques = s.dropna().unique()
    mapping = {u: lookup.get(country_key(u)) for u in uniques}
    codes = s.map(mapping).astype("string")
    unknown = (s.notna() & codes.isna()).to_numpy(dtype=bool)
    return codes, unknown


@cache
def _state_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for country, table in (("US", US_STATES), ("CA", CA_PROVINCES)):
        for code, name in table.items():
            out[country_key(code)] = country
            out[country_key(name)] = country
    return out


def state_to_country(states: pd.Series) -> pd.Series:
    """``"US"`` / ``"CA"`` where the state names a US state / DC or a Canadian province; else NA."""
    s = states.astype("string")
    lookup = _state_lookup()
    mapping = {u: lookup.get(country_key(u)) for u in s.dropna().unique()}
    return s.map(mapping).astype("string")


def unknown_country_why(value: str) -> str:
    """The message for a country value that matched nothing."""
    return f"{value!r} is not an ISO country code or English country name"
