"""Webhooks: registered only for public addresses, recorded once per event and
webhook for teams that follow and may see the claim, signed, retried with
backoff until failed, replayable, and private to the owning team's editors.

Only 127.0.0.1 is ever connected to, through the guarded fetcher's test hatch
(``allow_private``); every other address here is refused before a socket opens."""

import datetime
import functools
import hashlib
import hmac
import json
import time
from http.server import BaseHTTPRequestHandler

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from claims import matcher_runtime, services, tasks
from claims.ingest.fetch import post
from claims.models import (
    Claim,
    Follow,
    Membership,
    Position,
    ReviewStatus,
    Submission,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from claims.services import report_matching, webhooks
from claims.services.api_keys import api_key_create
from tests import factories
from tests.harness import http_server, settings_load

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.216.34/hooks/tracker"  # an IP literal: no DNS needed


def verify(secret: str, headers: dict, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does: recompute the HMAC over "timestamp.body" and
    compare in constant time; refuse stale timestamps."""
    timestamp = headers["X-Tracker-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    scheme, _, given = headers["X-Tracker-Signature"].partition("=")
    return scheme == "sha256" and hmac.compare_digest(expected, given)


# --- a local receiver --------------------------------------------------------------------


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.seen.append((self.path, dict(self.headers), body))
        status, headers = {
            "/ok": (204, {}),
            "/fail": (500, {}),
            "/redirect": (302, {"Location": "/ok"}),
        }.get(self.path, (404, {}))
        answer = b"boom" if status == 500 else b""
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture
def receiver():
    with http_server(Receiver) as httpd:
        httpd.seen = []
        yield httpd


@pytest.fixture
def local_post(settings):
    """Deliveries may reach the local receiver (as WEBHOOK_ALLOW_PRIVATE_TARGETS
    allows in development); nothing else changes."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = ["127.0.0.1"]


@pytest.fixture
def sent(monkeypatch):
    """Delivery tasks sent to the queue: (delivery id, kwargs, countdown)."""
    calls = []

    def capture(args, kwargs=None, countdown=None, **_):
        calls.append((args[0], kwargs or {}, countdown))

    monkeypatch.setattr(tasks.deliver_webhook, "apply_async", capture)
    return calls


def _webhook(team, url, **fields):
    """A webhook row as stored; local test URLs cannot pass webhook_create."""
    return Webhook.objects.create(team=team, url=url, secret="s3cret-s3cret-s3cret", **fields)


def _new_flag(claim, report=None, *, capture):
    report = report or factories.ReportFactory()
    proposal = matcher_runtime.FlagProposal(
        claim_id=claim.pk, score=0.9, tier="suggested", passages=[], matched_actors=[], matched_terms=["x"]
    )
    with capture(execute=True):
        report_matching.flags_store(report=report, proposals=[proposal], matcher_version="test")
    return report, proposal


def _delivery(team, url, *, capture, **fields):
    claim = factories.ClaimFactory()
    Follow.objects.create(team=team, claim=claim)
    webhook = _webhook(team, url, **fields)
    _new_flag(claim, capture=capture)
    return WebhookDelivery.objects.get(webhook=webhook)


# --- registering ---------------------------------------------------------------------------


FAKE_DNS = {"internal.test": ["10.1.2.3"], "hooks.example.org": ["93.184.216.34"]}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://10.0.0.7/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://localhost:8000/hook",
        "http://2130706433/hook",
        "https://internal.test/hook",
        "ftp://hooks.example.org/hook",
        "http://user:pw@hooks.example.org/hook",
    ],
)
def test_hostile_urls_are_refused_naming_the_url(factcheck_team, url):
    with pytest.raises(ValidationError) as caught:
        webhooks.webhook_create(team=factcheck_team, url=url, resolver=FAKE_DNS.__getitem__)
    assert "url" in caught.value.message_dict
    assert not Webhook.objects.exists()


def test_a_public_url_is_registered_with_a_generated_secret(factcheck_team):
    webhook = webhooks.webhook_create(
        team=factcheck_team, url="https://hooks.example.org/in", resolver=FAKE_DNS.__getitem__
    )
    assert webhook.secret.startswith("whsec_") and len(webhook.secret) > 40
    assert webhook.events == []
    own = webhooks.webhook_create(team=factcheck_team, url=PUBLIC_URL, secret="x" * 20, events=["flag.created"])
    assert own.secret == "x" * 20


def test_unknown_events_and_short_secrets_are_refused(factcheck_team):
    with pytest.raises(ValidationError) as caught:
        webhooks.webhook_create(team=factcheck_team, url=PUBLIC_URL, events=["claim.deleted"])
    assert "events" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        webhooks.webhook_create(team=factcheck_team, url=PUBLIC_URL, secret="short")
    assert "secret" in caught.value.message_dict


# --- recording events -----------------------------------------------------------------------


def test_a_flag_on_a_followed_claim_creates_one_delivery_per_webhook_once(
    factcheck_team, other_team, sent, django_capture_on_commit_callbacks
):
    claim = factories.ClaimFactory()
    Follow.objects.create(team=factcheck_team, claim=claim)
    everything = _webhook(factcheck_team, PUBLIC_URL)
    flags_only = _webhook(factcheck_team, PUBLIC_URL + "/flags", events=[WebhookEvent.FLAG_CREATED])
    _webhook(factcheck_team, PUBLIC_URL + "/stances", events=[WebhookEvent.STANCE_ACCEPTED])
    _webhook(factcheck_team, PUBLIC_URL + "/off", active=False)
    _webhook(other_team, PUBLIC_URL + "/not-following")

    report, proposal = _new_flag(claim, capture=django_capture_on_commit_callbacks)

    deliveries = WebhookDelivery.objects.order_by("webhook_id")
    assert [d.webhook_id for d in deliveries] == [everything.pk, flags_only.pk]
    flag = claim.flags.get()
    first = deliveries[0]
    assert first.event_id == f"flag.created:{flag.pk}"
    assert first.payload["event"] == "flag.created"
    assert first.payload["flag"]["id"] == flag.pk and first.payload["flag"]["claim"] == claim.pk
    assert first.payload["occurred_at"]
    assert sorted(call[0] for call in sent) == sorted(d.pk for d in deliveries)

    # Matching the report again updates the flag; it is not a new one.
    with django_capture_on_commit_callbacks(execute=True):
        report_matching.flags_store(report=report, proposals=[proposal], matcher_version="test-2")
    assert webhooks.webhook_deliveries_record_for_flags([flag.pk]) == 0
    assert WebhookDelivery.objects.count() == 2
    assert len(sent) == 2


def test_a_team_that_cannot_see_the_claim_or_report_hears_nothing(
    factcheck_team, other_team, sent, django_capture_on_commit_callbacks
):
    hidden_claim = factories.ClaimFactory(status=Claim.Status.DRAFT, team=other_team)
    public_claim = factories.ClaimFactory()
    for claim in (hidden_claim, public_claim):
        Follow.objects.create(team=factcheck_team, claim=claim)
    _webhook(factcheck_team, PUBLIC_URL)
    _new_flag(hidden_claim, capture=django_capture_on_commit_callbacks)

    # A report only another fact-checking team has submitted is theirs.
    submission = services.submission_create(channel=Submission.Channel.API, raw=b"Theirs.", team=other_team)
    theirs, _ = services.report_store(submission=submission, title="Theirs", text="Their report's text.")
    _new_flag(public_claim, theirs, capture=django_capture_on_commit_callbacks)

    assert not WebhookDelivery.objects.exists()
    assert sent == []


def test_accepted_stances_are_sent_and_pending_ones_never(
    factcheck_team, other_team, researcher, other_team_member, sent, django_capture_on_commit_callbacks
):
    claim = factories.ClaimFactory()
    Follow.objects.create(team=factcheck_team, claim=claim)
    webhook = _webhook(factcheck_team, PUBLIC_URL)
    actor = factories.ActorFactory()

    with django_capture_on_commit_callbacks(execute=True):
        pending = services.stance_record(
            claim=claim, actor=actor, position=Position.DENIES, user=other_team_member, team=other_team, quote="No."
        )
    assert pending.review_status == ReviewStatus.PENDING
    assert not WebhookDelivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.stances_review(stances=[pending], reviewer=researcher, decision=ReviewStatus.REJECTED)
    assert not WebhookDelivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.stances_review(stances=[pending], reviewer=researcher, decision=ReviewStatus.ACCEPTED)
        at_once = services.stance_record(claim=claim, actor=actor, position=Position.ASSERTS, user=researcher)
    payloads = {d.event_id: d.payload for d in WebhookDelivery.objects.filter(webhook=webhook)}
    assert set(payloads) == {f"stance.accepted:{pending.pk}", f"stance.accepted:{at_once.pk}"}
    stance = payloads[f"stance.accepted:{pending.pk}"]["stance"]
    assert stance["review_status"] == "accepted" and stance["actor"]["id"] == actor.pk
    assert len(sent) == 2


def test_evidence_review_sends_nothing(factcheck_team, researcher, sent, django_capture_on_commit_callbacks):
    claim = factories.ClaimFactory()
    Follow.objects.create(team=factcheck_team, claim=claim)
    _webhook(factcheck_team, PUBLIC_URL)
    evidence = factories.EvidenceFactory(claim=claim, review_status=ReviewStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_review(evidence=[evidence], reviewer=researcher, decision=ReviewStatus.ACCEPTED)
    assert not WebhookDelivery.objects.exists()


# --- sending ---------------------------------------------------------------------------------


def test_a_delivery_is_signed_and_verifies_with_the_secret(
    factcheck_team, receiver, local_post, sent, django_capture_on_commit_callbacks
):
    delivery = _delivery(factcheck_team, f"{receiver.base}/ok", capture=django_capture_on_commit_callbacks)
    assert tasks.deliver_webhook(delivery.pk) == "delivered"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 204)
    assert delivery.delivered_at is not None
    [(_, headers, body)] = receiver.seen
    assert headers["X-Tracker-Event"] == "flag.created"
    assert headers["X-Tracker-Delivery"] == delivery.event_id
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == delivery.payload
    assert verify("s3cret-s3cret-s3cret", headers, body)
    assert not verify("another-secret-entirely", headers, body)
    assert not verify("s3cret-s3cret-s3cret", headers, body.replace(b"flag", b"flog"))


@pytest.fixture
def failing(settings, factcheck_team, receiver, local_post, sent, django_capture_on_commit_callbacks):
    """A delivery to a receiver that answers 500, with three attempts to make;
    the message for the first is already taken from ``sent``."""
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    delivery = _delivery(factcheck_team, f"{receiver.base}/fail", capture=django_capture_on_commit_callbacks)
    sent.clear()
    return delivery


def test_a_failing_receiver_is_retried_with_backoff_then_failed(settings, failing, receiver, sent):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    delivery = failing

    assert tasks.deliver_webhook(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    assert delivery.last_error == "attempt 1: HTTP 500: boom"
    [(delivery_id, kwargs, countdown)] = sent
    assert (delivery_id, kwargs) == (delivery.pk, {"attempt": 2})
    assert 5 <= countdown <= 10

    assert tasks.deliver_webhook(delivery.pk, **kwargs) == "pending"
    assert sent[-1][1] == {"attempt": 3} and 10 <= sent[-1][2] <= 20
    # A duplicate of an attempt already made does nothing.
    assert tasks.deliver_webhook(delivery.pk, attempt=2) is None

    assert tasks.deliver_webhook(delivery.pk, attempt=3) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.last_error.startswith("attempt 3: HTTP 500")
    assert len(sent) == 2 and len(receiver.seen) == 3
    assert tasks.deliver_webhook(delivery.pk) is None  # nothing more to do


def test_a_redirect_is_not_followed(factcheck_team, receiver, local_post, sent, django_capture_on_commit_callbacks):
    delivery = _delivery(factcheck_team, f"{receiver.base}/redirect", capture=django_capture_on_commit_callbacks)
    tasks.deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status) == ("pending", 302)
    assert "not followed" in delivery.last_error
    assert [path for path, _, _ in receiver.seen] == ["/redirect"]


def test_the_address_is_checked_again_when_sending(
    monkeypatch, factcheck_team, receiver, sent, django_capture_on_commit_callbacks
):
    """The name resolved to a public address when registered; now it points
    into private space, and nothing is sent."""
    port = receiver.server_address[1]
    monkeypatch.setattr(webhooks, "post", functools.partial(post, resolver=lambda host: ["127.0.0.1"]))
    delivery = _delivery(
        factcheck_team, f"http://hooks.example.org:{port}/ok", capture=django_capture_on_commit_callbacks
    )
    tasks.deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.response_status is None
    assert "not sent" in delivery.last_error and "loopback" in delivery.last_error
    assert receiver.seen == []


# --- sweeping lost messages ---------------------------------------------------------------

TICK = datetime.timedelta(microseconds=1)


def _grace(settings) -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.WEBHOOK_REQUEUE_SECONDS)


def test_a_recorded_delivery_is_due_now_and_resent_if_its_message_was_lost(
    settings, factcheck_team, sent, django_capture_on_commit_callbacks
):
    before = timezone.now()
    delivery = _delivery(factcheck_team, PUBLIC_URL, capture=django_capture_on_commit_callbacks)
    assert before <= delivery.next_attempt_at <= timezone.now()
    sent.clear()
    assert tasks.sweep_webhook_deliveries() == 0

    due = delivery.next_attempt_at
    assert webhooks.webhook_deliveries_stuck(now=due + _grace(settings) - TICK) == []
    assert webhooks.webhook_deliveries_stuck(now=due + _grace(settings)) == [(delivery.pk, 1)]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=due - _grace(settings))
    assert tasks.sweep_webhook_deliveries() == 1
    assert sent == [(delivery.pk, {"attempt": 1}, None)]


def test_a_lost_retry_is_resent_once_due_and_the_grace_passed_not_before(settings, failing, receiver, sent):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    delivery = failing
    before = timezone.now()
    assert tasks.deliver_webhook(delivery.pk) == "pending"
    after = timezone.now()
    [(_, retry_kwargs, countdown)] = sent
    delivery.refresh_from_db()
    due = delivery.next_attempt_at
    # The row says when the countdown ends: the retry's own delay, not the whole backoff.
    assert before + datetime.timedelta(seconds=countdown) <= due <= after + datetime.timedelta(seconds=countdown)
    sent.clear()  # the retry's message is lost (say, Redis restarted)

    assert webhooks.webhook_deliveries_stuck(now=due) == []
    assert webhooks.webhook_deliveries_stuck(now=due + _grace(settings) - TICK) == []
    assert webhooks.webhook_deliveries_stuck(now=due + _grace(settings)) == [(delivery.pk, 2)]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - _grace(settings))
    assert tasks.sweep_webhook_deliveries() == 1
    [(_, swept_kwargs, _)] = sent
    assert swept_kwargs == retry_kwargs == {"attempt": 2}

    # The sweep's copy makes attempt 2; the original, arriving late, makes none.
    assert tasks.deliver_webhook(delivery.pk, **swept_kwargs) == "pending"
    assert tasks.deliver_webhook(delivery.pk, **retry_kwargs) is None
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and len(receiver.seen) == 2
    assert delivery.next_attempt_at > timezone.now()  # attempt 3 is due later, with its own backoff
    assert webhooks.webhook_deliveries_stuck(now=due + _grace(settings)) == []


def test_the_original_retry_first_makes_the_sweeps_copy_stale(settings, failing, receiver):
    delivery = failing
    tasks.deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    [(_, swept_attempt)] = webhooks.webhook_deliveries_stuck(now=delivery.next_attempt_at + _grace(settings))
    assert swept_attempt == 2

    assert tasks.deliver_webhook(delivery.pk, attempt=2) == "pending"  # the original, merely late
    assert tasks.deliver_webhook(delivery.pk, attempt=swept_attempt) is None
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and len(receiver.seen) == 2


def test_an_attempt_lost_with_its_worker_is_resent_after_its_deadline(
    settings, factcheck_team, sent, django_capture_on_commit_callbacks
):
    class WorkerLost(Exception):
        pass

    def crash(url, **kwargs):
        raise WorkerLost

    delivery = _delivery(factcheck_team, PUBLIC_URL, capture=django_capture_on_commit_callbacks)
    started = timezone.now()
    with pytest.raises(WorkerLost):
        webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, attempt=1, poster=crash)
    delivery.refresh_from_db()
    deadline = delivery.next_attempt_at
    assert delivery.attempts == 1 and delivery.status == "pending"
    assert deadline >= started + datetime.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS)

    # The message, redelivered, names an attempt already counted: nothing happens.
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, attempt=1, poster=crash) is None
    assert webhooks.webhook_deliveries_stuck(now=deadline + _grace(settings) - TICK) == []
    assert webhooks.webhook_deliveries_stuck(now=deadline + _grace(settings)) == [(delivery.pk, 2)]


def test_delivered_and_failed_deliveries_are_never_swept(
    settings, factcheck_team, receiver, local_post, sent, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    delivered = _delivery(factcheck_team, f"{receiver.base}/ok", capture=django_capture_on_commit_callbacks)
    failed = _delivery(factcheck_team, f"{receiver.base}/fail", capture=django_capture_on_commit_callbacks)
    inactive = _delivery(factcheck_team, f"{receiver.base}/ok", capture=django_capture_on_commit_callbacks)
    Webhook.objects.filter(pk=inactive.webhook_id).update(active=False)
    assert [tasks.deliver_webhook(d.pk, attempt=1) for d in (delivered, failed, inactive)] == [
        "delivered",
        "failed",
        "failed",
    ]

    rows = WebhookDelivery.objects.filter(pk__in=[delivered.pk, failed.pk, inactive.pk])
    assert list(rows.values_list("next_attempt_at", flat=True)) == [None, None, None]
    # Every webhook hears of every later flag too: those deliveries are pending, and the only ones swept.
    pending = set(WebhookDelivery.objects.filter(status="pending").values_list("id", flat=True))
    swept = {pk for pk, _ in webhooks.webhook_deliveries_stuck(now=timezone.now() + datetime.timedelta(days=365))}
    assert swept == pending and len(pending) == 3
    # Only pending deliveries may have nothing due; the database refuses one that has nothing due.
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.filter(pk=failed.pk).update(status=WebhookDelivery.Status.PENDING)


def test_a_replay_is_due_now_and_resent_if_its_message_was_lost(
    settings, factcheck_team, sent, django_capture_on_commit_callbacks
):
    delivery = _delivery(factcheck_team, PUBLIC_URL, capture=django_capture_on_commit_callbacks)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=8, next_attempt_at=None)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.webhook_deliveries_replay(deliveries=[delivery])
    delivery.refresh_from_db()
    assert delivery.status == "pending" and before <= delivery.next_attempt_at <= timezone.now()
    assert webhooks.webhook_deliveries_stuck(now=delivery.next_attempt_at + _grace(settings) - TICK) == []
    assert webhooks.webhook_deliveries_stuck(now=delivery.next_attempt_at + _grace(settings)) == [(delivery.pk, 9)]


# --- the API ---------------------------------------------------------------------------------


def _api(team, user, role=Membership.Role.EDITOR) -> APIClient:
    _, key = api_key_create(team=team, user=user, name="hooks", role=role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def api(factcheck_team, team_member):
    return _api(factcheck_team, team_member)


@pytest.fixture
def other_api(other_team, other_team_member):
    return _api(other_team, other_team_member)


def test_the_secret_is_shown_on_create_only(api, factcheck_team):
    response = api.post("/api/v1/webhooks/", {"url": PUBLIC_URL, "events": ["flag.created"]}, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert created["team"] == factcheck_team.pk and created["events"] == ["flag.created"]
    assert Webhook.objects.get().secret == created["secret"]

    listed = api.get("/api/v1/webhooks/").json()["results"]
    assert [row["id"] for row in listed] == [created["id"]]
    detail = api.get(f"/api/v1/webhooks/{created['id']}/").json()
    assert "secret" not in listed[0] and "secret" not in detail


def test_server_owned_fields_cannot_be_set_on_create(api, factcheck_team, other_team):
    response = api.post("/api/v1/webhooks/", {"url": PUBLIC_URL, "team": other_team.pk, "active": False}, format="json")
    assert response.status_code == 201
    webhook = Webhook.objects.get()
    assert webhook.team == factcheck_team and webhook.active


@pytest.mark.parametrize("url", ["http://127.0.0.1/hook", "http://169.254.169.254/", "http://[::1]/", "not a url"])
def test_a_hostile_url_is_a_400_naming_url(api, url):
    response = api.post("/api/v1/webhooks/", {"url": url}, format="json")
    assert response.status_code == 400
    assert "url" in response.json()
    assert not Webhook.objects.exists()


def test_delivery_log_and_replay(
    api, factcheck_team, receiver, local_post, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    delivery = _delivery(factcheck_team, f"{receiver.base}/ok", capture=django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and len(receiver.seen) == 1

    with django_assert_max_num_queries(8):
        log = api.get(f"/api/v1/webhooks/{delivery.webhook_id}/deliveries/")
    assert log.status_code == 200
    [row] = log.json()["results"]
    assert (row["id"], row["event_id"], row["status"], row["attempts"], row["next_attempt_at"]) == (
        delivery.pk,
        delivery.event_id,
        "delivered",
        1,
        None,
    )

    with django_capture_on_commit_callbacks(execute=True):
        replayed = api.post(f"/api/v1/webhooks/{delivery.webhook_id}/deliveries/{delivery.pk}/replay/")
    assert replayed.status_code == 202
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert len(receiver.seen) == 2
    assert receiver.seen[0][2] == receiver.seen[1][2]  # the stored payload, again
    assert verify("s3cret-s3cret-s3cret", receiver.seen[1][1], receiver.seen[1][2])


def test_a_replay_that_fails_is_not_retried(
    settings, api, factcheck_team, receiver, local_post, sent, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    delivery = _delivery(factcheck_team, f"{receiver.base}/fail", capture=django_capture_on_commit_callbacks)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=settings.WEBHOOK_MAX_ATTEMPTS)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        queued = api.post(f"/api/v1/webhooks/{delivery.webhook_id}/deliveries/{delivery.pk}/replay/").json()
    assert queued["status"] == "pending" and queued["next_attempt_at"] is not None
    [(delivery_id, kwargs, _)] = sent
    assert tasks.deliver_webhook(delivery_id, **kwargs) == "failed"
    delivery.refresh_from_db()
    assert delivery.attempts == settings.WEBHOOK_MAX_ATTEMPTS + 1
    assert len(sent) == 1


def test_other_teams_and_read_only_members_cannot_see_or_replay(
    other_api, factcheck_team, read_only_member, sent, django_capture_on_commit_callbacks
):
    delivery = _delivery(factcheck_team, PUBLIC_URL, capture=django_capture_on_commit_callbacks)
    webhook_id = delivery.webhook_id
    sent.clear()
    reader = _api(factcheck_team, read_only_member, role=Membership.Role.READ_ONLY)
    for client in (other_api, reader):
        assert client.get("/api/v1/webhooks/").json()["results"] == []
        assert client.get(f"/api/v1/webhooks/{webhook_id}/").status_code == 404
        assert client.get(f"/api/v1/webhooks/{webhook_id}/deliveries/").status_code == 404
    assert other_api.post(f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery.pk}/replay/").status_code == 404
    assert other_api.delete(f"/api/v1/webhooks/{webhook_id}/").status_code == 404
    assert reader.post(f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery.pk}/replay/").status_code == 403
    assert reader.post("/api/v1/webhooks/", {"url": PUBLIC_URL}, format="json").status_code == 403
    assert APIClient().get("/api/v1/webhooks/").status_code == 401
    assert Webhook.objects.filter(pk=webhook_id).exists() and sent == []


def test_the_owner_deletes_a_webhook(api, factcheck_team):
    webhook = _webhook(factcheck_team, PUBLIC_URL)
    assert api.delete(f"/api/v1/webhooks/{webhook.pk}/").status_code == 204
    assert not Webhook.objects.exists()


# --- the admin -------------------------------------------------------------------------------


def test_admin_replay_action_and_pages(researcher_client, factcheck_team, sent, django_capture_on_commit_callbacks):
    delivery = _delivery(factcheck_team, PUBLIC_URL, capture=django_capture_on_commit_callbacks)
    sent.clear()
    for url in (
        "/admin/claims/webhookdelivery/",
        f"/admin/claims/webhookdelivery/{delivery.pk}/change/",
        "/admin/claims/webhook/",
        f"/admin/claims/webhook/{delivery.webhook_id}/change/",
        "/admin/claims/webhook/add/",
    ):
        assert researcher_client.get(url).status_code == 200, url
    with django_capture_on_commit_callbacks(execute=True):
        response = researcher_client.post(
            "/admin/claims/webhookdelivery/", {"action": "replay", "_selected_action": [delivery.pk]}
        )
    assert response.status_code == 302
    assert sent == [(delivery.pk, {"replay": True}, None)]


def test_admin_refuses_a_private_webhook_url_and_generates_the_secret(researcher_client, factcheck_team):
    form = {"team": factcheck_team.pk, "url": "http://10.0.0.1/hook", "events": "[]", "active": "on"}
    response = researcher_client.post("/admin/claims/webhook/add/", form)
    assert response.status_code == 200 and "not allowed" in response.content.decode()
    response = researcher_client.post("/admin/claims/webhook/add/", {**form, "url": PUBLIC_URL})
    assert response.status_code == 302
    assert Webhook.objects.get().secret.startswith("whsec_")


def test_list_queries_do_not_grow_with_rows(api, factcheck_team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/webhooks/").status_code == 200
        return len(queries)

    for n in range(3):
        _webhook(factcheck_team, f"{PUBLIC_URL}/{n}")
    count()  # the first request of a key also records its use
    few = count()
    for n in range(3, 6):
        _webhook(factcheck_team, f"{PUBLIC_URL}/{n}")
    assert count() == few


# --- trying it in development ------------------------------------------------------------


def test_in_development_a_webhook_may_reach_the_private_addresses_allowed_for_it(
    api, settings, factcheck_team, receiver, sent, django_capture_on_commit_callbacks
):
    local = {"url": f"{receiver.base}/ok"}
    assert api.post("/api/v1/webhooks/", local, format="json").status_code == 400  # by default
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = ["127.0.0.0/8", "169.254.0.0/16"]
    response = api.post("/api/v1/webhooks/", local, format="json")
    assert response.status_code == 201, response.json()
    # Only what is allowed: another private address, and never a metadata one.
    for refused in ("http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data/"):
        assert "url" in api.post("/api/v1/webhooks/", {"url": refused}, format="json").json()

    claim = factories.ClaimFactory()
    Follow.objects.create(team=factcheck_team, claim=claim)
    _new_flag(claim, capture=django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(webhook_id=response.json()["id"])
    assert tasks.deliver_webhook(delivery.pk) == "delivered"  # checked again at send: allowed
    assert [path for path, _, _ in receiver.seen] == ["/ok"]


def test_private_webhook_targets_are_refused_unless_debug_is_on():
    refused = settings_load(DEBUG="false", WEBHOOK_ALLOW_PRIVATE_TARGETS="127.0.0.1")
    assert refused.returncode != 0
    assert "ImproperlyConfigured: WEBHOOK_ALLOW_PRIVATE_TARGETS is for development only" in refused.stderr
    assert settings_load(DEBUG="true", WEBHOOK_ALLOW_PRIVATE_TARGETS="127.0.0.1,::1").returncode == 0
    typo = settings_load(DEBUG="true", WEBHOOK_ALLOW_PRIVATE_TARGETS="localhost")
    assert "'localhost' is not an IP address or network" in typo.stderr


# --- payloads ----------------------------------------------------------------------------


def _as_the_api_shows(serializer_class, row) -> bytes:
    from rest_framework.renderers import JSONRenderer

    return webhooks.request_body(json.loads(JSONRenderer().render(serializer_class(row).data)))


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_payloads_are_byte_for_byte_what_the_api_shows_the_team(zone, factcheck_team, researcher):
    """The core builds webhook payloads without DRF; they stay the API's rows."""
    from claims.api.serializers import FlagSerializer, StanceSerializer

    claim = factories.ClaimFactory()
    report = factories.ReportFactory()
    speaker = factories.ActorFactory(name="Mission «spokesperson»")
    full = services.stance_record(
        claim=claim,
        actor=factories.ActorFactory(),
        speaker=speaker,
        position=Position.DENIES,
        user=researcher,
        report=report,
        stated_on=datetime.date(2015, 4, 2),
        quote="« Nous démentons » — 100%",
        confidence=7,
        confidence_wording="confirmed",
        note="ok",
    )
    bare = services.stance_record(
        claim=claim, actor=factories.ActorFactory(), position=Position.ASSERTS, user=researcher
    )
    proposal = matcher_runtime.FlagProposal(
        claim_id=claim.pk,
        score=0.8125,
        tier="strong",
        passages=[{"text": "Zamalka — ٢٠١٣", "score": 0.5}],
        matched_actors=[{"id": 1, "name": "x"}],
        matched_terms=["weapon: sarin"],
    )
    report_matching.flags_store(report=report, proposals=[proposal], matcher_version="test")
    new_flag = report.flags.get()
    other = factories.ReportFactory()
    report_matching.flags_store(report=other, proposals=[proposal], matcher_version="test")
    services.flag_review(flag=other.flags.get(), reviewer=researcher, decision="accepted")

    access = webhooks.team_access(factcheck_team)
    with timezone.override(zone):
        flags = webhooks.FLAG_CREATED.visible(access).filter(pk__in=[new_flag.pk, other.flags.get().pk])
        stances = webhooks.STANCE_ACCEPTED.visible(access).filter(pk__in=[full.pk, bare.pk])
        assert flags.count() == 2 and stances.count() == 2
        for flag in flags:
            ours = webhooks.request_body(webhooks._payload_data(webhooks.flag_payload, flag))
            assert ours == _as_the_api_shows(FlagSerializer, flag)
        for stance in stances:
            ours = webhooks.request_body(webhooks._payload_data(webhooks.stance_payload, stance))
            assert ours == _as_the_api_shows(StanceSerializer, stance)
