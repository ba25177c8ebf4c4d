"""Users' roles and API tokens (Django's own User holds names and password hashes).

Every user has one `Profile`: a role (see `workspace.access` for what each may
do) and, for managers, the ``manager_id`` that reps.csv uses for their team.
API clients authenticate with ``Authorization: Bearer <token>``; only the
SHA-256 digest of a token is stored, so a database copy grants nothing.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    """The five roles of CONTRACT.md, from least to most powerful."""

    VIEWER = "viewer"
    MANAGER = "manager"
    PLANNER = "planner"
    FINANCE = "finance"
    ADMIN = "admin"


class Profile(models.Model):
    """A user's role and, for a manager, the id their reps carry in ``manager_id``."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    manager_id = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role})"


def token_digest(raw: str) -> str:
    """What is stored for a token: its SHA-256 (tokens are random, so no salt is needed)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """One bearer token; the token itself is shown once, at issue, and never stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    @classmethod
    def issue(cls, user: models.Model) -> str:
        """Create a token for ``user`` and return the raw token (the only time it exists)."""
        raw = secrets.token_urlsafe(32)
        cls.objects.create(user=user, digest=token_digest(raw))
        return raw

    @classmethod
    def user_for(cls, raw: str) -> models.Model | None:
        """The active user a raw token belongs to, or None."""
        if not raw:
            return None
        token = cls.objects.select_related("user").filter(digest=token_digest(raw)).first()
        if token is None or not token.user.is_active:
            return None
        return token.user
