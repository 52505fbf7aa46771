"""The record: who claimed what, on what evidence.

Models hold fields, choices and database constraints only. Writes go through
``claims.services``; reads that join live in ``claims.selectors``.
"""

from __future__ import annotations

from claims.models.access import ApiKey, Follow, Webhook, WebhookDelivery, WebhookEvent, WorkerHeartbeat
from claims.models.common import DatePrecision, ReviewStatus, TimeStamped
from claims.models.matcher import ClaimEmbedding, Flag, MatcherState, ReportMatchProgress, StanceSuggestion
from claims.models.record import Actor, ActorAlias, Claim, Incident, Tag
from claims.models.reports import Feed, FeedEntry, Report, Source, Submission, SubmissionReport
from claims.models.stances import Confidence, Evidence, Position, Stance
from claims.models.teams import Membership, Team, TeamOwned

__all__ = [
    "Actor",
    "ActorAlias",
    "ApiKey",
    "Claim",
    "ClaimEmbedding",
    "Confidence",
    "DatePrecision",
    "Evidence",
    "Feed",
    "FeedEntry",
    "Flag",
    "Follow",
    "Incident",
    "MatcherState",
    "Membership",
    "Position",
    "Report",
    "ReportMatchProgress",
    "ReviewStatus",
    "Source",
    "Stance",
    "StanceSuggestion",
    "Submission",
    "SubmissionReport",
    "Tag",
    "Team",
    "TeamOwned",
    "TimeStamped",
    "Webhook",
    "WebhookDelivery",
    "WebhookEvent",
    "WorkerHeartbeat",
]
