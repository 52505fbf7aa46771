"""The same Idempotency-Key sent concurrently to two server processes creates
one submission: the key is held by a unique constraint in PostgreSQL, not in
any process's memory."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from claims.api.keys import api_key_create
from claims.models import Membership, Submission, Team
from tests import factories, harness

pytestmark = pytest.mark.integration

REQUESTS = 12


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn process (2 sync workers) on the test database."""

    def __init__(self, broker_url: str):
        self.port = _free_port()
        self.log = Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
        env = {
            **os.environ,
            "DATABASE_URL": harness.test_database_url(),
            "CELERY_BROKER_URL": broker_url,  # matching is queued, not run in the server
            "SECRET_KEY": settings.SECRET_KEY,
            "CONN_MAX_AGE": "0",
            "MATCHER_EMBEDDINGS": "false",
            "API_THROTTLE_RATE": "100000/minute",
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "tracker.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "2",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=harness.ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(self.url("/api/schema/"), timeout=2)  # noqa: S310 (a local server)
        except (urllib.error.URLError, OSError):
            return False
        return True

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def servers(broker_url):
    started = [Server(broker_url), Server(broker_url)]
    try:
        for server in started:
            harness.wait_for(server.ready, timeout=60, what=f"gunicorn on port {server.port}")
        yield started
    finally:
        for server in started:
            server.stop()


def _post(url: str, key: str, body: bytes, idempotency_key: str) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 (a local server)
        url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Api-Key {key}",
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read().decode(errors="replace")[:500]}


def test_same_idempotency_key_sent_concurrently_to_two_servers_creates_one_submission(servers):
    team = factories.TeamFactory(name="Checkers", slug="checkers", kind=Team.Kind.FACT_CHECKING)
    user = factories.UserFactory(username="checker")
    factories.MembershipFactory(team=team, user=user, role=Membership.Role.EDITOR)
    _, key = api_key_create(team=team, user=user, name="sync", role=Membership.Role.EDITOR)
    body = json.dumps({"title": "Sent twice", "text": "The ministry denied dropping chlorine on Sarmin."}).encode()

    results: list[tuple[int, dict]] = [(0, {})] * REQUESTS
    start = threading.Barrier(REQUESTS)

    def send(index: int) -> None:
        server = servers[index % 2]
        start.wait(timeout=30)
        results[index] = _post(server.url("/api/v1/reports/"), key, body, "retry-me-7")

    threads = [threading.Thread(target=send, args=(i,)) for i in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    assert all(status == 201 for status, _ in results), results
    ids = {payload["id"] for _, payload in results}
    assert len(ids) == 1, results
    assert Submission.objects.filter(team=team, idempotency_key="retry-me-7").count() == 1
    assert Submission.objects.count() == 1
    assert list(Submission.objects.values_list("id", flat=True)) == list(ids)
