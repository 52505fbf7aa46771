from django.urls import path

from claims import health, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("evidence/<int:pk>/file", views.evidence_file, name="evidence-file"),
]
