"""Comment threads on a plan, a rep or an account, as the pages show them."""

from __future__ import annotations

import re
from typing import Any

from workspace import access
from workspace.plans import services
from workspace.plans.models import Plan


def thread(plan: Plan, user: Any, target: str, target_id: str) -> dict[str, Any]:
    """The comments on one object that this user may read, and whether they may add one."""
    items = [
        c
        for c in services.visible_comments(plan, user)
        if c.target == target and (target == "plan" or c.target_id == target_id)
    ]
    return {
        "plan": plan,
        "target": target,
        "target_id": target_id,
        "items": items,
        "can_comment": access.can(user, access.Action.COMMENT),
        "dom_id": "comments-" + re.sub(r"[^A-Za-z0-9_-]", "_", f"{target}-{target_id}"),
    }
