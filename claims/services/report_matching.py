"""The bookkeeping of matching reports against the claims, with the database as the record.

The queue only carries report ids. Whether a report still needs work, how
often it was tried and who holds it is in the Report row: a task takes a
*lease* (status PROCESSING until ``lease_expires_at``) with a conditional
update, counting the attempt before any work starts. A worker that dies leaves
an expired lease that the sweep re-enqueues; a report that has used up its
attempts is marked FAILED with its error, visible in the admin and retryable.

A run matches for a bounded time (REPORT_MATCH_SECONDS). A long report is
matched in pieces: each run stores how far it got (``report_progress_save``)
and the report goes to the back of the queue, so it never holds a worker for
long and the reports behind it are not kept waiting.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from claims.matcher_runtime import FlagProposal
from claims.models import Flag, Report, ReportMatchProgress
from claims.services.history import history_rows as _history
from claims.services.suggestions import flag_suggestions_store
from claims.services.webhooks import webhook_deliveries_record_for_flags

logger = logging.getLogger(__name__)


# How a researcher gets a failed report matched again (the admin's action).
RETRY_HINT = "Use the “Retry matching” action on the report (admin, Reports) to try again."


def _lease_until(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(seconds=settings.REPORT_LEASE_SECONDS)


def report_lease(*, report_id: int) -> Report | None:
    """Take a report for matching, or None if another worker holds it, it is
    done, or it has used up its attempts (then it is marked FAILED).

    The attempt is counted here, before any work, so a report that kills its
    worker still uses up attempts and cannot block the queue for ever."""
    now = timezone.now()
    takeable = Q(status=Report.Status.PENDING) | Q(status=Report.Status.PROCESSING, lease_expires_at__lt=now)
    taken = Report.objects.filter(takeable, pk=report_id, attempts__lt=settings.REPORT_MAX_ATTEMPTS).update(
        status=Report.Status.PROCESSING, attempts=F("attempts") + 1, lease_expires_at=_lease_until(now)
    )
    if taken:
        report = Report.objects.select_related("source").get(pk=report_id)
        _history(Report, [report_id], f"matching: attempt {report.attempts} started")
        return report
    exhausted = Report.objects.filter(takeable, pk=report_id, attempts__gte=settings.REPORT_MAX_ATTEMPTS).update(
        status=Report.Status.FAILED,
        lease_expires_at=None,
        last_error=f"Gave up after {settings.REPORT_MAX_ATTEMPTS} attempts: the last one did not finish (the "
        f"worker matching it stopped: it crashed, was killed or ran out of memory). {RETRY_HINT}",
    )
    if exhausted:
        _history(Report, [report_id], "matching: failed, attempts exhausted")
        logger.error("report %s failed: attempts exhausted", report_id, extra={"report_id": report_id})
    return None


def report_lease_release_failed(*, report: Report, reason: str, retry: str | None) -> str:
    """Record why this attempt failed, in words for the researchers who read
    ``last_error`` (the traceback goes to the worker's log, not here), and
    what happens next. The report goes back to PENDING when ``retry`` says
    how it will be retried ("it will be retried in about 4 s"), or to FAILED
    when ``retry`` is None or its attempts are used up. Returns the message."""
    final = retry is None or report.attempts >= settings.REPORT_MAX_ATTEMPTS
    if final:
        left = "no attempts left" if report.attempts >= settings.REPORT_MAX_ATTEMPTS else "not retried automatically"
        then = f"{left}. {RETRY_HINT}"
    else:
        then = f"{retry}."
    message = f"{reason}. Attempt {report.attempts} of {settings.REPORT_MAX_ATTEMPTS}: {then}"[:10_000]
    status = Report.Status.FAILED if final else Report.Status.PENDING
    if Report.objects.filter(pk=report.pk, status=Report.Status.PROCESSING, attempts=report.attempts).update(
        status=status, lease_expires_at=None, last_error=message
    ):
        _history(Report, [report.pk], f"matching: attempt {report.attempts} failed")
    logger.warning(
        "report %s attempt %s failed: %s",
        report.pk,
        report.attempts,
        message[:300],
        extra={"report_id": report.pk, "attempt": report.attempts},
    )
    return message


def flags_store(*, report: Report, proposals: Iterable[FlagProposal], matcher_version: str) -> dict[str, int]:
    """Write the matcher's proposals: one row per (report, claim) pair. A pair
    already reviewed is left alone, so a rejected flag stays rejected; a NEW
    flag is updated in place. New pairs go in one INSERT that skips a pair a
    concurrent run stored first (the unique constraint decides). Safe to run
    twice and under concurrency. The new and re-matched flags get their
    suggested stances (``suggestions.flag_suggestions_store``)."""
    counts = {"created": 0, "updated": 0, "kept_reviewed": 0}
    fields_of = {
        p.claim_id: {
            "score": p.score,
            "tier": p.tier,
            "passages": p.passages,
            "matched_actors": p.matched_actors,
            "matched_terms": p.matched_terms,
            "matcher_version": matcher_version,
        }
        for p in proposals
    }
    existing = {f.claim_id: f for f in Flag.objects.filter(report=report, claim_id__in=list(fields_of))}
    new = [Flag(report=report, claim_id=claim_id, **fields) for claim_id, fields in fields_of.items()
           if claim_id not in existing]  # fmt: skip
    created: list[int] = []
    if new:
        Flag.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        created = list(
            Flag.objects.filter(report=report, claim_id__in=[f.claim_id for f in new]).values_list("pk", flat=True)
        )
        counts["created"] = len(created)
        _history(Flag, created, f"created by the matcher ({matcher_version})", created=True)
    rewritten: list[int] = []
    for claim_id, flag in existing.items():
        if flag.status != Flag.Status.NEW:
            counts["kept_reviewed"] += 1
            continue
        fields = fields_of[claim_id]
        if Flag.objects.filter(pk=flag.pk, status=Flag.Status.NEW).update(**fields, updated_at=timezone.now()):
            rewritten.append(flag.pk)
    counts["updated"] = len(rewritten)
    _history(Flag, rewritten, f"re-matched ({matcher_version})")
    _suggestions_store(report, [*created, *rewritten])
    webhook_deliveries_record_for_flags(created)  # with their suggestions
    return counts


def _suggestions_store(report: Report, flag_ids: list[int]) -> int:
    """The stances the new and re-matched flags' passages suggest. A failure
    here is logged and costs the suggestions only, never the flags (a savepoint)."""
    if not flag_ids:
        return 0
    try:
        with transaction.atomic():
            stored = flag_suggestions_store(report=report, flag_ids=flag_ids)
        logger.info("report %s: %d stances suggested", report.pk, stored, extra={"report_id": report.pk})
        return stored
    except Exception:
        logger.exception("report %s: stance suggestions failed", report.pk, extra={"report_id": report.pk})
        return 0


def _still_leased(report: Report):
    """The report's row, locked, if this attempt still holds its lease."""
    return Report.objects.select_for_update().filter(
        pk=report.pk, status=Report.Status.PROCESSING, attempts=report.attempts
    )


def report_progress_save(
    *, report: Report, matcher_version: str, next_passage: int, passages: int, hits: bytes
) -> bool:
    """Store how far this run got and give the report back to the queue
    (PENDING) for the next run to go on from ``next_passage``. The run made
    progress, so the report's attempts start again: a piece that keeps
    failing still fails the report after REPORT_MAX_ATTEMPTS, and every run
    that succeeds gets further, so a report is done in a bounded number of
    runs. Only if this attempt still holds the lease (returns whether it
    did): a slower duplicate stores nothing, and the next run, starting from
    the stored passage, counts no passage twice."""
    with transaction.atomic():
        still_ours = _still_leased(report)
        if not still_ours.exists():
            return False
        ReportMatchProgress.objects.update_or_create(
            report=report,
            defaults={
                "text_hash": report.text_hash or "",
                "matcher_version": matcher_version,
                "next_passage": next_passage,
                "passages": passages,
                "hits": hits,
            },
        )
        still_ours.update(status=Report.Status.PENDING, attempts=0, lease_expires_at=None, last_error="")
        _history(Report, [report.pk], f"matching: {next_passage:,} of {passages:,} passages matched, continuing")
    return True


def report_complete(*, report: Report, proposals: Sequence[FlagProposal], matcher_version: str) -> dict[str, int]:
    """Store the flags and mark the report PROCESSED, in one transaction, only
    if this attempt still holds the lease (a slower duplicate changes nothing)."""
    with transaction.atomic():
        still_ours = _still_leased(report)
        if not still_ours.exists():
            return {"created": 0, "updated": 0, "kept_reviewed": 0}
        counts = flags_store(report=report, proposals=proposals, matcher_version=matcher_version)
        ReportMatchProgress.objects.filter(report=report).delete()
        still_ours.update(
            status=Report.Status.PROCESSED,
            lease_expires_at=None,
            processed_at=timezone.now(),
            matcher_version=matcher_version,
            last_error="",
        )
        _history(Report, [report.pk], f"matching: processed ({counts['created']} new flags)")
    return counts


def report_mark_unsupported_language(*, report: Report) -> None:
    if Report.objects.filter(pk=report.pk, status=Report.Status.PROCESSING, attempts=report.attempts).update(
        status=Report.Status.UNSUPPORTED_LANGUAGE,
        lease_expires_at=None,
        processed_at=timezone.now(),
        last_error=f"Not matched: the matcher does not handle language {report.language!r}.",
    ):
        _history(Report, [report.pk], "matching: not matched, language")


def reports_retry(*, reports: Iterable[Report], user: User | None = None) -> list[int]:
    """Give failed reports a fresh set of attempts (the admin's "retry" action),
    recorded in each report's history with who asked. Returns the ids put back
    to PENDING; the caller enqueues them."""
    ids = [r.pk for r in reports]
    retryable = Report.objects.filter(
        pk__in=ids, status__in=[Report.Status.FAILED, Report.Status.PENDING, Report.Status.UNSUPPORTED_LANGUAGE]
    )
    retry_ids = list(retryable.values_list("pk", flat=True))
    retryable.update(status=Report.Status.PENDING, attempts=0, lease_expires_at=None)
    _history(Report, retry_ids, "matching: retry requested", user)
    return retry_ids


def reports_needing_work(*, requeue_after_seconds: int, limit: int = 1000) -> list[int]:
    """Reports the sweep should (re-)enqueue: PENDING and not sent recently
    (their message may be lost, e.g. sent while the broker was down) or
    PROCESSING with an expired lease (their worker died)."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=requeue_after_seconds)
    return list(
        Report.objects.filter(
            Q(status=Report.Status.PENDING) & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
            | Q(status=Report.Status.PROCESSING, lease_expires_at__lt=now)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
