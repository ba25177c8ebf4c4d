"""The plans list: every plan and version at a glance, importing a scenario, runs and their progress."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from workspace import access
from workspace.front import summary
from workspace.front.pages import is_htmx, page_view, problem, version_of
from workspace.jobs.models import Job
from workspace.plans import services
from workspace.plans.models import Plan


def latest_job(version: object) -> Job | None:
    return Job.objects.filter(version=version).order_by("-id").first()


def _version_row(version: object) -> dict[str, object]:
    metrics = version.metrics()  # type: ignore[attr-defined]
    return {
        "version": version,
        "figures": summary.headline(metrics),
        "warnings": summary.warnings(metrics),
        "job": latest_job(version),
    }


@page_view()
def plans_list(request: HttpRequest) -> HttpResponse:
    plans = []
    for plan in Plan.objects.prefetch_related("versions__created_by").select_related("created_by"):
        versions = sorted(plan.versions.all(), key=lambda v: -v.number)
        plans.append(
            {
                "plan": plan,
                "rows": [_version_row(v) for v in versions],
                "changed": max((v.created_at for v in versions), default=plan.created_at),
            }
        )
    plans.sort(key=lambda p: p["changed"], reverse=True)
    return render(
        request,
        "front/plans.html",
        {
            "plans": plans,
            "can_upload": access.can(request.user, access.Action.UPLOAD),
            "can_edit": access.can(request.user, access.Action.EDIT),
        },
    )


@require_POST
@page_view(access.Action.UPLOAD)
def import_plan(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        return problem(request, "choose a scenario zip to import")
    plan = services.create_plan_from_zip(request.user, upload)
    target = f"/plans/{plan.pk}/v/1/"
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@require_POST
@page_view(access.Action.EDIT)
def run_version(request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
    version = version_of(plan_id, number)
    job = services.run_version(version, request.user)
    return render(request, "front/job.html", _job_context(request, job))


def _job_context(request: HttpRequest, job: Job) -> dict[str, object]:
    return {"job": job, "can_edit": access.can(request.user, access.Action.EDIT)}


@require_GET
@page_view()
def job_status(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress bar; polled every second while the job runs, the page reloads when it ends."""
    job = get_object_or_404(Job.objects.select_related("version"), pk=job_id)
    response = render(request, "front/job.html", _job_context(request, job))
    if job.is_finished and request.GET.get("poll") and is_htmx(request):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@page_view(access.Action.EDIT)
def cancel_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.select_related("version"), pk=job_id)
    job = services.cancel_job(job, request.user)
    return render(request, "front/job.html", _job_context(request, job))
