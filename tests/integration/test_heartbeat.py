"""/healthz knows whether workers consume each queue, with a real worker on Redis."""

import pytest

from claims.models import WorkerHeartbeat
from claims.tasks import heartbeat
from tests.harness import wait_for

pytestmark = pytest.mark.integration


def test_health_turns_ok_once_a_real_worker_consumed_every_queue(worker, client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert client.get("/healthz").status_code == 503
    for queue in settings.WORKER_QUEUES:
        heartbeat.apply_async((queue,), queue=queue)  # what beat sends every HEARTBEAT_SECONDS
    wait_for(lambda: WorkerHeartbeat.objects.count() == len(settings.WORKER_QUEUES), timeout=30, what="heartbeats")
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert set(response.json()["workers"].values()) == {"ok"}
    assert all(beat.hostname for beat in WorkerHeartbeat.objects.all())
