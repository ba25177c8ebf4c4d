"""The pages' URLs (the JSON API lives under /api/, in `workspace.api`)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from workspace.front import (
    audit_views,
    compare_views,
    edit_views,
    files_views,
    plan_views,
    plans_views,
    tracking_views,
)

V = "plans/<int:plan_id>/v/<int:number>/"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="front/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    path("", plans_views.plans_list, name="plans"),
    path("plans/import/", plans_views.import_plan),
    path("jobs/<int:job_id>/", plans_views.job_status),
    path("jobs/<int:job_id>/cancel/", plans_views.cancel_job),
    path("basemap.json", plan_views.basemap),
    path("plans/<int:plan_id>/", plan_views.plan_latest),
    path(V, plan_views.plan_page, name="plan"),
    path(V + "run/", plans_views.run_version),
    path(V + "files/<str:folder>/<path:name>", files_views.version_file),
    path(V + "map.json", plan_views.map_data),
    path(V + "reps/", plan_views.reps_table),
    path(V + "reps/<str:rep_id>/", plan_views.rep_detail),
    path(V + "accounts/", plan_views.accounts_table),
    path(V + "accounts/<str:account_id>/", plan_views.account_detail),
    path(V + "accounts/<str:account_id>/explain/", plan_views.account_explain),
    path(V + "edit/", edit_views.edit),
    path(V + "transition/", edit_views.transition),
    path(V + "tracking/", tracking_views.tracking_page),
    path("plans/<int:plan_id>/comments/", edit_views.add_comment),
    path("plans/<int:plan_id>/requests/", edit_views.make_request),
    path("requests/<int:request_id>/decide/", edit_views.decide_request),
    path("plans/<int:plan_id>/compare/", compare_views.compare),
    path("plans/<int:plan_id>/audit/", audit_views.audit),
]
