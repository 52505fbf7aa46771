"""What the research group may do in the admin: the model permissions every
active member of a research team has, without being a superuser.

The research group is not a row to keep in step with the teams: it is the
members of research teams (``selectors.user_is_researcher``), and this
backend grants them the permissions below, from code, so a deployment's
researchers and the tests' have the same ones. Superusers keep every
permission (Django's own backend); the admin site still needs ``is_staff``.

Researchers curate the record: they add, change and delete claims, actors,
aliases, incidents, tags, sources, reports, stances and evidence, review
flags and submissions, run feeds, and issue their team's keys and webhooks.
What the system keeps for itself (submissions as received, the matcher's
state, deliveries, heartbeats) they may only see; who belongs to which team,
and the logins, are the superusers'."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.db.models import Model

from claims.models import Membership, Team

EVERYTHING = ("view", "add", "change", "delete")
RESEARCH_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "claim": EVERYTHING,
    "actor": EVERYTHING,
    "actoralias": EVERYTHING,
    "incident": EVERYTHING,
    "tag": EVERYTHING,
    "source": EVERYTHING,
    "report": EVERYTHING,
    "stance": EVERYTHING,
    "evidence": EVERYTHING,
    "feed": EVERYTHING,
    "follow": EVERYTHING,
    "webhook": EVERYTHING,
    "apikey": ("view", "add", "change"),  # revoked, never deleted: the key's history stays
    "flag": ("view", "change"),  # the matcher's: reviewed, not typed in
    "stancesuggestion": ("view", "change"),  # the suggester's: accepted or rejected, not typed in
    "submission": ("view",),
    "feedentry": ("view",),
    "matcherstate": ("view",),
    "reportmatchprogress": ("view",),
    "claimembedding": ("view",),
    "webhookdelivery": ("view", "change"),  # replayed
    "workerheartbeat": ("view",),
    "team": ("view",),
    "membership": ("view",),
}
PERMISSIONS = frozenset(
    f"claims.{action}_{model}" for model, actions in RESEARCH_PERMISSIONS.items() for action in actions
)
_CACHE = "_tracker_research_perms"


class ResearchTeamBackend(BaseBackend):
    """Grants ``PERMISSIONS`` to active members of a research team; it
    authenticates no one (ModelBackend does)."""

    def get_group_permissions(self, user_obj: Any, obj: Model | None = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, _CACHE):
            member = Membership.objects.filter(user=user_obj, team__kind=Team.Kind.RESEARCH).exists()
            setattr(user_obj, _CACHE, set(PERMISSIONS) if member else set())
        return set(getattr(user_obj, _CACHE))

    def get_all_permissions(self, user_obj: Any, obj: Model | None = None) -> set[str]:
        return self.get_group_permissions(user_obj, obj)

    def has_perm(self, user_obj: Any, perm: str, obj: Model | None = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return any(perm.startswith(f"{app_label}.") for perm in self.get_all_permissions(user_obj))
