from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClaimsConfig(AppConfig):
    default = True  # "claims" in INSTALLED_APPS; TrackerAdminConfig is named by its path
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"

    def ready(self) -> None:
        # Register the tasks in every process (web, worker, commands), so the
        # services can send them by name (claims.services.dispatch).
        from claims import tasks  # noqa: F401


class TrackerAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the tracker's site (two-factor authentication
    for staff) as ``admin.site``: every ModelAdmin registers on it."""

    default = False
    default_site = "claims.admin_site.TrackerAdminSite"
