"""Connecting to a Salesforce org and turning its refusals into clear messages.

Credentials come, in this order, from

1. ``SF_ACCESS_TOKEN`` and ``SF_INSTANCE_URL`` (a session, e.g. from an
   OAuth flow or ``sf org display``);
2. ``SF_USERNAME``, ``SF_PASSWORD`` and ``SF_SECURITY_TOKEN`` (``SF_DOMAIN``
   ``test`` for a sandbox);
3. the Salesforce CLI's stored login: ``sf org display --json`` for
   ``SF_TARGET_ORG`` (an alias or username) or the CLI's default org.

A secret is never printed, logged or written: the connection is described
by its instance and the source of the credentials only, and every error
message is built from Salesforce's error code and text, never from the
request. The API is reached through ``simple_salesforce``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from solver.errors import TerraquotaError

__all__ = [
    "API_VERSION",
    "API_VERSION_PATTERN",
    "EXIT_AUTH",
    "EXIT_PERMISSION",
    "SalesforceProblem",
    "connect",
    "credentials_from",
    "explain",
]

log = logging.getLogger(__name__)

API_VERSION = "59.0"
#: how Salesforce writes an API version ("59.0").
API_VERSION_PATTERN = r"^[1-9][0-9]\.0$"
#: exit codes of `terraquota pull` / `push` beyond CONTRACT.md's 0-4.
EXIT_AUTH = 5
EXIT_PERMISSION = 6
_EXIT_INPUT = 2
_EXIT_OTHER = 1

#: Salesforce error codes that mean "this user may not do that".
_PERMISSION_CODES = frozenset(
    {
        "INSUFFICIENT_ACCESS",
        "INSUFFICIENT_ACCESS_OR_READONLY",
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        "API_DISABLED_FOR_ORG",
        "API_CURRENTLY_DISABLED",
        "FUNCTIONALITY_NOT_ENABLED",
        "INVALID_TYPE_FOR_OPERATION",
    }
)
#: codes that mean the query names something the org lacks (a mapping error).
_MAPPING_CODES = frozenset({"INVALID_FIELD", "INVALID_TYPE", "MALFORMED_QUERY"})


class SalesforceProblem(TerraquotaError):
    """Salesforce refused or could not be reached; ``exit_code`` for the CLI."""

    def __init__(self, message: str, exit_code: int = _EXIT_OTHER):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Credentials:
    """Where to connect and how; ``source`` names the origin for messages (no secret)."""

    source: str
    instance_url: str | None = None
    session_id: str | None = None
    username: str | None = None
    password: str | None = None
    security_token: str | None = None
    domain: str | None = None

    def __repr__(self) -> str:  # a stray print of the object must not show a secret
        return f"Credentials(source={self.source!r}, instance_url={self.instance_url!r})"


CliRunner = Callable[[list[str]], str]

#: Builds the HTTP session the client uses when none is passed (None: the
#: client's own). Recorded-response tests replay Salesforce through it.
session_factory: Callable[[], Any] | None = None


def _run_cli(args: list[str]) -> str:
    exe = shutil.which(args[0])
    if exe is None:
        raise SalesforceProblem(
            "no Salesforce credentials: set SF_ACCESS_TOKEN and SF_INSTANCE_URL, or SF_USERNAME, "
            "SF_PASSWORD and SF_SECURITY_TOKEN, or log in with the Salesforce CLI (sf org login web)",
            EXIT_AUTH,
        )
    done = subprocess.run([exe, *args[1:]], capture_output=True, text=True, check=False, timeout=120)
    return done.stdout


def _from_cli(env: Mapping[str, str], run: CliRunner) -> Credentials:
    target = env.get("SF_TARGET_ORG")
    args = ["sf", "org", "display", "--json"] + (["--target-org", target] if target else [])
    try:
        answer = json.loads(run(args) or "{}")
    except json.JSONDecodeError:
        answer = {}
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(result, dict) or not result.get("accessToken") or not result.get("instanceUrl"):
        name = f"org {target!r}" if target else "the default org"
        why = answer.get("message") if isinstance(answer, dict) else None
        raise SalesforceProblem(
            f"the Salesforce CLI has no usable login for {name}"
            + (f" ({why})" if isinstance(why, str) else "")
            + ": run `sf org login web`, or set SF_ACCESS_TOKEN and SF_INSTANCE_URL",
            EXIT_AUTH,
        )
    return Credentials(
        source=f"Salesforce CLI login ({result.get('alias') or result.get('username') or 'default org'})",
        instance_url=result["instanceUrl"],
        session_id=result["accessToken"],
    )


def credentials_from(env: Mapping[str, str] | None = None, run: CliRunner = _run_cli) -> Credentials:
    """The first complete set of credentials (module docstring order)."""
    env = os.environ if env is None else env
    if env.get("SF_ACCESS_TOKEN") or env.get("SF_INSTANCE_URL"):
        if not (env.get("SF_ACCESS_TOKEN") and env.get("SF_INSTANCE_URL")):
            raise SalesforceProblem(
                "set both SF_ACCESS_TOKEN and SF_INSTANCE_URL (one is missing)", EXIT_AUTH
            )
        return Credentials(
            "environment (SF_ACCESS_TOKEN)",
            instance_url=env["SF_INSTANCE_URL"],
            session_id=env["SF_ACCESS_TOKEN"],
        )
    if env.get("SF_USERNAME"):
        missing = [k for k in ("SF_PASSWORD", "SF_SECURITY_TOKEN") if not env.get(k)]
        if "SF_PASSWORD" in missing:
            raise SalesforceProblem("SF_USERNAME is set but SF_PASSWORD is not", EXIT_AUTH)
        return Credentials(
            "environment (SF_USERNAME)",
            username=env["SF_USERNAME"],
            password=env["SF_PASSWORD"],
            security_token=env.get("SF_SECURITY_TOKEN", ""),
            domain=env.get("SF_DOMAIN") or None,
        )
    return _from_cli(env, run)


def connect(credentials: Credentials, *, version: str = API_VERSION, session: Any = None) -> Any:
    """A logged-in ``simple_salesforce.Salesforce`` (``session``: a custom requests session)."""
    try:
        from simple_salesforce import Salesforce
        from simple_salesforce.exceptions import SalesforceAuthenticationFailed
    except ImportError:  # pragma: no cover - the extra is not installed
        raise SalesforceProblem(
            "the Salesforce client is not installed: pip install 'terraquota[salesforce]'"
        ) from None
    kwargs: dict[str, Any] = {"version": version}
    if session is None and session_factory is not None:
        session = session_factory()
    if session is not None:
        kwargs["session"] = session
    try:
        if credentials.session_id:
            sf = Salesforce(
                instance_url=credentials.instance_url, session_id=credentials.session_id, **kwargs
            )
        else:
            sf = Salesforce(
                username=credentials.username,
                password=credentials.password,
                security_token=credentials.security_token,
                domain=credentials.domain,
                **kwargs,
            )
    except SalesforceAuthenticationFailed as exc:
        raise SalesforceProblem(
            f"Salesforce login failed for {credentials.source}: {getattr(exc, 'code', '')} "
            f"{getattr(exc, 'message', '')}".rstrip(),
            EXIT_AUTH,
        ) from None
    log.info("connected to %s via %s", getattr(sf, "sf_instance", "Salesforce"), credentials.source)
    return sf


def _errors(content: Any) -> list[tuple[str, str]]:
    """(errorCode, message) pairs of an error response body."""
    items = content if isinstance(content, list) else [content]
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append((str(item.get("errorCode", "")), str(item.get("message", ""))))
        elif isinstance(item, bytes | str):
            out.append(("", item.decode("utf-8", "replace") if isinstance(item, bytes) else item))
    return out


def explain(exc: Exception, doing: str) -> SalesforceProblem:
    """A `SalesforceProblem` for a ``simple_salesforce`` error, with the right exit code.

    ``doing`` says what was attempted ("querying Account"). The message holds
    Salesforce's error codes and texts only: never the request's headers.
    """
    from simple_salesforce.exceptions import (
        SalesforceExpiredSession,
        SalesforceRefusedRequest,
        SalesforceResourceNotFound,
    )

    status = getattr(exc, "status", None)
    pairs = _errors(getattr(exc, "content", None))
    codes = {code for code, _ in pairs}
    said = "; ".join(f"{code}: {msg}" if code else msg for code, msg in pairs) or str(status)
    if isinstance(exc, SalesforceExpiredSession) or status == 401 or "INVALID_SESSION_ID" in codes:
        return SalesforceProblem(
            f"Salesforce session expired or invalid while {doing} ({said}): log in again "
            "(sf org login web) or renew SF_ACCESS_TOKEN, then re-run",
            EXIT_AUTH,
        )
    if isinstance(exc, SalesforceRefusedRequest) or status == 403 or codes & _PERMISSION_CODES:
        return SalesforceProblem(
            f"the Salesforce user lacks a permission needed for {doing} ({said}): ask an admin for "
            "API access and read/edit rights on the object",
            EXIT_PERMISSION,
        )
    if codes & _MAPPING_CODES or isinstance(exc, SalesforceResourceNotFound):
        return SalesforceProblem(
            f"Salesforce does not know a name used while {doing} ({said}): check the field mapping "
            "in the scenario's [salesforce] section",
            _EXIT_INPUT,
        )
    return SalesforceProblem(f"Salesforce refused {doing} ({said})")
