from django.urls import path

from claims import views

urlpatterns = [
    path("evidence/<int:pk>/file", views.evidence_file, name="evidence-file"),
]
