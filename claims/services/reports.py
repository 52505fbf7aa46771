"""Reports and submissions. Files, pasted text, URLs and feeds become a
Submission (kept raw, first) and then Reports. Parsing runs outside any
transaction (it can take seconds, in a sandboxed child process); storing the
reports is one transaction, and matching is enqueued only after it commits."""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from claims.ingest.extract import Extracted, ExtractionError, extract
from claims.ingest.feeds import FeedError, parse_feed
from claims.ingest.fetch import Fetcher, FetchError, FetchRefused, fetch
from claims.ingest.language import detect_language, is_supported
from claims.ingest.split import Article, Document, derive_title, split_document
from claims.models import DatePrecision, Feed, FeedEntry, Report, Source, Submission, Team
from claims.normalize import sha256_bytes, text_hash
from claims.selectors import report_reached_first_by
from claims.services import dispatch, webhooks

_ingest_logger = logging.getLogger("claims.ingest")


class IdempotencyConflict(Exception):
    """The team used this idempotency key for a different submission."""


@dataclass(frozen=True)
class ReportDraft:
    """One report a submission brings, as cut out of its document: by the
    parser, or by a caller that knows the document better (the demo's
    curated record). ``text`` empty is a report known by title and outlet
    only (CITED), found by them if already stored; its outlet is ``source``,
    or ``outlet`` by name (created if unknown). ``cited_by`` are the
    positions, among the drafts, of the ones that cite it."""

    title: str
    text: str = ""
    source: Source | None = None
    outlet: str = ""
    published_on: datetime.date | None = None
    published_precision: str = DatePrecision.DAY
    language: str = ""
    url: str = ""
    document_symbol: str = ""
    cited_by: tuple[int, ...] = ()


@dataclass(frozen=True)
class Submitted:
    """What report_submit did. ``replayed``: the team had used the
    idempotency key for this same submission, which is returned as it is
    (nothing was done now). ``reports``: each draft's report as stored or
    linked now, with whether it is new; empty for a replay or a submission
    that failed to parse."""

    submission: Submission
    replayed: bool = False
    reports: list[tuple[Report, bool]] = field(default_factory=list)


def submission_create(
    *, channel: str, raw: bytes, user: User | None = None, team: Team | None = None, **fields: Any
) -> Submission:
    return Submission.objects.create(
        channel=channel, submitted_by=user, team=team, raw_sha256=sha256_bytes(raw), **fields
    )


def report_store(
    *,
    submission: Submission,
    title: str,
    text: str,
    source: Source | None = None,
    published_on: datetime.date | None = None,
    **fields: Any,
) -> tuple[Report, bool]:
    """Store one report from a submission, or link the submission to the
    existing report with the same normalised text. Returns (report, created).
    A new report belongs to the submission's team (who may read it). The link
    records what this submission gave (title, url, symbol, source, date): a
    link to an existing report leaves that report's team and metadata as they
    are, and a team that reaches the report only through its link is shown
    what it sent (``selectors.reports_for_display``). Safe under concurrent
    duplicates: the unique hash decides, and the loser links to the winner's row."""
    sent = _sent(title=title, source=source, published_on=published_on, fields=fields)
    digest = text_hash(text) if text.strip() else None
    if digest is not None:
        existing = Report.objects.filter(text_hash=digest).first()
        if existing:
            return _report_link(submission, existing, sent), False
    report = Report(
        title=title,
        text=text if digest else "",
        text_hash=digest,
        source=source,
        published_on=published_on,
        team=submission.team,
        **fields,
    )
    if digest is None:
        report.status = Report.Status.CITED
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        if digest is None:
            raise
        return _report_link(submission, Report.objects.get(text_hash=digest), sent), False
    submission.reports.add(report, through_defaults={**sent, "created_at": report.created_at})
    return report, True


_SENT_FIELDS = ("url", "document_symbol", "published_precision")


def _sent(
    *, title: str, source: Source | None, published_on: datetime.date | None, fields: dict[str, Any]
) -> dict[str, Any]:
    """What a submission gave a report, as its link keeps it."""
    sent = {"title": title, "source": source, "published_on": published_on}
    return sent | {name: fields[name] for name in _SENT_FIELDS if fields.get(name) is not None}


def _report_link(submission: Submission, report: Report, sent: dict[str, Any]) -> Report:
    """Link ``submission`` to a report another submission stored. A team that
    could not read the report before sees it from now on as this submission
    sent it, and hears of its flags as if they were new (its webhooks)."""
    submission.reports.add(report, through_defaults=sent)
    if submission.team is not None and report_reached_first_by(submission=submission, report=report):
        webhooks.webhook_deliveries_record_for_flags(report.flags.values_list("pk", flat=True), teams=[submission.team])
    return report


def report_submit(
    *,
    channel: str,
    user: User | None,
    team: Team | None,
    raw: bytes | None = None,
    url: str = "",
    filename: str = "",
    content_type: str = "",
    title: str = "",
    source: Source | None = None,
    published_on: datetime.date | None = None,
    idempotency_key: str | None = None,
    drafts: Sequence[ReportDraft] | None = None,
    fetcher: Fetcher | None = None,
) -> Submitted:
    """Submit a report: the one way in, for the admin's form, the API, feeds
    and the demo. ``team`` is whom it is filed under (``selectors.write_team``
    for a signed-in user or a key; a feed's team); ``raw`` the bytes as
    received, or, without them, ``url`` is fetched through the guarded
    fetcher (``url`` with ``raw`` is where the bytes came from).

    Guarantees: the Submission with the raw bytes (``raw_file``,
    ``raw_sha256``) is saved before any parsing, so nothing received is lost.
    Text is extracted (sandboxed for HTML, PDF, XML), a multi-article document
    is split into its articles (a trailing "Outlet: Title" list becomes CITED
    reports), each article's language is detected; ``drafts`` instead gives
    the reports the bytes hold, as the caller cut them. A text already stored
    is linked, not stored again (one report, matched once) and shows the
    submitter nothing of that report that its own team may not read. Reports
    in a language the matcher does not handle are marked UNSUPPORTED_LANGUAGE;
    new PENDING reports are enqueued for matching after commit. A file that
    cannot be parsed, or a URL whose fetch fails, leaves the Submission FAILED
    with its error (retry with ``submission_retry``).

    An ``idempotency_key`` is the team's: sent again with the same bytes (or
    URL) it returns the earlier submission, ``replayed``, and does nothing;
    with others it raises IdempotencyConflict. Invalid arguments, or a URL the
    fetcher refuses (a private address), raise ValidationError and store nothing."""
    if channel not in Submission.Channel.values:
        raise ValidationError({"channel": f"Unknown channel {channel!r}."})
    if raw is not None and not isinstance(raw, bytes | bytearray):
        raise ValidationError({"raw": "Must be bytes."})
    if raw is not None and not raw:
        raise ValidationError({"raw": "The submission is empty."})
    if raw is None and not url:
        raise ValidationError({"raw": "Nothing to submit: give the bytes or a URL."})
    if url and raw is not None:  # where the bytes came from; a URL to fetch is the fetcher's to refuse
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise ValidationError({"url": exc.messages}) from exc
    raw = bytes(raw) if raw is not None else None
    key = idempotency_key or None
    replay = functools.partial(_replay, raw=raw, url=url)  # a retry with the key is compared with what was asked
    earlier = Submission.objects.filter(team=team, idempotency_key=key).first() if key else None
    if earlier is not None:
        return replay(earlier)

    record: dict[str, Any] = {"channel": channel, "user": user, "team": team, "idempotency_key": key}
    if raw is None:
        try:
            result = (fetcher or fetch)(url)
            error = "" if result.content else "fetch failed: the response was empty"
        except FetchRefused as exc:
            raise ValidationError({"url": f"Refused: {exc.reason}"}) from exc
        except FetchError as exc:
            error = f"fetch failed: {exc}"
        if error:
            failed = _submission_record(raw=b"", url=url[:2000], status=Submission.Status.FAILED, error=error, **record)
            return Submitted(failed) if failed else replay(_keyed(team, key))
        raw, content_type, url = result.content, result.content_type, result.final_url[:2000]
        filename = PurePosixPath(urlsplit(result.final_url).path).name
    submission = _submission_record(
        raw=raw,
        url=url,
        filename=filename[:300],
        content_type=content_type[:100],
        raw_file=ContentFile(raw, name=_raw_file_name(filename, sha256_bytes(raw))),
        **record,
    )
    if submission is None:
        return replay(_keyed(team, key))
    if drafts is None:
        stored = _submission_parse(submission, raw=raw, source=source, title=title, published_on=published_on)
    else:
        stored = _drafts_store(submission, list(drafts))
    return Submitted(submission, reports=stored)


def _keyed(team: Team | None, key: str | None) -> Submission:
    return Submission.objects.get(team=team, idempotency_key=key)


def _replay(earlier: Submission, *, raw: bytes | None, url: str) -> Submitted:
    same = earlier.raw_sha256 == sha256_bytes(raw) if raw is not None else earlier.url == url
    if not same:
        raise IdempotencyConflict("This Idempotency-Key was used with a different request body.")
    return Submitted(earlier, replayed=True)


def _submission_record(*, raw: bytes, **fields: Any) -> Submission | None:
    """Save the Submission; None if another request saved one with the same
    team and idempotency key first (the unique constraint decides)."""
    try:
        with transaction.atomic():
            return submission_create(raw=raw, **fields)
    except IntegrityError:
        if not fields.get("idempotency_key"):
            raise
        return None


def _raw_file_name(filename: str, digest: str) -> str:
    """Storage name for the raw upload: the hash keeps it unique, the original
    name (shortened, made safe) keeps it recognisable. FileField's column
    holds 100 characters, upload_to's dated folder included."""
    base = get_valid_filename(PurePosixPath(filename.replace("\\", "/")).name) if filename else ""
    stem, suffix = PurePosixPath(base).stem[:40], PurePosixPath(base).suffix[:10]
    return f"{digest[:16]}-{stem}{suffix}" if stem else f"{digest[:16]}.bin"


def _submission_fail(submission: Submission, error: str) -> None:
    submission.status, submission.error = Submission.Status.FAILED, error[:10_000]
    Submission.objects.filter(pk=submission.pk).update(status=submission.status, error=submission.error)


def _document_for(submission: Submission, extracted: Extracted, title: str) -> Document:
    # A feed entry is one article by definition; other inputs may be digests.
    if submission.channel == Submission.Channel.FEED:
        body = extracted.text
        return Document(articles=[Article(title=title or extracted.title or derive_title(body), body=body)])
    document = split_document(extracted.text, default_title=title or extracted.title)
    if title and len(document.articles) == 1:
        document = Document(
            articles=[Article(title=title, body=document.articles[0].body)], references=document.references
        )
    return document


def _submission_parse(
    submission: Submission,
    *,
    raw: bytes,
    source: Source | None,
    title: str = "",
    published_on: datetime.date | None = None,
) -> list[tuple[Report, bool]]:
    """Extract, split and detect the language of a recorded submission's
    articles, then store them. Any failure marks it FAILED with the reason;
    nothing raises."""
    try:
        extracted = extract(raw, content_type=submission.content_type, filename=submission.filename)
        document = _document_for(submission, extracted, title)
        if not document.articles:
            raise ExtractionError("no article text found")
        articles = [
            ReportDraft(
                title=(article.title or derive_title(article.body))[:500],
                text=article.body or article.title,
                source=source,
                published_on=published_on,
                language=detect_language(article.body or article.title),
                url=submission.url,
            )
            for article in document.articles
        ]
    except ExtractionError as exc:
        _submission_fail(submission, str(exc))
        return []
    except Exception as exc:  # a parser bug must not lose the submission
        _ingest_logger.exception("submission %s: extraction failed", submission.pk)
        _submission_fail(submission, f"{type(exc).__name__}: {exc}")
        return []
    everyone = tuple(range(len(articles)))
    cited = [
        ReportDraft(title=ref.title[:500], outlet=ref.outlet[:200], cited_by=everyone) for ref in document.references
    ]
    return _drafts_store(submission, articles + cited)


def _drafts_store(submission: Submission, drafts: list[ReportDraft]) -> list[tuple[Report, bool]]:
    """Store (or link) each draft's report, their citations, mark the
    submission PARSED, and enqueue the new PENDING reports once this commits;
    in one transaction. A failure marks the submission FAILED; nothing raises."""
    try:
        with transaction.atomic():
            stored = [_draft_store(submission, draft) for draft in drafts]
            for draft, (report, _) in zip(drafts, stored, strict=True):
                if draft.cited_by:
                    report.cited_by.add(*[stored[i][0] for i in draft.cited_by])
            submission.status, submission.error = Submission.Status.PARSED, ""
            submission.save(update_fields=["status", "error"])
            dispatch.reports_match(r.pk for r, created in stored if created and r.status == Report.Status.PENDING)
    except Exception as exc:
        _ingest_logger.exception("submission %s: storing its reports failed", submission.pk)
        _submission_fail(submission, f"storing reports failed: {type(exc).__name__}: {exc}")
        return []
    return stored


def _draft_store(submission: Submission, draft: ReportDraft) -> tuple[Report, bool]:
    source = draft.source or (_outlet(draft.outlet) if draft.outlet else None)
    fields: dict[str, Any] = {
        "published_precision": draft.published_precision,
        "language": draft.language,
        "url": draft.url,
        "document_symbol": draft.document_symbol,
    }
    if draft.text.strip():
        if draft.language and not is_supported(draft.language):
            fields["status"] = Report.Status.UNSUPPORTED_LANGUAGE
    else:
        # A cited report has no text for the hash to find it by: its outlet and title do.
        existing = Report.objects.filter(text_hash__isnull=True, source=source, title=draft.title)
        if (found := existing.order_by("pk").first()) is not None:
            sent = _sent(title=draft.title, source=source, published_on=draft.published_on, fields=fields)
            return _report_link(submission, found, sent), False
    return report_store(
        submission=submission,
        title=draft.title,
        text=draft.text,
        source=source,
        published_on=draft.published_on,
        **fields,
    )


def source_for_outlet(*, name: str) -> Source:
    """The source named ``name`` (any case), created if unknown, as a
    report's outlet."""
    return _outlet(name)


def _outlet(name: str) -> Source:
    """The source named ``name`` (any case), created if unknown."""
    source = Source.objects.filter(name__iexact=name).first()
    if source is not None:
        return source
    try:
        with transaction.atomic():
            return Source.objects.create(name=name, kind=Source.Kind.OTHER)
    except IntegrityError:
        return Source.objects.get(name=name)


def submission_retry(
    *, submission: Submission, source: Source | None = None, fetcher: Fetcher | None = None
) -> Submission:
    """Parse a FAILED (or never finished) submission again from its stored raw
    bytes; one with no raw bytes but a URL (its fetch failed) is fetched again.
    A PARSED submission is returned unchanged, so a re-run is safe."""
    submission = Submission.objects.get(pk=submission.pk)
    if submission.status == Submission.Status.PARSED:
        return submission
    if submission.status == Submission.Status.FAILED:
        claimed = Submission.objects.filter(pk=submission.pk, status=Submission.Status.FAILED).update(
            status=Submission.Status.RECEIVED
        )
        if not claimed:  # someone else is retrying it
            return Submission.objects.get(pk=submission.pk)
        submission.status = Submission.Status.RECEIVED
    if submission.raw_file:
        with submission.raw_file.open("rb") as handle:
            raw = handle.read()
    elif submission.url:
        try:
            result = (fetcher or fetch)(submission.url)
        except FetchError as exc:
            _submission_fail(submission, f"fetch failed: {exc}")
            return submission
        raw = result.content
        if not raw:
            _submission_fail(submission, "fetch failed: the response was empty")
            return submission
        submission.raw_sha256, submission.content_type = sha256_bytes(raw), result.content_type[:100]
        submission.raw_file.save(
            _raw_file_name(submission.filename, submission.raw_sha256), ContentFile(raw), save=False
        )
        submission.save(update_fields=["raw_sha256", "content_type", "raw_file"])
    else:
        _submission_fail(submission, "nothing to retry: no raw file and no URL")
        return submission
    _submission_parse(submission, raw=raw, source=source)
    return submission


def _feed_record(feed: Feed, **fields: Any) -> None:
    # Poll bookkeeping, not an edit of the feed: no history row per poll.
    fields["last_polled_at"] = timezone.now()
    for key, value in fields.items():
        setattr(feed, key, value)
    Feed.objects.filter(pk=feed.pk).update(**fields)


def feed_poll(*, feed: Feed, fetcher: Fetcher | None = None) -> int:
    """Fetch a feed (conditional on its ETag / Last-Modified), and ingest each
    entry whose guid is new as a FEED submission. Returns the number of new
    entries. Errors (fetch, parse, an entry that failed) are recorded in
    ``feed.last_error``; nothing raises. Polling again ingests nothing twice:
    FeedEntry is unique per feed and guid, and a duplicate text links to the
    existing Report anyway."""
    try:
        result = (fetcher or fetch)(feed.url, etag=feed.etag, modified=feed.modified)
    except FetchError as exc:
        _feed_record(feed, last_error=f"fetch failed: {exc}"[:10_000])
        return 0
    if result.not_modified:
        _feed_record(feed, last_error="")
        return 0
    try:
        parsed = parse_feed(result.content, content_type=result.content_type, base_url=result.final_url)
    except FeedError as exc:
        _feed_record(feed, last_error=f"feed unreadable: {exc}"[:10_000])
        return 0

    guids = [entry.guid for entry in parsed.entries]
    seen = set(FeedEntry.objects.filter(feed=feed, guid__in=guids).values_list("guid", flat=True))
    new, errors = 0, []
    for entry in parsed.entries:
        if entry.guid in seen:
            continue
        seen.add(entry.guid)
        content = entry.content if entry.content.strip() else entry.title
        if not content.strip():
            errors.append(f"{entry.guid}: empty entry")
            FeedEntry.objects.get_or_create(feed=feed, guid=entry.guid, defaults={"link": entry.link})
            continue
        content_type = entry.content_type if entry.content.strip() else "text/plain"
        submission = report_submit(
            channel=Submission.Channel.FEED,
            user=None,
            team=feed.team,
            raw=content.encode("utf-8"),
            content_type=f"{content_type}; charset=utf-8",
            url=entry.link,
            source=feed.source,
            title=entry.title[:500],
            published_on=entry.published.date() if entry.published else None,
        ).submission
        if submission.status == Submission.Status.FAILED:
            errors.append(f"{entry.guid}: {submission.error}")
        report = submission.reports.filter(text_hash__isnull=False).order_by("pk").first()
        FeedEntry.objects.get_or_create(feed=feed, guid=entry.guid, defaults={"link": entry.link, "report": report})
        new += 1
    _feed_record(
        feed,
        last_error="\n".join(errors)[:10_000],
        etag=result.etag[:300],
        modified=result.last_modified[:100],
    )
    return new
