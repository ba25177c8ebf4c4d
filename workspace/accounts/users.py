"""Creating users with a role: one function for `terraquota user add`, the API and first start."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from workspace.accounts.models import Profile, Role
from workspace.audit.models import record


class UserError(ValueError):
    """The user cannot be created as asked; the message says why."""


def create_user(
    username: str,
    password: str,
    role: str,
    *,
    manager_id: str = "",
    by: Any = None,
    check_password: bool = True,
) -> Any:
    """A new active user with ``role`` (and ``manager_id`` for managers); the password is hashed."""
    User = get_user_model()
    username = username.strip()
    if not username:
        raise UserError("the user name is empty")
    if role not in Role.values:
        raise UserError(f"unknown role {role!r} (one of {', '.join(Role.values)})")
    if role == Role.MANAGER and not manager_id:
        raise UserError("a manager needs --manager-id: the id their reps carry in reps.manager_id")
    if User.objects.filter(username=username).exists():
        raise UserError(f"user {username!r} already exists")
    if check_password:
        try:
            validate_password(password)
        except ValidationError as e:
            raise UserError("password refused: " + " ".join(e.messages)) from None
    if not password:
        raise UserError("the password is empty")
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password)
        Profile.objects.create(user=user, role=role, manager_id=manager_id)
        record(by, "user.create", f"user {username}", after={"role": role, "manager_id": manager_id or None})
    return user


def one_time_password() -> str:
    """A random password for the first admin, printed once at first start."""
    return secrets.token_urlsafe(12)
