"""The database-side bookkeeping of matching: leases, attempts, flags, sweep."""

import datetime

import pytest
from django.utils import timezone

from claims import matcher_runtime
from claims.models import Flag, Report
from claims.services import report_matching
from tests import factories

pytestmark = pytest.mark.django_db


def _proposal(claim, score=0.7, tier="suggested"):
    return matcher_runtime.FlagProposal(
        claim_id=claim.pk,
        score=score,
        tier=tier,
        passages=[{"text": "Damascus denies", "start": 0, "end": 15, "score": score}],
        matched_actors=[{"actor_id": 1, "alias": "Damascus", "start": 0}],
        matched_terms=["chlorin"],
    )


def test_lease_counts_the_attempt_before_work_and_excludes_others():
    report = factories.ReportFactory()
    leased = report_matching.report_lease(report_id=report.pk)
    assert leased is not None
    assert (leased.status, leased.attempts) == (Report.Status.PROCESSING, 1)
    assert leased.lease_expires_at > timezone.now()
    assert report_matching.report_lease(report_id=report.pk) is None  # held by the first


def test_expired_lease_can_be_taken_again(settings):
    report = factories.ReportFactory()
    report_matching.report_lease(report_id=report.pk)
    Report.objects.filter(pk=report.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    again = report_matching.report_lease(report_id=report.pk)
    assert again is not None and again.attempts == 2


def test_report_that_keeps_crashing_is_failed_after_max_attempts(settings):
    settings.REPORT_MAX_ATTEMPTS = 3
    report = factories.ReportFactory()
    for _ in range(3):
        assert report_matching.report_lease(report_id=report.pk) is not None
        Report.objects.filter(pk=report.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert report_matching.report_lease(report_id=report.pk) is None
    report.refresh_from_db()
    assert (report.status, report.attempts) == (Report.Status.FAILED, 3)
    assert "Gave up after 3 attempts" in report.last_error


def test_error_goes_back_to_pending_then_failed_when_attempts_are_used(settings):
    settings.REPORT_MAX_ATTEMPTS = 2
    report = factories.ReportFactory()
    leased = report_matching.report_lease(report_id=report.pk)
    report_matching.report_lease_release_failed(
        report=leased, reason="It broke", retry="it will be retried in about 2 s"
    )
    report.refresh_from_db()
    assert report.status == Report.Status.PENDING
    assert report.last_error == "It broke. Attempt 1 of 2: it will be retried in about 2 s."
    leased = report_matching.report_lease(report_id=report.pk)
    report_matching.report_lease_release_failed(report=leased, reason="It broke again", retry="it will be retried")
    report.refresh_from_db()
    assert (report.status, report.attempts) == (Report.Status.FAILED, 2)
    assert report.last_error == f"It broke again. Attempt 2 of 2: no attempts left. {report_matching.RETRY_HINT}"


def test_an_error_not_worth_retrying_fails_the_report_at_once(settings):
    settings.REPORT_MAX_ATTEMPTS = 5
    report = factories.ReportFactory()
    leased = report_matching.report_lease(report_id=report.pk)
    report_matching.report_lease_release_failed(report=leased, reason="It cannot work", retry=None)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert (
        report.last_error == f"It cannot work. Attempt 1 of 5: not retried automatically. {report_matching.RETRY_HINT}"
    )


def test_complete_stores_flags_and_a_rerun_adds_nothing():
    report, claim = factories.ReportFactory(), factories.ClaimFactory()
    leased = report_matching.report_lease(report_id=report.pk)
    counts = report_matching.report_complete(report=leased, proposals=[_proposal(claim)], matcher_version="v1")
    assert counts["created"] == 1
    report.refresh_from_db()
    assert (report.status, report.matcher_version, report.lease_expires_at) == (Report.Status.PROCESSED, "v1", None)
    # A duplicate message for the finished report cannot lease it, and a stale
    # attempt that finishes late changes nothing.
    assert report_matching.report_lease(report_id=report.pk) is None
    assert report_matching.report_complete(report=leased, proposals=[_proposal(claim, 0.9)], matcher_version="v2") == {
        "created": 0,
        "updated": 0,
        "kept_reviewed": 0,
    }
    assert Flag.objects.get().score == 0.7


def test_rematching_updates_new_flags_but_leaves_reviewed_ones(researcher):
    report = factories.ReportFactory()
    rejected_claim, new_claim = factories.ClaimFactory(), factories.ClaimFactory()
    factories.FlagFactory(
        report=report, claim=rejected_claim, status=Flag.Status.REJECTED, reviewed_at=timezone.now(), score=0.5
    )
    factories.FlagFactory(report=report, claim=new_claim, score=0.5)
    counts = report_matching.flags_store(
        report=report,
        proposals=[_proposal(rejected_claim, 0.95), _proposal(new_claim, 0.95, "strong")],
        matcher_version="v2",
    )
    assert counts == {"created": 0, "updated": 1, "kept_reviewed": 1}
    rejected = Flag.objects.get(claim=rejected_claim)
    assert (rejected.status, rejected.score) == (Flag.Status.REJECTED, 0.5)
    updated = Flag.objects.get(claim=new_claim)
    assert (updated.score, updated.tier, updated.matcher_version) == (0.95, "strong", "v2")


def test_sweep_finds_lost_messages_and_dead_workers_only():
    now = timezone.now()
    never_sent = factories.ReportFactory()
    sent_long_ago = factories.ReportFactory()
    Report.objects.filter(pk=sent_long_ago.pk).update(enqueued_at=now - datetime.timedelta(hours=1))
    just_sent = factories.ReportFactory()
    Report.objects.filter(pk=just_sent.pk).update(enqueued_at=now)
    dead = factories.ReportFactory()
    Report.objects.filter(pk=dead.pk).update(
        status=Report.Status.PROCESSING, lease_expires_at=now - datetime.timedelta(seconds=5)
    )
    alive = factories.ReportFactory()
    Report.objects.filter(pk=alive.pk).update(
        status=Report.Status.PROCESSING, lease_expires_at=now + datetime.timedelta(minutes=5)
    )
    factories.ReportFactory(status=Report.Status.PROCESSED)
    factories.ReportFactory(status=Report.Status.FAILED)
    assert set(report_matching.reports_needing_work(requeue_after_seconds=300)) == {
        never_sent.pk,
        sent_long_ago.pk,
        dead.pk,
    }


def test_retry_gives_failed_reports_fresh_attempts():
    failed = factories.ReportFactory(status=Report.Status.FAILED, attempts=5, last_error="boom")
    done = factories.ReportFactory(status=Report.Status.PROCESSED)
    assert report_matching.reports_retry(reports=[failed, done]) == [failed.pk]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Report.Status.PENDING, 0, "boom")
