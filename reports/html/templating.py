"""The Jinja environment shared by the HTML reports.

Autoescaping is always on: names, ids and statuses come from user data and
must never become markup (a rep called ``<script>`` stays text).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Templates shipped as package data in ``reports/templates``."""
    return Environment(
        loader=PackageLoader("reports.html", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: object) -> str:
    """Render one template with ``context``."""
    return environment().get_template(template).render(**context)


def png_data_uri(png: bytes | None) -> str | None:
    """``data:image/png;base64,...`` for inline images; None passes through."""
    if not png:
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
