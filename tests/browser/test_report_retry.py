"""The report changelist's retry action, in a real browser (the flag review
actions are exercised in test_report_ingest)."""

import pytest

from claims.models import Report
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_retrying_a_failed_report_matches_it_again(signed_in):
    claim = factories.ClaimFactory(
        title="Chlorine was used in attacks in Syria", text="Chlorine was used in attacks in Syria."
    )
    report = factories.ReportFactory(
        title="Inspectors confirm chlorine attacks",
        text="Inspectors confirmed that chlorine was used in attacks in Syria last year.",
        status=Report.Status.FAILED,
        attempts=5,
        last_error="worker lost",
    )
    browser = signed_in
    browser.open("admin:claims_report_changelist", query="status=failed")
    row = browser.row(containing=report.title)

    browser.run_action("retry_matching", rows=[row])
    assert "1 report(s) sent for matching again." in browser.messages()
    browser.open("admin:claims_report_changelist")
    browser.follow(report.title, within="#result_list")
    assert browser.text(".field-status .readonly") == Report.Status.PROCESSED.label
    report.refresh_from_db()
    assert report.status == Report.Status.PROCESSED
    assert report.flags.get().claim == claim
