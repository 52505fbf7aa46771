"""Redis has 16 databases, so two checkouts' derived defaults can meet: the
second is refused, saying what to do, and empties nothing of the first's."""

from __future__ import annotations

import os

import pytest
import redis

from tests import checkout

pytestmark = pytest.mark.integration


def test_a_redis_database_another_checkouts_tests_use_is_refused_and_left_alone():
    url = os.environ.get("TEST_BROKER_URL") or checkout.broker_url()
    client = redis.Redis.from_url(url)
    client.set(checkout.OWNER_KEY, "/elsewhere/tracker", ex=60)
    client.set("their-queue", "a task")
    try:
        with pytest.raises(RuntimeError, match=r"/elsewhere/tracker.*TEST_BROKER_URL"):
            checkout.redis_db_take(url)
        assert client.get("their-queue") == b"a task"
    finally:
        client.delete(checkout.OWNER_KEY, "their-queue")
    checkout.redis_db_take(url)  # free again: this checkout's now
    assert client.get(checkout.OWNER_KEY).decode() == str(checkout.ROOT)
