"""Write the first tutorial's sample: a Salesforce Data Loader Account and User export.

The companies, people and ids are invented; the places are real cities from
the GeoNames table terraquota ships (`scenarios/data/cities_na_emea.csv`,
CC BY 4.0, credit "GeoNames (geonames.org)"). Run from the repository root:

    python docs/tutorials/data/make_salesforce_sample.py

The output is the same bytes on every run (fixed seed), so the tutorial's
figures stay reproducible.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import numpy as np
import pandas as pd

from solver.inputs.sfid import to_id18

HERE = Path(__file__).resolve().parent
CITIES = HERE.parents[2] / "scenarios" / "data" / "cities_na_emea.csv"
SEED = 27
N_ACCOUNTS = 900

#: Country code -> the name a Data Loader export carries in BillingCountry.
COUNTRY_NAMES = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "DE": "Germany",
    "FR": "France",
}
#: Share of accounts per country.
COUNTRY_SHARE = {"US": 0.55, "CA": 0.10, "GB": 0.15, "DE": 0.12, "FR": 0.08}
#: (department = segment, division = region) -> reps.
TEAMS = {
    ("SMB", "NA"): 4,
    ("MM", "NA"): 3,
    ("ENT", "NA"): 2,
    ("SMB", "EMEA"): 3,
    ("MM", "EMEA"): 2,
    ("ENT", "EMEA"): 2,
}
FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Karen",
    "Niklaus",
    "Radia",
    "Tony",
    "Leslie",
    "Margaret",
    "Ken",
    "Shafi",
    "Judea",
    "Sophie",
    "Yann",
    "Hedy",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Backus",
    "Jones",
    "Wirth",
    "Perlman",
    "Hoare",
    "Lamport",
    "Hamilton",
    "Thompson",
    "Goldwasser",
    "Pearl",
    "Wilson",
    "LeCun",
    "Lamarr",
]
WORDS = [
    "Acme",
    "Blue",
    "Cedar",
    "Delta",
    "Echo",
    "Fjord",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nimbus",
    "Orbit",
    "Pioneer",
    "Quartz",
    "Ridge",
    "Summit",
    "Tidal",
]
KINDS = ["Systems", "Logistics", "Health", "Foods", "Energy", "Analytics", "Retail", "Media", "Labs", "Works"]
INDUSTRIES = [
    "Technology",
    "Manufacturing",
    "Healthcare",
    "Retail",
    "Energy",
    "Media",
    "Finance",
    "Transportation",
]


def _ids(prefix: str, n: int, rng: np.random.Generator) -> list[str]:
    """18-character Salesforce ids (valid checksums) with a key prefix such as 001 or 005."""
    alphabet = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
    out: list[str] = []
    while len(out) < n:
        body = "".join(rng.choice(alphabet, 5))
        candidate = to_id18(f"{prefix}5g00000{body}")
        if candidate not in out:
            out.append(candidate)
    return out


@functools.cache
def _cities(country: str) -> pd.DataFrame:
    cities = pd.read_csv(CITIES, keep_default_na=False, dtype={"admin1": str})
    return cities[cities["country"] == country]


def _places(rng: np.random.Generator, country: str, n: int) -> pd.DataFrame:
    here = _cities(country)
    pick = here.sample(n, replace=True, weights=here["population"], random_state=rng)
    return pick.reset_index(drop=True)


def users(rng: np.random.Generator) -> pd.DataFrame:
    """Active sales users, their managers, and where they are based."""
    n_reps = sum(TEAMS.values())
    ids = _ids("005", n_reps + 2, rng)
    managers = {"NA": ids[n_reps], "EMEA": ids[n_reps + 1]}
    home = {"NA": ("US", "CA"), "EMEA": ("GB", "DE", "FR")}
    rows = []
    k = 0
    for (segment, region), count in TEAMS.items():
        for _ in range(count):
            country = home[region][k % len(home[region])]
            city = _places(rng, country, 1).iloc[0]
            name = f"{FIRST[k % len(FIRST)]} {LAST[(3 * k + 1) % len(LAST)]}"
            rows.append((ids[k], name, managers[region], segment, region, city, country))
            k += 1
    for region, mid in managers.items():
        country = home[region][0]
        city = _places(rng, country, 1).iloc[0]
        name = f"{FIRST[k % len(FIRST)]} {LAST[(3 * k + 1) % len(LAST)]}"
        rows.append((mid, name, "", "Sales", region, city, country))
        k += 1
    return pd.DataFrame(
        {
            "ID": [r[0] for r in rows],
            "USERNAME": [r[1].lower().replace(" ", ".") + "@example.com" for r in rows],
            "NAME": [r[1] for r in rows],
            "EMAIL": [r[1].lower().replace(" ", ".") + "@example.com" for r in rows],
            "MANAGERID": [r[2] for r in rows],
            "ISACTIVE": ["true"] * len(rows),
            "DEPARTMENT": [r[3] for r in rows],
            "DIVISION": [r[4] for r in rows],
            "CITY": [r[5]["name"] for r in rows],
            "COUNTRY": [COUNTRY_NAMES[r[6]] for r in rows],
            "LATITUDE": [f"{r[5]['lat']:.5f}" for r in rows],
            "LONGITUDE": [f"{r[5]['lon']:.5f}" for r in rows],
        }
    )


def accounts(rng: np.random.Generator, reps: pd.DataFrame) -> pd.DataFrame:
    """Accounts with uneven current books, a departed owner, families, and export noise."""
    countries = rng.choice(list(COUNTRY_SHARE), N_ACCOUNTS, p=list(COUNTRY_SHARE.values()))
    employees = np.maximum(1, np.rint(rng.lognormal(4.6, 1.5, N_ACCOUNTS))).astype(int)
    revenue = employees * rng.lognormal(np.log(180_000), 0.5, N_ACCOUNTS)
    segment = np.where(employees < 200, "SMB", np.where(employees < 2000, "MM", "ENT"))
    region = np.where(np.isin(countries, ["US", "CA"]), "NA", "EMEA")
    sellers = reps[reps["DEPARTMENT"] != "Sales"]
    departed = _ids("005", 1, np.random.default_rng(SEED + 1))[0]  # a rep who left: not in User.csv
    teams = {key: group["ID"].to_numpy() for key, group in sellers.groupby(["DEPARTMENT", "DIVISION"])}
    owners = []
    for seg, reg in zip(segment, region, strict=True):
        team = teams[(seg, reg)]
        weights = np.linspace(1.0, 2.5, len(team))  # uneven books: the last rep of a team holds most
        owner = rng.choice(team, p=weights / weights.sum())
        owners.append(departed if (reg == "NA" and seg == "SMB" and rng.random() < 0.2) else owner)
    ids = _ids("001", N_ACCOUNTS, rng)
    places = pd.concat([_places(rng, c, 1) for c in countries], ignore_index=True)
    parent = [""] * N_ACCOUNTS
    for child in rng.choice(N_ACCOUNTS, 40, replace=False):
        same = np.flatnonzero((segment == segment[child]) & (region == region[child]))
        mother = int(rng.choice(same))
        if mother != child and not parent[mother]:
            parent[child] = ids[mother]
            owners[child] = owners[mother]
    names = [f"{rng.choice(WORDS)} {rng.choice(KINDS)} {i:03d}" for i in range(N_ACCOUNTS)]
    return pd.DataFrame(
        {
            "ID": ids,
            "NAME": names,
            "TYPE": rng.choice(["Customer - Direct", "Customer - Channel", "Prospect"], N_ACCOUNTS),
            "INDUSTRY": rng.choice(INDUSTRIES, N_ACCOUNTS),
            "NUMBEROFEMPLOYEES": employees.astype(str),
            "ANNUALREVENUE": [f"{v:.4E}".replace("E+0", "E") for v in revenue],
            "BILLINGCITY": places["name"],
            "BILLINGSTATE": np.where(countries == "US", places["admin1"], ""),
            "BILLINGCOUNTRY": [COUNTRY_NAMES[c] for c in countries],
            "BILLINGLATITUDE": [f"{v:.5f}" for v in places["lat"]],
            "BILLINGLONGITUDE": [f"{v:.5f}" for v in places["lon"]],
            "OWNERID": owners,
            "PARENTID": parent,
            "PHONE": [f"+1 555 {rng.integers(1000, 9999)}" for _ in range(N_ACCOUNTS)],
        }
    )


def main(out: Path = HERE) -> None:
    """Write Account.csv and User.csv into ``out`` (default: beside this file)."""
    rng = np.random.default_rng(SEED)
    reps = users(rng)
    accts = accounts(rng, reps)
    for frame, name in ((accts, "Account.csv"), (reps, "User.csv")):
        frame.to_csv(out / name, index=False, quoting=csv.QUOTE_ALL, lineterminator="\n")


if __name__ == "__main__":
    main()
