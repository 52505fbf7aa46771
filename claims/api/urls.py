"""/api/v1/: the REST API; /api/schema/ and /api/docs/: its contract."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from claims.api import exports, views, webhooks

app_name = "api"

router = DefaultRouter()
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("stances", views.StanceViewSet, basename="stance")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("sources", views.SourceViewSet, basename="source")
router.register("reports", views.ReportViewSet, basename="report")
router.register("flags", views.FlagViewSet, basename="flag")

urlpatterns = [
    path("v1/attribution-matrix/", views.AttributionMatrixView.as_view(), name="attribution-matrix"),
    path("v1/deletions/", views.TombstoneView.as_view(), name="deletions"),
    path("v1/", include(exports.urlpatterns)),
    path("v1/", include(webhooks.urlpatterns)),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
