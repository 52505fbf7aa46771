"""API keys: issue, check and revoke. A key reads ``trk_<prefix>_<secret>``;
the prefix finds the row, the SHA-256 of the whole key is compared in constant
time. The full key exists only in the return value of ``api_key_create``."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from claims.models import ApiKey, Membership, Team
from claims.services.history import history_user

KEY_PREFIX = "trk"
# last_used_at is bookkeeping: written at most this often per key.
_LAST_USED_GRANULARITY = datetime.timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *,
    team: Team,
    user: User,
    name: str,
    role: str = Membership.Role.READ_ONLY,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiKey, str]:
    """Issue a key for ``team``. Returns the row and the full key, which is
    not stored and cannot be shown again. The creator must belong to the team
    (a read-only member can only issue read-only keys)."""
    membership = Membership.objects.filter(team=team, user=user).first()
    if membership is None:
        raise ValidationError({"team": "Only a member of the team can issue its keys."})
    if role not in Membership.Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if membership and membership.role == Membership.Role.READ_ONLY and role != Membership.Role.READ_ONLY:
        raise ValidationError({"role": "A read-only member can only issue read-only keys."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(team=team, created_by=user, name=name, role=role, prefix=prefix, hashed_secret=_digest(key))
    row.expires_at = expires_at
    history_user(row, user)
    row.full_clean(exclude=["prefix", "hashed_secret"])
    row.save()
    return row, key


def api_key_revoke(*, key: ApiKey, user: User) -> ApiKey:
    """Revoke at once; revoking twice keeps the first time."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        history_user(key, user)
        key.save(update_fields=["revoked_at"])
    return key


def api_key_check(presented: str) -> ApiKey | None:
    """The live key for ``presented``, or None: unknown, wrong secret, revoked,
    expired, or its creator no longer active in its team."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = (
        ApiKey.objects.select_related("team", "created_by")
        .filter(prefix=parts[1], revoked_at__isnull=True, created_by__is_active=True)
        .filter(team__memberships__user=F("created_by"))
        .first()
    )
    if key is None or not hmac.compare_digest(key.hashed_secret, _digest(presented)):
        return None
    now = timezone.now()
    if key.expires_at is not None and key.expires_at <= now:
        return None
    # Bookkeeping, not an edit of the key: no history row.
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_GRANULARITY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
