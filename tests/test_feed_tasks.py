"""Feeds are polled on schedule: beat sends a poll for each feed that is due."""

import datetime

import pytest
from django.utils import timezone

from claims.ingest.fetch import FetchResult
from claims.models import Feed, FeedEntry, Report
from claims.selectors import feeds_due
from claims.tasks import poll_due_feeds, poll_feed

pytestmark = pytest.mark.django_db

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><guid isPermaLink="false">a1</guid><title>OPCW confirms chlorine use</title>
<description>The OPCW fact-finding mission confirmed that chlorine was used in attacks in Syria.</description></item>
</channel></rss>"""


def test_only_active_feeds_past_their_interval_are_due():
    now = timezone.now()
    never = Feed.objects.create(name="never", url="https://a.example/rss")
    stale = Feed.objects.create(
        name="stale", url="https://b.example/rss", last_polled_at=now - datetime.timedelta(hours=1)
    )
    Feed.objects.create(name="fresh", url="https://c.example/rss", last_polled_at=now)
    Feed.objects.create(name="off", url="https://d.example/rss", active=False)
    assert set(feeds_due(now=now)) == {never.pk, stale.pk}


def test_polling_a_feed_ingests_its_entries_once(monkeypatch):
    feed = Feed.objects.create(name="Wire", url="https://wire.example/rss")
    result = FetchResult(
        url=feed.url, final_url=feed.url, status=200, headers={"content-type": "application/rss+xml"}, content=RSS
    )
    monkeypatch.setattr("claims.services.reports.fetch", lambda url, **kw: result)
    assert poll_feed.apply(args=(feed.pk,)).get() == 1
    assert poll_feed.apply(args=(feed.pk,)).get() == 0
    assert FeedEntry.objects.filter(feed=feed).count() == 1
    assert Report.objects.filter(text__icontains="chlorine was used").count() == 1


def test_beat_task_sends_a_poll_per_due_feed(monkeypatch):
    Feed.objects.create(name="one", url="https://one.example/rss")
    Feed.objects.create(name="two", url="https://two.example/rss")
    sent = []
    monkeypatch.setattr(poll_feed, "apply_async", lambda args: sent.append(args[0]))
    assert poll_due_feeds.apply().get() == 2
    assert len(sent) == 2


@pytest.mark.parametrize(
    "address",
    ["http://127.0.0.1/rss", "http://localhost:8000/feed", "http://10.0.0.1/rss", "http://169.254.169.254/latest"],
)
def test_the_admin_refuses_a_feed_address_every_poll_would_refuse(researcher_client, address):
    form = {"name": "Wire", "url": address, "active": "on", "poll_interval_minutes": "30"}
    form |= {"entries-TOTAL_FORMS": "0", "entries-INITIAL_FORMS": "0"}  # the entries inline's management form
    response = researcher_client.post("/admin/claims/feed/add/", form)
    assert response.status_code == 200 and "This address is not allowed" in response.content.decode()
    assert not Feed.objects.exists()
    # A public address is saved; changing it later is checked again.
    response = researcher_client.post("/admin/claims/feed/add/", {**form, "url": "https://93.184.216.34/rss"})
    assert response.status_code == 302
    feed = Feed.objects.get()
    response = researcher_client.post(f"/admin/claims/feed/{feed.pk}/change/", form)
    assert response.status_code == 200 and "This address is not allowed" in response.content.decode()
    feed.refresh_from_db()
    assert feed.url == "https://93.184.216.34/rss"
