"""Who may call what. Object-level visibility is not decided here but by the
querysets (``claims.selectors``): what a caller may not see is never found,
so detail and list endpoints answer alike (404, or absent from the list)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import permissions
from rest_framework.request import Request

from claims.models import ApiKey
from claims.selectors import ANONYMOUS, Access, access_for_key, access_for_user


def request_access(request: Request) -> Access:
    """The caller's access, computed once per request."""
    cached = getattr(request, "_tracker_access", None)
    if cached is None:
        if isinstance(request.auth, ApiKey):
            cached = access_for_key(request.auth)
        elif request.user and request.user.is_authenticated:
            cached = access_for_user(request.user)
        else:
            cached = ANONYMOUS
        request._tracker_access = cached  # type: ignore[attr-defined]
    return cached


class TrackerPermission(permissions.BasePermission):
    """Reads: any member of a team (or, where a view allows it and the
    ``API_ANONYMOUS_READ`` setting is on, anyone). Writes: editors only."""

    message = "Your team's role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        access = request_access(request)
        if access is ANONYMOUS:
            return (
                request.method in permissions.SAFE_METHODS
                and getattr(view, "anonymous_read", False)
                and settings.API_ANONYMOUS_READ
            )
        if not (access.team_ids or access.superuser):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.may_write
