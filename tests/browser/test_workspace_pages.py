"""The researchers' pages in a real browser at 1400 px: a researcher (not a
superuser) signs in through the admin, reads each page, uses its filters,
and the browser logs nothing blocked by the Content-Security-Policy (so the
page's styles all came from its stylesheet)."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from claims.models import Flag, Position, Report
from tests import factories
from tests.browser.conftest import Browser
from tests.browser.test_content_security_policy import blocked_by_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = datetime.date


@pytest.fixture
def wide(signed_in: Browser) -> Browser:
    signed_in.driver.set_window_size(1400, 1000)
    blocked_by_policy(signed_in)  # whatever the sign-in or an earlier test left in the log
    return signed_in


def _screenshot(browser: Browser, name: str) -> None:
    """With SCREENSHOT_DIR set, keep the page as the browser drew it (for the README)."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def _styled(browser: Browser, css: str) -> str:
    """A computed style of the element: the stylesheet loaded and applied."""
    return browser.driver.execute_script(
        "return getComputedStyle(document.querySelector(arguments[0])).backgroundColor", css
    )


def test_home_lists_what_waits_and_leads_to_the_admin_and_back(wide):
    claim = factories.ClaimFactory(title="Chlorine at Sarmin")
    flag = factories.FlagFactory(claim=claim, report=factories.ReportFactory(title="Wire story on Sarmin"))
    factories.StanceSuggestionFactory(flag=flag)
    factories.ReportFactory(title="A report that failed", status=Report.Status.FAILED, last_error="no text")

    wide.open("workspace:home")
    assert "Wire story on Sarmin" in wide.text("#flags-waiting")
    assert wide.text("#flags-waiting .count") == "1"
    assert wide.text("#suggestions-pending .count") == "1"
    assert "A report that failed" in wide.text("#reports-failed")
    assert _styled(wide, ".panel") == "rgb(244, 246, 248)"
    _screenshot(wide, "home")

    wide.follow("Wire story on Sarmin", within="#flags-waiting")
    assert wide.path == reverse("admin:claims_flag_change", args=[flag.pk])
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.NEW  # reading changed nothing
    wide.press("#user-tools a[href='/']")  # the admin's "View site"
    assert wide.path == reverse("workspace:home")
    wide.follow("Chlorine at Sarmin", within="#claims")
    assert wide.path == reverse("workspace:claim", args=[claim.pk])
    assert blocked_by_policy(wide) == []


def test_the_dossier_filters_its_timeline_by_actor_and_by_position(wide):
    claim = factories.AttributionClaimFactory(title="Chlorine at Sarmin", text="The government used chlorine.")
    claim.incidents.add(factories.IncidentFactory(title="Sarmin attack"))
    syria, opcw = factories.ActorFactory(name="Syria"), factories.ActorFactory(name="OPCW")
    factories.StanceFactory(claim=claim, actor=syria, position=Position.DENIES, stated_on=DAY(2015, 3, 20))
    factories.StanceFactory(claim=claim, actor=syria, position=Position.RETRACTS, stated_on=DAY(2016, 1, 1))
    factories.StanceFactory(
        claim=claim, actor=opcw, position=Position.CALLS_FOR_INVESTIGATION, stated_on=DAY(2015, 4, 1), quote="Look."
    )
    factories.EvidenceFactory(claim=claim, description="Sample analysis by the lab")

    wide.open("workspace:claim", claim.pk)
    assert "The government used chlorine." in wide.text("#claim-facts")
    assert "Sarmin attack" in wide.text("#incidents")
    assert len(wide.driver.find_elements(By.CSS_SELECTOR, "#timeline tr.stance")) == 3
    assert "calls for investigation" in wide.text("#timeline")
    assert "Sample analysis by the lab" in wide.text("#evidence-for")
    _screenshot(wide, "dossier")

    Select(wide.find("#filter-actor")).select_by_visible_text("Syria")
    wide.press("#timeline-filters [type=submit]")
    rows = wide.driver.find_elements(By.CSS_SELECTOR, "#timeline tr.stance")
    assert [row.find_elements(By.TAG_NAME, "td")[1].text for row in rows] == ["Syria", "Syria"]

    Select(wide.find("#filter-actor")).select_by_visible_text("every actor")
    Select(wide.find("#filter-position")).select_by_visible_text("denies")
    wide.press("#timeline-filters [type=submit]")
    rows = wide.driver.find_elements(By.CSS_SELECTOR, "#timeline tr.stance")
    assert len(rows) == 1 and "denies" in rows[0].text and "20 March 2015" in rows[0].text
    assert _styled(wide, ".position-denies") == "rgb(207, 227, 247)"
    assert blocked_by_policy(wide) == []


def test_the_matrix_shows_positions_as_of_a_date(wide):
    claim = factories.ClaimFactory(title="Chlorine at Sarmin")
    actor = factories.ActorFactory(name="Witness state")
    factories.StanceFactory(claim=claim, actor=actor, position=Position.ASSERTS, stated_on=DAY(2015, 3, 1))
    factories.StanceFactory(claim=claim, actor=actor, position=Position.RETRACTS, stated_on=DAY(2016, 1, 1))

    wide.open("workspace:matrix")
    assert "retracts" in wide.text("#matrix td.cell") and "since 1 Jan 2016" in wide.text("#matrix td.cell")
    _screenshot(wide, "matrix")

    # The date input's own format depends on the locale; set its value as a script would not be typing.
    date_input = wide.find("#as-of")
    wide.driver.execute_script("arguments[0].value = '2015-12-31'", date_input)
    wide.press("#matrix-filters [type=submit]")
    cell = wide.find("#matrix td.cell")
    assert "asserts" in cell.text and "since 1 Mar 2015" in cell.text
    assert "as of 31 December 2015" in wide.text("h1")
    assert _styled(wide, "#matrix td.position-asserts") == "rgb(249, 211, 208)"

    wide.click_and_wait(cell.find_element(By.TAG_NAME, "a"))
    assert wide.path == reverse("workspace:claim", args=[claim.pk])
    assert "actor=" in wide.driver.current_url
    assert blocked_by_policy(wide) == []
