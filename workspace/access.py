"""Who may do what: the one permission module every API view and page view uses.

Roles (CONTRACT.md): a viewer reads; a manager reads the plan's summary and
what belongs to their own team (reps whose ``manager_id`` is the manager's,
and those reps' accounts), comments and makes requests; a planner edits,
runs, submits, decides requests and publishes; finance reads all, comments
and approves; an admin does everything and manages users.

How views use it
----------------
    from workspace import access
    access.require(request.user, access.Action.EDIT)        # raises AccessDenied (-> 403)
    if access.can(user, access.Action.READ_FILES): ...
    scope = access.scope_for(user, version)                  # what of this version the user sees
    scope.full, scope.allows_rep("R1"), scope.allows_account("A01")
    scope.rep_ids / scope.account_ids                        # frozensets (managers only)
    access.require_transition(user, "submitted", "approved") # 403 wrong role, WorkflowError -> 409

`AccessDenied` carries a message for the user; the API turns it into 403
``{"error": ...}`` and pages into Django's 403 page. An anonymous or
role-less user can do nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from workspace.accounts.models import Role
from workspace.plans.workflow import WorkflowError, transition_action


class Action(StrEnum):
    READ_PLAN = "read_plan"  # plan list, plan and version summaries (metrics.json)
    READ_FILES = "read_files"  # whole-plan files: assignment.csv, reps.csv, quotas.csv, ...
    READ_TEAM = "read_team"  # reps and accounts, limited to the team for managers (see scope_for)
    READ_AUDIT = "read_audit"
    UPLOAD = "upload"  # create a plan from a scenario zip
    EDIT = "edit"  # changes (new draft versions), runs, cancelling jobs
    COMMENT = "comment"
    REQUEST = "request"  # ask for an account to move to a rep
    DECIDE_REQUEST = "decide_request"
    SUBMIT = "submit"  # draft -> submitted
    APPROVE = "approve"  # submitted -> approved
    PUBLISH = "publish"  # approved -> published
    REJECT = "reject"  # submitted -> draft
    MANAGE_USERS = "manage_users"


_READ_ALL = {Action.READ_PLAN, Action.READ_FILES, Action.READ_TEAM, Action.READ_AUDIT}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.VIEWER: frozenset(_READ_ALL),
    Role.MANAGER: frozenset({Action.READ_PLAN, Action.READ_TEAM, Action.COMMENT, Action.REQUEST}),
    Role.PLANNER: frozenset(
        _READ_ALL
        | {
            Action.UPLOAD,
            Action.EDIT,
            Action.COMMENT,
            Action.REQUEST,
            Action.DECIDE_REQUEST,
            Action.SUBMIT,
            Action.PUBLISH,
            Action.REJECT,
        }
    ),
    Role.FINANCE: frozenset(_READ_ALL | {Action.COMMENT, Action.APPROVE, Action.REJECT}),
    Role.ADMIN: frozenset(Action),
}

_WHY = {
    Action.READ_FILES: "whole-plan files are for viewers, planners, finance and admins; "
    "managers read their own team's reps and accounts",
    Action.READ_AUDIT: "the audit trail is for viewers, planners, finance and admins",
    Action.UPLOAD: "only planners and admins create plans",
    Action.EDIT: "only planners and admins edit and run plans",
    Action.COMMENT: "viewers cannot comment",
    Action.REQUEST: "only managers and planners make requests",
    Action.DECIDE_REQUEST: "only planners and admins decide requests",
    Action.SUBMIT: "only planners and admins submit a version",
    Action.APPROVE: "only finance and admins approve a version",
    Action.PUBLISH: "only planners and admins publish a version",
    Action.REJECT: "only planners, finance and admins send a version back to draft",
    Action.MANAGE_USERS: "only admins manage users",
}


class AccessDenied(Exception):
    """The user's role does not allow this (HTTP 403); the message says why."""


def role_of(user: Any) -> Role | None:
    """The user's role, or None for anonymous users and users without a profile."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    profile = getattr(user, "profile", None)
    return Role(profile.role) if profile is not None else None


def can(user: Any, action: Action) -> bool:
    role = role_of(user)
    return role is not None and action in PERMISSIONS[role]


def require(user: Any, action: Action) -> None:
    """Raise `AccessDenied` unless the user's role allows ``action``."""
    if not can(user, action):
        role = role_of(user)
        raise AccessDenied(
            f"{role or 'this user'} may not {action.value.replace('_', ' ')}: "
            + _WHY.get(action, "not allowed for this role")
        )


def require_transition(user: Any, current: str, to: str) -> None:
    """Check a status move: `WorkflowError` (409) if the workflow forbids it, else the role (403)."""
    action = transition_action(current, to)
    require(user, Action(action))


@dataclass(frozen=True)
class Scope:
    """What of one version a user sees: everything, or a manager's team."""

    full: bool
    rep_ids: frozenset[str] = frozenset()
    account_ids: frozenset[str] = frozenset()

    def allows_rep(self, rep_id: str) -> bool:
        return self.full or rep_id in self.rep_ids

    def allows_account(self, account_id: str) -> bool:
        return self.full or account_id in self.account_ids


def scope_for(user: Any, version: Any) -> Scope:
    """Everything for roles that read all; the team (reps and their accounts) for managers."""
    role = role_of(user)
    if role is None:
        return Scope(False)
    if Action.READ_FILES in PERMISSIONS[role]:
        return Scope(True)
    if role != Role.MANAGER or not user.profile.manager_id:
        return Scope(False)
    from workspace import engine  # reads the version's tables: only needed for managers

    reps, accounts = engine.team(
        version.inputs_dir, version.scenario_file, version.run_dir, user.profile.manager_id
    )
    return Scope(False, reps, accounts)


__all__ = [
    "AccessDenied",
    "Action",
    "Scope",
    "WorkflowError",
    "can",
    "require",
    "require_transition",
    "role_of",
    "scope_for",
]
