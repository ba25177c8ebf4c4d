"""Database URLs (``sqlite:///path``, ``postgresql://user:pass@host:port/name``) to Django settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


class DatabaseURLError(ValueError):
    """The --db URL names no database terraquota can use."""


def database_settings(url: str) -> dict[str, Any]:
    """One Django ``DATABASES`` entry for ``url``."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute.db, as in SQLAlchemy
        path = unquote(url.split("://", 1)[1])
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise DatabaseURLError("sqlite URL needs a file: sqlite:///path/to/db.sqlite3")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(Path(path).resolve()) if path != ":memory:" else path,
            # IMMEDIATE: writers queue for the lock instead of failing on upgrade
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    if scheme in ("postgres", "postgresql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise DatabaseURLError("postgresql URL needs a database name: postgresql://user@host/name")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
        }
    raise DatabaseURLError(f"unsupported database URL scheme {scheme!r}: use sqlite:/// or postgresql://")


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
