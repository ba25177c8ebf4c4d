"""The approval workflow: which status moves exist and which permission each needs.

draft -> submitted (submit), submitted -> approved (approve), approved ->
published (publish), submitted -> draft (reject). Any other move is refused
(HTTP 409) whoever asks.
"""

from __future__ import annotations

TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submitted"): "submit",
    ("submitted", "approved"): "approve",
    ("approved", "published"): "publish",
    ("submitted", "draft"): "reject",
}


class WorkflowError(Exception):
    """A move the workflow does not allow, or an edit of a version that is not the latest draft (409)."""


def transition_action(current: str, to: str) -> str:
    """The permission a move needs (an `workspace.access.Action` value); WorkflowError if none."""
    action = TRANSITIONS.get((current, to))
    if action is None:
        allowed = sorted(t for (f, t) in TRANSITIONS if f == current)
        raise WorkflowError(
            f"a {current} version cannot become {to}"
            + (f" (it can become: {', '.join(allowed)})" if allowed else " (no further moves)")
        )
    return action
