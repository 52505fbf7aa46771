"""Who said what about a claim (stances) and what bears on it (evidence)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from claims.models.common import DatePrecision, TimeStamped
from claims.models.record import Actor, Claim
from claims.models.reports import Report
from claims.models.teams import TeamOwned

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
