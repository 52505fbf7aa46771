"""/api/v1/: the REST API; /api/schema/ and /api/docs/: its contract.

The documentation pages run under the site's Content-Security-Policy: Swagger
UI's init script is served as a file of its own (the split view), and both
pages' templates (templates/api/) put the request's nonce on their styles."""

from csp.constants import SELF
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from claims.api import exports, views, webhooks

app_name = "api"

# Redoc (drf-spectacular-sidecar's bundle) also injects two <style> elements as
# it loads, before it is given the nonce (allowed by their hashes: an empty one
# and its scrollbar's), and builds its search index in a worker from a blob:
# URL. Its logo on cdn.redoc.ly stays blocked: the docs make no third-party request.
REDOC_POLICY = {
    "style-src": [
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
    ],
    "worker-src": [SELF, "blob:"],
}
redoc = csp_update(REDOC_POLICY)(
    csp_update(REDOC_POLICY, REPORT_ONLY=True)(
        SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
    )
)

router = DefaultRouter()
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("stances", views.StanceViewSet, basename="stance")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("sources", views.SourceViewSet, basename="source")
router.register("reports", views.ReportViewSet, basename="report")
router.register("flags", views.FlagViewSet, basename="flag")
router.register("suggestions", views.SuggestionViewSet, basename="suggestion")

urlpatterns = [
    path("v1/attribution-matrix/", views.AttributionMatrixView.as_view(), name="attribution-matrix"),
    path("v1/deletions/", views.TombstoneView.as_view(), name="deletions"),
    path("v1/", include(exports.urlpatterns)),
    path("v1/", include(webhooks.urlpatterns)),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path("redoc/", redoc, name="redoc"),
]
