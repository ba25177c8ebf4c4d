"""Health, tokens and bearer authentication; secrets stay secret."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from tests.workspace.conftest import PASSWORD, Api


def test_health_needs_no_token(db: Path) -> None:
    r = Api(None).get("/api/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_token_for_good_credentials_authenticates(users: dict) -> None:
    r = Api(None).post("/api/token", {"username": "planner", "password": PASSWORD})
    assert r.status_code == 200
    token = r.json()["token"]
    me = Api(token).get("/api/me")
    assert me.status_code == 200 and me.json()["role"] == "planner"


def test_bad_credentials_are_401(users: dict) -> None:
    for body in ({"username": "planner", "password": "wrong"}, {"username": "nobody", "password": PASSWORD}):
        r = Api(None).post("/api/token", body)
        assert r.status_code == 401
        assert set(r.json()) == {"error", "detail"}


def test_calls_without_a_valid_token_are_401(users: dict) -> None:
    assert Api(None).get("/api/plans").status_code == 401
    assert Api("not-a-token").get("/api/plans").status_code == 401


def test_a_session_cookie_does_not_authenticate_the_api(users: dict) -> None:
    """The API reads only bearer tokens: that is why it may skip CSRF checks."""
    client = Api(None)
    assert client.client.login(username="admin", password=PASSWORD)
    assert client.get("/api/plans").status_code == 401
    r = client.client.post(
        "/api/plans/1/comments", {"target": "plan", "text": "x"}, content_type="application/json"
    )
    assert r.status_code == 401


def test_only_a_digest_of_the_token_is_stored(users: dict) -> None:
    from workspace.accounts.models import ApiToken

    token = Api(None).post("/api/token", {"username": "viewer", "password": PASSWORD}).json()["token"]
    stored = list(ApiToken.objects.values_list("digest", flat=True))
    assert token not in stored
    assert all(len(d) == 64 for d in stored)


def test_deactivated_user_token_stops_working(api: dict, users: dict) -> None:
    assert api["viewer"].get("/api/plans").status_code == 200
    users["viewer"].is_active = False
    users["viewer"].save()
    assert api["viewer"].get("/api/plans").status_code == 401


def test_secret_key_file_is_private_and_not_in_answers(db: Path, caplog, users: dict) -> None:
    from django.conf import settings

    from workspace.secret import SECRET_FILE

    key_file = Path(os.environ["TERRAQUOTA_WORKSPACE"]) / SECRET_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with caplog.at_level(logging.DEBUG):
        client = Api(None)
        r = client.post("/api/token", {"username": "admin", "password": PASSWORD})
        token = r.json()["token"]
        client.post("/api/token", {"username": "admin", "password": "wrong-" + PASSWORD})
        answers = [Api(token).get(p).content.decode() for p in ("/api/me", "/api/plans", "/api/openapi.json")]
    for secret in (settings.SECRET_KEY, PASSWORD, token):
        assert secret not in caplog.text
        assert not any(secret in a for a in answers)


def test_secret_key_is_created_once_and_differs_between_installs(tmp_path: Path) -> None:
    from workspace.secret import SECRET_FILE, load_or_create_secret

    a1 = load_or_create_secret(tmp_path / "a")
    assert load_or_create_secret(tmp_path / "a") == a1
    assert load_or_create_secret(tmp_path / "b") != a1
    assert stat.S_IMODE((tmp_path / "a" / SECRET_FILE).stat().st_mode) == 0o600
    assert len(a1) >= 50


def test_admin_creates_users_others_may_not(api: dict) -> None:
    body = {"username": "newbie", "password": "long-enough-pw", "role": "viewer"}
    assert api["planner"].post("/api/users", body).status_code == 403
    assert api["admin"].post("/api/users", body).status_code == 201
    assert api["admin"].post("/api/users", body).status_code == 400  # exists
    bad = api["admin"].post("/api/users", {**body, "username": "m", "role": "manager"})
    assert bad.status_code == 400 and "manager-id" in bad.json()["error"]
