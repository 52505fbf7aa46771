"""Follows: a team follows a claim to hear of its new flags and accepted
stances (its webhooks)."""

from __future__ import annotations

from django.contrib.auth.models import User

from claims.models import Claim, Follow, Team


def follow_add(*, team: Team, claim: Claim, user: User | None = None) -> Follow:
    """Follow a claim for a team; following twice is one follow."""
    follow, _ = Follow.objects.get_or_create(team=team, claim=claim, defaults={"created_by": user})
    return follow


def follow_remove(*, team: Team, claim: Claim) -> int:
    return Follow.objects.filter(team=team, claim=claim).delete()[0]
