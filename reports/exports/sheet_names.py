"""Excel worksheet names from arbitrary labels (manager ids, ...).

Excel refuses a sheet name longer than 31 characters, one holding any of
``[ ] : * ? / \\``, one starting or ending with an apostrophe, a blank one, the
reserved "History", and two names that differ only in case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Excel's limit on a worksheet name's length.
MAX_SHEET_NAME = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_RESERVED = frozenset({"history"})


def clean_sheet_name(label: str, fallback: str = "Sheet") -> str:
    """One label as a valid (not yet unique) sheet name: forbidden characters become '_'."""
    name = _FORBIDDEN.sub("_", label).strip().strip("'").strip()
    if not name or name.lower() in _RESERVED:
        name = f"{fallback} {name}".strip() if name else fallback
    return name[:MAX_SHEET_NAME].rstrip("'").rstrip() or fallback


def unique_sheet_names(
    labels: Iterable[str], taken: Iterable[str] = (), fallback: str = "Sheet"
) -> list[str]:
    """Valid sheet names for ``labels``, distinct (ignoring case) from each other and ``taken``.

    Parameters
    ----------
    labels : iterable of str
        Wanted names, in the order the sheets are added.
    taken : iterable of str
        Names already in the workbook.
    fallback : str
        Name used for blank labels.

    Returns
    -------
    list of str
        One name per label; a clash gets " (2)", " (3)" ... with the base
        shortened so the whole stays within 31 characters.
    """
    used = {t.lower() for t in taken}
    names = []
    for label in labels:
        base = clean_sheet_name(label, fallback)
        name, k = base, 1
        while name.lower() in used:
            k += 1
            suffix = f" ({k})"
            name = base[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        used.add(name.lower())
        names.append(name)
    return names
