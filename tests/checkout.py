"""The test database and Redis database of this checkout, so that two
checkouts on one machine (two clones, two git worktrees) never share them.

``make test`` takes its defaults from here (``python3 tests/checkout.py
database|broker``), and so do the integration tests when ``TEST_BROKER_URL``
is not set. The database is named for a hash of the checkout's absolute
path: two paths, two databases. Redis has only 16 databases, so two
checkouts may hash to the same one: the first to run its integration tests
claims it (``redis_db_take``), and the other is refused, told to set
``TEST_BROKER_URL``, instead of emptying the first one's queues.

Standard library only: make runs it with the system's python3."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDIS_DATABASES = 16  # Redis's default `databases`
OWNER_KEY = "tracker-tests:checkout"  # which checkout's tests use this Redis db
OWNER_SECONDS = 900  # a claim lapses this long after the checkout's last test started


def _digest(root: Path) -> str:
    return hashlib.sha256(str(root.resolve()).encode()).hexdigest()


def database_url(root: Path = ROOT) -> str:
    """pytest-django creates ``test_<name>`` (``_gw0``, ... per process) from it."""
    return f"postgres://postgres@127.0.0.1:5432/tracker_{_digest(root)[:12]}"


def broker_url(root: Path = ROOT) -> str:
    return f"redis://127.0.0.1:6379/{int(_digest(root), 16) % REDIS_DATABASES}"


def redis_db_take(url: str, root: Path = ROOT) -> None:
    """Empty the Redis database at ``url`` for a test of this checkout, and
    mark it this checkout's for the next ``OWNER_SECONDS``. RuntimeError,
    saying what to do, if another checkout's tests hold it: nothing is emptied."""
    import redis

    client = redis.Redis.from_url(url)
    owner = client.get(OWNER_KEY)
    if owner is not None and owner.decode() != str(root):
        raise RuntimeError(
            f"The Redis database {url} is in use by the tests of another checkout, {owner.decode()}. "
            "Set TEST_BROKER_URL to a database of its own (redis://127.0.0.1:6379/<0-15>), "
            f"or wait {OWNER_SECONDS // 60} minutes after its last test."
        )
    client.flushdb()
    client.set(OWNER_KEY, str(root), ex=OWNER_SECONDS)


if __name__ == "__main__":
    print({"database": database_url, "broker": broker_url}[sys.argv[1]]())
