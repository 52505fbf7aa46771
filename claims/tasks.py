"""Celery tasks. Each takes ids, reloads rows, calls one service, and is safe
to run twice: the database (leases, attempts, one flag per pair) is the record
and the queue only carries pointers. See claims.services.report_matching for
the guarantees. Services send these by name, after commit
(``claims.services.dispatch``); tasks import services, never the reverse."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from claims import matcher_runtime
from claims.models import Feed
from claims.selectors import feeds_due
from claims.services import dispatch, rematch, report_matching, reports, webhooks, workers

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# A run that reaches the soft time limit on this attempt of a report (counted
# since its last piece was stored) fails it rather than trying again.
TIMEOUT_ATTEMPTS = 2


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
def match_report(self, report_id: int) -> None:
    """Match one report against the claims and store its flags.

    Guarantees: the attempt is counted before work starts; a re-run or a
    duplicate message changes nothing (lease + one flag per pair, reviewed
    flags untouched); a run matches for at most REPORT_MATCH_SECONDS from its
    start, and a long report is done in pieces, each run storing its progress
    and sending the report to the back of the queue; database outages are
    retried with backoff; any other error is recorded on the report in words
    (the traceback is logged), and the report is retried until its attempts
    are used up, then marked FAILED. A run cut short by the time limit is
    retried once."""
    started = time.monotonic()
    report = report_matching.report_lease(report_id=report_id)
    if report is None:
        return
    try:
        if not matcher_runtime.language_supported(report.language):
            report_matching.report_mark_unsupported_language(report=report)
            return
        # In-process (no broker) there is no queue to share: all in one go.
        until = None if self.request.is_eager else started + settings.REPORT_MATCH_SECONDS
        matched = matcher_runtime.match_report(report, until=until)
        if matched.proposals is None:
            _continue_later(report, matched)
            return
        counts = report_matching.report_complete(
            report=report, proposals=matched.proposals, matcher_version=matched.matcher_version
        )
        logger.info("report %s matched: %s", report_id, counts)
    except SoftTimeLimitExceeded:
        logger.exception("report %s: matching stopped at the soft time limit (attempt %s)", report_id, report.attempts)
        # A run stops itself well before the limit, so one that reached it
        # met an overloaded worker or a slow index build: worth one more try,
        # not five of a minute each.
        again = report.attempts < TIMEOUT_ATTEMPTS and not self.request.is_eager
        countdown = min(2**report.attempts, 60)
        _release_quietly(
            report,
            f"Matching took longer than the time limit ({settings.CELERY_TASK_SOFT_TIME_LIMIT} s) and was stopped",
            f"it will be retried once, in about {countdown} s" if again else None,
        )
        if again:
            match_report.apply_async((report_id,), countdown=countdown)
    except TRANSIENT_ERRORS:
        logger.warning("report %s: the database failed while matching; retrying", report_id, exc_info=True)
        _release_quietly(report, "The database could not be reached while matching", "it will be retried shortly")
        raise
    except Exception as exc:
        logger.exception("report %s: matching failed (attempt %s)", report_id, report.attempts)
        countdown = min(2**report.attempts, 60)
        # In-process (no broker) mode has no delayed retries: the report stays
        # PENDING with its reason, for the admin's retry action.
        retry = (
            f"it will be retried in about {countdown} s"
            if not self.request.is_eager
            else f"it is not retried automatically when tasks run in-process. {report_matching.RETRY_HINT}"
        )
        _release_quietly(report, f"Matching failed on an unexpected error ({_short(exc)})", retry)
        if report.attempts < settings.REPORT_MAX_ATTEMPTS and not self.request.is_eager:
            match_report.apply_async((report_id,), countdown=countdown)


def _continue_later(report, matched) -> None:
    """Store how far this run got; the report goes to the back of the queue."""
    saved = report_matching.report_progress_save(
        report=report,
        matcher_version=matched.matcher_version,
        next_passage=matched.next_passage,
        passages=matched.passages,
        hits=matched.hits,
    )
    if saved:
        dispatch.reports_match([report.pk])
    logger.info("report %s: %d of %d passages matched", report.pk, matched.next_passage, matched.passages)


def _short(exc: BaseException) -> str:
    """An exception as one short line: its type and the start of its message."""
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line[:200]}" if first_line else type(exc).__name__


def _release_quietly(report, reason: str, retry: str | None) -> None:
    try:
        report_matching.report_lease_release_failed(report=report, reason=reason, retry=retry)
    except TRANSIENT_ERRORS:
        # The database is down: the lease expires and the sweep takes it up.
        logger.warning("report %s: could not record the failure; its lease will expire", report.pk)


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def sweep_reports() -> int:
    """Re-send reports whose message was lost or whose worker died. Periodic
    (Celery beat); safe to run at any time and from several places."""
    ids = report_matching.reports_needing_work(requeue_after_seconds=settings.REPORT_REQUEUE_SECONDS)
    dispatch.reports_match_now(ids)
    if ids:
        logger.info("sweep re-enqueued %d reports", len(ids))
    return len(ids)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
)
def rematch_claim(self, claim_id: int, start: int = 0) -> dict[str, int | None]:
    """Match the archive of past reports against one new or edited claim, on
    the ``archive`` queue so it never delays new reports: its candidates
    from number ``start`` on, for at most REPORT_MATCH_SECONDS, then the
    rest in a run sent to the back of the queue. In-process, all in one go.
    Safe to re-run (one flag per pair, reviewed flags untouched)."""
    until = None if self.request.is_eager else time.monotonic() + settings.REPORT_MATCH_SECONDS
    result = rematch.claim_rematch(claim_id=claim_id, start=start, until=until)
    if result["next"] is not None:
        dispatch.claim_rematch_continue(claim_id, start=result["next"])
    return result


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def poll_feed(feed_id: int) -> int:
    """Fetch one feed through the guarded fetcher and ingest its new entries.
    Safe to re-run: an entry is taken once (unique per feed and guid); fetch
    and parse errors are recorded on the feed, not raised."""
    feed = Feed.objects.filter(pk=feed_id, active=True).first()
    return reports.feed_poll(feed=feed) if feed else 0


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def poll_due_feeds() -> int:
    """Periodic (Celery beat): send a poll for every active feed that is due."""
    due = feeds_due(now=timezone.now())
    for feed_id in due:
        poll_feed.apply_async((feed_id,))
    return len(due)


@shared_task(bind=True, acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def deliver_webhook(self, delivery_id: int, attempt: int | None = None, replay: bool = False) -> str | None:
    """Make one attempt at a webhook delivery and, if it failed with attempts
    left, send the next one with exponential backoff and jitter.

    Guarantees (see claims.services.webhooks): every attempt is counted on the row
    before the request; a duplicate or stale message makes no attempt; the
    final failure is recorded on the row (FAILED, with the error), where the
    admin and the API can replay it. A replay is one attempt, not retried."""
    outcome = webhooks.webhook_delivery_attempt(delivery_id=delivery_id, attempt=attempt, retry=not replay)
    if outcome is None:
        return None
    if outcome.retry_in is not None:
        if self.request.is_eager:
            # In-process (no broker) mode has no delayed retries: the delivery
            # stays PENDING with its error, for the sweep or a replay.
            return outcome.status
        deliver_webhook.apply_async((delivery_id,), kwargs={"attempt": outcome.attempt + 1}, countdown=outcome.retry_in)
    return outcome.status


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def sweep_webhook_deliveries() -> int:
    """Periodic (Celery beat): re-send PENDING deliveries whose next attempt
    is overdue (its message was lost). Safe at any time: each message names
    its attempt, and one for an attempt already made does nothing."""
    stuck = webhooks.webhook_deliveries_stuck()
    for delivery_id, attempt in stuck:
        deliver_webhook.apply_async((delivery_id,), kwargs={"attempt": attempt})
    if stuck:
        logger.info("webhook sweep re-sent %d deliveries", len(stuck))
    return len(stuck)


@shared_task(ignore_result=True, acks_late=False)
def heartbeat(queue: str) -> None:
    """Sent by beat to each queue: proves a worker consumes it (see /healthz)."""
    hostname = getattr(heartbeat.request, "hostname", "") or ""
    workers.heartbeat_record(queue=queue, hostname=hostname)
