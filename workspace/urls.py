"""URL map: the JSON API under /api/, the HTML pages (when installed) at the root."""

from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("api/", include("workspace.api.urls")),
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATIC_DIR}),
]
if settings.HAS_FRONT:
    urlpatterns.append(path("", include("workspace.front.urls")))
