"""The API's permission matrix, read as the spec: every endpoint, method and
role with the exact status it answers; then another team's private work,
planted, never shows through any list, search, detail, matrix or tombstone;
then server-owned fields sent by a client have no effect."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from claims import services
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
from claims.services.api_keys import api_key_create, api_key_revoke
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
    # suggested stances: decided by whoever may record stances, on flags they can see
    ("GET",    "/api/v1/suggestions/{suggestion}/",               200, 200, 200, 200, 200, 401, 401, 401),
    ("POST",   "/api/v1/suggestions/{suggestion}/accept/",        201, 201, 201, 201, 403, 401, 401, 401),
    ("GET",    "/api/v1/suggestions/{suggestion}/accept/",        405, 405, 405, 405, 405, 401, 401, 401),
    ("POST",   "/api/v1/suggestions/{suggestion}/reject/",        200, 200, 200, 200, 403, 401, 401, 401),
    ("GET",    "/api/v1/suggestions/{other_suggestion}/",         200, 200, 404, 200, 404, 401, 401, 401),
    ("POST",   "/api/v1/suggestions/{other_suggestion}/accept/",  201, 201, 404, 201, 403, 401, 401, 401),
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
        ("POST", "/api/v1/suggestions/{suggestion}/reject/"): {"reason": "Not this actor's position."},
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
        "researcher": _member(teams["research"], "researcher", is_staff=True),
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
    suggestion = factories.StanceSuggestionFactory(flag=flag, actor=actor)

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
        "suggestion": suggestion.id,
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
    other_suggestion = factories.StanceSuggestionFactory(flag=other_flag, actor=published_claim.alleged_perpetrator)
    factories.FlagFactory(claim=other_draft, report=factories.ReportFactory())
    return {
        "other_draft": other_draft,
        "other_stance": other_stance,
        "other_evidence": other_evidence,
        "other_report": other_report,
        "other_flag": other_flag,
        "other_suggestion": other_suggestion,
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


# --- a text another team holds privately -----------------------------------------------------------
# One team submits a report privately; another team then submits the same text (both orders: the
# other team first, or the checkers first). The text stays one report, matched once, linked to both
# submissions. Each team reads it as its own submission sent it, as if it had been the first: its
# own title, source and date, times no earlier than its own submission, and nothing of the other
# team's (nor, so, that another team holds the text) through any read path: its 201 answer, the
# report's list, detail, searches and filters, its flags, the flags and stances exports, the stances
# citing it, the matrix, ClaimReview, the deletions feed and its webhooks.

TEXT = "The memorandum names the helicopter unit that dropped chlorine on Sarmin on 16 March 2015."
OUR_WORD = "quokkaite"  # in what the checkers send; nothing else uses it
WORDS = {"other": HIDDEN_WORD, "checkers": OUR_WORD}
DATES = {"other": "2015-03-17", "checkers": "2015-03-20"}
TEAM_ROLES = {"other": ["other_key"], "checkers": ["editor_key", "readonly_key"]}
EDITORS = {"other": "other_key", "checkers": "editor_key"}
# The stored row's and its flag's times, long before the second team came: the first team's only.
STORED_AT = datetime.datetime(2020, 5, 5, 12, 0, tzinfo=datetime.UTC)
STORED_DAY = "2020-05-05"


@dataclass
class Sent:
    title: str
    source: Any
    published_on: str


@dataclass
class Duplicate:
    first: str  # the team whose submission stored the text
    second: str  # the team that submitted it after
    report: int
    flag: int  # the matcher's flag on it, on the published claim
    stance: int  # a researcher's accepted stance citing it, on the published claim
    sent: dict[str, Sent]  # what each team sent
    second_at: datetime.datetime  # when the second team submitted it (just before)
    answers: list[dict]  # what the second team was told: the 201, then its idempotent replay
    fresh: dict  # what the second team is told for a text nobody had sent
    since: datetime.datetime  # after all that

    def other(self, team: str) -> str:
        return self.second if team == self.first else self.first


def _submit(client: APIClient, sent: Sent, text: str, **headers: Any) -> Any:
    body = {"title": sent.title, "text": text, "source": sent.source.id, "published_on": sent.published_on}
    response = client.post("/api/v1/reports/", body, format="json", **headers)
    assert response.status_code == 201, response.json()
    return response


@pytest.fixture(params=["other", "checkers"], ids=["the other team first", "the checkers first"])
def duplicate(world, request) -> Duplicate:
    from claims.services import webhooks

    first, second = request.param, "checkers" if request.param == "other" else "other"
    sent = {
        team: Sent(f"Memo {WORDS[team]}", factories.SourceFactory(name=f"{WORDS[team]} wire"), DATES[team])
        for team in (first, second)
    }
    for team in (first, second):  # both follow the claim, with a webhook
        services.follow_add(team=world.teams[team], claim=world.claim)
        Webhook.objects.create(team=world.teams[team], url="https://192.0.2.1/private-hook", secret="s" * 32)
    report = _submit(world.clients[EDITORS[first]], sent[first], TEXT).json()["reports"][0]["id"]
    flag = factories.FlagFactory(claim=world.claim, report_id=report)
    stance = factories.StanceFactory(
        claim=world.claim, actor=world.actor, report_id=report, team=world.teams["research"]
    )
    webhooks.webhook_deliveries_record_for_flags([flag.pk])  # as the matcher does: the first team hears of it
    Report.objects.filter(pk=report).update(
        status=Report.Status.PROCESSED, processed_at=STORED_AT, matcher_version="test", created_at=STORED_AT
    )
    Report.objects.filter(pk=report).update(updated_at=STORED_AT)
    Flag.objects.filter(pk=flag.pk).update(created_at=STORED_AT, updated_at=STORED_AT)
    second_at, answers = timezone.now(), []
    for _ in range(2):
        ours = _submit(
            world.clients[EDITORS[second]], sent[second], "  " + TEXT.upper(), HTTP_IDEMPOTENCY_KEY="our-copy-1"
        )
        answers.append(ours.json())
    assert ours["Idempotent-Replayed"] == "true"
    fresh = _submit(world.clients[EDITORS[second]], sent[second], "A text nobody had sent about Sarmin.").json()
    return Duplicate(first, second, report, flag.id, stance.id, sent, second_at, answers, fresh, timezone.now())


def _time(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _shape(value: Any, types: bool = True) -> Any:
    """The JSON's keys and value types (or keys only), recursively: what an answer looks like, not
    what it says."""
    if isinstance(value, dict):
        return {key: _shape(item, types) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item, types) for item in value]
    return type(value).__name__ if types else None


def test_a_duplicate_is_one_report_linked_to_both_submissions_with_what_each_sent(world, duplicate):
    (report,) = Report.objects.filter(text__icontains="helicopter unit")
    assert report.pk == duplicate.report
    first = duplicate.sent[duplicate.first]
    assert (report.team, report.title, report.source) == (world.teams[duplicate.first], first.title, first.source)
    ours = Submission.objects.get(pk=duplicate.answers[0]["id"])
    assert (ours.team, list(ours.reports.all())) == (world.teams[duplicate.second], [report])
    link = ours.report_links.get()
    second = duplicate.sent[duplicate.second]
    assert (link.title, link.source, str(link.published_on)) == (second.title, second.source, second.published_on)
    assert report.status == Report.Status.PROCESSED  # matched once, as the first submission asked


def test_the_answer_to_a_duplicate_is_a_first_submissions_answer(duplicate):
    """Shaped as the answer to a text nobody had sent, and saying only what the team sent."""
    first, replay = duplicate.answers
    assert _shape(first) == _shape(duplicate.fresh), first
    # A replay says where matching stands now (processed, as a fresh one would be by then).
    assert _shape(replay, types=False) == _shape(duplicate.fresh, types=False), replay
    for answer in duplicate.answers:
        told = _json(answer)
        for theirs in (WORDS[duplicate.first], DATES[duplicate.first], STORED_DAY):
            assert theirs not in told, (theirs, answer)
        (report,) = answer["reports"]
        sent = duplicate.sent[duplicate.second]
        assert report["id"] == duplicate.report
        assert (report["title"], report["source"], report["published_on"]) == (
            sent.title,
            sent.source.id,
            sent.published_on,
        )
        assert _time(report["created_at"]) >= _time(answer["created_at"]) >= duplicate.second_at
        assert _time(report["updated_at"]) >= _time(report["created_at"])
    # The first answer: a report stored now, as the fresh one is; matching runs "in the background".
    ours, fresh = duplicate.answers[0]["reports"][0], duplicate.fresh["reports"][0]
    for name in ("status", "processed_at", "matcher_version", "last_error", "language", "url", "document_symbol"):
        assert ours[name] == fresh[name], name
    assert ours["matching"] == fresh["matching"].replace(str(fresh["id"]), str(ours["id"]))
    assert ours["updated_at"] == ours["created_at"]


def _csv_row(client: APIClient, url: str, row_id: int) -> dict[str, str] | None:
    import csv
    import io

    text = b"".join(client.get(url).streaming_content).decode()
    return next((row for row in csv.DictReader(io.StringIO(text)) if row["id"] == str(row_id)), None)


def _read(world: World, role: str, duplicate: Duplicate, path: str) -> Any:
    """What ``role`` reads of the report (or its flag, or a stance citing it) through ``path``;
    None where it reads nothing of it."""
    client, report, flag, stance = world.clients[role], duplicate.report, duplicate.flag, duplicate.stance
    if path == "list":
        return next((row for row in _all_pages(client, "/api/v1/reports/") if row["id"] == report), None)
    if path == "detail":
        response = client.get(f"/api/v1/reports/{report}/")
        return response.json() if response.status_code == 200 else None
    if path == "search":
        return next((r for r in _all_pages(client, "/api/v1/reports/?q=helicopter") if r["id"] == report), None)
    if path == "flags":
        return next((row for row in _all_pages(client, f"/api/v1/flags/?report={report}") if row["id"] == flag), None)
    if path == "flag detail":
        response = client.get(f"/api/v1/flags/{flag}/")
        return response.json() if response.status_code == 200 else None
    if path == "flags export":
        return _csv_row(client, "/api/v1/exports/flags.csv", flag)
    if path == "stances export":
        return _csv_row(client, "/api/v1/exports/stances.csv", stance)
    if path == "stances citing it":
        return next((row for row in _all_pages(client, "/api/v1/stances/") if row["id"] == stance), None)
    if path == "claim detail":
        detail = client.get(f"/api/v1/claims/{world.claim.id}/").json()
        return next((row for row in detail["stances"] if row["id"] == stance), None)
    if path == "matrix":
        matrix = client.get(f"/api/v1/claims/{world.claim.id}/matrix/").json()
        entries = [entry for row in matrix["actors"] for entry in row["history"] if entry["stance"] == stance]
        return entries[0] if entries else None
    if path == "claimreview":
        body = client.get(f"/api/v1/claims/{world.claim.id}/claimreview/").content.decode()
        return body if "Memo " in body else None  # the report as a work the claim appears in (its headline)
    if path == "citing it in a stance":
        body = {"claim": world.claim.id, "actor": world.actor.id, "position": "denies", "report": report}
        response = client.post("/api/v1/stances/", body, format="json")
        return response.json() if response.status_code == 201 else None
    if path == "citing it as evidence":
        body = {
            "claim": world.claim.id,
            "kind": "report",
            "relation": "supports",
            "description": "It.",
            "report": report,
        }
        response = client.post("/api/v1/evidence/", body, format="json")
        return response.json() if response.status_code == 201 else None
    if path == "deletions feed":
        Flag.objects.filter(pk=flag).delete()
        told = client.get("/api/v1/deletions/", {"since": duplicate.since}).json()
        return told if ("flag", flag) in {(row["type"], row["id"]) for row in told} else None
    if path == "webhook":
        team = world.teams[ROLE_TEAMS[role]]
        deliveries = WebhookDelivery.objects.filter(webhook__team=team, event_id=f"flag.created:{flag}")
        payloads = [delivery.payload for delivery in deliveries]  # one per webhook of the team
        assert all(payload == payloads[0] for payload in payloads)
        return payloads[0] if payloads else None
    raise AssertionError(path)


ROLE_TEAMS = {"editor_key": "checkers", "readonly_key": "checkers", "other_key": "other"}
READ_PATHS = [
    "list",
    "detail",
    "search",
    "flags",
    "flag detail",
    "flags export",
    "stances export",
    "stances citing it",
    "claim detail",
    "matrix",
    "claimreview",
    "citing it in a stance",
    "citing it as evidence",
    "deletions feed",
    "webhook",
]
# Where the report's own title or source shows, so the reader's own must.
SHOWS_TITLE = {"list", "detail", "search", "flags export", "claimreview"}
SHOWS_SOURCE = {"stances export", "stances citing it", "claim detail", "matrix", "claimreview", "citing it in a stance"}
WRITES = {"citing it in a stance", "citing it as evidence"}


def _assert_reads_as_sent(world: World, duplicate: Duplicate, role: str, path: str) -> Any:
    team = ROLE_TEAMS[role]
    read = _read(world, role, duplicate, path)
    assert read is not None, f"{role} reads nothing of its report through {path}"
    text = read if isinstance(read, str) else _json(read)
    for theirs in (WORDS[duplicate.other(team)], DATES[duplicate.other(team)]):
        assert theirs not in text, (theirs, path, read)
    ours = duplicate.sent[team]
    if path in SHOWS_TITLE:
        assert ours.title in text, (path, read)
    if path in SHOWS_SOURCE:
        assert ours.source.name in text, (path, read)
    return read


@pytest.mark.parametrize("path", READ_PATHS)
def test_the_team_that_sent_it_second_reads_it_as_it_sent_it_through_every_path(world, duplicate, path):
    for role in TEAM_ROLES[duplicate.second]:
        if role == "readonly_key" and path in WRITES:
            continue
        read = _assert_reads_as_sent(world, duplicate, role, path)
        # No time of the stored row or of its flag, which are older than this team's submission.
        text = read if isinstance(read, str) else _json(read)
        assert STORED_DAY not in text, (path, read)
        if path in ("list", "detail", "search"):
            assert all(
                _time(read[name]) >= duplicate.second_at for name in ("created_at", "updated_at", "processed_at")
            )
            assert (read["status"], read["source"]) == ("processed", duplicate.sent[duplicate.second].source.id)
        if path in ("flags", "flag detail", "webhook"):
            flag = read["flag"] if path == "webhook" else read
            assert all(_time(flag[name]) >= duplicate.second_at for name in ("created_at", "updated_at"))
        if path == "webhook":
            assert _time(read["occurred_at"]) >= duplicate.second_at


@pytest.mark.parametrize("path", READ_PATHS)
def test_the_team_that_stored_it_reads_it_as_stored_and_nothing_of_the_other(world, duplicate, path):
    """The control (it held before the second team could read anything too): each read path shows
    the first team its report, as it sent it, and nothing of the second team's submission (not even
    a webhook delivery that submission set off)."""
    for role in TEAM_ROLES[duplicate.first]:
        if role == "readonly_key" and path in WRITES:
            continue
        read = _assert_reads_as_sent(world, duplicate, role, path)
        if path == "list":
            assert _time(read["created_at"]) == STORED_AT


def test_filters_search_and_ordering_go_by_what_the_team_sent(world, duplicate):
    """What is filtered or ordered on is what the team is shown: filtering by the other team's source or
    date, or searching its title, finds nothing, and the report sorts by the team's own date and times."""
    factories.ReportFactory(title="Between", published_on=datetime.date(2015, 3, 18))  # a public report
    for team in (duplicate.first, duplicate.second):
        mine, theirs = duplicate.sent[team], duplicate.sent[duplicate.other(team)]
        for role in TEAM_ROLES[team]:
            client = world.clients[role]

            def finds(params: dict[str, Any], client: APIClient = client) -> bool:
                rows = _all_pages(client, "/api/v1/reports/?" + urlencode(params))
                return duplicate.report in _ids(rows)

            assert finds({"source": mine.source.id}) and not finds({"source": theirs.source.id}), role
            assert finds({"published_from": mine.published_on, "published_to": mine.published_on}), role
            assert not finds({"published_from": theirs.published_on, "published_to": theirs.published_on}), role
            assert not finds({"q": WORDS[duplicate.other(team)]}), role
            ordered = [row["title"] for row in _all_pages(client, "/api/v1/reports/?ordering=published_on")]
            assert (ordered.index(mine.title) < ordered.index("Between")) == (mine.published_on < "2015-03-18"), role
            # A cursor on what the team is shown: page after page, in its own times' order.
            pages = _all_pages(client, "/api/v1/reports/?ordering=-updated_at&page_size=1")
            assert [row["updated_at"] for row in pages] == sorted((row["updated_at"] for row in pages), reverse=True)
            assert duplicate.report in _ids(pages), role
            if team == duplicate.second:  # its report changed at its submission, not before
                assert finds({"updated_since": "2021-01-01T00:00:00Z"}), role
                flags = _all_pages(client, f"/api/v1/flags/?report={duplicate.report}&updated_since=2021-01-01T00:00Z")
                assert duplicate.flag in _ids(flags), role


def _stance_sources(client: APIClient, world: World, stance: int) -> tuple[str | None, str | None]:
    matrix = client.get(f"/api/v1/claims/{world.claim.id}/matrix/").json()
    detail = client.get(f"/api/v1/claims/{world.claim.id}/").json()
    (entry,) = [e for row in matrix["actors"] for e in row["history"] if e["stance"] == stance]
    (row,) = [row for row in detail["stances"] if row["id"] == stance]
    return entry["source"], row["source"]


def test_a_reader_of_neither_team_reads_no_source_of_the_report_in_the_stances_citing_it(world, duplicate, settings):
    """Anonymous readers (where anonymous reads are on) read the accepted stance citing the report,
    not the source of a report they may not read."""
    settings.API_ANONYMOUS_READ = True
    assert _stance_sources(world.clients["anonymous"], world, duplicate.stance) == (None, None)


def test_researchers_read_the_stances_citing_it_with_the_report_as_stored(world, duplicate):
    """The control: researchers read everything, as stored."""
    stored = duplicate.sent[duplicate.first].source.name
    assert _stance_sources(world.clients["researcher_key"], world, duplicate.stance) == (stored, stored)


def test_a_research_team_submitting_a_private_text_makes_it_everyones_as_it_sent_it(world):
    """The research team's reports are everyone's: submitting a text another team holds privately shows
    it to every team as the research team sent it; the team that holds it still reads its own."""
    theirs = Sent(f"Memo {HIDDEN_WORD}", factories.SourceFactory(name=f"{HIDDEN_WORD} wire"), "2015-03-17")
    report = _submit(world.clients["other_key"], theirs, TEXT).json()["reports"][0]["id"]
    assert report not in _ids(_all_pages(world.clients["editor_key"], "/api/v1/reports/"))
    research = Sent("The research team's memo", factories.SourceFactory(name="OPCW"), "2015-03-19")
    told = _submit(world.clients["researcher_key"], research, TEXT.upper()).json()
    assert [row["id"] for row in told["reports"]] == [report]  # researchers read it as stored
    for role, sent, hidden in (("editor_key", research, HIDDEN_WORD), ("other_key", theirs, research.title)):
        row = world.clients[role].get(f"/api/v1/reports/{report}/").json()
        assert (row["title"], row["source"], row["published_on"]) == (sent.title, sent.source.id, sent.published_on)
        assert hidden not in _json(row)


def test_the_submission_admin_page_shows_what_each_submission_sent(world, duplicate):
    client = APIClient()
    client.force_login(world.users["researcher"])
    ours = duplicate.answers[0]["id"]
    page = client.get(f"/admin/claims/submission/{ours}/change/").content.decode()
    sent = duplicate.sent[duplicate.second]
    assert sent.title in page and sent.source.name in page and sent.published_on in page
