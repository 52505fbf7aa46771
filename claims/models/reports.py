"""Where claims are found: sources, reports, the submissions that brought
them, and the feeds polled for more."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from claims.models.common import DatePrecision, TimeStamped
from claims.models.record import Actor
from claims.models.teams import Team

# --- sources, reports, submissions --------------------------------------------------


class Source(TimeStamped):
    """An outlet or issuing body: AFP, Reuters, the OPCW, the UN Security Council."""

    class Kind(models.TextChoices):
        NEWS_AGENCY = "agency", "news agency"
        NEWSPAPER = "newspaper", "newspaper or magazine"
        BROADCASTER = "broadcaster", "broadcaster"
        DIGEST = "digest", "news digest"
        ORGANISATION = "organisation", "international organisation or body"
        GOVERNMENT = "government", "government"
        NGO = "ngo", "NGO"
        OTHER = "other", "other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        Actor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sources",
        help_text="The actor this source is, when it also takes positions (the OPCW).",
    )
    url = models.URLField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Report(TimeStamped):
    """One article or document. Unique on a hash of its normalised text, so the
    same text submitted twice is one Report with two Submissions. Who may read
    it is decided once, by ``team``: the team whose submission stored it. A
    later submission of the same text is linked to it and widens nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", "waiting to be matched"
        PROCESSING = "processing", "being matched"
        PROCESSED = "processed", "matched"
        FAILED = "failed", "failed (see last error; can be retried)"
        UNSUPPORTED_LANGUAGE = "language", "not matched: language"
        CITED = "cited", "cited only (no text)"

    title = models.CharField(max_length=500)
    text = models.TextField(blank=True)
    # NULL for cited reports with no text; NULLs never collide in a unique index.
    text_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    url = models.URLField(max_length=2000, blank=True)
    document_symbol = models.CharField(
        max_length=100, blank=True, db_index=True, help_text="UN or OPCW symbol, e.g. S/2016/738 or EC-94/DG.1."
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, related_name="reports")
    published_on = models.DateField(null=True, blank=True)
    published_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY)
    language = models.CharField(max_length=16, blank=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The team whose submission stored it: a fact-checking team's report is read by that team and "
        "researchers only. Empty (no team) or the research team: every team reads it.",
    )
    cited_by = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="cites", help_text="Reports that cite this one."
    )

    # Processing bookkeeping: the database, not the queue, is the record.
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="When a matching task was last sent.")
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    matcher_version = models.CharField(max_length=64, blank=True)
    # Kept by a database trigger on PostgreSQL (migration 0003) from the text;
    # the archive re-match searches it. Unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    history = HistoricalRecords(excluded_fields=["text", "search_vector"])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(text="", text_hash__isnull=True) | (~Q(text="") & Q(text_hash__isnull=False)),
                name="report_hash_iff_text",
            ),
            models.CheckConstraint(
                condition=~Q(status="processing") | Q(lease_expires_at__isnull=False),
                name="report_processing_has_lease",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Submission(models.Model):
    """One upload or API call and the Reports it produced. A duplicate upload
    is its own Submission linked to the existing Report."""

    class Channel(models.TextChoices):
        ADMIN_TEXT = "admin_text", "pasted in the admin"
        ADMIN_FILE = "admin_file", "file uploaded in the admin"
        API = "api", "API"
        URL = "url", "fetched from a URL"
        FEED = "feed", "feed"
        DEMO = "demo", "demo data"

    class Status(models.TextChoices):
        RECEIVED = "received", "received"
        PARSED = "parsed", "parsed into reports"
        FAILED = "failed", "could not be parsed (kept; can be retried)"

    channel = models.CharField(max_length=16, choices=Channel.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="submissions")
    created_at = models.DateTimeField(auto_now_add=True)
    raw_sha256 = models.CharField(max_length=64, db_index=True)
    raw_file = models.FileField(upload_to="submissions/%Y/%m/", blank=True, help_text="The upload exactly as received.")
    filename = models.CharField(max_length=300, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    # NULL, not "", when absent: the per-team unique constraint ignores NULLs.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    reports = models.ManyToManyField(Report, blank=True, related_name="submissions", through="SubmissionReport")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="submission_idempotency_key_unique_per_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.filename or self.url or self.raw_sha256[:12]}"


class SubmissionReport(models.Model):
    """A report a submission brought, with what this submission gave it: its
    title, url, symbol, source, date, and when. A team that reaches a report
    only through its own submission (another team's submission stored the
    text first, privately) is shown the report as this link has it, never
    the stored row's metadata (``selectors.reports_for_display``)."""

    id = models.AutoField(primary_key=True)  # as Django created the table
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="report_links")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="submission_links")
    title = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    document_symbol = models.CharField(max_length=100, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    published_on = models.DateField(null=True, blank=True)
    published_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The table Django created for the plain many-to-many field, kept.
        db_table = "claims_submission_reports"
        unique_together = [("submission", "report")]

    def __str__(self) -> str:
        return self.title or f"report {self.report_id}"


# --- feeds -------------------------------------------------------------------------------


class Feed(TimeStamped):
    """An RSS or Atom feed polled on a schedule (Celery beat); new entries become Reports."""

    name = models.CharField(max_length=200)
    url = models.URLField(max_length=2000, unique=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, related_name="feeds")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="feeds")
    active = models.BooleanField(default=True)
    poll_interval_minutes = models.PositiveIntegerField(default=30)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    etag = models.CharField(max_length=300, blank=True)
    modified = models.CharField(max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(poll_interval_minutes__gte=1), name="feed_interval_positive")]

    def __str__(self) -> str:
        return self.name


class FeedEntry(models.Model):
    """An entry already taken from a feed, so a poll never ingests it twice."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries")
    guid = models.CharField(max_length=1000)
    link = models.URLField(max_length=2000, blank=True)
    report = models.ForeignKey(Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="feed_entries")
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "feed entries"
        constraints = [models.UniqueConstraint(fields=["feed", "guid"], name="feed_entry_unique_guid")]

    def __str__(self) -> str:
        return self.guid
