"""Server-side search, filter, sort and pagination of a table for the pages.

The browser asks for one page of rows; filtering a 20k-row frame with
vectorised pandas masks takes milliseconds, so no index is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd

PAGE_SIZE = 50


@dataclass(frozen=True)
class Query:
    """What the user asked of a table (every field comes from the query string)."""

    search: str = ""
    sort: str = ""
    descending: bool = False
    page: int = 1
    filters: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Any, filter_names: tuple[str, ...], sortable: tuple[str, ...]) -> Query:
        sort = str(params.get("sort", ""))
        try:
            page = max(1, int(params.get("page", 1)))
        except (TypeError, ValueError):
            page = 1
        filters = {n: str(params.get(n, "")).strip() for n in filter_names if str(params.get(n, "")).strip()}
        return cls(
            search=str(params.get("q", "")).strip()[:100],
            sort=sort if sort in sortable else "",
            descending=params.get("dir") == "desc",
            page=page,
            filters=filters,
        )

    def params(self, **override: Any) -> dict[str, Any]:
        """The query string of this query with some fields replaced (for links)."""
        out: dict[str, Any] = {
            "q": self.search,
            "sort": self.sort,
            "dir": "desc" if self.descending else "",
            "page": self.page,
            **self.filters,
        }
        out.update(override)
        return {k: v for k, v in out.items() if v not in ("", None)}


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)


def select(
    frame: pd.DataFrame, query: Query, search_columns: tuple[str, ...], allowed: np.ndarray | None = None
) -> Page:
    """Rows of ``frame`` matching the query, sorted, one page of them as dicts.

    ``allowed`` (a boolean mask) limits the rows a user may see at all.
    """
    mask = np.ones(len(frame), dtype=bool) if allowed is None else allowed.copy()
    for name, value in query.filters.items():
        if name in frame.columns:
            same = frame[name].astype("string").str.lower() == value.lower()
            mask &= same.fillna(False).to_numpy(dtype=bool)
    if query.search:
        hit = np.zeros(len(frame), dtype=bool)
        for name in search_columns:
            if name in frame.columns:
                hit |= (
                    frame[name]
                    .astype("string")
                    .str.contains(query.search, case=False, regex=False)
                    .fillna(False)
                    .to_numpy(dtype=bool)
                )
        mask &= hit
    chosen = frame.loc[mask]
    if query.sort and query.sort in chosen.columns:
        chosen = chosen.sort_values(
            query.sort, ascending=not query.descending, kind="stable", na_position="last"
        )
    total = len(chosen)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(query.page, pages)
    part = chosen.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = part.astype(object).where(part.notna(), None).to_dict("records")
    return Page(rows, total, page, pages)


@dataclass(frozen=True)
class Header:
    name: str
    label: str
    url: str
    arrow: str
    numeric: bool


def headers(query: Query, columns: tuple[tuple[str, str, bool], ...], base: str) -> list[Header]:
    """Column headers whose links sort by that column (again: the other direction)."""
    out = []
    for name, label, numeric in columns:
        again = query.sort == name
        descending = not query.descending if again else numeric
        url = base + "?" + urlencode(query.params(sort=name, dir="desc" if descending else "", page=1))
        arrow = ("▼" if query.descending else "▲") if again else ""
        out.append(Header(name, label, url, arrow, numeric))
    return out


def page_links(query: Query, page: Page, base: str) -> dict[str, str]:
    """Links to the previous and next pages (absent at the ends)."""
    links = {}
    if page.page > 1:
        links["previous"] = base + "?" + urlencode(query.params(page=page.page - 1))
    if page.page < page.pages:
        links["next"] = base + "?" + urlencode(query.params(page=page.page + 1))
    return links
