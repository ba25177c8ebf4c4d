"""The audit trail: every action appears, oldest first; nothing edits or deletes it."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction


def test_every_kind_of_action_is_in_the_trail(api: dict, plan, dispatcher) -> None:
    p = f"/api/plans/{plan.pk}"
    api["manager1"].post(f"{p}/requests", {"account_id": "A03", "rep_id": "R2", "reason": "r"})
    api["finance"].post(f"{p}/comments", {"target": "plan", "text": "hello"})
    api["planner"].post(
        f"{p}/changes", {"base_version": 1, "changes": [{"type": "unpin", "account_id": "A07"}]}
    )
    dispatcher.drain()
    rid = api["planner"].get(f"{p}/requests").json()[0]["id"]
    api["planner"].post(f"/api/requests/{rid}/reject", {"reason": "no"})
    for to, who in (("submitted", "planner"), ("approved", "finance"), ("published", "admin")):
        assert api[who].post(f"{p}/versions/2/transition", {"to": to}).status_code == 200
    trail = api["viewer"].get(f"{p}/audit").json()
    actions = [e["action"] for e in trail]
    for expected in (
        "plan.create",
        "request.create",
        "comment.create",
        "plan.change",
        "run.queue",
        "run.start",
        "run.done",
        "request.reject",
        "version.submitted",
        "version.approved",
        "version.publish",
    ):
        assert expected in actions, expected
    assert [e["at"] for e in trail] == sorted(e["at"] for e in trail)
    assert all(set(e) == {"at", "user", "action", "object", "before", "after"} for e in trail)
    change = next(e for e in trail if e["action"] == "plan.change")
    assert (
        change["user"] == "planner" and change["before"]["version"] == 1 and change["after"]["version"] == 2
    )


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_api_has_no_method_that_changes_the_trail(api: dict, plan, method: str) -> None:
    r = api["admin"].method(method, f"/api/plans/{plan.pk}/audit")
    assert r.status_code == 405
    assert r["Allow"] == "GET"


def test_the_model_refuses_update_and_delete(plan) -> None:
    from workspace.audit.models import AppendOnlyError, AuditEntry

    entry = AuditEntry.objects.first()
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "user.create"


def test_the_database_refuses_update_and_delete(plan) -> None:
    from workspace.audit.models import AuditEntry

    pk = AuditEntry.objects.first().pk
    for sql in (
        "UPDATE audit_auditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])
    assert AuditEntry.objects.get(pk=pk).action == "user.create"


def test_managers_do_not_read_the_trail(api: dict, plan) -> None:
    assert api["manager1"].get(f"/api/plans/{plan.pk}/audit").status_code == 403
    assert api["viewer"].get(f"/api/plans/{plan.pk}/audit").status_code == 200
