"""Fixtures for tests against real services: PostgreSQL, Redis and Celery workers."""

import os

import pytest
from django.db import connection

from tests import checkout
from tests.harness import Worker


@pytest.fixture(autouse=True)
def _needs_postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.fail("integration tests need PostgreSQL: run `make test` (DATABASE_URL=postgres://...)")


@pytest.fixture
def broker_url():
    """A Redis database of its own for the run's queues, emptied before each
    test: TEST_BROKER_URL, else this checkout's (tests/checkout.py, as make
    test's default), refused if another checkout's tests are using it."""
    url = os.environ.get("TEST_BROKER_URL") or checkout.broker_url()
    try:
        checkout.redis_db_take(url)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    return url


@pytest.fixture
def live_broker(broker_url):
    """Send tasks through the broker, as production does, not in-process."""
    from tracker.celery import app

    previous = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    app.conf.update(task_always_eager=False, broker_url=broker_url)
    _reset_connections(app)
    yield app
    _reset_connections(app)
    app.conf.update(previous)


def _reset_connections(app):
    # Pools are created lazily for the broker URL of the moment; drop them so
    # the next send connects to the URL now configured.
    # (Not closed: kombu keeps a registry of producer pools per connection
    # pool, and a closed one would be handed out again.)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def worker(live_broker, broker_url):
    started = Worker(broker_url=broker_url).start()
    yield started
    # The test is over: kill -9 rather than wait about two seconds for a warm
    # shutdown, as test_faults does with its workers.
    started.kill()
