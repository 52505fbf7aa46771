from django.urls import path

from claims.workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/<int:pk>/", views.claim_dossier, name="claim"),
    path("claims/<int:pk>/timeline.csv", views.claim_timeline_csv, name="claim-timeline-csv"),
    path("matrix/", views.matrix, name="matrix"),
]
