"""Query counts pinned for every list endpoint (and claim detail): the count
for 2N rows is the count for N rows, and both stay within a budget. A new
N+1 (a serializer field reading a relation per row) fails here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim, Membership, ReviewStatus, Submission
from claims.services.api_keys import api_key_create
from tests import factories

pytestmark = pytest.mark.django_db

N = 4


@pytest.fixture
def api(factcheck_team, team_member):
    cache.clear()
    _, key = api_key_create(team=factcheck_team, user=team_member, name="sync", role=Membership.Role.EDITOR)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    client.get("/api/v1/sources/")  # the key's first use writes last_used_at; not counted below
    return client


def _claim(**fields: Any) -> Claim:
    actor = factories.ActorFactory()
    factories.ActorAliasFactory(actor=actor)
    claim = factories.AttributionClaimFactory(alleged_perpetrator=actor, **fields)
    claim.tags.add(factories.TagFactory(), factories.TagFactory())
    claim.incidents.add(factories.IncidentFactory(), factories.IncidentFactory())
    report = factories.ReportFactory()
    for position in ("asserts", "denies"):
        factories.StanceFactory(
            claim=claim, actor=actor, speaker=factories.ActorFactory(), report=report, position=position
        )
    factories.EvidenceFactory(claim=claim, report=report)
    return claim


def _actor() -> None:
    actor = factories.ActorFactory(parent=factories.ActorFactory())
    factories.ActorAliasFactory(actor=actor)
    factories.ActorAliasFactory(actor=actor)


def _stance() -> None:
    factories.StanceFactory(speaker=factories.ActorFactory(), report=factories.ReportFactory())


def _evidence() -> None:
    factories.EvidenceFactory(report=factories.ReportFactory())


def _report(team) -> None:
    report = factories.ReportFactory.build(source=factories.SourceFactory())
    submission = services.submission_create(channel=Submission.Channel.API, raw=report.text.encode(), team=team)
    services.report_store(submission=submission, title=report.title, text=report.text, source=report.source)


def _flag() -> None:
    factories.FlagFactory()


def _deleted_claim() -> None:
    factories.ClaimFactory().delete()


# endpoint -> (make one row, query budget for the page). Every request spends 3 on its frame:
# the ATOMIC_REQUESTS savepoint and its release, and the key lookup; the rest is the page and
# one query per prefetched relation. (The CSV exports, /api/v1/exports/*.csv, join this table
# once they are committed.)
LISTS: dict[str, tuple[Callable[..., Any], int]] = {
    "/api/v1/claims/": (_claim, 6),
    "/api/v1/actors/": (_actor, 5),
    "/api/v1/stances/": (_stance, 4),
    "/api/v1/evidence/": (_evidence, 4),
    "/api/v1/incidents/": (factories.IncidentFactory, 4),
    "/api/v1/sources/": (factories.SourceFactory, 4),
    "/api/v1/reports/": (_report, 4),
    "/api/v1/flags/": (_flag, 5),  # with the suggested stances, prefetched
    "/api/v1/deletions/?since=2000-01-01T00:00:00Z": (_deleted_claim, 9),
}


def _count(api: APIClient, url: str, params: dict[str, Any] | None = None) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, params or {})
    assert response.status_code == 200, response.content[:300]
    return len(queries), response.json()


def _rows(body: Any) -> list:
    return body["results"] if isinstance(body, dict) and "results" in body else body


@pytest.mark.parametrize("url", list(LISTS))
def test_list_query_count_does_not_grow_with_rows(api, url, factcheck_team):
    make, budget = LISTS[url]
    args = (factcheck_team,) if make is _report else ()
    for _ in range(N):
        make(*args)
    small, body = _count(api, url)
    assert len(_rows(body)) >= N
    for _ in range(N):
        make(*args)
    large, body = _count(api, url)
    assert len(_rows(body)) >= 2 * N
    assert large == small, f"{url}: {small} queries for {N} rows, {large} for {2 * N}"
    assert small <= budget, f"{url}: {small} queries, budget {budget}"


def test_claim_filters_and_search_keep_the_count(api):
    claims = [_claim() for _ in range(N)]
    params = {"actor": str(claims[0].alleged_perpetrator_id), "q": "something", "tag": claims[0].tags.first().name}
    small, _ = _count(api, "/api/v1/claims/", params)
    for _ in range(N):
        _claim()
    large, _ = _count(api, "/api/v1/claims/", params)
    assert large == small <= 6


def test_attribution_matrix_query_count_does_not_grow_with_claims(api):
    claims = [_claim() for _ in range(N)]
    small, body = _count(api, "/api/v1/attribution-matrix/", {"claim": [c.id for c in claims]})
    assert len(body) == N and all(row["actors"] for row in body)
    claims += [_claim() for _ in range(N)]
    large, body = _count(api, "/api/v1/attribution-matrix/", {"claim": [c.id for c in claims]})
    assert len(body) == 2 * N
    assert large == small <= 5


def _grow_claim(claim: Claim, n: int) -> None:
    report = factories.ReportFactory()
    for _ in range(n):
        actor = factories.ActorFactory()
        factories.StanceFactory(claim=claim, actor=actor, speaker=factories.ActorFactory(), report=report)
        factories.StanceFactory(claim=claim, review_status=ReviewStatus.PENDING)  # not shown, not counted
        factories.EvidenceFactory(claim=claim, report=report)
        claim.incidents.add(factories.IncidentFactory())
        claim.tags.add(factories.TagFactory())


@pytest.mark.parametrize("suffix", ["", "matrix/"])
def test_claim_detail_query_count_does_not_grow_with_its_stances(api, suffix):
    claim = _claim()
    _grow_claim(claim, N)
    small, _ = _count(api, f"/api/v1/claims/{claim.id}/{suffix}")
    _grow_claim(claim, N)
    large, body = _count(api, f"/api/v1/claims/{claim.id}/{suffix}")
    if not suffix:
        assert len(body["stances"]) >= 2 * N
    assert large == small <= (8 if not suffix else 6)


def _reached_through_a_link(team) -> None:
    """Another team's private report that ``team`` submitted too: shown to it through its link."""
    report = factories.ReportFactory.build()
    for owner, mark in ((factories.TeamFactory(), "Theirs"), (team, "Ours")):
        submission = services.submission_create(channel=Submission.Channel.API, raw=report.text.encode(), team=owner)
        source = factories.SourceFactory(name=f"{mark}: {report.title}")
        stored, _ = services.report_store(
            submission=submission, title=f"{mark}: {report.title}", text=report.text, source=source
        )
    factories.FlagFactory(report=stored)
    factories.StanceFactory(report=stored, speaker=factories.ActorFactory())


@pytest.mark.parametrize("url", ["/api/v1/reports/", "/api/v1/flags/", "/api/v1/stances/"])
def test_reports_shown_through_the_teams_own_submission_keep_the_count(api, url, factcheck_team):
    """What a team is shown of a report it reached through its submission is read in the page's query."""
    for _ in range(N):
        _reached_through_a_link(factcheck_team)
    small, body = _count(api, url, {"ordering": "-updated_at"})
    assert len(_rows(body)) >= N
    if url == "/api/v1/reports/":
        assert all(row["title"].startswith("Ours: ") for row in _rows(body))
    if url == "/api/v1/stances/":
        assert all(row["source"].startswith("Ours: ") for row in _rows(body))
    for _ in range(N):
        _reached_through_a_link(factcheck_team)
    large, body = _count(api, url, {"ordering": "-updated_at"})
    assert len(_rows(body)) >= 2 * N
    assert large == small <= LISTS[url][1]
