"""API access, follows, webhooks and their deliveries, and the workers'
heartbeats."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from claims.models.common import TimeStamped
from claims.models.record import Claim
from claims.models.teams import Membership, Team

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
