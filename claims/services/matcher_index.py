"""The matcher's index version: every worker rebuilds its claim index when
it changes (``matcher_runtime.current_matcher``)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from claims.matcher_runtime import INDEX_KEY
from claims.models import MatcherState


def index_bump() -> None:
    """Tell every worker to rebuild its claim index on its next task. Writes
    call ``index_bump_on_commit`` instead."""
    updated = MatcherState.objects.filter(key=INDEX_KEY).update(version=F("version") + 1)
    if not updated:
        MatcherState.objects.get_or_create(key=INDEX_KEY, defaults={"version": 1})


def index_bump_on_commit() -> None:
    """Bump the index version once the current transaction commits: once per
    transaction however many of its writes ask, and not at all if it rolls
    back. Called by every service that changes what ``claim_docs`` and
    ``alias_entries`` read (claims, actors, aliases, incidents, accepted
    stances).

    After commit, so the version row is not locked for the length of every
    record write. Robust: a bump that fails then (database gone) is logged and
    does not turn the committed write into an error; the index stays stale
    until the next bump."""
    connection = transaction.get_connection()
    # A rolled-back savepoint drops its callbacks from this list, so a bump
    # found here is one that will run if this write commits.
    if connection.in_atomic_block and any(func is index_bump for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(index_bump, robust=True)
