"""Every kind of page works in a real browser under the Content-Security-Policy:
the admin (sign-in, a changelist, a change form with its autocomplete
widgets), the researchers' pages, the browsable API and both API docs. The
browser logs each thing the policy blocks ("Refused to ... because it violates
the following Content Security Policy directive"); none may be logged, and each
page must show what its scripts draw, or a blocked script would pass unseen.

One long test on purpose: each live-server test empties every table after it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from claims.models import Actor, Claim
from tests import factories
from tests.browser.conftest import PASSWORD, Browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def blocked_by_policy(browser: Browser) -> list[str]:
    """What the browser logged as blocked by the policy since the last call
    (reading the log empties it)."""
    return [
        entry["message"]
        for entry in browser.driver.get_log("browser")
        if "Refused to" in entry["message"] or "Content Security Policy" in entry["message"]
    ]


def test_every_kind_of_page_runs_its_scripts_with_nothing_blocked(browser, researcher):
    call_command("load_demo", stdout=StringIO())
    claim = Claim.objects.filter(kind=Claim.Kind.ATTRIBUTION).order_by("pk").first()
    assert claim is not None
    actor = Actor.objects.order_by("pk").first()
    assert actor is not None
    factories.FlagFactory(claim=claim)  # the review queue lists its passages
    blocked_by_policy(browser)  # whatever an earlier test left in the log
    blocked: dict[str, list[str]] = {}

    def check(page: str) -> None:
        blocked[page] = blocked_by_policy(browser)

    # The sign-in page, then the admin's index.
    browser.login(researcher.username, PASSWORD)
    check("admin login")

    # A changelist with actions: actions.js counts the ticked rows.
    browser.open("admin:claims_claim_changelist")
    browser.rows()[0].find_element(By.CSS_SELECTOR, "input.action-select").click()
    browser.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, ".action-counter").text.startswith("1 of "))
    check("claim changelist")

    # The review queue: matched passages listed in each row.
    browser.open("admin:claims_flag_changelist")
    assert "a matching passage" in browser.text("#result_list")
    check("flag changelist")

    # A change form: the autocomplete widget (select2) asks the server as one types.
    browser.open("admin:claims_claim_change", claim.pk)
    browser.find(".field-alleged_perpetrator .select2-selection").click()
    search = browser.find(".select2-container--open .select2-search__field")
    search.send_keys(actor.name[:4])
    results = ".select2-container--open .select2-results"
    browser.wait().until(lambda d: actor.name in d.find_element(By.CSS_SELECTOR, results).text)
    search.send_keys(Keys.ESCAPE)
    check("claim change form")

    # The researchers' own pages: adding a report, a claim's history.
    browser.open("admin:claims_report_add")
    browser.find("#report-ingest-form")
    check("report ingest page")
    browser.open("admin:claims_claim_history", claim.pk)
    browser.find("#related-history")
    check("claim history")

    # The browsable API, signed in by the session.
    browser.open("api:claim-list")
    assert claim.text[:40] in browser.text(".response-info")
    check("browsable API")

    # Swagger UI draws the operations from the schema it fetched.
    browser.open("api:docs")
    assert "Attribution Tracker API" in browser.text(".swagger-ui .info .title")
    browser.find(".swagger-ui .opblock-tag")
    check("Swagger UI")

    # Redoc draws the schema, and its search (an index built in a worker
    # started from a blob: URL) answers.
    browser.open("api:redoc")
    assert "Attribution Tracker API" in browser.text(".api-info h1")
    browser.find("input[placeholder='Search...']").send_keys("claims")
    browser.find("[data-role='search:results']")
    check("Redoc")

    # The one block expected: Redoc's logo on its CDN stays out (the docs make
    # no third-party request).
    assert all(REDOC_LOGO in line for line in blocked["Redoc"]), blocked["Redoc"]
    blocked["Redoc"] = []
    assert {page: lines for page, lines in blocked.items() if lines} == {}
