"""Point Django at one workspace folder and database, then migrate: what every command does first."""

from __future__ import annotations

import os
from pathlib import Path


def configure(
    workspace: Path, db: str | None = None, allowed_host: str | None = None, migrate: bool = True
) -> None:
    """Set up Django for ``workspace`` (created if missing) and bring its database up to date."""
    os.environ["TERRAQUOTA_WORKSPACE"] = str(Path(workspace).resolve())
    if db:
        os.environ["TERRAQUOTA_DB"] = db
    if allowed_host and allowed_host not in ("0.0.0.0", "::"):
        os.environ["TERRAQUOTA_ALLOWED_HOSTS"] = allowed_host
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workspace.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
