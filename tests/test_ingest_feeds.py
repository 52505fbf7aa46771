"""Feed bytes into entries; feedparser never sees a URL."""

import datetime

import pytest

from claims.ingest.feeds import FeedError, parse_feed

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Syria Monitor</title>
  <link>https://monitor.example/</link>
  <item>
    <guid isPermaLink="false">monitor-1001</guid>
    <link>https://monitor.example/2015/06/chlorine</link>
    <title>Russia Backs Efforts to Assign Blame</title>
    <pubDate>Wed, 03 Jun 2015 10:30:00 GMT</pubDate>
    <description>Short summary.</description>
    <content:encoded><![CDATA[<p>Russia has lent its support to efforts to uncover culpability.</p>
      <script>alert("x")</script><p>&#8220;We support the need,&#8221; Churkin said.</p>]]></content:encoded>
  </item>
  <item>
    <link>https://monitor.example/2015/06/hassakeh</link>
    <title>Syrian Troops Repel Attack</title>
    <description>Syrian troops battled on Wednesday to repel an attack on Hassakeh.</description>
  </item>
</channel>
</rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>OPCW News</title>
  <id>urn:uuid:feed</id>
  <updated>2016-08-24T12:00:00Z</updated>
  <entry>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <title>Joint Investigative Mechanism Reports</title>
    <link href="/news/jim-third-report"/>
    <updated>2016-08-24T12:00:00Z</updated>
    <content type="html">&lt;p&gt;The Mechanism found sufficient information to conclude.&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>urn:uuid:plain</id>
    <title>Plain text entry</title>
    <updated>2016-08-25T08:00:00+02:00</updated>
    <summary type="text">A plain text summary of the Council meeting.</summary>
  </entry>
</feed>"""


def test_rss_entries():
    feed = parse_feed(RSS, content_type="application/rss+xml")
    assert feed.title == "Syria Monitor"
    first, second = feed.entries
    assert first.guid == "monitor-1001"
    assert first.link == "https://monitor.example/2015/06/chlorine"
    assert first.title == "Russia Backs Efforts to Assign Blame"
    assert first.published == datetime.datetime(2015, 6, 3, 10, 30, tzinfo=datetime.UTC)
    assert first.content_type == "text/html"
    assert (
        first.text
        == "Russia has lent its support to efforts to uncover culpability.\n“We support the need,” Churkin said."
    )
    assert "alert" not in first.content  # feedparser sanitises entry HTML
    # No guid: the link identifies the entry.
    assert second.guid == "https://monitor.example/2015/06/hassakeh"
    assert second.text == "Syrian troops battled on Wednesday to repel an attack on Hassakeh."
    assert second.published is None


def test_atom_entries_with_relative_links_and_plain_text():
    feed = parse_feed(ATOM, content_type="application/atom+xml", base_url="https://www.opcw.example/feed.xml")
    first, second = feed.entries
    assert first.guid == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert first.link == "https://www.opcw.example/news/jim-third-report"
    assert first.text == "The Mechanism found sufficient information to conclude."
    assert first.published == datetime.datetime(2016, 8, 24, 12, 0, tzinfo=datetime.UTC)
    assert second.content_type == "text/plain"
    assert second.text == "A plain text summary of the Council meeting."
    assert second.published == datetime.datetime(2016, 8, 25, 6, 0, tzinfo=datetime.UTC)
    assert second.link == ""


def test_a_feed_with_entity_declarations_is_refused():
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rss version="2.0"><channel><title>&b;</title></channel></rss>"""
    with pytest.raises(FeedError, match="entity declarations are not allowed"):
        parse_feed(bomb)


def test_a_feed_with_an_external_entity_is_refused():
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY x SYSTEM "http://127.0.0.1:1/steal">]>
<rss version="2.0"><channel><title>&x;</title></channel></rss>"""
    with pytest.raises(FeedError, match="not allowed"):
        parse_feed(xxe)


@pytest.mark.parametrize("data", [b"", b"just some words, not a feed", b"<html><body><p>A web page</p></body></html>"])
def test_something_that_is_not_a_feed_is_an_error(data):
    with pytest.raises(FeedError):
        parse_feed(data)


def test_a_url_given_as_feed_bytes_is_not_fetched():
    with pytest.raises(FeedError):
        parse_feed(b"http://127.0.0.1:1/feed.xml")
