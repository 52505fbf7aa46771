"""The matching task as a researcher sees it: what a failed attempt leaves on
the report (a reason in words, and what happens next; the traceback goes to
the log)."""

import logging

import pytest

from claims import matcher_runtime, processing, tasks
from claims.api.keys import api_key_create
from claims.models import Membership, Report
from tests import factories
from tests.conftest import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def resent(monkeypatch):
    """The retries the task sends itself, as (report id, countdown)."""
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(tasks.match_report, "apply_async", lambda args, **kw: sent.append((args[0], kw["countdown"])))
    return sent


@pytest.fixture
def broken_matcher(monkeypatch):
    def fail(report):
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
    assert report.last_error.endswith(f"Attempt 2 of 2: no attempts left. {processing.RETRY_HINT}")
    assert "Traceback" not in report.last_error
    assert resent == [(report.pk, 2)]  # no third attempt sent


def test_in_process_the_reason_says_retry_is_by_hand(broken_matcher):
    report = factories.ReportFactory()
    tasks.match_report.apply((report.pk,))  # in-process (no broker): no delayed retries
    report.refresh_from_db()
    assert report.status == Report.Status.PENDING
    assert "it is not retried automatically when tasks run in-process" in report.last_error
    assert processing.RETRY_HINT in report.last_error


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
    assert report.last_error in page.content.decode()
