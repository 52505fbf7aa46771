"""Webhooks: a team hears of new flags and newly accepted stances on the claims
it follows.

Guarantees:

- A webhook's URL passes the guarded fetcher's address checks when it is
  registered, and again at every send (``claims.ingest.fetch.post`` connects
  to the address it checked; redirects are not followed).
- An event is recorded as a ``WebhookDelivery`` row before anything is sent,
  once per webhook (``event_id`` such as ``flag.created:42`` is unique per
  webhook), so recording twice changes nothing and a lost message is resent
  by the sweep. The queue only carries delivery ids, sent after commit.
- A team hears only of what it may see: the flag or stance must be visible
  to that team (``claims.selectors``) and is shown as the API shows it to
  that team. A team that reaches a report through its own submission of the
  text hears of the report's flags then, as if they were new.
- Each attempt is counted on the row before the request is made; a failed
  attempt is retried with exponential backoff and jitter until
  ``WEBHOOK_MAX_ATTEMPTS``, then the delivery is FAILED with its last error.
  A replay re-sends the stored payload once, as a new attempt.
- A PENDING delivery always records when its next attempt is due
  (``next_attempt_at``: when recorded or replayed, now; while an attempt is
  made, its deadline; after a failed one, when its retry's countdown ends).
  The sweep re-sends one overdue by ``WEBHOOK_REQUEUE_SECONDS``, so a lost
  message, retry or crashed attempt is resent minutes after it was due.
  Each message names its attempt number and a stale one does nothing, so a
  sweep's copy and a late original never make the same attempt twice.
- Every request is signed: ``X-Tracker-Signature: sha256=<hex>`` is the
  HMAC-SHA256, keyed with the webhook's secret, of ``"<timestamp>.<body>"``
  where the timestamp is ``X-Tracker-Timestamp`` (Unix seconds). Receivers
  should reject stale timestamps and dedupe on ``X-Tracker-Delivery``.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone

from claims import selectors
from claims.ingest.fetch import FetchError, FetchRefused, Poster, Resolver, post, url_refusal
from claims.models import (
    Actor,
    Flag,
    Follow,
    ReviewStatus,
    Stance,
    StanceSuggestion,
    Team,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from claims.services import dispatch
from claims.services.history import history_user

logger = logging.getLogger(__name__)

USER_AGENT = "attribution-tracker/0.1 (webhooks)"
SECRET_MIN_LENGTH = 16


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def max_attempts() -> int:
    return int(_setting("WEBHOOK_MAX_ATTEMPTS", 8))


# --- registering ---------------------------------------------------------------------


def secret_generate() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def private_targets() -> list[str]:
    """The private addresses and networks webhooks may reach anyway: the
    development-only WEBHOOK_ALLOW_PRIVATE_TARGETS (the settings refuse it
    unless DEBUG is on); none in production."""
    return list(_setting("WEBHOOK_ALLOW_PRIVATE_TARGETS", []))


def webhook_url_check(url: str, *, resolver: Resolver | None = None) -> None:
    """Raise ValidationError naming ``url`` unless it is an http(s) URL whose
    host is, and resolves only to, public addresses (or ``private_targets``)."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationError({"url": "Enter a valid http or https URL."}) from exc
    if len(url) > Webhook._meta.get_field("url").max_length:  # type: ignore[operator]
        raise ValidationError({"url": "The URL is too long."})
    refusal = url_refusal(url, resolver=resolver, allow_private=private_targets())
    if refusal:
        raise ValidationError({"url": refusal})


def webhook_events_clean(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    unknown = [e for e in chosen if e not in WebhookEvent.values]
    if unknown:
        raise ValidationError({"events": f"Unknown events: {', '.join(map(str, unknown))}."})
    return chosen


@transaction.atomic
def webhook_create(
    *,
    team: Team,
    url: str,
    events: Iterable[str] = (),
    secret: str = "",
    active: bool = True,
    user: User | None = None,
    resolver: Resolver | None = None,
) -> Webhook:
    """Register a webhook for ``team``. The URL must pass the guarded
    fetcher's address checks; a secret is generated when none is given and
    stored as is (it signs every delivery). ``events`` empty means all."""
    webhook_url_check(url, resolver=resolver)
    if secret and not SECRET_MIN_LENGTH <= len(secret) <= 200:
        raise ValidationError({"secret": f"Use between {SECRET_MIN_LENGTH} and 200 characters."})
    webhook = Webhook(
        team=team,
        url=url,
        secret=secret or secret_generate(),
        events=webhook_events_clean(events),
        active=active,
        created_by=user,
    )
    history_user(webhook, user)
    webhook.save()
    return webhook


def webhook_delete(*, webhook: Webhook, user: User | None = None) -> None:
    """Remove a webhook and its delivery log."""
    history_user(webhook, user)
    webhook.delete()


# --- recording events ------------------------------------------------------------------


def team_access(team: Team) -> selectors.Access:
    """What a team's API key with read rights sees: used to decide which
    events its webhooks may hear of."""
    return selectors.Access(
        user=None,
        researcher=team.kind == Team.Kind.RESEARCH,
        team_ids=frozenset({team.id}),
        editor_team_ids=frozenset(),
    )


# --- payloads ----------------------------------------------------------------------------
# A row as the API shows it to the team (``api.serializers.FlagSerializer`` and
# ``StanceSerializer``, field for field and in their order), built here so the
# core does not depend on the API; tests/test_webhooks.py holds the two equal
# byte for byte.


def _datetime(value: datetime.datetime | None) -> str | None:
    # As DRF writes ISO 8601: in the current time zone, UTC as "Z".
    if not value:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _actor_ref(actor: Actor | None) -> dict[str, Any] | None:
    return None if actor is None else {"id": actor.pk, "name": actor.name, "kind": actor.kind}


def suggestion_payload(suggestion: StanceSuggestion) -> dict[str, Any]:
    """A suggested stance as the API's SuggestionSerializer writes it."""
    return {
        "id": suggestion.pk,
        "flag": suggestion.flag_id,
        "actor": suggestion.actor_id,
        "actor_name": suggestion.actor.name if suggestion.actor else None,
        "speaker": suggestion.speaker_id,
        "speaker_text": suggestion.speaker_text,
        "position": suggestion.position,
        "position_label": suggestion.get_position_display(),
        "quote": suggestion.quote,
        "quote_start": suggestion.quote_start,
        "quote_end": suggestion.quote_end,
        "quote_verbatim": suggestion.quote_verbatim,
        "stated_on": _date(suggestion.stated_on),
        "stated_precision": suggestion.stated_precision,
        "confidence_wording": suggestion.confidence_wording,
        "score": float(suggestion.score),
        "rule": suggestion.rule,
        "suggester_version": suggestion.suggester_version,
        "status": suggestion.status,
        "reject_reason": suggestion.reject_reason,
        "resulting_stance": suggestion.resulting_stance_id,
    }


def flag_payload(flag: Flag) -> dict[str, Any]:
    """A flag as ``selectors.flags_with_suggestions`` shows it to the team."""
    return {
        "id": flag.pk,
        "report": flag.report_id,
        "claim": flag.claim_id,
        "score": float(flag.score),
        "tier": flag.tier,
        "passages": flag.passages,
        "matched_actors": flag.matched_actors,
        "matched_terms": flag.matched_terms,
        "matcher_version": flag.matcher_version,
        "status": flag.status,
        "reviewed_at": _datetime(flag.shown_reviewed_at),  # type: ignore[attr-defined]
        "evidence": flag.evidence_id,
        "suggestions": [suggestion_payload(s) for s in flag.suggestions.all()],
        "created_at": _datetime(flag.shown_created_at),  # type: ignore[attr-defined]
        "updated_at": _datetime(flag.shown_updated_at),  # type: ignore[attr-defined]
    }


def stance_payload(stance: Stance) -> dict[str, Any]:
    """A stance as ``selectors.stances_for_display`` shows it to the team."""
    return {
        "id": stance.pk,
        "claim": stance.claim_id,
        "actor": _actor_ref(stance.actor),
        "speaker": _actor_ref(stance.speaker),
        "speaker_description": stance.speaker_description,
        "position": stance.position,
        "stated_on": _date(stance.stated_on),
        "stated_precision": stance.stated_precision,
        "quote": stance.quote,
        "quote_kind": stance.quote_kind,
        "report": stance.report_id,
        "confidence": stance.confidence,
        "confidence_wording": stance.confidence_wording,
        "note": stance.note,
        "source": stance.shown_source,  # type: ignore[attr-defined]
        "review_status": stance.review_status,
        "created_at": _datetime(stance.created_at),
        "updated_at": _datetime(stance.updated_at),
    }


def _payload_data(build: Callable[[Any], dict[str, Any]], obj: Model) -> dict[str, Any]:
    # Written and read back, so the stored payload is exactly the JSON sent.
    return json.loads(json.dumps(build(obj), ensure_ascii=False, allow_nan=False))


@dataclass(frozen=True)
class _EventKind:
    event: str
    key: str  # the payload's key for the object
    occurred_at: Callable[[Any], Any]
    visible: Callable[[selectors.Access], QuerySet]
    payload: Callable[[Any], dict[str, Any]]


FLAG_CREATED = _EventKind(
    event=WebhookEvent.FLAG_CREATED,
    key="flag",
    occurred_at=lambda flag: flag.shown_created_at,
    visible=selectors.flags_with_suggestions,
    payload=flag_payload,
)
STANCE_ACCEPTED = _EventKind(
    event=WebhookEvent.STANCE_ACCEPTED,
    key="stance",
    occurred_at=lambda stance: stance.reviewed_at or stance.updated_at,
    visible=lambda access: selectors.stances_for_display(
        selectors.stances_visible_to(access).filter(review_status=ReviewStatus.ACCEPTED), access
    ),
    payload=stance_payload,
)


def webhook_deliveries_record_for_flags(flag_ids: Iterable[int], *, teams: Iterable[Team] | None = None) -> int:
    """Record a ``flag.created`` delivery for each active webhook, subscribed
    to it, of each team that follows the flag's claim and may see the flag
    (of ``teams`` only, when given: a team that has just reached a report
    hears of its flags). Returns how many deliveries were created; recording
    again creates none."""
    return _record(FLAG_CREATED, Flag.objects.filter(pk__in=list(flag_ids)), teams=teams)


def webhook_deliveries_record_for_stances(stance_ids: Iterable[int]) -> int:
    """As for flags, for accepted stances (``stance.accepted``); a stance that
    is not accepted is never sent to anyone."""
    return _record(STANCE_ACCEPTED, Stance.objects.filter(pk__in=list(stance_ids), review_status=ReviewStatus.ACCEPTED))


def _subscribed(webhook: Webhook, event: str) -> bool:
    return not webhook.events or event in webhook.events


def _record(kind: _EventKind, rows: QuerySet, *, teams: Iterable[Team] | None = None) -> int:
    claim_of = dict(rows.values_list("pk", "claim_id"))
    if not claim_of:
        return 0
    followers: dict[int, set[int]] = defaultdict(set)  # team -> followed claims among these
    follows = Follow.objects.filter(claim_id__in=set(claim_of.values()))
    if teams is not None:
        follows = follows.filter(team__in=list(teams))
    for team_id, claim_id in follows.values_list("team_id", "claim_id"):
        followers[team_id].add(claim_id)
    webhooks: dict[int, list[Webhook]] = defaultdict(list)
    for webhook in Webhook.objects.filter(active=True, team_id__in=followers).select_related("team"):
        if _subscribed(webhook, kind.event):
            webhooks[webhook.team_id].append(webhook)

    created: list[int] = []
    for team_id, team_webhooks in webhooks.items():
        candidates = [pk for pk, claim_id in claim_of.items() if claim_id in followers[team_id]]
        # Each team is sent the row as it is shown to that team (a report's source, a flag's times).
        visible = kind.visible(team_access(team_webhooks[0].team)).filter(pk__in=candidates)
        for row in visible.order_by("pk"):
            event_id = f"{kind.event}:{row.pk}"
            payload = {
                "event": kind.event,
                "event_id": event_id,
                "occurred_at": kind.occurred_at(row).isoformat(),
                kind.key: _payload_data(kind.payload, row),
            }
            for webhook in team_webhooks:
                delivery, was_created = WebhookDelivery.objects.get_or_create(
                    webhook=webhook, event_id=event_id, defaults={"event": kind.event, "payload": payload}
                )
                if was_created:
                    created.append(delivery.pk)
    webhook_deliveries_enqueue(created)
    return len(created)


def webhook_deliveries_enqueue(delivery_ids: Sequence[int], *, replay: bool = False) -> None:
    """Send a delivery task for each id once the transaction commits."""
    dispatch.webhook_deliveries_send(delivery_ids, replay=replay)


# --- sending ----------------------------------------------------------------------------


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Tracker-Signature`` value for a request body sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def request_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def retry_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): exponential,
    capped, with jitter over the upper half so retries of many deliveries
    spread out."""
    base = float(_setting("WEBHOOK_RETRY_BASE_SECONDS", 30))
    cap = float(_setting("WEBHOOK_RETRY_MAX_SECONDS", 3600))
    delay = min(cap, base * 2 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 (jitter, not a secret)


@dataclass(frozen=True)
class AttemptOutcome:
    attempt: int
    status: str
    retry_in: float | None = None


def webhook_delivery_attempt(
    *, delivery_id: int, attempt: int | None = None, retry: bool = True, poster: Poster | None = None
) -> AttemptOutcome | None:
    """Make one attempt at a PENDING delivery.

    The attempt is counted with a conditional update before the request, so
    two copies of a message make one attempt; ``attempt`` (1-based), when
    given, names the attempt this message was sent for, and a stale one
    (already made) does nothing. Returns None when nothing was attempted.
    While the request is made, ``next_attempt_at`` is its deadline, so a
    worker lost mid-attempt is noticed by the sweep.

    2xx marks the delivery DELIVERED. Anything else (another status, a
    redirect, a refused address, a network error) records the error and
    returns ``retry_in`` seconds while attempts remain (and ``retry``), with
    ``next_attempt_at`` that far ahead, or marks it FAILED. DELIVERED and
    FAILED clear ``next_attempt_at``."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return None
    if attempt is not None and delivery.attempts != attempt - 1:
        return None
    total_timeout = float(_setting("WEBHOOK_TIMEOUT_SECONDS", 10))
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDelivery.Status.PENDING, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1, next_attempt_at=timezone.now() + datetime.timedelta(seconds=total_timeout))
    if not claimed:
        return None
    number = delivery.attempts + 1
    current = WebhookDelivery.objects.filter(pk=delivery.pk, attempts=number)
    webhook = delivery.webhook
    if not webhook.active:
        current.update(
            status=WebhookDelivery.Status.FAILED, last_error="The webhook is not active.", next_attempt_at=None
        )
        return AttemptOutcome(attempt=number, status=WebhookDelivery.Status.FAILED)

    body = request_body(delivery.payload)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Tracker-Event": delivery.event,
        "X-Tracker-Delivery": delivery.event_id,
        "X-Tracker-Timestamp": timestamp,
        "X-Tracker-Signature": signature(webhook.secret, timestamp, body),
    }
    response_status: int | None = None
    try:
        result = (poster or post)(
            webhook.url,
            body=body,
            headers=headers,
            connect_timeout=float(_setting("WEBHOOK_CONNECT_TIMEOUT", 5)),
            total_timeout=total_timeout,
            allow_private=private_targets(),
        )
    except FetchError as exc:
        error = f"not sent: {exc.reason}" if isinstance(exc, FetchRefused) else str(exc.reason)
        response_status = exc.status
    else:
        response_status = result.status
        if 200 <= result.status < 300:
            current.update(
                status=WebhookDelivery.Status.DELIVERED,
                response_status=result.status,
                last_error="",
                delivered_at=timezone.now(),
                next_attempt_at=None,
            )
            return AttemptOutcome(attempt=number, status=WebhookDelivery.Status.DELIVERED)
        snippet = result.content[:500].decode("utf-8", "replace")
        error = f"HTTP {result.status}" + (f": {snippet}" if snippet else "")
        if 300 <= result.status < 400:
            error += " (redirects are not followed)"

    error = f"attempt {number}: {error}"[:10_000]
    if retry and number < max_attempts():
        # The task sends the next attempt with this countdown; the row says
        # when it is due, for the sweep should that message be lost.
        retry_in = retry_delay(number)
        current.update(
            response_status=response_status,
            last_error=error,
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=retry_in),
        )
        return AttemptOutcome(attempt=number, status=WebhookDelivery.Status.PENDING, retry_in=retry_in)
    current.update(
        status=WebhookDelivery.Status.FAILED, response_status=response_status, last_error=error, next_attempt_at=None
    )
    logger.warning("webhook delivery %s failed after %s attempts: %s", delivery.pk, number, error)
    return AttemptOutcome(attempt=number, status=WebhookDelivery.Status.FAILED)


def webhook_deliveries_replay(*, deliveries: Iterable[WebhookDelivery]) -> int:
    """Send the stored payloads again, once each, as new attempts (counted
    with the others; no automatic retries). A delivery still being retried
    is replayed at once instead of waiting for its next retry."""
    ids = [d.pk for d in deliveries]
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk__in=ids).update(
            status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now()
        )
        webhook_deliveries_enqueue(ids, replay=True)
    return len(ids)


def webhook_deliveries_stuck(*, now: datetime.datetime | None = None) -> list[tuple[int, int]]:
    """(delivery id, next attempt) of PENDING deliveries whose message seems
    lost: their next attempt was due ``WEBHOOK_REQUEUE_SECONDS`` ago or more.

    The grace lets a message that is merely waiting in a busy queue run
    first; re-sending one that was not lost is harmless (the message names
    its attempt number, and whichever copy runs second does nothing)."""
    now = now or timezone.now()
    grace = datetime.timedelta(seconds=float(_setting("WEBHOOK_REQUEUE_SECONDS", 300)))
    rows = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now - grace)
    return [(pk, attempts + 1) for pk, attempts in rows.order_by("id").values_list("id", "attempts")]
