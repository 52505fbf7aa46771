from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"

    def ready(self) -> None:
        # Register the tasks in every process (web, worker, commands), so the
        # services can send them by name (claims.services.dispatch).
        from claims import tasks  # noqa: F401
