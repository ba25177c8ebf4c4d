"""The install's SECRET_KEY: generated on first start, kept in the workspace folder (mode 0600).

Never logged, never shared: each workspace folder has its own, so sessions and
signed values of one install mean nothing to another.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILE = "secret_key"


def load_or_create_secret(folder: Path) -> str:
    """Read ``folder/secret_key``, creating it (0600, exclusive) when missing."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SECRET_FILE
    if not path.exists():
        # written whole to a private temporary file, then linked into place: a
        # concurrent first start never reads half a key, and the first link wins
        tmp = folder / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(50) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="ascii").strip()
