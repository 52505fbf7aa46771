"""Every kind of page answers with the security headers: a
Content-Security-Policy that allows no inline script, frame-ancestors 'none',
Referrer-Policy, Cross-Origin-Opener-Policy, Permissions-Policy and nosniff;
API responses and evidence files are never stored by a cache.

tests/browser/test_content_security_policy.py proves the pages still work
under the policy in a real browser; these tests pin the headers themselves."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse
from whitenoise.middleware import WhiteNoiseFileResponse

from claims import services
from claims.models import Evidence
from tests import factories
from tests.conftest import api_client

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
EVERY_KIND_OF_PAGE = [
    "admin login",
    "admin changelist",
    "admin change form",
    "report ingest page",
    "claim history",
    "API list",
    "browsable API",
    "API schema",
    "Swagger UI",
    "Swagger UI script",
    "Redoc",
    "evidence file",
    "healthz",
    "static file",
]


def policy(response, header: str = "Content-Security-Policy") -> dict[str, list[str]]:
    """The policy's directives, each with its sources."""
    directives = (part.split() for part in response[header].split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def inline_scripts(html: str) -> list[str]:
    """The <script> elements a browser would run that have no src (JSON data
    blocks do not run)."""
    scripts = re.findall(r"<script\b([^>]*)>", html)
    return [attrs for attrs in scripts if "src=" not in attrs and "application/json" not in attrs]


@pytest.fixture
def evidence_with_a_file(private_storage, researcher):
    return services.evidence_add(
        claim=factories.ClaimFactory(),
        kind=Evidence.Kind.DOCUMENT,
        relation=Evidence.Relation.SUPPORTS,
        description="A witness statement, not yet published.",
        file=SimpleUploadedFile("statement.txt", b"What the witness saw.", content_type="text/plain"),
        user=researcher,
    )


@pytest.fixture
def get_page(researcher_client, anonymous_client, team_key, evidence_with_a_file, settings):
    """GET one kind of page as someone who may see it."""
    claim = evidence_with_a_file.claim

    def get(kind: str):
        if kind == "static file":
            # Served by WhiteNoise, which answers before any view; from the
            # apps' static directories, as tests never run collectstatic.
            settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
            response = Client().get(static("admin/css/base.css"))
            assert response.status_code == 200 and isinstance(response, WhiteNoiseFileResponse)
            return response
        html = {"HTTP_ACCEPT": "text/html"}
        requests = {
            "admin login": (anonymous_client, reverse("admin:login"), {}),
            "admin changelist": (researcher_client, reverse("admin:claims_claim_changelist"), {}),
            "admin change form": (researcher_client, reverse("admin:claims_claim_change", args=[claim.pk]), {}),
            "report ingest page": (researcher_client, reverse("admin:claims_report_add"), {}),
            "claim history": (researcher_client, reverse("admin:claims_claim_history", args=[claim.pk]), {}),
            "API list": (api_client(team_key), reverse("api:claim-list"), {}),
            "browsable API": (researcher_client, reverse("api:claim-list"), html),
            "API schema": (anonymous_client, reverse("api:schema"), {}),
            "Swagger UI": (anonymous_client, reverse("api:docs"), {}),
            "Swagger UI script": (anonymous_client, reverse("api:docs") + "?script=", {}),
            "Redoc": (anonymous_client, reverse("api:redoc"), {}),
            "evidence file": (researcher_client, reverse("evidence-file", args=[evidence_with_a_file.pk]), {}),
            "healthz": (anonymous_client, reverse("healthz"), {}),
        }
        client, url, headers = requests[kind]
        response = client.get(url, **headers)
        assert response.status_code == 200, (kind, response.status_code)
        return response

    return get


@pytest.mark.parametrize("kind", EVERY_KIND_OF_PAGE)
def test_every_kind_of_page_answers_with_the_security_headers(get_page, kind):
    response = get_page(kind)

    csp = policy(response)
    if kind == "evidence file":
        # A file is never a page: it may load nothing, and runs sandboxed if opened.
        assert csp == {"default-src": ["'none'"], "sandbox": []}
    else:
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["form-action"] == ["'self'"]
        assert set(csp["img-src"]) == {"'self'", "data:"}
    assert not any("'unsafe-inline'" in sources for name, sources in csp.items() if name.startswith("script"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    denied = dict(feature.strip().split("=") for feature in response["Permissions-Policy"].split(","))
    assert {denied["camera"], denied["microphone"], denied["geolocation"], denied["usb"]} == {"()"}


@pytest.mark.parametrize("kind", [kind for kind in EVERY_KIND_OF_PAGE if kind not in ("evidence file", "healthz")])
def test_no_page_holds_an_inline_script(get_page, kind):
    response = get_page(kind)
    if response["Content-Type"].startswith("text/html"):
        assert inline_scripts(response.content.decode()) == []


def test_inline_styles_carry_the_nonce_of_their_response(get_page):
    for kind in ("Swagger UI", "Redoc"):
        response = get_page(kind)
        nonces = re.findall(r"<style nonce=\"([^\"]+)\">", response.content.decode())
        assert nonces, kind
        assert {f"'nonce-{nonce}'" for nonce in nonces} <= set(policy(response)["style-src"])
    # A page that needs no nonce is not given one; each response has its own.
    assert not any(source.startswith("'nonce-") for source in policy(get_page("admin login"))["style-src"])
    assert policy(get_page("Swagger UI"))["style-src"] != policy(get_page("Swagger UI"))["style-src"]


def test_only_the_browsable_api_may_style_inline(get_page):
    assert policy(get_page("browsable API"))["style-src"] == ["'self'", "'unsafe-inline'"]
    assert "style-src-attr" not in policy(get_page("browsable API"))
    for kind in ("admin changelist", "claim history", "Swagger UI"):
        csp = policy(get_page(kind))
        assert "'unsafe-inline'" not in csp["style-src"] + csp["style-src-attr"]


def test_swagger_ui_keeps_the_sites_opener_policy_and_asks_no_third_party(get_page):
    # drf-spectacular's one-page Swagger view sends "unsafe-none" (for OAuth
    # pop-ups, which this API does not use) and inlines its script.
    assert get_page("Swagger UI")["Cross-Origin-Opener-Policy"] == "same-origin"
    script = get_page("Swagger UI script")
    assert script["Content-Type"].startswith("application/javascript")
    assert re.search(r'"validatorUrl": null', script.content.decode())


@pytest.mark.parametrize("kind", ["API list", "API schema", "Swagger UI", "evidence file"])
def test_api_responses_and_evidence_files_are_never_stored(get_page, kind):
    cache_control = {part.strip() for part in get_page(kind)["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control


def test_api_errors_and_file_downloads_are_never_stored_either(team_key, evidence_with_a_file, researcher):
    assert "no-store" in api_client().get(reverse("api:claim-list"))["Cache-Control"]  # 401/403
    assert "no-store" in api_client(team_key).get(reverse("api:claim-detail", args=[10**9]))["Cache-Control"]
    client = api_client()
    client.force_authenticate(researcher)
    download = client.get(reverse("api:evidence-file", args=[evidence_with_a_file.pk]))
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"]
    assert policy(download) == {"default-src": ["'none'"], "sandbox": []}


def test_admin_pages_are_never_stored(get_page):
    for kind in ("admin login", "admin changelist", "report ingest page"):
        assert "no-store" in get_page(kind)["Cache-Control"], kind


def test_report_only_mode_sends_the_policy_without_enforcing_it(settings, get_page):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    for kind in ("admin changelist", "Redoc", "browsable API"):
        response = get_page(kind)
        assert "Content-Security-Policy" not in response
        assert policy(response, "Content-Security-Policy-Report-Only")["script-src"] == ["'self'"]


def settings_from_environment(**environment: str) -> dict:
    """The CSP settings as tracker/settings.py reads them from these variables."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.CONTENT_SECURITY_POLICY, settings.CONTENT_SECURITY_POLICY_REPORT_ONLY], "
        "default=repr))"
    )
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("CSP_")}
    env = {**inherited, "DJANGO_SETTINGS_MODULE": "tracker.settings", "SECRET_KEY": "test", **environment}
    output = subprocess.run([sys.executable, "-c", code], env=env, cwd=BASE_DIR, capture_output=True, check=True)
    enforced, report_only = json.loads(output.stdout.decode().strip().splitlines()[-1])
    return {"enforced": enforced, "report_only": report_only}


def test_an_operator_sets_the_report_uri_and_report_only_mode_from_the_environment():
    default = settings_from_environment(CSP_REPORT_ONLY="false")
    assert default["report_only"] is None
    assert default["enforced"]["DIRECTIVES"]["report-uri"] is None

    trying = settings_from_environment(CSP_REPORT_ONLY="true", CSP_REPORT_URI="https://reports.example.org/csp")
    assert trying["enforced"] is None
    assert trying["report_only"]["DIRECTIVES"]["report-uri"] == "https://reports.example.org/csp"


def test_a_refusal_before_the_view_carries_the_headers_too(team_key, settings):
    """413 is answered by a middleware before any view runs; it is wrapped by
    the security headers all the same."""
    settings.MAX_UPLOAD_BYTES = 10
    response = api_client(team_key).post(reverse("api:report-list"), {"text": "x" * 100}, format="json")
    assert response.status_code == 413
    assert policy(response)["default-src"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.integration  # starts a server (the Makefile runs these one at a time)
def test_gunicorn_as_the_image_runs_it_names_no_server(tmp_path):
    """The Dockerfile's CMD, on a spare local port: no ``Server`` header (gunicorn
    sends ``Server: gunicorn`` unless its config, gunicorn.conf.py, drops it)."""
    from tests.harness import _kill_group, free_port, wait_for

    line = next(line for line in (BASE_DIR / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    command = json.loads(line.removeprefix("CMD "))
    assert command[0] == "gunicorn" and "gunicorn.conf.py" in command
    port = free_port()
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    env = {
        **os.environ,
        "SECRET_KEY": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_REQUESTS": "false",
    }
    with (tmp_path / "gunicorn.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", *command], cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    answers: list = []

    def answered() -> bool:
        try:
            answers.append(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2))
        except urllib.error.HTTPError as error:  # 503 without migrations: an answer all the same
            answers.append(error)
        except OSError:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            return False
        return True

    try:
        wait_for(answered, timeout=60, what="gunicorn")
    finally:
        _kill_group(server)
    headers = answers[-1].headers
    assert "Server" not in headers, headers["Server"]
    assert headers["X-Frame-Options"] == "DENY"
