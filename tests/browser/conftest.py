"""A real browser on pytest-django's live server.

Debian's Chromium, headless, driven through Debian's chromedriver named
explicitly, so Selenium Manager never tries to download a browser or driver.
A missing browser fails these tests (`make browser-deps` installs it): a
browser check that is skipped is a check that silently stopped running.

The live server runs in this process on a thread, so Celery tasks run eagerly
inside its requests (no broker in tests) and the test sees their rows once a
page has loaded: live_server needs the transactional database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from claims import matcher_runtime

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PASSWORD = "pw-for-tests"  # every UserFactory user's (tests/factories.py)
# Waits end as soon as their condition holds: the deadline only bounds a failure.
DEADLINE = 20


@pytest.fixture(scope="session")
def chromium() -> Iterator[WebDriver]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(
            f"Browser tests need Debian's chromium and chromium-driver ({', '.join(missing)} missing): "
            "run `make browser-deps`.",
            pytrace=False,
        )
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


class Browser:
    """The admin as a person uses it: open a page, fill a form, press a button,
    wait for the next page. Every wait polls with a deadline; none sleeps."""

    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def wait(self) -> WebDriverWait:
        return WebDriverWait(self.driver, DEADLINE)

    def open(self, url_name: str, *args: object, query: str = "") -> None:
        self.driver.get(self.base_url + reverse(url_name, args=args) + (f"?{query}" if query else ""))

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base_url).split("?")[0]

    def find(self, css: str) -> WebElement:
        try:
            return self.wait().until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))
        except TimeoutException:
            shown = self.driver.find_elements(By.ID, "content") or self.driver.find_elements(By.TAG_NAME, "body")
            page = shown[0].text if shown else ""
            raise AssertionError(f"nothing visible matches {css!r} on {self.path}; the page reads:\n{page}") from None

    def text(self, css: str) -> str:
        return self.find(css).text

    def click_and_wait(self, element: WebElement) -> None:
        """Click something that loads a new page, and wait until it has."""
        old_page = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        self.wait().until(EC.staleness_of(old_page))
        self.wait().until(lambda d: d.execute_script("return document.readyState") == "complete")

    def press(self, css: str) -> None:
        self.click_and_wait(self.find(css))

    def follow(self, link_text: str, *, within: str = "#content") -> None:
        self.click_and_wait(self.find(within).find_element(By.LINK_TEXT, link_text))

    def fill(self, fields: dict[str, str]) -> None:
        for css, value in fields.items():
            element = self.find(css)
            element.clear()
            element.send_keys(value)

    def login(self, username: str, password: str) -> None:
        self.open("admin:login")
        self.fill({"#id_username": username, "#id_password": password})
        self.press("#login-form [type=submit]")
        self.find("#user-tools")

    def messages(self) -> str:
        return self.text(".messagelist")

    def rows(self) -> list[WebElement]:
        """The changelist's result rows (none when the list is empty)."""
        self.find("#changelist")
        return self.driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")

    def row(self, containing: str) -> WebElement:
        found = [row for row in self.rows() if containing in row.text]
        assert len(found) == 1, f"{len(found)} rows contain {containing!r}: {[r.text for r in self.rows()]}"
        return found[0]

    def run_action(self, action: str, *, rows: list[WebElement]) -> None:
        """Tick the rows, choose the action, press Go: the changelist's own form."""
        for row in rows:
            row.find_element(By.CSS_SELECTOR, "input.action-select").click()
        # The admin's actions.js counts the ticked rows: the script ran.
        counted = f"{len(rows)} of "
        self.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, ".action-counter").text.startswith(counted))
        Select(self.find("#changelist-form select[name=action]")).select_by_value(action)
        self.press("#changelist-form button[name=index]")


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings):
    # The live server speaks plain HTTP; production cookies are Secure.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True)
def _lexical_matcher(settings):
    # These tests are about the pages; the semantic matcher has its own tests,
    # and loading its model would be most of these tests' time.
    settings.MATCHER_EMBEDDINGS = False


@pytest.fixture(autouse=True)
def _no_matcher_from_another_test(monkeypatch):
    # Each test's database starts empty, so its claim index version can repeat
    # an earlier test's: drop the process's cached matcher rather than reuse it.
    monkeypatch.setattr(matcher_runtime, "_loaded", None)


@pytest.fixture(autouse=True)
def _no_connections_kept_by_the_live_server(monkeypatch):
    # The browser keeps its connections open, and so their live server threads
    # outlive each request: a persistent database connection would outlive the
    # test database too (which then cannot be dropped).
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)


@pytest.fixture
def browser(chromium, live_server, transactional_db) -> Browser:
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})  # no session from an earlier test
    return Browser(chromium, live_server.url)


@pytest.fixture
def signed_in(browser, researcher) -> Browser:
    browser.login(researcher.username, PASSWORD)
    return browser
