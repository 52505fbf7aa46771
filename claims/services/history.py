"""History rows (django-simple-history) for writes made outside a request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User


def history_user(obj: Any, user: User | None) -> None:
    """Name ``user`` in the history row of ``obj``'s next save: simple_history
    reads this when the row is saved outside a request."""
    obj._history_user = user
