"""What the matcher makes and keeps: flags (a report bearing on a claim) and
the stances suggested from their passages, a long report's progress, the
index version, the claim embedding cache."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from claims.models.common import DatePrecision, TimeStamped
from claims.models.record import Actor, Claim
from claims.models.reports import Report
from claims.models.stances import Evidence, Position, Stance

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


class StanceSuggestion(TimeStamped):
    """A stance the suggester (claims.matching.stance) proposes from one of a
    flag's passages. Never part of the record: a person accepts it, which
    records a Stance through the services (``resulting_stance``), or rejects
    it, and the rejection with its reason is kept as labelled data."""

    class Status(models.TextChoices):
        PENDING = "pending", "awaiting a decision"
        ACCEPTED = "accepted", "accepted (a stance was recorded)"
        REJECTED = "rejected", "rejected"

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="suggestions")
    actor = models.ForeignKey(
        Actor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="suggested_stances",
        help_text="Who holds the position, as the suggester read it.",
    )
    speaker = models.ForeignKey(
        Actor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggested_speeches",
        help_text="The person who said it, when the text names one the record knows.",
    )
    speaker_text = models.CharField(
        max_length=200, blank=True, help_text='The speaker as the report writes it: "Churkin", "a Council diplomat".'
    )
    position = models.CharField(max_length=24, choices=Position.choices)
    quote = models.TextField(blank=True, help_text="A verbatim span of the report.")
    quote_start = models.PositiveIntegerField(
        null=True, blank=True, help_text="Offset of the quote in the report's text."
    )
    quote_end = models.PositiveIntegerField(null=True, blank=True)
    quote_verbatim = models.BooleanField(default=False, help_text="In quotation marks: the holder's own words.")
    stated_on = models.DateField(null=True, blank=True)
    stated_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY)
    confidence_wording = models.CharField(max_length=300, blank=True)
    score = models.FloatField(help_text="How sure the suggester is, 0 to 1.")
    rule = models.CharField(max_length=40, blank=True, help_text="The suggester's rule that proposed it.")
    suggester_version = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    reject_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    resulting_stance = models.OneToOneField(
        Stance, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestion", editable=False
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["flag", "-score", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=1), name="suggestion_score_in_unit_range"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False), name="suggestion_decided_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""), name="suggestion_rejection_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(quote_start__isnull=True) | Q(quote_end__gte=models.F("quote_start")),
                name="suggestion_quote_span_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor.name if self.actor else '?'} {self.position} (suggested, {self.score:.2f})"
