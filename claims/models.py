"""The record: who claimed what, on what evidence.

Models hold fields, choices and database constraints only. Writes go through
``claims.services``; reads that join live in ``claims.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from claims.normalize import normalize_name

# --- shared vocabularies -------------------------------------------------------


class DatePrecision(models.TextChoices):
    """How much of a stored date is known. The date field holds the first day
    of the known period (the 1st of the month for MONTH, 1 January for YEAR)."""

    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"
    APPROXIMATE = "approx", "approximate"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "pending review"
    ACCEPTED = "accepted", "accepted"
    REJECTED = "rejected", "rejected"


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


# --- teams ----------------------------------------------------------------------


class Team(TimeStamped):
    """A group of users. The research team curates the record; fact-checking
    teams read what is published and submit reports, stances and evidence."""

    class Kind(models.TextChoices):
        RESEARCH = "research", "research team"
        FACT_CHECKING = "factcheck", "fact-checking team"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="teams")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStamped):
    class Role(models.TextChoices):
        EDITOR = "editor", "editor (reads, submits, reviews what the team may)"
        READ_ONLY = "readonly", "read-only"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EDITOR)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.get_role_display()})"


class TeamOwned(models.Model):
    """Something a team submitted; who entered it and who reviewed it."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        abstract = True


# --- actors ---------------------------------------------------------------------


class Actor(TimeStamped):
    """Anyone who holds a position or is alleged to have acted."""

    class Kind(models.TextChoices):
        STATE = "state", "state"
        GOVERNMENT = "government", "government or armed force"
        ARMED_GROUP = "armed_group", "armed group"
        ORGANISATION = "organisation", "international organisation or body"
        PERSON = "person", "person"
        MEDIA = "media", "media outlet"
        NGO = "ngo", "NGO"

    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    name = models.CharField("canonical name", max_length=200, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The actor this one belongs to or speaks for: Syrian Arab Air Force → Syrian government; "
        "Churkin → Russia; Jabhat al-Nusra → al-Qaida.",
    )
    description = models.TextField(blank=True)
    name_valid_from = models.DateField(null=True, blank=True)
    name_valid_to = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(name_valid_to__isnull=True)
                | Q(name_valid_from__isnull=True)
                | Q(name_valid_to__gte=models.F("name_valid_from")),
                name="actor_name_validity_ordered",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="actor_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class ActorAlias(TimeStamped):
    """Another name for an actor: "Damascus" for the Syrian government, a
    transliteration (Julani, Golani), a former name, an acronym."""

    class Kind(models.TextChoices):
        ALIAS = "alias", "alias"
        ACRONYM = "acronym", "acronym"
        TRANSLITERATION = "transliteration", "transliteration"
        FORMER_NAME = "former", "former name"
        METONYM = "metonym", "metonym (a capital or seat standing for the actor)"

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200, db_index=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ALIAS)
    # "Damascus" denies (the government) vs capturing Damascus (the city): the
    # matcher counts such an alias only where it is used as a speaker or agent.
    ambiguous = models.BooleanField(
        default=False, help_text="Also names something else (a city, a common word): count it only as a speaker."
    )
    language = models.CharField(max_length=16, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "actor aliases"
        ordering = ["actor__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["actor", "normalized"], name="alias_unique_per_actor"),
            models.CheckConstraint(condition=~Q(normalized=""), name="alias_not_blank"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="alias_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Model forms (the admin inline) call clean(); services set it directly.
        self.normalized = normalize_name(self.name)


# --- incidents, claims -------------------------------------------------------------


class Incident(TimeStamped):
    """Something that happened, at a place and a time, known to some precision."""

    class Agent(models.TextChoices):
        CHLORINE = "chlorine", "chlorine"
        SARIN = "sarin", "sarin"
        SULFUR_MUSTARD = "sulfur_mustard", "sulfur mustard"
        VX = "vx", "VX"
        OTHER_CHEMICAL = "other_chemical", "other or unidentified chemical"
        CONVENTIONAL = "conventional", "conventional weapons"

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    place_name = models.CharField(max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    date_start = models.DateField(null=True, blank=True)
    date_end = models.DateField(null=True, blank=True, help_text="For a range; empty for a single date.")
    date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY)
    agent = models.CharField(max_length=20, choices=Agent.choices, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date_start", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="incident_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="incident_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="incident_coordinates_paired",
            ),
            models.CheckConstraint(
                condition=Q(date_end__isnull=True) | Q(date_start__isnull=False, date_end__gte=models.F("date_start")),
                name="incident_date_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Claim(TimeStamped):
    """A proposition whose truth is contested: who did it, or whether it happened."""

    class Kind(models.TextChoices):
        ATTRIBUTION = "attribution", "attribution (who did it)"
        EVENT = "event", "event (did it happen)"
        STATEMENT = "statement", "statement (someone said so)"
        OTHER = "other", "other"

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        PUBLISHED = "published", "published"

    title = models.CharField(max_length=300)
    text = models.TextField("proposition", help_text="The claim as one plain sentence.")
    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    alleged_perpetrator = models.ForeignKey(
        Actor, on_delete=models.PROTECT, null=True, blank=True, related_name="alleged_claims"
    )
    incidents = models.ManyToManyField(Incident, blank=True, related_name="claims")
    scope_start = models.DateField("time scope from", null=True, blank=True)
    scope_end = models.DateField("time scope to", null=True, blank=True)
    scope_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.MONTH)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="claims")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(m2m_fields=[incidents, tags])

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="attribution") | Q(alleged_perpetrator__isnull=False),
                name="claim_attribution_names_perpetrator",
            ),
            models.CheckConstraint(
                condition=Q(scope_end__isnull=True)
                | Q(scope_start__isnull=False, scope_end__gte=models.F("scope_start")),
                name="claim_scope_ordered",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="claim_text_not_blank"),
        ]

    def __str__(self) -> str:
        return self.title


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


# --- stances and evidence ------------------------------------------------------------


class Position(models.TextChoices):
    ASSERTS = "asserts", "asserts"
    DENIES = "denies", "denies"
    DISPUTES = "disputes", "disputes the evidence or the process"
    ACKNOWLEDGES = "acknowledges", "acknowledges the event without attributing it"
    RETRACTS = "retracts", "retracts"
    CALLS_FOR_INVESTIGATION = "calls_investigation", "calls for investigation"


class Confidence(models.IntegerChoices):
    """DOMAIN.md's ordered scale of confidence wording, strongest first."""

    COMPREHENSIVELY_CONFIRMED = 8, "comprehensively confirmed"
    CONFIRMED = 7, "confirmed"
    HIGH_DEGREE = 6, "high degree of confidence"
    REASONABLE_GROUNDS = 5, "reasonable grounds to believe"
    SUFFICIENT_INFORMATION = 4, "sufficient information to conclude"
    LIKELY = 3, "likely"
    CREDIBLY_SUBSTANTIATED = 2, "credibly substantiated"
    UNVERIFIED = 1, "unverified allegation"


class Stance(TimeStamped, TeamOwned):
    """One actor's position on one claim, as stated on a date. A later stance
    by the same actor records a change of position; nothing is overwritten."""

    class QuoteKind(models.TextChoices):
        VERBATIM = "verbatim", "verbatim"
        PARAPHRASE = "paraphrase", "paraphrase"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="stances")
    actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="stances", help_text="Who holds the position."
    )
    speaker = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spoken_stances",
        help_text="The person who said it, when known.",
    )
    speaker_description = models.CharField(
        max_length=200, blank=True, help_text='For unnamed speakers: "a Security Council diplomat".'
    )
    position = models.CharField(max_length=24, choices=Position.choices, db_index=True)
    stated_on = models.DateField(null=True, blank=True)
    stated_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY)
    quote = models.TextField(blank=True)
    quote_kind = models.CharField(max_length=16, choices=QuoteKind.choices, default=QuoteKind.VERBATIM)
    report = models.ForeignKey(
        Report,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stances",
        help_text="Where it was reported.",
    )
    confidence_wording = models.CharField(max_length=300, blank=True, help_text="Verbatim, as the body worded it.")
    confidence = models.PositiveSmallIntegerField(choices=Confidence.choices, null=True, blank=True)
    note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "-stated_on", "actor__name"]
        indexes = [models.Index(fields=["claim", "actor", "stated_on"], name="stance_claim_actor_date")]
        constraints = [
            models.CheckConstraint(condition=~Q(position=""), name="stance_has_position"),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=1, confidence__lte=8),
                name="stance_confidence_on_scale",
            ),
            models.CheckConstraint(condition=Q(quote="") | ~Q(quote_kind=""), name="stance_quote_kind_given"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id and self.actor.name} {self.position} “{self.claim_id and self.claim.title}”"


class Evidence(TimeStamped, TeamOwned):
    """Something that bears on a claim: a document, a testimony, a lab result."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", "document"
        REPORT = "report", "news or agency report"
        TESTIMONY = "testimony", "witness testimony"
        SAMPLE_ANALYSIS = "sample", "sample analysis"
        IMAGERY = "imagery", "imagery (photo, video, satellite)"
        MUNITION = "munition", "munition remnants"
        MEDICAL = "medical", "medical record"
        OTHER = "other", "other"

    class Relation(models.TextChoices):
        SUPPORTS = "supports", "supports"
        CONTRADICTS = "contradicts", "contradicts"
        # An accepted matcher flag says a report bears on a claim, not which way.
        DISCUSSES = "discusses", "discusses (neither supports nor contradicts)"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    relation = models.CharField(max_length=16, choices=Relation.choices)
    description = models.TextField()
    report = models.ForeignKey(Report, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence")
    url = models.URLField(max_length=2000, blank=True)
    file = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["claim", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(report__isnull=False) | ~Q(url="") | ~Q(file=""), name="evidence_has_report_url_or_file"
            ),
            models.CheckConstraint(condition=Q(file="") | ~Q(file_sha256=""), name="evidence_file_has_sha256"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.relation} “{self.claim_id and self.claim.title}”"


# --- matcher output ------------------------------------------------------------------


class Flag(TimeStamped):
    """The matcher's proposal that a report bears on a claim. One row per pair
    whatever its status: a re-run updates only flags still NEW."""

    class Tier(models.TextChoices):
        SUGGESTED = "suggested", "suggested"
        STRONG = "strong", "strong"

    class Status(models.TextChoices):
        NEW = "new", "new"
        ACCEPTED = "accepted", "accepted"
        REJECTED = "rejected", "rejected"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="flags")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="flags")
    score = models.FloatField()
    tier = models.CharField(max_length=16, choices=Tier.choices)
    passages = models.JSONField(default=list, blank=True, help_text="The passages that matched, with their scores.")
    matched_actors = models.JSONField(default=list, blank=True)
    matched_terms = models.JSONField(default=list, blank=True)
    matcher_version = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    evidence = models.OneToOneField(
        Evidence, on_delete=models.SET_NULL, null=True, blank=True, related_name="flag", editable=False
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["report", "claim"], name="flag_unique_report_claim"),
            models.CheckConstraint(condition=Q(score__gte=0), name="flag_score_non_negative"),
            models.CheckConstraint(
                condition=Q(status="new") | Q(reviewed_at__isnull=False), name="flag_reviewed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} ↔ {self.claim_id} ({self.tier}, {self.score:.2f})"


class ReportMatchProgress(models.Model):
    """How far matching a long report has got. A task run matches passages
    for a bounded time (REPORT_MATCH_SECONDS), then stores what it found here
    and sends the report to the back of the queue for the next run, so one
    long document never holds a worker for long (claims.services.report_matching). Valid
    only for the text and matcher version it was made with; deleted when the
    report is done."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, primary_key=True, related_name="match_progress")
    text_hash = models.CharField(max_length=64)
    matcher_version = models.CharField(max_length=64)
    next_passage = models.PositiveIntegerField(help_text="The first passage not matched yet.")
    passages = models.PositiveIntegerField(help_text="How many passages the text has.")
    # Each claim's best passages so far (claims.matching.Hits, as bytes: a long
    # report's passages score most claims, a few MB with 100k claims).
    hits = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"report {self.report_id}: {self.next_passage} of {self.passages} passages"


class MatcherState(models.Model):
    """A counter workers compare with the one they loaded: bumped whenever a
    claim, an alias or an incident the index is built from changes, so every
    worker process rebuilds its claim index on its next task."""

    key = models.CharField(max_length=50, unique=True)
    version = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class ClaimEmbedding(models.Model):
    """A claim's sentence embedding, cached by the hash of the text it was
    computed from: only claims whose text changed are encoded again."""

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="embedding")
    content_hash = models.CharField(max_length=64)
    model_name = models.CharField(max_length=200)
    vector = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"embedding of claim {self.claim_id}"


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


# --- API access, follows and webhooks ------------------------------------------------------


class ApiKey(models.Model):
    """A team's key to the REST API. Only a SHA-256 of the secret is stored
    (keys are long random strings, so a fast hash is safe); the full key is
    shown once, when created. The key acts for its team with its role, and
    for the member who created it, who is named in the history of its writes."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="api_keys")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="What the key is for: “newsroom sync”.")
    role = models.CharField(max_length=16, choices=Membership.Role.choices, default=Membership.Role.READ_ONLY)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_secret = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = "API key"
        ordering = ["team", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Follow(models.Model):
    """A team follows a claim: its webhooks hear of new flags and accepted stances."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="follows")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "claim"], name="follow_unique_team_claim")]

    def __str__(self) -> str:
        return f"{self.team_id} follows {self.claim_id}"


class WebhookEvent(models.TextChoices):
    FLAG_CREATED = "flag.created", "a new flag on a followed claim"
    STANCE_ACCEPTED = "stance.accepted", "a stance accepted on a followed claim"


class Webhook(TimeStamped):
    """Where a team wants to hear of events on the claims it follows. The
    secret signs each delivery (HMAC-SHA256), so it is stored as given."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    secret = models.CharField(max_length=200)
    events = models.JSONField(default=list, blank=True, help_text="Event names; empty means all.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["team", "url"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one webhook: the payload as sent, every attempt's outcome.
    Stored before sending, so a delivery is never lost and can be replayed."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32, choices=WebhookEvent.choices)
    event_id = models.CharField(max_length=100, help_text="Unique per event and webhook: receivers dedupe on it.")
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Set whenever the delivery is PENDING, so the sweep can tell a lost
    # message from a retry still waiting out its backoff.
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        default=timezone.now,
        help_text="When the next attempt is due (while one is being made: its deadline); empty once delivered or "
        "failed. A pending delivery overdue by WEBHOOK_REQUEUE_SECONDS is sent again by the sweep.",
    )

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event_id"], name="webhook_delivery_unique_event"),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="webhook_delivery_pending_has_next_attempt",
            ),
        ]
        indexes = [
            # What the sweep reads: the few pending rows, by when they are due.
            models.Index(fields=["next_attempt_at"], name="webhook_delivery_due", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.status})"


class WorkerHeartbeat(models.Model):
    """When a worker last consumed a heartbeat task from a queue. A worker
    that is connected but no longer consuming (seen after a broker restart)
    stops updating it, which /healthz reports."""

    queue = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.queue} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
