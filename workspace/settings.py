"""Django settings, read from the environment that `workspace.cli` (or a test) sets.

TERRAQUOTA_WORKSPACE  the workspace folder (default ./terraquota-workspace):
                      database (SQLite default), secret key, plans' files, jobs.
TERRAQUOTA_DB         database URL: sqlite:///path or postgresql://user:pass@host/name
TERRAQUOTA_ALLOWED_HOSTS  extra host names, comma separated
TERRAQUOTA_JOB_WORKERS    runs at once (default 2)
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from workspace.dburl import database_settings
from workspace.secret import load_or_create_secret

PACKAGE_DIR = Path(__file__).resolve().parent
WORKSPACE_DIR = Path(os.environ.get("TERRAQUOTA_WORKSPACE", "terraquota-workspace")).resolve()
WORKSPACE_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = load_or_create_secret(WORKSPACE_DIR)
DEBUG = os.environ.get("TERRAQUOTA_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"] + [
    h.strip() for h in os.environ.get("TERRAQUOTA_ALLOWED_HOSTS", "").split(",") if h.strip()
]

DATABASES = {
    "default": database_settings(
        os.environ.get("TERRAQUOTA_DB") or f"sqlite:///{WORKSPACE_DIR / 'workspace.sqlite3'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "workspace.accounts",
    "workspace.plans",
    "workspace.jobs",
    "workspace.audit",
    "workspace.api",
]
# the HTML pages live in their own app; the API works without them
if importlib.util.find_spec("workspace.front") is not None:
    INSTALLED_APPS.append("workspace.front")
    HAS_FRONT = importlib.util.find_spec("workspace.front.urls") is not None
else:
    HAS_FRONT = False

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "workspace.urls"
WSGI_APPLICATION = "workspace.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

STATIC_URL = "/static/"
STATIC_DIR = PACKAGE_DIR / "static"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"

# uploads: a scenario zip is read whole from memory or a temporary file, never kept
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = int(os.environ.get("TERRAQUOTA_UPLOAD_MAX_BYTES", 200 * 1024 * 1024))
UPLOAD_MAX_UNPACKED_BYTES = int(os.environ.get("TERRAQUOTA_UPLOAD_MAX_UNPACKED_BYTES", 1024 * 1024 * 1024))
UPLOAD_MAX_FILES = int(os.environ.get("TERRAQUOTA_UPLOAD_MAX_FILES", 200))

JOB_WORKERS = max(1, int(os.environ.get("TERRAQUOTA_JOB_WORKERS", 2)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "workspace": {"handlers": ["console"], "level": "INFO", "propagate": True},
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": True},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
