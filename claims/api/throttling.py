"""Throttling per API key (or per user for sessions, per address for anonymous reads).

The counters live in the cache (Redis in production, the broker's server). A
cache that cannot be reached lets requests through, logged, rather than
failing them: a Redis outage must not stop a team from submitting reports,
which the database records and the sweep sends once the broker is back."""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from claims.models import ApiKey

logger = logging.getLogger(__name__)


class PerKeyThrottle(SimpleRateThrottle):
    scope = "api"

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("API throttle not applied, its cache is unavailable: %r", exc)
            return True

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            self.scope = "anon"
            self.rate = self.get_rate()
            self.num_requests, self.duration = self.parse_rate(self.rate)
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
