"""History rows (django-simple-history) for writes made outside a request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User

from claims.models import Flag, Report


def history_user(obj: Any, user: User | None) -> None:
    """Name ``user`` in the history row of ``obj``'s next save: simple_history
    reads this when the row is saved outside a request."""
    obj._history_user = user


def history_rows(
    model: type[Report] | type[Flag],
    ids: Iterable[int],
    reason: str,
    user: User | None = None,
    *,
    created: bool = False,
) -> None:
    """A history row (who, when, why) for rows just changed by a conditional
    ``update()``: the state changes of matching are made that way so
    concurrent workers cannot both win, and ``update()`` bypasses
    django-simple-history. Only queue bookkeeping (``enqueued_at``) goes
    unrecorded."""
    rows = list(model.objects.filter(pk__in=list(ids)))
    if rows:
        model.history.bulk_history_create(  # type: ignore[attr-defined]
            rows, update=not created, default_user=user, default_change_reason=reason
        )
