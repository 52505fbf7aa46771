"""Cursor pagination: stable under inserts, bounded page size."""

from typing import Any

from django.conf import settings
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    ordering = "id"
    page_size = settings.API_PAGE_SIZE
    max_page_size = settings.API_MAX_PAGE_SIZE
    page_size_query_param = "page_size"

    def decode_cursor(self, request: Any) -> Any:
        # A cursor the server did not issue is a bad parameter (400 naming
        # it), not a missing page.
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: [str(exc.detail)]}) from exc
