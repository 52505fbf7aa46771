"""The API's permission matrix, read as the spec: every endpoint, method and
role with the exact status it answers; then another team's private work,
planted, never shows through any list, search, detail, matrix or tombstone;
then server-owned fields sent by a client have no effect."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from claims import services
from claims.api.keys import api_key_create, api_key_revoke
from claims.models import (
    Actor,
    ApiKey,
    Claim,
    Evidence,
    Flag,
    Membership,
    Report,
    ReviewStatus,
    Stance,
    Submission,
    Team,
    Webhook,
    WebhookDelivery,
)
from tests import factories

pytestmark = pytest.mark.django_db

# --- roles ----------------------------------------------------------------------------------
# researcher_key      an editor key of the research team
# researcher_session  the researcher signed in (browsable API)
# editor_key          an editor key of a fact-checking team ("Checkers")
# other_key           an editor key of another fact-checking team
# readonly_key        a read-only key of the fact-checking team
# anonymous           no credentials (API_ANONYMOUS_READ is off by default)
# revoked_key         a revoked key of the fact-checking team
# expired_key         an expired key of the fact-checking team
ROLES = (
    "researcher_key",
    "researcher_session",
    "editor_key",
    "other_key",
    "readonly_key",
    "anonymous",
    "revoked_key",
    "expired_key",
)

# --- objects the URLs name --------------------------------------------------------------------
# claim            a published claim of the research team, with an accepted stance, evidence (with a
#                  file), an incident, a source, a report and a flag: visible to every team
# own_draft        a draft claim of the fact-checking team
# own_flag         a flag on a published claim of the fact-checking team (the team may review it)
# own_stance       a pending stance the fact-checking team submitted
# other_draft      a draft claim of the other team
# other_stance     a pending stance of the other team, on the published claim
# other_evidence   pending evidence of the other team, on the published claim
# other_report     a report the other team submitted privately
# other_flag       a flag on the other team's private report

# fmt: off
MATRIX: list[tuple[Any, ...]] = [
    # method  url                                                 rkey sess edit othr ro   anon rev  exp
    # claims
    ("GET",    "/api/v1/claims/",                                 200, 200, 200, 200, 200, 401, 401, 401),
    ("GET",    "/api/v1/claims/?q=chlorine",                      200, 200, 200, 200, 200, 401, 401, 401),
    ("POST",   "/api/v1/claims/",                                 405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/claims/{claim}/",                         200, 200, 200, 200, 200, 401, 401, 401),
    ("PUT",    "/api/v1/claims/{claim}/",                         405, 405, 405, 405, 403, 401, 401, 401),
    ("PATCH",  "/api/v1/claims/{claim}/",                         405, 405, 405, 405, 403, 401, 401, 401),
    ("DELETE", "/api/v1/claims/{claim}/",                         405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/claims/{own_draft}/",                     200, 200, 200, 404, 200, 401, 401, 401),
    ("GET",    "/api/v1/claims/{other_draft}/",                   200, 200, 404, 200, 404, 401, 401, 401),
    ("GET",    "/api/v1/claims/999999/",                          404, 404, 404, 404, 404, 401, 401, 401),
    ("GET",    "/api/v1/claims/{claim}/matrix/",                  200, 200, 200, 200, 200, 401, 401, 401),
    ("GET",    "/api/v1/claims/{other_draft}/matrix/",            200, 200, 404, 200, 404, 401, 401, 401),
    ("POST",   "/api/v1/claims/{claim}/follow/",                  200, 200, 200, 200, 403, 401, 401, 401),
    ("DELETE", "/api/v1/claims/{claim}/follow/",                  204, 204, 204, 204, 403, 401, 401, 401),
    ("POST",   "/api/v1/claims/{other_draft}/follow/",            200, 200, 404, 200, 403, 401, 401, 401),
    # attribution matrix, deletions
    ("GET",    "/api/v1/attribution-matrix/?claim={claim}",       200, 200, 200, 200, 200, 401, 401, 401),
    ("GET",    "/api/v1/attribution-matrix/",                     400, 400, 400, 400, 400, 401, 401, 401),
    ("POST",   "/api/v1/attribution-matrix/?claim={claim}",       405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/deletions/?since=2000-01-01T00:00:00Z",   200, 200, 200, 200, 200, 401, 401, 401),
    ("GET",    "/api/v1/deletions/",                              400, 400, 400, 400, 400, 401, 401, 401),
    # actors, incidents, sources: read only
    ("GET",    "/api/v1/actors/",                                 200, 200, 200, 200, 200, 401, 401, 401),
    ("GET",    "/api/v1/actors/?alias=Damascus",                  200, 200, 200, 200, 200, 401, 401, 401),
    ("POST",   "/api/v1/actors/",                                 405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/actors/{actor}/",                         200, 200, 200, 200, 200, 401, 401, 401),
    ("DELETE", "/api/v1/actors/{actor}/",                         405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/incidents/",                              200, 200, 200, 200, 200, 401, 401, 401),
    ("POST",   "/api/v1/incidents/",                              405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/incidents/{incident}/",                   200, 200, 200, 200, 200, 401, 401, 401),
    ("GET",    "/api/v1/sources/",                                200, 200, 200, 200, 200, 401, 401, 401),
    ("POST",   "/api/v1/sources/",                                405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/sources/{source}/",                       200, 200, 200, 200, 200, 401, 401, 401),
    # stances
    ("GET",    "/api/v1/stances/",                                200, 200, 200, 200, 200, 401, 401, 401),
    ("POST",   "/api/v1/stances/",                                201, 201, 201, 201, 403, 401, 401, 401),
    ("GET",    "/api/v1/stances/{stance}/",                       200, 200, 200, 200, 200, 401, 401, 401),
    ("PUT",    "/api/v1/stances/{stance}/",                       405, 405, 405, 405, 403, 401, 401, 401),
    ("DELETE", "/api/v1/stances/{stance}/",                       405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/stances/{own_stance}/",                   200, 200, 200, 404, 200, 401, 401, 401),
    ("GET",    "/api/v1/stances/{other_stance}/",                 200, 200, 404, 200, 404, 401, 401, 401),
    # evidence
    ("GET",    "/api/v1/evidence/",                               200, 200, 200, 200, 200, 401, 401, 401),
    ("POST",   "/api/v1/evidence/",                               201, 201, 201, 201, 403, 401, 401, 401),
    ("GET",    "/api/v1/evidence/{evidence}/",                    200, 200, 200, 200, 200, 401, 401, 401),
    ("PATCH",  "/api/v1/evidence/{evidence}/",                    405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/evidence/{evidence}/file/",               200, 200, 200, 200, 200, 401, 401, 401),
    ("GET",    "/api/v1/evidence/{other_evidence}/",              200, 200, 404, 200, 404, 401, 401, 401),
    # reports
    ("GET",    "/api/v1/reports/",                                200, 200, 200, 200, 200, 401, 401, 401),
    ("POST",   "/api/v1/reports/",                                201, 201, 201, 201, 403, 401, 401, 401),
    ("GET",    "/api/v1/reports/{report}/",                       200, 200, 200, 200, 200, 401, 401, 401),
    ("DELETE", "/api/v1/reports/{report}/",                       405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/reports/{other_report}/",                 200, 200, 404, 200, 404, 401, 401, 401),
    # flags: researchers review any flag, a team the flags on its own claims
    ("GET",    "/api/v1/flags/",                                  200, 200, 200, 200, 200, 401, 401, 401),
    ("POST",   "/api/v1/flags/",                                  405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/flags/{flag}/",                           200, 200, 200, 200, 200, 401, 401, 401),
    ("DELETE", "/api/v1/flags/{flag}/",                           405, 405, 405, 405, 403, 401, 401, 401),
    ("POST",   "/api/v1/flags/{flag}/review/",                    200, 200, 403, 403, 403, 401, 401, 401),
    ("POST",   "/api/v1/flags/{own_flag}/review/",                200, 200, 200, 403, 403, 401, 401, 401),
    ("GET",    "/api/v1/flags/{flag}/review/",                    405, 405, 405, 405, 405, 401, 401, 401),
    ("GET",    "/api/v1/flags/{other_flag}/",                     200, 200, 404, 200, 404, 401, 401, 401),
    ("POST",   "/api/v1/flags/{other_flag}/review/",              200, 200, 404, 403, 403, 401, 401, 401),
    # the contract: public, but a bad key is still refused
    ("GET",    "/api/schema/",                                    200, 200, 200, 200, 200, 200, 401, 401),
    ("GET",    "/api/docs/",                                      200, 200, 200, 200, 200, 200, 401, 401),


]
# fmt: on

# The export and webhook endpoints, built alongside the core.
# fmt: off
EXPORT_AND_WEBHOOK_ROWS: list[tuple[Any, ...]] = [
    # method  url                                                 rkey sess edit othr ro   anon rev  exp
    ("GET",    "/api/v1/claims/{claim}/claimreview/",             200, 200, 200, 200, 200, 401, 401, 401),
    ("GET",    "/api/v1/claims/{other_draft}/claimreview/",       200, 200, 404, 200, 404, 401, 401, 401),
    ("POST",   "/api/v1/claims/{claim}/claimreview/",             405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/exports/claims.csv",                      200, 200, 200, 200, 200, 401, 401, 401),
    ("GET",    "/api/v1/exports/stances.csv",                     200, 200, 200, 200, 200, 401, 401, 401),
    ("GET",    "/api/v1/exports/flags.csv",                       200, 200, 200, 200, 200, 401, 401, 401),
    ("POST",   "/api/v1/exports/claims.csv",                      405, 405, 405, 405, 403, 401, 401, 401),
    ("GET",    "/api/v1/webhooks/",                               200, 200, 200, 200, 200, 401, 401, 401),
    ("POST",   "/api/v1/webhooks/",                               201, 201, 201, 201, 403, 401, 401, 401),
    ("GET",    "/api/v1/webhooks/{webhook}/",                     404, 404, 200, 404, 404, 401, 401, 401),
    ("DELETE", "/api/v1/webhooks/{webhook}/",                     404, 404, 204, 404, 403, 401, 401, 401),
    ("GET",    "/api/v1/webhooks/{webhook}/deliveries/",          404, 404, 200, 404, 404, 401, 401, 401),
    ("POST",   "/api/v1/webhooks/{webhook}/deliveries/{delivery}/replay/", 404, 404, 202, 404, 403, 401, 401, 401),
]
# fmt: on
PENDING_PREFIXES: tuple[str, ...] = ()  # endpoints not yet in the matrix (none now)

CASES = [
    pytest.param(method, url, role, expected, id=f"{method} {url} {role}")
    for method, url, *statuses in [*MATRIX, *EXPORT_AND_WEBHOOK_ROWS]
    for role, expected in zip(ROLES, statuses, strict=True)
]


def _bodies(w: World) -> dict[tuple[str, str], dict[str, Any]]:
    """Valid request bodies, so a write's status says who may write, not what is wrong with it."""
    return {
        ("POST", "/api/v1/stances/"): {"claim": w.claim.id, "actor": w.actor.id, "position": "denies"},
        ("POST", "/api/v1/evidence/"): {
            "claim": w.claim.id,
            "kind": "document",
            "relation": "supports",
            "description": "A letter.",
            "url": "https://www.opcw.org/letter",
        },
        ("POST", "/api/v1/reports/"): {"title": "A report", "text": "The ministry denied the attack."},
        ("POST", "/api/v1/flags/{flag}/review/"): {"decision": "accepted"},
        ("POST", "/api/v1/flags/{own_flag}/review/"): {"decision": "rejected"},
        ("POST", "/api/v1/webhooks/"): {"url": "https://93.184.216.34/hook"},
        ("POST", "/api/v1/flags/{other_flag}/review/"): {"decision": "accepted"},
    }


@dataclass
class World:
    clients: dict[str, APIClient]
    ids: dict[str, int]
    claim: Claim
    actor: Actor
    teams: dict[str, Team]
    users: dict[str, User]


def _key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at
    its end; each test runs in a savepoint within it (pytest-django's ``db``),
    so writes made by one row of the matrix never reach the next."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield _build_world()
        transaction.set_rollback(True)


def _member(team: Team, username: str, role: str = Membership.Role.EDITOR, **fields: Any) -> User:
    user = factories.UserFactory(username=username, **fields)
    factories.MembershipFactory(team=team, user=user, role=role)
    return user


def _build_world() -> World:
    teams = {
        "research": factories.TeamFactory(name="Research", slug="research", kind=Team.Kind.RESEARCH),
        "checkers": factories.TeamFactory(name="Checkers", slug="checkers"),
        "other": factories.TeamFactory(name="Other checkers", slug="other-checkers"),
    }
    users = {
        "researcher": _member(teams["research"], "researcher", is_staff=True, is_superuser=True),
        "checker": _member(teams["checkers"], "checker"),
        "other": _member(teams["other"], "other-checker"),
        "reader": _member(teams["checkers"], "reader", role=Membership.Role.READ_ONLY),
    }
    editor = Membership.Role.EDITOR
    _, researcher_key = api_key_create(team=teams["research"], user=users["researcher"], name="research", role=editor)
    _, editor_key = api_key_create(team=teams["checkers"], user=users["checker"], name="sync", role=editor)
    _, other_key = api_key_create(team=teams["other"], user=users["other"], name="other", role=editor)
    _, readonly_key = api_key_create(team=teams["checkers"], user=users["reader"], name="reader")
    revoked_row, revoked_key = api_key_create(team=teams["checkers"], user=users["checker"], name="old", role=editor)
    api_key_revoke(key=revoked_row, user=users["checker"])
    expired_row, expired_key = api_key_create(
        team=teams["checkers"],
        user=users["checker"],
        name="short",
        role=editor,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    ApiKey.objects.filter(pk=expired_row.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    session = APIClient()
    session.force_login(users["researcher"])
    clients = {
        "researcher_key": _key_client(researcher_key),
        "researcher_session": session,
        "editor_key": _key_client(editor_key),
        "other_key": _key_client(other_key),
        "readonly_key": _key_client(readonly_key),
        "anonymous": APIClient(),
        "revoked_key": _key_client(revoked_key),
        "expired_key": _key_client(expired_key),
    }

    actor = factories.ActorFactory(name="Syrian government")
    factories.ActorAliasFactory(actor=actor, name="Damascus")
    incident = factories.IncidentFactory()
    claim = factories.AttributionClaimFactory(
        title="Chlorine in Sarmin",
        text="Chlorine was dropped on Sarmin.",
        team=teams["research"],
        alleged_perpetrator=actor,
    )
    claim.incidents.add(incident)
    report = factories.ReportFactory()
    stance = factories.StanceFactory(claim=claim, actor=actor, report=report, team=teams["research"])
    evidence = services.evidence_add(
        claim=claim,
        kind=Evidence.Kind.DOCUMENT,
        relation=Evidence.Relation.SUPPORTS,
        description="The FFM report.",
        user=users["researcher"],
        team=teams["research"],
        file=SimpleUploadedFile("ffm.txt", b"the fact-finding mission's findings"),
    )
    flag = factories.FlagFactory(claim=claim, report=report)

    own_claim = factories.ClaimFactory(team=teams["checkers"])
    own_flag = factories.FlagFactory(claim=own_claim, report=report)
    own_draft = factories.ClaimFactory(team=teams["checkers"], status=Claim.Status.DRAFT)
    own_stance = factories.StanceFactory(claim=claim, team=teams["checkers"], review_status=ReviewStatus.PENDING)

    # A reserved address: a replay is refused at once, without a network.
    webhook = Webhook.objects.create(team=teams["checkers"], url="https://192.0.2.1/hook", secret="s" * 32)
    delivery = WebhookDelivery.objects.create(webhook=webhook, event="flag.created", event_id="e-1", payload={})

    hidden = plant_other_teams_work(teams["other"], users["other"], claim)
    ids = {
        "claim": claim.id,
        "actor": actor.id,
        "incident": incident.id,
        "source": report.source_id,
        "report": report.id,
        "stance": stance.id,
        "evidence": evidence.id,
        "flag": flag.id,
        "own_draft": own_draft.id,
        "own_flag": own_flag.id,
        "own_stance": own_stance.id,
        "webhook": webhook.id,
        "delivery": delivery.id,
        **{name: row.id for name, row in hidden.items()},
    }
    return World(clients=clients, ids=ids, claim=claim, actor=actor, teams=teams, users=users)


HIDDEN_WORD = "zanzibarite"  # in the title or text of everything planted; nothing else uses it


def plant_other_teams_work(other_team, other_member, published_claim) -> dict[str, Any]:
    """The other team's unpublished claim, pending stance and evidence, and privately submitted report
    (with a flag on it)."""
    other_draft = factories.ClaimFactory(
        team=other_team, status=Claim.Status.DRAFT, title=f"Draft {HIDDEN_WORD}", text=f"A {HIDDEN_WORD} draft."
    )
    other_stance = factories.StanceFactory(
        claim=published_claim,
        team=other_team,
        review_status=ReviewStatus.PENDING,
        quote=f"{HIDDEN_WORD} quote",
    )
    factories.StanceFactory(claim=other_draft, team=other_team, review_status=ReviewStatus.ACCEPTED)
    other_evidence = factories.EvidenceFactory(
        claim=published_claim, team=other_team, review_status=ReviewStatus.PENDING, description=HIDDEN_WORD
    )
    text = f"The {HIDDEN_WORD} report text."
    submission = services.submission_create(
        channel=Submission.Channel.API, raw=text.encode(), team=other_team, user=other_member
    )
    other_report, _ = services.report_store(
        submission=submission, title=f"Report {HIDDEN_WORD}", text=text, source=factories.SourceFactory()
    )
    other_flag = factories.FlagFactory(claim=published_claim, report=other_report)
    factories.FlagFactory(claim=other_draft, report=factories.ReportFactory())
    return {
        "other_draft": other_draft,
        "other_stance": other_stance,
        "other_evidence": other_evidence,
        "other_report": other_report,
        "other_flag": other_flag,
    }


@pytest.mark.parametrize(("method", "url", "role", "expected"), CASES)
def test_permission_matrix(world, method, url, role, expected):
    body = _bodies(world).get((method, url))
    path = url.format(**world.ids)
    client = world.clients[role]
    response = client.generic(
        method, path, **({"data": _json(body), "content_type": "application/json"} if body else {})
    )
    assert response.status_code == expected, (method, path, role, response.content[:300])
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == "Api-Key"
    if 400 <= response.status_code < 500 and path.startswith("/api/v1/"):
        assert response["Content-Type"].startswith(("application/json", "application/ld+json")), response[
            "Content-Type"
        ]


def _json(body: dict[str, Any]) -> str:
    import json

    return json.dumps(body)


def test_every_routed_endpoint_is_in_the_matrix():
    """A new endpoint must get its rows here: the schema's paths are all covered."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    templated = {
        _normalize(url.split("?")[0]) for _, url, *_ in [*MATRIX, *EXPORT_AND_WEBHOOK_ROWS] if url.startswith("/api/v1")
    }
    missing = {
        path
        for path in schema["paths"]
        if _normalize(path) not in templated and not (PENDING_PREFIXES and path.startswith(PENDING_PREFIXES))
    }
    assert not missing, f"add rows to MATRIX for {sorted(missing)}"


def _normalize(path: str) -> str:
    import re

    path = re.sub(r"\{[^}]+\}", "{x}", path)
    return re.sub(r"/\d+/", "/{x}/", path)


# --- another team's private work never shows ----------------------------------------------------

LISTS = [
    "/api/v1/claims/",
    "/api/v1/stances/",
    "/api/v1/evidence/",
    "/api/v1/reports/",
    "/api/v1/flags/",
    "/api/v1/actors/",
]
SEARCHES = [
    f"/api/v1/claims/?q={HIDDEN_WORD}",
    f"/api/v1/reports/?q={HIDDEN_WORD}",
]


def _all_pages(client: APIClient, url: str) -> list[dict]:
    rows, next_url = [], url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, (url, response.content[:300])
        body = response.json()
        rows += body["results"]
        next_url = body["next"]
    return rows


def _ids(rows: list[dict]) -> set[int]:
    return {row["id"] for row in rows}


def _hidden(world: World) -> dict[str, set[int]]:
    return {
        "/api/v1/claims/": {world.ids["other_draft"]},
        "/api/v1/stances/": {
            world.ids["other_stance"],
            *Stance.objects.filter(claim_id=world.ids["other_draft"]).values_list("id", flat=True),
        },
        "/api/v1/evidence/": {world.ids["other_evidence"]},
        "/api/v1/reports/": {world.ids["other_report"]},
        "/api/v1/flags/": set(
            Flag.objects.filter(report_id=world.ids["other_report"]).values_list("id", flat=True)
        ).union(Flag.objects.filter(claim_id=world.ids["other_draft"]).values_list("id", flat=True)),
    }


@pytest.mark.parametrize("role", ["editor_key", "readonly_key", "anonymous_reads_on"])
def test_another_teams_private_work_never_shows(world, role, settings):
    settings.API_ANONYMOUS_READ = True
    client = world.clients["anonymous" if role == "anonymous_reads_on" else role]
    hidden = _hidden(world)
    for url in LISTS:
        if role == "anonymous_reads_on" and url not in ("/api/v1/claims/", "/api/v1/actors/"):
            continue
        rows = _all_pages(client, url)
        assert not _ids(rows) & hidden.get(url, set()), url
        assert HIDDEN_WORD not in str(rows), url
    for url in SEARCHES:
        if role == "anonymous_reads_on" and "reports" in url:
            continue
        assert _all_pages(client, url) == [], url
    # Detail, matrix and follow answer as for a claim that does not exist.
    for url in (
        f"/api/v1/claims/{world.ids['other_draft']}/",
        f"/api/v1/claims/{world.ids['other_draft']}/matrix/",
    ):
        assert client.get(url).status_code == 404, url
    claim_matrix = client.get(f"/api/v1/claims/{world.claim.id}/matrix/").json()
    several = client.get("/api/v1/attribution-matrix/", {"claim": [world.claim.id, world.ids["other_draft"]]}).json()
    assert [row["claim"] for row in several] == [world.claim.id]
    for matrix in (claim_matrix, several):
        assert HIDDEN_WORD not in str(matrix)
        assert world.ids["other_stance"] not in _matrix_stance_ids(matrix)
    if role != "anonymous_reads_on":
        for url in ("/api/v1/exports/claims.csv", "/api/v1/exports/stances.csv", "/api/v1/exports/flags.csv"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert HIDDEN_WORD not in b"".join(response.streaming_content).decode(), url
        claimreview = client.get(f"/api/v1/claims/{world.claim.id}/claimreview/")
        assert claimreview.status_code == 200 and HIDDEN_WORD not in claimreview.content.decode()
    detail = client.get(f"/api/v1/claims/{world.claim.id}/").json()
    assert HIDDEN_WORD not in str(detail)
    assert world.ids["other_stance"] not in {s["id"] for s in detail["stances"]}
    assert world.ids["other_evidence"] not in {e["id"] for e in detail["evidence"]}


def test_the_researcher_sees_what_was_planted(world):
    """The control: the planted rows exist and the searches would find them."""
    client = world.clients["researcher_key"]
    hidden = _hidden(world)
    for url, ids in hidden.items():
        assert ids <= _ids(_all_pages(client, url)), url
    assert world.ids["other_draft"] in _ids(_all_pages(client, SEARCHES[0]))
    assert world.ids["other_report"] in _ids(_all_pages(client, SEARCHES[1]))
    for url in ("/api/v1/exports/claims.csv", "/api/v1/exports/stances.csv"):
        assert HIDDEN_WORD in b"".join(client.get(url).streaming_content).decode(), url
    other = world.clients["other_key"]
    assert world.ids["other_draft"] in _ids(_all_pages(other, SEARCHES[0]))


def _matrix_stance_ids(matrix: Any) -> set[int]:
    claims = matrix if isinstance(matrix, list) else [matrix]
    return {entry["stance"] for claim in claims for row in claim["actors"] for entry in row["history"]}


def test_pending_stances_of_another_team_are_not_in_its_matrix_even_when_accepted_later(world):
    # Sanity of the matrix rule: only accepted stances count, whoever asks.
    Stance.objects.filter(pk=world.ids["other_stance"]).update(review_status=ReviewStatus.ACCEPTED)
    matrix = world.clients["editor_key"].get(f"/api/v1/claims/{world.claim.id}/matrix/").json()
    assert world.ids["other_stance"] in _matrix_stance_ids(matrix)


def _delete_other_teams_work(world: World) -> dict[str, int]:
    gone = {
        "claim": world.ids["other_draft"],
        "stance": world.ids["other_stance"],
        "evidence": world.ids["other_evidence"],
    }
    Stance.objects.filter(claim_id=gone["claim"]).delete()
    Flag.objects.filter(claim_id=gone["claim"]).delete()
    Flag.objects.filter(report_id=world.ids["other_report"]).delete()
    Claim.objects.get(pk=gone["claim"]).delete()
    Stance.objects.get(pk=gone["stance"]).delete()
    Evidence.objects.get(pk=gone["evidence"]).delete()
    return gone


@pytest.mark.parametrize("role", ["editor_key", "readonly_key"])
def test_deletions_of_another_teams_unpublished_claim_and_pending_work_are_not_listed(world, role):
    since = timezone.now()
    gone = _delete_other_teams_work(world)
    told = {(row["type"], row["id"]) for row in world.clients[role].get("/api/v1/deletions/", {"since": since}).json()}
    assert not set(gone.items()) & told, told
    # The control: the other team, and researchers, are told.
    for who in ("other_key", "researcher_key"):
        told = {
            (row["type"], row["id"]) for row in world.clients[who].get("/api/v1/deletions/", {"since": since}).json()
        }
        assert set(gone.items()) <= told, who


@pytest.mark.parametrize("role", ["editor_key", "readonly_key"])
def test_deletions_list_nothing_of_another_teams_private_work(world, role):
    since = timezone.now()
    _delete_other_teams_work(world)
    assert world.clients[role].get("/api/v1/deletions/", {"since": since}).json() == []


# --- mass assignment of server-owned fields -----------------------------------------------------


def _server_fields(world: World) -> dict[str, Any]:
    return {
        "team": world.teams["other"].id,
        "created_by": world.ids["actor"],
        "review_status": "accepted",
        "reviewed_by": 1,
        "reviewed_at": "2020-01-01T00:00:00Z",
        "status": "published",
        "id": 424242,
    }


def test_posted_stance_ignores_server_owned_fields(world):
    factcheck_team, team_member = world.teams["checkers"], world.users["checker"]
    body = {"claim": world.claim.id, "actor": world.actor.id, "position": "asserts", **_server_fields(world)}
    response = world.clients["editor_key"].post("/api/v1/stances/", body, format="json")
    assert response.status_code == 201, response.json()
    stance = Stance.objects.get(pk=response.json()["id"])
    assert stance.id != 424242
    assert (stance.team, stance.created_by, stance.review_status) == (factcheck_team, team_member, "pending")
    assert (stance.reviewed_by, stance.reviewed_at) == (None, None)


def test_posted_evidence_ignores_server_owned_fields(world):
    factcheck_team, team_member = world.teams["checkers"], world.users["checker"]
    body = {
        "claim": world.claim.id,
        "kind": "document",
        "relation": "supports",
        "description": "A letter.",
        "url": "https://www.opcw.org/letter",
        "file_sha256": "f" * 64,
        **_server_fields(world),
    }
    response = world.clients["editor_key"].post("/api/v1/evidence/", body, format="json")
    assert response.status_code == 201, response.json()
    evidence = Evidence.objects.get(pk=response.json()["id"])
    assert evidence.id != 424242
    assert (evidence.team, evidence.created_by, evidence.review_status) == (factcheck_team, team_member, "pending")
    assert (evidence.reviewed_by, evidence.reviewed_at, evidence.file_sha256) == (None, None, "")


def test_posted_report_ignores_server_owned_fields(world):
    factcheck_team, team_member = world.teams["checkers"], world.users["checker"]
    body = {
        "title": "Mass assignment",
        "text": "A report that tries to set its own bookkeeping.",
        "matcher_version": "forged",
        "processed_at": "2020-01-01T00:00:00Z",
        "channel": "admin_text",
        "submitted_by": 1,
        "idempotency_key": "forged",
        **_server_fields(world),
    }
    response = world.clients["editor_key"].post("/api/v1/reports/", body, format="json")
    assert response.status_code == 201, response.json()
    submission = Submission.objects.get(pk=response.json()["id"])
    assert (submission.team, submission.submitted_by) == (factcheck_team, team_member)
    assert submission.channel == Submission.Channel.API and submission.idempotency_key is None
    report = Report.objects.get(pk=response.json()["reports"][0]["id"])
    assert report.status == Report.Status.PENDING
    assert (report.matcher_version, report.processed_at) == ("", None)


# --- a duplicate of another team's private report -------------------------------------------------
# The other team submits a report privately; the checkers then submit the same
# text. The text stays one report, matched once, linked to both submissions;
# what the checkers are told, and every read path after, shows nothing of the
# other team's report (its title, source, date, id or flags).

PRIVATE_TITLE = f"Memo {HIDDEN_WORD}"
PRIVATE_TEXT = "The memorandum names the helicopter unit that dropped chlorine on Sarmin on 16 March 2015."


@dataclass
class Duplicate:
    report: int  # the other team's report
    flag: int  # the matcher's flag on it
    answers: list[dict]  # what the checkers were told: the 201, then its idempotent replay


@pytest.fixture
def duplicate(world) -> Duplicate:
    source = factories.SourceFactory(name=f"{HIDDEN_WORD} wire")
    theirs = world.clients["other_key"].post(
        "/api/v1/reports/",
        {"title": PRIVATE_TITLE, "text": PRIVATE_TEXT, "source": source.id, "published_on": "2015-03-17"},
        format="json",
    )
    assert theirs.status_code == 201, theirs.json()
    report = theirs.json()["reports"][0]["id"]
    flag = factories.FlagFactory(claim=world.claim, report_id=report)
    answers = []
    for _ in range(2):
        ours = world.clients["editor_key"].post(
            "/api/v1/reports/",
            {"title": "Our copy", "text": "  " + PRIVATE_TEXT.upper()},
            format="json",
            HTTP_IDEMPOTENCY_KEY="our-copy-1",
        )
        assert ours.status_code == 201, ours.json()
        answers.append(ours.json())
    assert ours["Idempotent-Replayed"] == "true"
    return Duplicate(report=report, flag=flag.id, answers=answers)


def test_a_duplicate_is_one_report_linked_to_both_submissions(world, duplicate):
    (report,) = Report.objects.filter(text__icontains="helicopter unit")
    assert report.pk == duplicate.report
    assert report.title == PRIVATE_TITLE  # the first submission's metadata, unchanged
    ours = Submission.objects.get(pk=duplicate.answers[0]["id"])
    assert (ours.team, list(ours.reports.all())) == (world.teams["checkers"], [report])
    assert report.status == Report.Status.PENDING  # matched once, as the first submission asked


def test_the_answer_to_a_duplicate_tells_the_submitter_only_what_it_sent(duplicate):
    for answer in duplicate.answers:
        told = _json(answer)
        assert duplicate.report not in _ids(answer["reports"]), answer
        for theirs in (PRIVATE_TITLE, HIDDEN_WORD, "2015-03-17"):
            assert theirs not in told, (theirs, answer)
        # What the checkers sent and where matching stands: their own title, not the other team's.
        assert [(w["title"], w["status"]) for w in answer["withheld"]] == [("Our copy", "pending")], answer


def _flag_rows(world: World, role: str, duplicate: Duplicate) -> set[int]:
    client = world.clients[role]
    return _ids(_all_pages(client, "/api/v1/flags/")) | _ids(
        _all_pages(client, f"/api/v1/flags/?report={duplicate.report}")
    )


def _sees_in(world: World, role: str, duplicate: Duplicate, path: str) -> bool:
    """Whether ``role`` sees the other team's report (or its flag) through ``path``."""
    client = world.clients[role]
    if path == "list":
        return duplicate.report in _ids(_all_pages(client, "/api/v1/reports/"))
    if path == "detail":
        return client.get(f"/api/v1/reports/{duplicate.report}/").status_code == 200
    if path == "search":
        return bool(_all_pages(client, "/api/v1/reports/?q=helicopter")) or bool(
            _all_pages(client, f"/api/v1/reports/?q={HIDDEN_WORD}")
        )
    if path == "flags":
        return duplicate.flag in _flag_rows(world, role, duplicate)
    if path == "flag detail":
        return client.get(f"/api/v1/flags/{duplicate.flag}/").status_code == 200
    if path == "flags export":
        return HIDDEN_WORD in b"".join(client.get("/api/v1/exports/flags.csv").streaming_content).decode()
    if path == "naming it in a stance":
        body = {"claim": world.claim.id, "actor": world.actor.id, "position": "denies", "report": duplicate.report}
        return client.post("/api/v1/stances/", body, format="json").status_code == 201
    if path == "deletions feed":
        since = timezone.now()
        Flag.objects.filter(pk=duplicate.flag).delete()
        told = client.get("/api/v1/deletions/", {"since": since}).json()
        return ("flag", duplicate.flag) in {(row["type"], row["id"]) for row in told}
    if path == "webhook":
        from claims import webhooks

        team = world.teams[ROLE_TEAMS[role]]
        services.follow_add(team=team, claim=world.claim)
        Webhook.objects.create(team=team, url="https://192.0.2.1/private-hook", secret="s" * 32)
        webhooks.webhook_deliveries_record_for_flags([duplicate.flag])
        return WebhookDelivery.objects.filter(webhook__team=team, event_id=f"flag.created:{duplicate.flag}").exists()
    raise AssertionError(path)


ROLE_TEAMS = {"editor_key": "checkers", "readonly_key": "checkers", "other_key": "other"}
READ_PATHS = [
    "list",
    "detail",
    "search",
    "flags",
    "flag detail",
    "flags export",
    "naming it in a stance",
    "deletions feed",
    "webhook",
]


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (role, path)
        for role in ("editor_key", "readonly_key")
        for path in READ_PATHS
        if (role, path) != ("readonly_key", "naming it in a stance")  # a read-only key writes nothing
    ],
)
def test_after_submitting_a_duplicate_the_team_still_cannot_see_the_other_teams_report(world, duplicate, role, path):
    assert not _sees_in(world, role, duplicate, path)


@pytest.mark.parametrize("path", READ_PATHS)
def test_the_team_that_submitted_it_first_still_sees_its_report(world, duplicate, path):
    """The control: each read path would show it to its team."""
    assert _sees_in(world, "other_key", duplicate, path)
