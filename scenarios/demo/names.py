"""Names for the demo: company names with country-typical legal forms, rep names per region.

Syllable stems and a common word make company names that read like a CRM
export without naming real firms; first and last names are typical of each
region. Every draw comes from the generator's own random stream.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.demo.plan import REGIONS

_SYLLABLES = (
    "al",
    "bar",
    "cor",
    "dex",
    "el",
    "fin",
    "gal",
    "hel",
    "ion",
    "jun",
    "kor",
    "lum",
    "mar",
    "nor",
    "ori",
    "pax",
    "quin",
    "ros",
    "sol",
    "tra",
    "ul",
    "ver",
    "wex",
    "xan",
    "yor",
    "zen",
    "bri",
    "cas",
    "dor",
    "en",
    "fal",
    "gen",
    "har",
    "ist",
    "kel",
    "lin",
    "mon",
    "nex",
    "ost",
    "pri",
    "ral",
    "sten",
    "tor",
    "vin",
    "wil",
    "ark",
    "ber",
    "cen",
    "del",
    "tek",
)
_NAME_WORDS = (
    "",
    "",
    "",
    " Systems",
    " Group",
    " Partners",
    " Solutions",
    " Industries",
    " Labs",
    " Holdings",
    " Works",
    " Technologies",
    " Logistics",
    " Foods",
    " Health",
    " Energy",
    " Capital",
    " Retail",
)
_COMPANY_SUFFIX = {
    "US": ("Inc.", "LLC", "Corp.", "Co."),
    "CA": ("Inc.", "Ltd.", "Corp."),
    "GB": ("Ltd", "Ltd", "PLC"),
    "IE": ("Ltd", "DAC"),
    "FR": ("SAS", "SA", "SARL"),
    "DE": ("GmbH", "GmbH", "AG"),
    "AT": ("GmbH", "AG"),
    "CH": ("AG", "GmbH", "SA"),
    "NL": ("B.V.", "N.V."),
    "BE": ("BV", "NV", "SA"),
    "ES": ("S.L.", "S.A."),
    "PT": ("Lda", "S.A."),
    "IT": ("S.r.l.", "S.p.A."),
    "SE": ("AB",),
    "DK": ("ApS", "A/S"),
    "NO": ("AS", "ASA"),
    "FI": ("Oy", "Oyj"),
    "PL": ("Sp. z o.o.", "S.A."),
    "AE": ("LLC", "FZE"),
    "SA": ("LLC", "Co."),
    "ZA": ("(Pty) Ltd",),
    "IL": ("Ltd",),
}
_FIRST_NAMES = {
    "NA": (
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "Michael",
        "Jennifer",
        "David",
        "Linda",
        "William",
        "Elizabeth",
        "Carlos",
        "Maria",
        "Daniel",
        "Susan",
        "Kevin",
        "Jessica",
        "Brian",
        "Sarah",
        "Jason",
        "Karen",
        "Ryan",
        "Nancy",
        "Eric",
        "Lisa",
        "Andrew",
        "Emily",
        "Justin",
        "Megan",
        "Tyler",
        "Ashley",
        "Wei",
        "Priya",
        "Marcus",
        "Aisha",
    ),
    "EMEA": (
        "Oliver",
        "Amelia",
        "Lukas",
        "Sophie",
        "Lucas",
        "Emma",
        "Matteo",
        "Giulia",
        "Hugo",
        "Chloé",
        "Finn",
        "Lena",
        "Jan",
        "Anna",
        "Mateo",
        "Lucía",
        "Erik",
        "Ingrid",
        "Mikkel",
        "Freja",
        "Jakub",
        "Zofia",
        "Omar",
        "Layla",
        "Thabo",
        "Naledi",
        "Noam",
        "Tamar",
        "Liam",
        "Aoife",
        "João",
        "Inês",
        "Elias",
        "Saga",
    ),
}
_LAST_NAMES = {
    "NA": (
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Garcia",
        "Miller",
        "Davis",
        "Rodriguez",
        "Martinez",
        "Wilson",
        "Anderson",
        "Taylor",
        "Thomas",
        "Moore",
        "Jackson",
        "Martin",
        "Lee",
        "Thompson",
        "White",
        "Harris",
        "Clark",
        "Lewis",
        "Walker",
        "Young",
        "Allen",
        "King",
        "Wright",
        "Scott",
        "Nguyen",
        "Hill",
        "Tremblay",
        "Roy",
        "Gagnon",
        "Patel",
        "Chen",
    ),
    "EMEA": (
        "Müller",
        "Schmidt",
        "Fischer",
        "Weber",
        "Martin",
        "Bernard",
        "Dubois",
        "Rossi",
        "Russo",
        "Bianchi",
        "García",
        "Fernández",
        "López",
        "Silva",
        "Santos",
        "Jansen",
        "de Vries",
        "Peeters",
        "Andersson",
        "Johansson",
        "Nielsen",
        "Hansen",
        "Virtanen",
        "Nowak",
        "Kowalski",
        "Murphy",
        "Kelly",
        "Smith",
        "Jones",
        "Taylor",
        "Haddad",
        "Al-Farsi",
        "Nkosi",
        "Dlamini",
        "Cohen",
        "Levi",
        "Gruber",
        "Meier",
    ),
}


def company_names(country: np.ndarray, segment: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Syllable names with a country-typical legal suffix (plc/AG/S.p.A. kept for big firms)."""
    n = len(country)
    syl = np.array(_SYLLABLES, dtype=object)
    k = rng.choice([2, 3], size=n, p=[0.7, 0.3])
    parts = syl[rng.integers(0, len(syl), size=(3, n))]
    stem = parts[0] + parts[1] + np.where(k == 3, parts[2], "")
    stem = pd.Series(stem).str.capitalize().to_numpy(dtype=object)
    word = np.array(_NAME_WORDS, dtype=object)[rng.integers(0, len(_NAME_WORDS), size=n)]
    pick = rng.random(n)
    suffix = np.empty(n, dtype=object)
    for c, options in _COMPANY_SUFFIX.items():
        m = country == c
        # the last option is the public-company form: only enterprises carry it
        small = options[:-1] if len(options) > 1 else options
        opts = np.where(segment[m] == "ENT", len(options), len(small))
        suffix[m] = np.array(options, dtype=object)[(pick[m] * opts).astype(int)]
    return stem + word + " " + suffix


def rep_names(reps: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Unique first + last names per region; planned hires have none yet."""
    out = np.full(len(reps), "", dtype=object)
    for region in REGIONS:
        first = np.array(_FIRST_NAMES[region], dtype=object)
        last = np.array(_LAST_NAMES[region], dtype=object)
        m = ((reps["region"] == region) & (reps["kind"] != "tbh")).to_numpy()
        n_combos = len(first) * len(last)  # unique while the team is smaller than this
        combo = rng.choice(n_combos, size=int(m.sum()), replace=bool(m.sum() > n_combos))
        out[m] = first[combo // len(last)] + " " + last[combo % len(last)]
    return out
