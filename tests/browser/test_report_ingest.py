"""Adding reports in the admin, in a real browser: pasted text through to its
reviewed flags; an empty form, then an uploaded file.

Few, long tests on purpose: each live-server test empties every table after
it, which costs more than most of the steps it takes."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from selenium.webdriver.common.by import By

from claims.models import Evidence, Flag, Report, Submission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ATTRIBUTION = "Chlorine attacks in Syria in 2015 were carried out by the Syrian government"
EVENT = "Chlorine was used in attacks in Syria"
PASTED = "Damascus denied using chlorine in the attack on Sarmin, the foreign ministry said on Monday."
TITLE = "Damascus denies chlorine use in Sarmin"


def test_a_pasted_report_is_matched_and_its_flags_reviewed_from_the_queue(signed_in, researcher):
    call_command("load_demo", stdout=StringIO())
    browser = signed_in

    browser.open("admin:claims_report_add")
    browser.fill({"#id_title": TITLE, "#id_text": PASTED})
    browser.press("#report-ingest-form [type=submit]")

    # The submission's page, with the report it became: matched already, as
    # tasks run in-process here.
    submission = Submission.objects.get(channel=Submission.Channel.ADMIN_TEXT)
    assert browser.path == reverse("admin:claims_submission_change", args=[submission.pk])
    assert "1 new report(s) stored, 0 already stored" in browser.messages()
    browser.follow(TITLE, within=".field-report_links")
    report = Report.objects.get(title=TITLE)
    assert browser.path == reverse("admin:claims_report_change", args=[report.pk])
    assert browser.text(".field-status .readonly") == Report.Status.PROCESSED.label

    # The review queue: both chlorine claims are flagged on the passage.
    browser.open("admin:claims_flag_changelist")
    browser.fill({"#searchbar": TITLE})
    browser.press("#changelist-search [type=submit]")
    for claim in (ATTRIBUTION, EVENT):
        assert "Damascus denied using chlorine in the attack on Sarmin" in browser.row(containing=claim).text

    browser.run_action("reject", rows=[browser.row(containing=EVENT)])
    assert "1 flag(s) rejected." in browser.messages()
    browser.run_action("accept", rows=[browser.row(containing=ATTRIBUTION)])
    assert "1 flag(s) accepted." in browser.messages()
    queue = " ".join(row.text for row in browser.rows())  # new flags only
    assert ATTRIBUTION not in queue and EVENT not in queue

    browser.follow("accepted", within="#changelist-filter")
    browser.click_and_wait(browser.row(containing=ATTRIBUTION).find_element(By.CSS_SELECTOR, "th a"))
    assert browser.text(".field-status .readonly") == Flag.Status.ACCEPTED.label

    # Accepting linked the report to its claim as evidence; rejecting linked nothing.
    evidence = Evidence.objects.get(report=report)
    flags = {flag.claim.title: flag for flag in Flag.objects.filter(report=report).select_related("claim")}
    accepted, rejected = flags[ATTRIBUTION], flags[EVENT]
    assert (accepted.status, accepted.reviewed_by, accepted.evidence) == (Flag.Status.ACCEPTED, researcher, evidence)
    assert (rejected.status, rejected.reviewed_by, rejected.evidence) == (Flag.Status.REJECTED, researcher, None)
    assert evidence.claim == accepted.claim
    browser.click_and_wait(browser.find(".field-evidence_link .readonly a"))
    assert browser.path == reverse("admin:claims_evidence_change", args=[evidence.pk])


def test_an_empty_form_is_refused_then_an_uploaded_html_file_becomes_a_report(signed_in, tmp_path):
    page = tmp_path / "opcw-note.html"
    page.write_text(
        "<html><head><title>OPCW note</title><script>var tracking = 1;</script></head>"
        "<body><p>The OPCW fact-finding mission confirmed chlorine use in Syria.</p></body></html>"
    )
    browser = signed_in
    browser.open("admin:claims_report_add")
    browser.press("#report-ingest-form [type=submit]")
    assert browser.text(".errornote") == "Give exactly one of: pasted text, a file, or a URL."
    assert browser.path == reverse("admin:claims_report_add")
    assert (Submission.objects.count(), Report.objects.count()) == (0, 0)

    browser.find("#id_file").send_keys(str(page))
    browser.press("#report-ingest-form [type=submit]")

    assert "1 new report(s) stored" in browser.messages()
    assert browser.text(".field-filename .readonly") == "opcw-note.html"
    browser.click_and_wait(browser.find(".field-report_links .readonly a"))
    text = browser.find("#id_text").get_property("value")
    assert "confirmed chlorine use in Syria" in text
    assert "tracking" not in text
    submission = Submission.objects.get()
    assert (submission.channel, submission.reports.count()) == (Submission.Channel.ADMIN_FILE, 1)
