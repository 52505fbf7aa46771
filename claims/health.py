"""Liveness for load balancers and compose health checks."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from claims.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def _workers() -> dict[str, str]:
    """Each queue: "ok" if a worker consumed its heartbeat recently, else
    "stale" or "never". Being connected to the broker is not enough: workers
    have been seen connected but not consuming after a Redis restart."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return dict.fromkeys(settings.WORKER_QUEUES, "in-process")
    beats = dict(WorkerHeartbeat.objects.values_list("queue", "beat_at"))
    now = timezone.now()
    states = {}
    for queue in settings.WORKER_QUEUES:
        beat = beats.get(queue)
        if beat is None:
            states[queue] = "never"
        else:
            fresh = (now - beat).total_seconds() <= settings.HEALTH_HEARTBEAT_MAX_AGE
            states[queue] = "ok" if fresh else "stale"
    return states


@never_cache
@require_GET
@transaction.non_atomic_requests
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and every queue's workers consume; 503
    otherwise, saying which part is down (no other details leak)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        workers = _workers()
    except Exception:
        logger.exception("health check: database unavailable")
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    healthy = all(state in ("ok", "in-process") for state in workers.values())
    if not healthy:
        logger.warning("health check: workers not consuming: %s", workers)
    body = {"status": "ok" if healthy else "unavailable", "database": "up", "workers": workers}
    return JsonResponse(body, status=200 if healthy else 503)
