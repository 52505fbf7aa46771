"""Cursor pagination: stable under inserts, bounded page size."""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    ordering = "id"
    page_size = settings.API_PAGE_SIZE
    max_page_size = settings.API_MAX_PAGE_SIZE
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list | None:
        self.queryset = queryset  # the position's field is read from it (decode_cursor)
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Any) -> Any:
        # A cursor the server did not issue is a bad parameter (400 naming
        # it), not a missing page; so is one whose position is not a value of
        # the ordering's field ("abc" for an id, a date for a score).
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: [str(exc.detail)]}) from exc
        if cursor is None or cursor.position is None:
            return cursor
        decoded: Any = cursor.position  # the text after "p=" (typed int in the stubs)
        try:
            position: Any = str(position_value(self.queryset, self.ordering[0].lstrip("-"), decoded))
        except (DjangoValidationError, ValueError, OverflowError):
            raise ValidationError({self.cursor_query_param: [str(self.invalid_cursor_message)]}) from None
        return cursor._replace(position=position)


def position_value(queryset: QuerySet, name: str, position: str) -> Any:
    """``position`` as a value of ``name``, a field of the queryset's model
    or an annotation (what a caller is shown: ``ordering_shown``), as the
    database will take it; ValueError (or a Django ValidationError) if it is none."""
    if "\x00" in position:
        raise ValueError("NUL in a cursor position")  # PostgreSQL takes no NUL in text
    annotation = queryset.query.annotations.get(name)
    field: Any = annotation.output_field if annotation is not None else queryset.model._meta.get_field(name)
    if field.is_relation:
        field = field.target_field
    value = field.to_python(position)
    if value is None:
        raise ValueError("empty cursor position")
    if isinstance(value, int):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError("cursor position out of range")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("cursor position not finite")
    elif isinstance(value, datetime.datetime):
        # In UTC: PostgreSQL refuses offsets beyond ±15:59, which Python takes.
        value = value.astimezone(datetime.UTC) if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    return value
