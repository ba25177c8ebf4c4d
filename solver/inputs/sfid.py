"""Salesforce record ids: 15-character (case-sensitive) and 18-character forms.

Salesforce shows the same record under two ids. Reports and the UI give the
15-character, case-sensitive id; the API and Data Loader give the 18-character
id, which appends a 3-character checksum of the letter case so that the id
survives case-insensitive tools (Excel VLOOKUP, some databases). A plan that
mixes a report export with a Data Loader export must compare ids in one form,
so terraquota converts 15-character ids to 18 characters when the table comes
from Salesforce (see `solver.inputs.readers`).

The checksum: split the 15 characters into three chunks of five; in each chunk
bit *i* is set when character *i* is an upper-case letter A-Z; the 5-bit number
indexes ``"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SUFFIX_CHARS = np.array(list(_SUFFIX_ALPHABET))
_BIT_WEIGHTS = np.array([1, 2, 4, 8, 16], dtype=np.int64)
_ID15 = re.compile(r"[0-9A-Za-z]{15}")
_ID18 = re.compile(r"[0-9A-Za-z]{15}[A-Z0-5]{3}")

__all__ = [
    "checksum",
    "id18_mask",
    "is_salesforce_id15",
    "is_salesforce_id18",
    "to_id18",
    "to_id18_series",
]


def _checksums(ids15: np.ndarray) -> np.ndarray:
    """Checksum suffixes of an array of 15-character ASCII alphanumeric strings."""
    if len(ids15) == 0:
        return np.array([], dtype=str)
    raw = np.frombuffer("".join(ids15.tolist()).encode("ascii"), dtype=np.uint8)
    chars = raw.reshape(-1, 3, 5)
    upper = (chars >= ord("A")) & (chars <= ord("Z"))
    codes = upper.astype(np.int64) @ _BIT_WEIGHTS  # shape (n, 3)
    letters = _SUFFIX_CHARS[codes]
    return np.char.add(np.char.add(letters[:, 0], letters[:, 1]), letters[:, 2])


def is_salesforce_id15(value: object) -> bool:
    """True when ``value`` looks like a 15-character Salesforce id (15 ASCII letters/digits)."""
    return isinstance(value, str) and _ID15.fullmatch(value) is not None


def checksum(id15: str) -> str:
    """The 3-character case checksum Salesforce appends to a 15-character id.

    Parameters
    ----------
    id15
        A 15-character alphanumeric id (case matters).

    Returns
    -------
    str
        Three characters from ``A-Z0-5``.
    """
    if not is_salesforce_id15(id15):
        raise ValueError(f"{id15!r} is not a 15-character alphanumeric Salesforce id")
    return str(_checksums(np.array([id15]))[0])


def to_id18(record_id: str) -> str:
    """The 18-character form of a Salesforce id.

    A 15-character id gets its checksum appended; an 18-character id whose
    checksum is valid is returned unchanged.

    Raises
    ------
    ValueError
        When ``record_id`` is neither.
    """
    if is_salesforce_id18(record_id):
        return record_id
    return record_id + checksum(record_id)


def is_salesforce_id18(value: object) -> bool:
    """True when ``value`` is an 18-character id whose checksum matches its first 15 characters."""
    if not isinstance(value, str) or _ID18.fullmatch(value) is None:
        return False
    return value[15:] == str(_checksums(np.array([value[:15]]))[0])


def id18_mask(values: pd.Series) -> np.ndarray:
    """Boolean mask of the values that are checksum-valid 18-character ids (vectorised)."""
    s = values.astype("string")
    shaped = s.str.fullmatch(_ID18.pattern).fillna(False).to_numpy(dtype=bool)
    out = np.zeros(len(s), dtype=bool)
    if shaped.any():
        cand = s[shaped]
        heads = cand.str.slice(0, 15).to_numpy(dtype=str)
        tails = cand.str.slice(15).to_numpy(dtype=str)
        out[np.flatnonzero(shaped)] = _checksums(heads) == tails
    return out


def to_id18_series(values: pd.Series) -> tuple[pd.Series, int]:
    """Convert every 15-character alphanumeric value to its 18-character form.

    Other values (18-character ids, blanks, anything not 15 alphanumerics) are
    left as they are.

    Returns
    -------
    tuple[pandas.Series, int]
        The converted values (``string`` dtype, same index) and how many changed.
    """
    s = values.astype("string")
    is15 = s.str.fullmatch(_ID15.pattern).fillna(False).to_numpy(dtype=bool)
    if not is15.any():
        return s, 0
    short = s[is15].to_numpy(dtype=str)
    out = s.copy()
    out[is15] = np.char.add(short.astype("U15"), _checksums(short.astype("U15")))
    return out, int(is15.sum())
