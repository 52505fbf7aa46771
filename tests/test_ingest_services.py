"""Ingestion services: submissions are kept first, digests split, duplicates
linked, languages marked, failures kept and retryable, matching sent only
after commit; URLs and feeds go through the guarded fetcher."""

import functools
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from claims import services, tasks
from claims.ingest.extract import ExtractionError
from claims.ingest.fetch import fetch
from claims.models import Feed, FeedEntry, Report, Source, Submission
from claims.normalize import sha256_bytes
from claims.services import reports
from tests.harness import http_server
from tests.test_ingest_extract import make_pdf

pytestmark = pytest.mark.django_db

DIGEST = Path(__file__).resolve().parents[2] / "shared" / "seed" / "digest-2015.txt"
LOCAL_FETCH = functools.partial(fetch, allow_private=frozenset({"127.0.0.1"}), total_timeout=5)

FRENCH = (
    "Le gouvernement syrien a nié avoir utilisé du chlore lors de l'attaque contre le village de Sarmin, "
    "ont déclaré mardi des responsables, tandis que la mission de l'OIAC poursuivait son enquête sur place."
)


@pytest.fixture
def digest_bytes():
    return DIGEST.read_bytes()


@pytest.fixture
def sent(monkeypatch):
    """Matching tasks sent to the broker (recorded instead of sent)."""
    calls = []
    monkeypatch.setattr(tasks.match_report, "apply_async", lambda args, **kw: calls.append(args[0]))
    return calls


def ingest(raw, **kwargs):
    """Submit ``raw`` (by default as a file uploaded in the admin, by no one)."""
    kwargs = {"channel": Submission.Channel.ADMIN_FILE, "user": None, "team": None, **kwargs}
    return services.report_submit(raw=raw, **kwargs).submission


def submit_url(url, **kwargs):
    return services.report_submit(channel=Submission.Channel.URL, user=None, team=None, url=url, **kwargs).submission


# --- documents -------------------------------------------------------------------------


def test_the_digest_becomes_three_reports_and_its_cited_reads(
    digest_bytes, researcher, django_capture_on_commit_callbacks, sent
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = ingest(digest_bytes, filename="digest-2015.txt", content_type="text/plain", user=researcher)

    assert submission.status == Submission.Status.PARSED
    assert submission.raw_sha256 == sha256_bytes(digest_bytes)
    with submission.raw_file.open("rb") as handle:
        assert handle.read() == digest_bytes

    articles = list(submission.reports.exclude(status=Report.Status.CITED).order_by("pk"))
    assert [r.title for r in articles] == [
        "Al-Qaida Chief Says ISIS Caliphate Is ‘Illegitimate’",
        "Syrian Troops Repel Islamic State Attack in Northeastern Syria",
        "Russia Backs Efforts to Assign Blame for Chlorine Attacks in Syria",
    ]
    assert {(r.status, r.language) for r in articles} == {(Report.Status.PENDING, "en")}
    assert articles[2].text.startswith("Russia has lent its support")
    assert "Hassakeh" not in articles[2].text

    cited = list(submission.reports.filter(status=Report.Status.CITED).order_by("pk"))
    assert [(r.source.name, r.title) for r in cited] == [
        ("Reuters", "Al-Qaida’s Wing Sees No Peace with Islamic State Soon: TV"),
        ("The Washington Post", "U.S. Faces Challenges in Building Up Syrian Training Program"),
        ("Agence France-Presse", "Jordan Stranding Hundreds of Syria Refugees in Desert: HRW"),
        ("The Washington Post", "Syria Using Chemical Weapons in Growing Number of Attacks"),
        ("Reuters", "Hezbollah Widens Offensive in Syria Border Area, Seizes Hilltops"),
    ]
    assert all(set(r.cited_by.all()) == set(articles) for r in cited)
    assert Source.objects.count() == 3
    assert sorted(sent) == [r.pk for r in articles]


def test_ingesting_the_digest_again_links_the_same_reports(digest_bytes, django_capture_on_commit_callbacks, sent):
    with django_capture_on_commit_callbacks(execute=True):
        first = ingest(digest_bytes, filename="digest-2015.txt")
    reports_before = Report.objects.count()
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        second = ingest(digest_bytes, filename="digest-again.txt")

    assert second.pk != first.pk
    assert second.status == Submission.Status.PARSED
    assert Report.objects.count() == reports_before == 8
    assert set(second.reports.all()) == set(first.reports.all())
    assert Source.objects.count() == 3
    assert sent == []  # nothing new to match


def test_a_french_report_is_marked_not_matched_language(django_capture_on_commit_callbacks, sent):
    with django_capture_on_commit_callbacks(execute=True):
        submission = ingest(FRENCH.encode(), channel=Submission.Channel.ADMIN_TEXT, content_type="text/plain")
    (report,) = submission.reports.all()
    assert report.language == "fr"
    assert report.status == Report.Status.UNSUPPORTED_LANGUAGE
    assert report.get_status_display() == "not matched: language"
    assert sent == []


def test_a_pdf_upload_becomes_a_report():
    pdf = make_pdf(["Damascus denies the chlorine accusation, the ministry said in a statement on Monday."])
    submission = ingest(pdf, filename="statement.pdf", content_type="application/pdf")
    (report,) = submission.reports.all()
    assert report.title == "Chlorine report"
    assert "Damascus denies the chlorine accusation" in report.text
    assert report.status == Report.Status.PENDING


def test_a_corrupt_pdf_leaves_a_failed_submission_with_its_error_and_raw_file(sent):
    corrupt = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\nnot really a pdf\n%%EOF"
    submission = ingest(corrupt, filename="broken.pdf", content_type="application/pdf")

    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert "could not parse PDF" in submission.error
    assert submission.reports.count() == 0
    with submission.raw_file.open("rb") as handle:
        assert handle.read() == corrupt
    assert submission.raw_sha256 == sha256_bytes(corrupt)
    assert Report.objects.count() == 0

    # Retrying a file that is still broken keeps it failed, with the reason.
    retried = services.submission_retry(submission=submission)
    assert retried.status == Submission.Status.FAILED
    assert "could not parse PDF" in Submission.objects.get(pk=submission.pk).error


def test_a_submission_that_failed_for_a_transient_reason_is_retried_from_its_raw_file(monkeypatch):
    real_extract = reports.extract

    def timing_out(*args, **kwargs):
        raise ExtractionError("could not parse HTML: parsing timed out after 30s")

    monkeypatch.setattr(reports, "extract", timing_out)
    page = (
        b"<html><body><h1>Inspectors Reach Douma</h1><p>OPCW inspectors reached the site on Saturday.</p></body></html>"
    )
    submission = ingest(page, filename="douma.html")
    assert submission.status == Submission.Status.FAILED

    monkeypatch.setattr(reports, "extract", real_extract)
    retried = services.submission_retry(submission=submission)
    assert retried.status == Submission.Status.PARSED
    assert retried.error == ""
    (report,) = retried.reports.all()
    assert report.title == "Inspectors Reach Douma"
    # A second retry of a parsed submission changes nothing.
    assert services.submission_retry(submission=retried).reports.count() == 1
    assert Report.objects.count() == 1


def test_unsupported_file_types_fail_clearly_but_are_kept():
    submission = ingest(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", filename="photo.png", content_type="image/png")
    assert submission.status == Submission.Status.FAILED
    assert "unsupported file type" in submission.error
    assert submission.raw_file


@pytest.mark.parametrize(
    "kwargs",
    [
        {"channel": "carrier-pigeon", "raw": b"text"},
        {"channel": Submission.Channel.API, "raw": b""},
        {"channel": Submission.Channel.API, "raw": "not bytes"},
        {"channel": Submission.Channel.API, "raw": b"text", "url": "javascript:alert(1)"},
    ],
)
def test_invalid_arguments_raise_and_store_nothing(kwargs):
    with pytest.raises(ValidationError):
        services.report_submit(user=None, team=None, **kwargs)
    assert Submission.objects.count() == 0


def test_an_idempotency_key_returns_the_earlier_submission(factcheck_team, team_member, other_team):
    text = b"The Syrian government denied using chlorine in Sarmin, the foreign ministry said on Monday evening."
    keyed = {"channel": Submission.Channel.API, "user": team_member, "idempotency_key": "k1"}
    first = services.report_submit(raw=text, team=factcheck_team, **keyed)
    again = services.report_submit(raw=text, team=factcheck_team, **keyed)
    assert (again.submission.pk, again.replayed, again.reports) == (first.submission.pk, True, [])
    assert not first.replayed and first.reports
    assert Submission.objects.count() == 1
    with pytest.raises(services.IdempotencyConflict):
        services.report_submit(raw=b"Something else entirely.", team=factcheck_team, **keyed)
    # The key is the team's: another team's "k1" is another submission.
    assert not services.report_submit(raw=text, team=other_team, **keyed).replayed
    assert Submission.objects.count() == 2


# --- matching is sent only after commit --------------------------------------------------


def test_matching_is_enqueued_only_after_commit(digest_bytes, django_capture_on_commit_callbacks, sent):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission = ingest(digest_bytes)
        assert sent == []
    assert callbacks
    assert sent == []  # not yet: the transaction has not committed
    for callback in callbacks:
        callback()
    pending = list(submission.reports.filter(status=Report.Status.PENDING).values_list("pk", flat=True))
    assert len(pending) == 3
    assert sorted(sent) == sorted(pending)


def test_a_rolled_back_ingest_enqueues_nothing(django_capture_on_commit_callbacks, sent):
    text = b"Russia said there was insufficient evidence to assign blame to the Syrian government for chlorine use."
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        ingest(text)
        raise RuntimeError("the caller's transaction fails")
    assert callbacks == []
    assert sent == []
    assert Report.objects.count() == 0


# --- URLs and feeds through a local server ------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Monitor</title>
<item><guid isPermaLink="false">m-1</guid><link>https://monitor.example/1</link>
<title>Russia Backs Efforts to Assign Blame</title>
<pubDate>Wed, 03 Jun 2015 10:30:00 GMT</pubDate>
<description>&lt;p&gt;Russia has lent its support to efforts to uncover culpability behind chlorine
attacks.&lt;/p&gt;</description></item>
<item><guid isPermaLink="false">m-2</guid><link>https://monitor.example/2</link><title>Le Conseil Divise</title>
<description>Le Conseil de securite reste profondement divise sur la Syrie
et n'a pas pu donner suite a la resolution.</description></item>
</channel></rss>"""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        state = self.server.state
        state["hits"].append(self.path)
        status, body, headers = 404, b"missing", {}
        if self.path == "/page.html":
            if state["page_failures"] > 0:
                state["page_failures"] -= 1
                status, body = 503, b"busy"
            else:
                status = 200
                body = b"<html><head><title>Monitor</title></head><body><h1>Churkin Backs Inquiry</h1>"
                body += b"<p>Vitaly Churkin said Russia supports finding those behind the chlorine attacks.</p>"
                body += b"</body></html>"
                headers = {"Content-Type": "text/html; charset=utf-8"}
        elif self.path in ("/feed.xml", "/feed-no-etag.xml"):
            if self.path == "/feed.xml" and self.headers.get("If-None-Match") == '"feed-v1"':
                status, body = 304, b""
            else:
                status, body = 200, RSS
                headers = {"Content-Type": "application/rss+xml", "ETag": '"feed-v1"'}
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


@pytest.fixture
def server():
    with http_server(Handler) as httpd:
        httpd.state = {"hits": [], "page_failures": 0}
        yield httpd


def test_a_url_is_fetched_and_ingested(server):
    submission = submit_url(f"{server.base}/page.html", fetcher=LOCAL_FETCH)
    assert submission.channel == Submission.Channel.URL
    assert submission.status == Submission.Status.PARSED
    assert submission.filename == "page.html"
    (report,) = submission.reports.all()
    assert report.title == "Churkin Backs Inquiry"
    assert report.url == f"{server.base}/page.html"


def test_a_private_url_is_refused_with_the_real_fetcher_and_nothing_is_stored():
    for url in ("http://127.0.0.1:9/x", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd"):
        with pytest.raises(ValidationError, match="Refused"):
            submit_url(url)
    assert Submission.objects.count() == 0


def test_a_failed_fetch_is_kept_and_can_be_retried(server):
    server.state["page_failures"] = 1
    url = f"{server.base}/page.html"
    submission = submit_url(url, fetcher=LOCAL_FETCH)
    assert submission.status == Submission.Status.FAILED
    assert "HTTP 503" in submission.error
    assert submission.url == url
    assert not submission.raw_file

    retried = services.submission_retry(submission=submission, fetcher=LOCAL_FETCH)
    assert retried.status == Submission.Status.PARSED
    assert retried.raw_file
    assert retried.reports.get().title == "Churkin Backs Inquiry"


def test_polling_a_feed_ingests_new_entries_once(server, django_capture_on_commit_callbacks, sent):
    source = Source.objects.create(name="Monitor", kind=Source.Kind.NEWSPAPER)
    feed = Feed.objects.create(name="Monitor", url=f"{server.base}/feed.xml", source=source)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.feed_poll(feed=feed, fetcher=LOCAL_FETCH) == 2
    feed.refresh_from_db()
    assert feed.last_error == ""
    assert feed.etag == '"feed-v1"'
    assert feed.last_polled_at is not None

    english = FeedEntry.objects.get(feed=feed, guid="m-1").report
    assert english.title == "Russia Backs Efforts to Assign Blame"
    assert english.text == "Russia has lent its support to efforts to uncover culpability behind chlorine attacks."
    assert (english.url, english.source, str(english.published_on)) == (
        "https://monitor.example/1",
        source,
        "2015-06-03",
    )
    assert english.submissions.get().channel == Submission.Channel.FEED
    french = FeedEntry.objects.get(feed=feed, guid="m-2").report
    assert french.status == Report.Status.UNSUPPORTED_LANGUAGE
    assert sent == [english.pk]

    # Second poll: the server answers 304 to the stored ETag.
    assert services.feed_poll(feed=feed, fetcher=LOCAL_FETCH) == 0
    assert server.state["hits"].count("/feed.xml") == 2
    # A server that ignores ETags: the guids are known, nothing is ingested.
    feed.url, feed.etag = f"{server.base}/feed-no-etag.xml", ""
    feed.save()
    assert services.feed_poll(feed=feed, fetcher=LOCAL_FETCH) == 0
    assert Submission.objects.count() == 2
    assert FeedEntry.objects.count() == 2
    assert Report.objects.count() == 2


def test_feed_errors_are_recorded_on_the_feed(server):
    missing = Feed.objects.create(name="Gone", url=f"{server.base}/nothing.xml")
    assert services.feed_poll(feed=missing, fetcher=LOCAL_FETCH) == 0
    missing.refresh_from_db()
    assert "HTTP 404" in missing.last_error

    private = Feed.objects.create(name="Internal", url="http://10.0.0.7/feed.xml")
    assert services.feed_poll(feed=private) == 0
    private.refresh_from_db()
    assert "10.0.0.7 is private" in private.last_error

    not_a_feed = Feed.objects.create(name="Page", url=f"{server.base}/page.html")
    assert services.feed_poll(feed=not_a_feed, fetcher=LOCAL_FETCH) == 0
    not_a_feed.refresh_from_db()
    assert "feed unreadable" in not_a_feed.last_error
    assert Submission.objects.count() == 0
