"""The same Idempotency-Key sent concurrently to two server processes creates
one submission: the key is held by a unique constraint in PostgreSQL, not in
any process's memory."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from claims.models import Membership, Submission, Team
from claims.services.api_keys import api_key_create
from tests import factories, harness

pytestmark = pytest.mark.integration

REQUESTS = 12


@pytest.fixture
def servers(broker_url):
    # Matching is queued on the test's broker, not run in the servers.
    started: list[harness.ApiServer] = []
    while len(started) < 2:  # two spare ports, not one twice: both are taken before either server binds
        server = harness.ApiServer(database_url=harness.test_database_url(), broker_url=broker_url)
        if server.port not in [s.port for s in started]:
            started.append(server)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:  # both boot at once
            for future in [pool.submit(server.start) for server in started]:
                future.result(timeout=120)
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
