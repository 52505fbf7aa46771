"""RSS and Atom: feed bytes (already fetched by ``claims.ingest.fetch``) into
entries. feedparser is only ever handed bytes, never a URL, so it makes no
network request of its own.

A feed is attacker-controlled XML: entity declarations and external
references are refused up front (defusedxml), and the parse itself, with the
HTML of each entry turned into text, runs in the limited sandbox process.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from claims.ingest.sandbox import SandboxError, run_sandboxed

MAX_GUID = 1000


class FeedError(Exception):
    """The bytes are not a usable feed, or were refused as hostile."""


@dataclass(frozen=True)
class ParsedEntry:
    guid: str
    link: str
    title: str
    published: datetime.datetime | None
    content: str  # as the feed gave it (HTML or plain text)
    content_type: str  # "text/html" or "text/plain"
    text: str  # plain text of the content


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: list[ParsedEntry]


def _refuse_hostile_xml(data: bytes) -> None:
    import defusedxml
    import defusedxml.ElementTree as safe_et

    try:
        safe_et.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden as exc:
        raise FeedError("feed rejected: XML entity declarations are not allowed") from exc
    except defusedxml.ExternalReferenceForbidden as exc:
        raise FeedError("feed rejected: XML external references are not allowed") from exc
    except defusedxml.DefusedXmlException as exc:
        raise FeedError(f"feed rejected: {exc}") from exc
    except safe_et.ParseError:
        # Not well-formed: feedparser's lenient parser may still read it (it
        # neither expands entities nor fetches anything).
        pass


def _is_web_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def _entry(raw: Any) -> dict[str, Any]:
    from claims.ingest.extract import html_to_text

    content, content_type = "", "text/plain"
    for item in raw.get("content") or []:
        if item.get("value"):
            content, content_type = item["value"], item.get("type") or "text/html"
            break
    if not content and raw.get("summary"):
        content = raw["summary"]
        content_type = (raw.get("summary_detail") or {}).get("type") or "text/html"
    content_type = "text/html" if "html" in content_type else "text/plain"
    text = html_to_text(content)[1] if content_type == "text/html" else content.strip()

    title = " ".join(str(raw.get("title") or "").split())
    link = str(raw.get("link") or "")
    link = link if _is_web_url(link) else ""
    guid = str(raw.get("id") or link or "")
    if not guid:
        guid = "sha256:" + hashlib.sha256(f"{title}\n{content}".encode()).hexdigest()
    published = raw.get("published_parsed") or raw.get("updated_parsed")
    published_iso = (
        datetime.datetime.fromtimestamp(calendar.timegm(published), tz=datetime.UTC).isoformat() if published else ""
    )
    return {
        "guid": guid[:MAX_GUID],
        "link": link[:2000],
        "title": title,
        "published": published_iso,
        "content": content,
        "content_type": content_type,
        "text": text,
    }


def sandbox_parse_feed(data: bytes, options: dict[str, Any]) -> dict[str, Any]:
    """Entry point inside the sandbox child (also callable in-process)."""
    import feedparser

    _refuse_hostile_xml(data)
    parsed = feedparser.parse(
        io.BytesIO(data),
        response_headers={
            "content-type": options.get("content_type") or "application/xml",
            "content-location": options.get("base_url") or "",
        },
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    if parsed.get("bozo") and not parsed.entries and not parsed.feed.get("title"):
        raise FeedError(f"not a readable feed: {parsed.get('bozo_exception')}")
    if not parsed.get("version") and not parsed.entries:
        raise FeedError("not an RSS or Atom feed")
    return {"title": str(parsed.feed.get("title") or ""), "entries": [_entry(e) for e in parsed.entries]}


def parse_feed(data: bytes, *, content_type: str = "", base_url: str = "", timeout: float = 30.0) -> ParsedFeed:
    """Entries of an RSS or Atom feed given as bytes. Raises FeedError."""
    if not data.strip():
        raise FeedError("the feed is empty")
    try:
        result = run_sandboxed(
            "claims.ingest.feeds:sandbox_parse_feed",
            data,
            {"content_type": content_type, "base_url": base_url},
            timeout=timeout,
        )
    except SandboxError as exc:
        raise FeedError(str(exc)) from exc
    entries = [
        ParsedEntry(
            guid=e["guid"],
            link=e["link"],
            title=e["title"],
            published=datetime.datetime.fromisoformat(e["published"]) if e["published"] else None,
            content=e["content"],
            content_type=e["content_type"],
            text=e["text"],
        )
        for e in result["entries"]
    ]
    return ParsedFeed(title=result["title"], entries=entries)
