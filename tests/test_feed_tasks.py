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
    monkeypatch.setattr("claims.services.fetch", lambda url, **kw: result)
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
