"""Request-level guards that must run before Django reads a body."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)


class RequestSizeLimitMiddleware:
    """Answer 413 to a request whose declared body exceeds ``MAX_UPLOAD_BYTES``,
    before any of it is read. Django caps form fields in memory, not uploads
    streamed to disk; this caps both."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_UPLOAD_BYTES:
            message = f"The request body is larger than {settings.MAX_UPLOAD_BYTES} bytes."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After, not a 500, when the database is down or
    restarting. DRF's handler (claims.api.errors) covers errors inside a
    view; this covers those raised around it, by the ``ATOMIC_REQUESTS``
    transaction opening or closing (connecting, committing). JSON under
    /api/, plain text elsewhere; never a traceback."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable: %s", exception)
        message = "The service is temporarily unavailable; retry shortly."
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "5"
        return response


class PrivateApiResponsesMiddleware:
    """``Cache-Control: no-store, private`` on every API response that does
    not set its own: they carry unpublished claims, evidence files and
    per-team data, which no browser or shared cache may keep. (Admin pages
    and the evidence file view are ``never_cache`` already.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/") and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
