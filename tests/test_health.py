import datetime
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from claims.models import WorkerHeartbeat
from claims.tasks import heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_answers_when_the_database_does(anonymous_client):
    response = anonymous_client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "up"
    # Without a broker, tasks run in the web process itself.
    assert set(response.json()["workers"].values()) == {"in-process"}


def test_healthz_is_503_when_the_database_is_down(anonymous_client):
    with mock.patch("claims.health.connection.cursor", side_effect=OperationalError("connection refused")):
        response = anonymous_client.get("/healthz")
    assert response.status_code == 503
    assert "refused" not in response.content.decode()


def test_healthz_is_503_until_every_queue_has_a_fresh_heartbeat(anonymous_client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.HEALTH_HEARTBEAT_MAX_AGE = 60
    response = anonymous_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["workers"] == {"reports": "never", "archive": "never", "webhooks": "never"}

    for queue in settings.WORKER_QUEUES:
        heartbeat(queue)
    assert anonymous_client.get("/healthz").status_code == 200

    # A worker that stays connected but stops consuming: its heartbeat ages.
    WorkerHeartbeat.objects.filter(queue="archive").update(beat_at=timezone.now() - datetime.timedelta(minutes=5))
    response = anonymous_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["workers"]["archive"] == "stale"
    assert response.json()["workers"]["reports"] == "ok"


def test_beat_sends_a_heartbeat_to_each_queue(settings):
    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "claims.tasks.heartbeat"]
    assert sorted(entry["options"]["queue"] for entry in entries) == sorted(settings.WORKER_QUEUES)
    assert all(entry["args"] == (entry["options"]["queue"],) for entry in entries)


def test_every_queue_gets_a_heartbeat_every_heartbeat_seconds_that_expires_as_the_next_is_sent(settings):
    beats = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "claims.tasks.heartbeat"]
    assert {(entry["schedule"], entry["options"]["expires"]) for entry in beats} == {(settings.HEARTBEAT_SECONDS,) * 2}
