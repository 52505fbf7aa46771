"""Every write leaves a history record saying who and when, including the
conditional bulk updates that tasks and admin actions make."""

import pytest

from claims import services
from claims.models import Flag, Report, ReviewStatus, Stance
from claims.services import report_matching
from tests import factories
from tests.test_report_matching import _proposal

pytestmark = pytest.mark.django_db


def _reasons(obj):
    return [h.history_change_reason for h in obj.history.order_by("history_date", "history_id")]


def test_matching_records_each_state_change_of_the_report():
    report, claim = factories.ReportFactory(), factories.ClaimFactory()
    leased = report_matching.report_lease(report_id=report.pk)
    report_matching.report_complete(report=leased, proposals=[_proposal(claim)], matcher_version="v1")
    reasons = _reasons(report)
    assert reasons[-2:] == ["matching: attempt 1 started", "matching: processed (1 new flags)"]
    assert report.history.latest().status == Report.Status.PROCESSED
    assert Flag.objects.get().history.count() == 1  # created, with a history row


def test_a_failed_attempt_and_exhaustion_are_recorded(settings):
    settings.REPORT_MAX_ATTEMPTS = 1
    report = factories.ReportFactory()
    leased = report_matching.report_lease(report_id=report.pk)
    report_matching.report_lease_release_failed(report=leased, reason="It broke", retry="it will be retried")
    assert report.history.latest().status == Report.Status.FAILED
    assert _reasons(report)[-1] == "matching: attempt 1 failed"


def test_rematching_records_the_flags_it_rewrites():
    report, claim = factories.ReportFactory(), factories.ClaimFactory()
    flag = factories.FlagFactory(report=report, claim=claim, score=0.5)
    report_matching.flags_store(report=report, proposals=[_proposal(claim, 0.9)], matcher_version="v2")
    latest = flag.history.latest()
    assert (latest.score, latest.history_change_reason) == (0.9, "re-matched (v2)")


def test_a_bulk_retry_from_the_admin_names_who_asked(researcher_client, researcher):
    failed = [factories.ReportFactory(status=Report.Status.FAILED, attempts=5) for _ in range(3)]
    response = researcher_client.post(
        "/admin/claims/report/", {"action": "retry_matching", "_selected_action": [r.pk for r in failed]}
    )
    assert response.status_code == 302
    for report in failed:
        latest = report.history.order_by("history_date", "history_id").filter(
            history_change_reason="matching: retry requested"
        )
        assert latest.exists(), _reasons(report)
        assert latest.first().history_user == researcher


def test_a_bulk_review_of_stances_is_recorded_per_stance(researcher, factcheck_team):
    stances = [factories.StanceFactory(team=factcheck_team, review_status=ReviewStatus.PENDING) for _ in range(3)]
    services.stances_review(stances=Stance.objects.filter(pk__in=[s.pk for s in stances]), reviewer=researcher,
                            decision=ReviewStatus.ACCEPTED)  # fmt: skip
    for stance in stances:
        latest = stance.history.latest()
        assert (latest.review_status, latest.history_user) == (ReviewStatus.ACCEPTED, researcher)
