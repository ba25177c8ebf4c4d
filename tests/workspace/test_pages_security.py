"""The pages as an attacker sees them: CSRF on every form post, user text shown as text, no secrets.

(The pages' own behaviour is tested in tests/workspace/front.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.workspace.conftest import PASSWORD

HOSTILE = '<script>alert("owned")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def front(db: Path) -> None:
    from django.conf import settings

    if not settings.HAS_FRONT:
        pytest.skip("the pages app (workspace.front) is not installed")


def _signed_in(username: str, enforce_csrf: bool = True) -> Any:
    from django.test import Client

    client = Client(enforce_csrf_checks=enforce_csrf)
    assert client.login(username=username, password=PASSWORD)
    return client


def test_form_posts_without_the_csrf_token_are_refused(front: None, plan, users: dict) -> None:
    client = _signed_in("planner")
    client.get(f"/plans/{plan.pk}/")  # a page: the CSRF cookie is set
    for path, data in (
        (f"/plans/{plan.pk}/comments/", {"target": "plan", "text": "forged"}),
        (f"/plans/{plan.pk}/v/1/transition/", {"to": "submitted"}),
        (f"/plans/{plan.pk}/requests/", {"account_id": "A01", "rep_id": "R2"}),
    ):
        assert client.post(path, data).status_code == 403, path
    from workspace.plans.models import Comment

    assert not Comment.objects.exists()
    assert plan.latest().status == "draft"


def test_the_sign_in_form_needs_the_csrf_token(front: None, users: dict) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    r = client.post("/login/", {"username": "planner", "password": PASSWORD})
    assert r.status_code == 403
    page = client.get("/login/")
    token = client.cookies["csrftoken"].value
    assert "csrfmiddlewaretoken" in page.content.decode()
    r = client.post("/login/", {"username": "planner", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert r.status_code == 302


def test_html_in_names_and_comments_is_shown_as_text(front: None, plan, users: dict) -> None:
    from workspace.plans import services

    plan.name = HOSTILE
    plan.save()
    services.add_comment(plan, users["planner"], "plan", "", HOSTILE)
    client = _signed_in("viewer", enforce_csrf=False)
    for path in ("/", f"/plans/{plan.pk}/v/1/", f"/plans/{plan.pk}/audit/"):
        r = client.get(path)
        assert r.status_code == 200, path
        html = r.content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;" in html or "&lt;img" in html, path


def test_pages_show_no_secrets(front: None, plan, users: dict, caplog) -> None:
    from django.conf import settings

    from workspace.accounts.models import ApiToken

    token = ApiToken.issue(users["admin"])
    client = _signed_in("admin", enforce_csrf=False)
    pages = [
        client.get(p).content.decode() for p in ("/", f"/plans/{plan.pk}/v/1/", f"/plans/{plan.pk}/audit/")
    ]
    for secret in (settings.SECRET_KEY, PASSWORD, token):
        assert not any(secret in page for page in pages)
        assert secret not in caplog.text
