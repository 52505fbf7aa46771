"""Errors as JSON, always: DRF's shapes (``{"field": ["message"]}`` for
invalid input, ``{"detail": "..."}`` otherwise), plus the cases Django would
answer with an HTML page or a 500. A service's Django ``ValidationError`` is
invalid input, answered 400 here once for every view."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger("claims.api")


def validation_error(exc: DjangoValidationError) -> ValidationError:
    """A Django ValidationError (a service refusing its arguments) as DRF's
    400: by field when it names fields, else ``non_field_errors``."""
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = validation_error(exc)
    response = exception_handler(exc, context)
    if response is not None:
        return response
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "The request body is too large."}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, TooManyFieldsSent):
        return Response({"detail": "Too many fields in the request."}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is unreachable or restarting: a clean, retryable answer.
        logger.warning("database unavailable: %s", exc)
        response = Response(
            {"detail": "The service is temporarily unavailable; retry shortly."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = "5"
        return response
    if isinstance(exc, DatabaseError):
        logger.exception("database error in the API")
    return None
