"""API routes; `workspace.api.openapi` describes the same table."""

from django.urls import path

from workspace.api import openapi, views

P = "plans/<int:plan_id>"
V = f"{P}/versions/<int:number>"

urlpatterns = [
    path("health", views.health),
    path("token", views.token),
    path("me", views.me),
    path("users", views.users),
    path("openapi.json", openapi.document),
    path("plans", views.plans),
    path(P, views.plan),
    path(V, views.version),
    path(f"{V}/run", views.version_run),
    path(f"{V}/files/<path:name>", views.version_file),
    path(f"{V}/reps", views.version_reps),
    path(f"{V}/accounts", views.version_accounts),
    path(f"{V}/transition", views.version_transition),
    path(f"{P}/changes", views.changes),
    path(f"{P}/requests", views.requests),
    path("requests/<int:request_id>/accept", views.request_accept),
    path("requests/<int:request_id>/reject", views.request_reject),
    path(f"{P}/comments", views.comments),
    path(f"{P}/audit", views.audit),
    path("jobs/<int:job_id>", views.job),
    path("jobs/<int:job_id>/cancel", views.job_cancel),
]
