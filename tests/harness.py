"""Real Celery workers for integration tests, started as separate processes
against the test database and a Redis broker, so the flows are exercised as
in production (not in-process eager mode).

Each worker runs in its own process group so a test can ``kill -9`` the
worker and its pool children together. Everything polls with deadlines.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.2, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def test_database_url() -> str:
    """The URL of the database pytest-django created for this run."""
    db = connection.settings_dict
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class Worker:
    """A `celery worker` process on the given broker and the test database."""

    def __init__(self, *, broker_url: str, queues: str = "reports,archive,webhooks", concurrency: int = 2, **env: str):
        self.broker_url = broker_url
        self.queues = queues
        self.concurrency = concurrency
        self.env = env
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.log = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self, *, ready_timeout: float = 30) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "SECRET_KEY": settings.SECRET_KEY,
            "CONN_MAX_AGE": "0",
            "HF_HUB_OFFLINE": "1",
            # The lexical matcher unless a test asks for embeddings: fast to start.
            "MATCHER_EMBEDDINGS": "false",
            **self.env,
        }
        command = [
            sys.executable, "-m", "celery", "-A", "tracker", "worker",
            "--queues", self.queues, "--concurrency", str(self.concurrency), "--pool", "prefork",
            "--hostname", self.name, "--without-gossip", "--without-mingle", "--loglevel", "INFO",
        ]  # fmt: skip
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for(
            lambda: b" ready." in self.log.read_bytes() or self.process.poll() is not None,
            timeout=ready_timeout,
            what="worker ready",
        )
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited at start:\n{self.log.read_text()[-3000:]}")
        return self

    def kill(self) -> None:
        """kill -9 of the worker and all its pool children."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")
