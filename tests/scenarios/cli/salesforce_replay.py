"""Replays recorded Salesforce responses through a real simple_salesforce client (no network).

A `Replay` is a ``requests.Session`` whose ``request`` answers from a list of
routes (method, URL pattern, optional SOQL pattern) with recorded bodies from
``tests/data/salesforce_rest``; every call is kept for assertions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.tests_paths import TESTS_DATA

RECORDED = TESTS_DATA / "salesforce_rest"
INSTANCE = "https://example.my.salesforce.com"
#: a session id no output may ever contain.
SECRET = "00Dx0000000TEST!AQ4AQSecretTokenValue.never.printed"


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def ok(name: str, **headers: str) -> Answer:
    return Answer(200, recorded(name), headers)


def error(status: int, name: str) -> Answer:
    return Answer(status, recorded(name))


class _Response:
    """The parts of requests.Response that simple_salesforce reads."""

    def __init__(self, answer: Answer, url: str):
        self.status_code = answer.status
        self.headers = {"Sforce-Limit-Info": "api-usage=12/15000", **answer.headers}
        self.content = answer.body
        self.text = answer.body.decode("utf-8")
        self.url = url

    def json(self, **kwargs: Any) -> Any:
        return json.loads(self.text, **kwargs)


@dataclass
class Route:
    method: str
    url: str  # regex searched in the URL
    answers: list[Answer]
    soql: str | None = None  # regex searched in the query's q parameter

    def matches(self, method: str, url: str, params: dict) -> bool:
        if method.upper() != self.method or not re.search(self.url, url):
            return False
        return self.soql is None or bool(re.search(self.soql, str(params.get("q", ""))))


class Replay(requests.Session):
    """Answers each request from the first matching route (its answers in turn, the last repeated)."""

    def __init__(self, routes: list[Route]):
        super().__init__()
        self.routes = routes
        self.calls: list[dict[str, Any]] = []

    def request(self, method, url, headers=None, **kwargs):  # type: ignore[override]
        params = kwargs.get("params") or {}
        self.calls.append({"method": method, "url": url, "params": params, "data": kwargs.get("data")})
        for route in self.routes:
            if route.matches(method, url, params):
                answer = route.answers.pop(0) if len(route.answers) > 1 else route.answers[0]
                return _Response(answer, url)
        raise AssertionError(f"no recorded response for {method} {url} {params}")


def secret_env(monkeypatch, tmp_path: Path) -> None:
    """Credentials from the environment; no Salesforce CLI on PATH."""
    monkeypatch.setenv("SF_ACCESS_TOKEN", SECRET)
    monkeypatch.setenv("SF_INSTANCE_URL", INSTANCE)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))


def use_replay(monkeypatch, replay: Replay) -> None:
    import solver.inputs.salesforce_api as api

    monkeypatch.setattr(api, "session_factory", lambda: replay)
