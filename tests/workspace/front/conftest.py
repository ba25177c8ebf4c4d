"""Page tests: a signed-in browser-like client per user (session cookie, CSRF checked)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.workspace.conftest import PASSWORD


class Browser:
    """Django's test client signed in as one user, enforcing CSRF as a browser must."""

    def __init__(self, username: str):
        from django.test import Client

        self.client = Client(enforce_csrf_checks=True)
        assert self.client.login(username=username, password=PASSWORD)

    def get(self, path: str, htmx: bool = False, **kw: Any) -> Any:
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.get(path, headers=headers, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, htmx: bool = True) -> Any:
        """A form post with the CSRF token the page's cookie carries (as htmx sends it)."""
        if "csrftoken" not in self.client.cookies:
            self.client.get("/login/")
        token = self.client.cookies["csrftoken"].value
        headers = {"X-CSRFToken": token, **({"HX-Request": "true"} if htmx else {})}
        return self.client.post(path, data or {}, headers=headers)


@pytest.fixture
def browsers(users: dict[str, Any]) -> dict[str, Browser]:
    return {name: Browser(name) for name in users}
