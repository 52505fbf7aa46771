"""The matching task as a researcher sees it: a long report matched in
bounded pieces across runs, and what a failed attempt leaves on the report (a
reason in words, and what happens next; the traceback goes to the log)."""

import logging

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils.html import escape

from claims import matcher_runtime, tasks
from claims.models import Flag, Membership, Report, ReportMatchProgress
from claims.services import report_matching
from claims.services.api_keys import api_key_create
from tests import factories
from tests.conftest import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def resent(monkeypatch):
    """The retries the task sends itself, as (report id, countdown)."""
    sent: list[tuple[int, int | None]] = []
    monkeypatch.setattr(
        tasks.match_report, "apply_async", lambda args, **kw: sent.append((args[0], kw.get("countdown")))
    )
    return sent


@pytest.fixture
def broken_matcher(monkeypatch):
    def fail(report, **options):
        raise ValueError("passage 3 has no text\nmore detail")

    monkeypatch.setattr(matcher_runtime, "match_report", fail)


def test_a_failed_attempt_leaves_a_reason_in_words_and_the_traceback_in_the_log(
    settings, broken_matcher, resent, caplog
):
    settings.REPORT_MAX_ATTEMPTS = 2
    report = factories.ReportFactory()
    with caplog.at_level(logging.ERROR, logger="claims.tasks"):
        tasks.match_report(report.pk)  # as a worker runs it (not in-process)
    report.refresh_from_db()
    assert report.status == Report.Status.PENDING
    assert report.last_error == (
        "Matching failed on an unexpected error (ValueError: passage 3 has no text). "
        "Attempt 1 of 2: it will be retried in about 2 s."
    )
    assert resent == [(report.pk, 2)]
    [logged] = [r for r in caplog.records if r.exc_info]
    assert logged.exc_info[0] is ValueError  # the traceback, for developers

    tasks.match_report(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.last_error.endswith(f"Attempt 2 of 2: no attempts left. {report_matching.RETRY_HINT}")
    assert "Traceback" not in report.last_error
    assert resent == [(report.pk, 2)]  # no third attempt sent


def test_in_process_the_reason_says_retry_is_by_hand(broken_matcher):
    report = factories.ReportFactory()
    tasks.match_report.apply((report.pk,))  # in-process (no broker): no delayed retries
    report.refresh_from_db()
    assert report.status == Report.Status.PENDING
    assert "it is not retried automatically when tasks run in-process" in report.last_error
    assert report_matching.RETRY_HINT in report.last_error


def test_the_admin_and_the_api_show_the_readable_reason(
    broken_matcher, resent, research_team, researcher, researcher_client
):
    report = factories.ReportFactory()
    tasks.match_report(report.pk)
    report.refresh_from_db()
    assert report.last_error.startswith("Matching failed on an unexpected error")
    _, key = api_key_create(team=research_team, user=researcher, name="research", role=Membership.Role.EDITOR)
    assert api_client(key).get(f"/api/v1/reports/{report.pk}/").json()["last_error"] == report.last_error
    page = researcher_client.get(f"/admin/claims/report/{report.pk}/change/")
    assert escape(report.last_error) in page.content.decode()


# --- long reports: bounded runs ---------------------------------------------------------------


@pytest.fixture
def long_report(settings):
    settings.MATCHER_EMBEDDINGS = False
    factories.ClaimFactory(title="Chlorine on Sarmin", text="Helicopters dropped chlorine barrel bombs on Sarmin")
    factories.ClaimFactory(title="Hassakeh attacked", text="Islamic State fighters attacked the city of Hassakeh")
    sentences = [f"Delegates discussed item {i} of the agenda at length." for i in range(200)]
    sentences[30] = "Witnesses said helicopters dropped chlorine barrel bombs on Sarmin."
    sentences[170] = "Islamic State fighters attacked the city of Hassakeh on Wednesday."
    return factories.ReportFactory(title="Session record", text=" ".join(sentences))


def _one_go(report: Report) -> set[tuple[int, str, float]]:
    matcher = matcher_runtime.build()
    proposals = matcher_runtime.report_proposals(matcher, report)
    return {(p.claim_id, p.tier, p.score) for p in proposals}


def _run(report: Report, capture) -> None:
    with capture(execute=True):  # the continuation is sent after commit
        tasks.match_report(report.pk)  # as a worker runs it
    report.refresh_from_db()


def test_a_report_over_the_run_budget_is_matched_in_pieces_with_the_flags_of_one_go(
    settings, long_report, resent, django_capture_on_commit_callbacks
):
    settings.REPORT_MATCH_SECONDS = 0  # every run stops after its first block of passages
    expected = _one_go(long_report)
    assert len(expected) == 2
    runs, seen = 0, []
    while long_report.status != Report.Status.PROCESSED:
        _run(long_report, django_capture_on_commit_callbacks)
        runs += 1
        assert runs < 20
        if long_report.status == Report.Status.PENDING:  # a piece done: its progress stored, the report resent
            progress = ReportMatchProgress.objects.get(report=long_report)
            seen.append(progress.next_passage)
            assert (long_report.attempts, long_report.last_error) == (0, "")
            assert resent[-1] == (long_report.pk, None)
    assert runs == len(seen) + 1 > 3
    assert seen == sorted(set(seen))  # every run got further
    flags = {(f.claim_id, f.tier, f.score) for f in Flag.objects.filter(report=long_report)}
    assert flags == expected
    assert not ReportMatchProgress.objects.exists()  # done: the progress is gone
    reasons = list(long_report.history.values_list("history_change_reason", flat=True))
    assert any("passages matched, continuing" in (r or "") for r in reasons)


def test_a_report_within_the_budget_is_matched_in_one_run_and_stores_no_progress(
    long_report, resent, django_capture_on_commit_callbacks
):
    _run(long_report, django_capture_on_commit_callbacks)
    assert long_report.status == Report.Status.PROCESSED
    assert resent == []
    assert not ReportMatchProgress.objects.exists()


def test_progress_made_from_another_text_is_not_used(settings, long_report, resent, django_capture_on_commit_callbacks):
    settings.REPORT_MATCH_SECONDS = 0
    _run(long_report, django_capture_on_commit_callbacks)
    ReportMatchProgress.objects.filter(report=long_report).update(text_hash="0" * 64, next_passage=10_000, hits=b"")
    settings.REPORT_MATCH_SECONDS = 60
    _run(long_report, django_capture_on_commit_callbacks)  # starts again, from the first passage
    assert long_report.status == Report.Status.PROCESSED
    assert {(f.claim_id, f.tier, f.score) for f in Flag.objects.filter(report=long_report)} == _one_go(long_report)


def test_a_run_that_lost_its_lease_stores_no_progress(long_report):
    leased = report_matching.report_lease(report_id=long_report.pk)
    Report.objects.filter(pk=long_report.pk).update(attempts=2)  # another worker took it over
    saved = report_matching.report_progress_save(
        report=leased, matcher_version="v", next_passage=32, passages=200, hits=b""
    )
    assert saved is False
    assert not ReportMatchProgress.objects.exists()


def test_a_run_stopped_by_the_time_limit_is_retried_once_then_failed_in_words(settings, monkeypatch, resent):
    def too_slow(report, **options):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(matcher_runtime, "match_report", too_slow)
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 60
    report = factories.ReportFactory()
    tasks.match_report(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.PENDING
    assert report.last_error == (
        "Matching took longer than the time limit (60 s) and was stopped. "
        "Attempt 1 of 5: it will be retried once, in about 2 s."
    )
    tasks.match_report(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.last_error.endswith(f"Attempt 2 of 5: not retried automatically. {report_matching.RETRY_HINT}")
    assert resent == [(report.pk, 2)]  # one retry, not four


def test_the_admin_shows_how_far_a_long_report_has_got(long_report, researcher_client):
    ReportMatchProgress.objects.create(
        report=long_report, text_hash=long_report.text_hash, matcher_version="v", next_passage=1024, passages=27660
    )
    page = researcher_client.get(f"/admin/claims/report/{long_report.pk}/change/")
    assert "1,024 of 27,660 passages matched so far" in page.content.decode()
