"""Reads: who may see what, and querysets with their joins already made."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from claims.models import Actor, Claim, Evidence, Feed, Flag, Membership, ReviewStatus, Stance, Team
from claims.normalize import normalize_name

AnyUser = User | AnonymousUser


def user_is_researcher(user: AnyUser) -> bool:
    """Researchers curate the record: superusers and members of a research team."""
    if not user.is_authenticated or not user.is_active:
        return False
    if getattr(user, "is_superuser", False):
        return True
    cached = getattr(user, "_is_researcher", None)
    if cached is None:
        cached = Membership.objects.filter(user=user, team__kind=Team.Kind.RESEARCH).exists()
        setattr(user, "_is_researcher", cached)  # noqa: B010 (a per-request cache on the user object)
    return cached


def user_team_ids(user: AnyUser) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user=user).values_list("team_id", flat=True))


def claims_visible_to(user: AnyUser) -> QuerySet[Claim]:
    """Published claims, plus unpublished ones of the user's own teams; all for researchers."""
    claims = Claim.objects.all()
    if user_is_researcher(user):
        return claims
    return claims.filter(Q(status=Claim.Status.PUBLISHED) | Q(team_id__in=user_team_ids(user)))


def _reviewed_visible_to(queryset: QuerySet, user: AnyUser) -> QuerySet:
    if user_is_researcher(user):
        return queryset
    return queryset.filter(
        Q(review_status=ReviewStatus.ACCEPTED) | Q(team_id__in=user_team_ids(user)),
        claim__in=claims_visible_to(user),
    )


def stances_visible_to(user: AnyUser) -> QuerySet[Stance]:
    """Accepted stances on visible claims, plus the user's own teams' submissions."""
    return _reviewed_visible_to(Stance.objects.all(), user)


def evidence_visible_to(user: AnyUser) -> QuerySet[Evidence]:
    return _reviewed_visible_to(Evidence.objects.all(), user)


def flags_visible_to(user: AnyUser) -> QuerySet[Flag]:
    if user_is_researcher(user):
        return Flag.objects.all()
    return Flag.objects.filter(claim__in=claims_visible_to(user))


def stance_list() -> QuerySet[Stance]:
    return Stance.objects.select_related("claim", "actor", "speaker", "report__source", "team")


def actor_list() -> QuerySet[Actor]:
    return Actor.objects.select_related("parent").prefetch_related("aliases")


def actors_matching_name(name: str) -> QuerySet[Actor]:
    """Actors whose canonical name or any alias equals ``name`` once normalised."""
    key = normalize_name(name)
    return Actor.objects.filter(Q(name__iexact=name.strip()) | Q(aliases__normalized=key)).distinct()


def feeds_due(*, now: datetime.datetime) -> list[int]:
    """Ids of active feeds whose poll interval has passed (or never polled)."""
    feeds = Feed.objects.filter(active=True).values_list("id", "last_polled_at", "poll_interval_minutes")
    return [
        feed_id
        for feed_id, polled, minutes in feeds
        if polled is None or polled + datetime.timedelta(minutes=minutes) <= now
    ]
