"""What the matcher makes and keeps: flags (a report bearing on a claim),
a long report's progress, the index version, the claim embedding cache."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from claims.models.common import TimeStamped
from claims.models.record import Claim
from claims.models.reports import Report
from claims.models.stances import Evidence

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
