"""Multipart request bodies must arrive whole.

Django's multipart parser takes the end of the body for the end of its last
part, so a body cut off in transit (a dropped connection, a client that died)
parses as if it were complete: a text field cut short is taken as the whole
text, a file cut short is silently left out. ``ClosingBoundaryRequired`` runs
Django's own parser over the body while watching for the closing delimiter
(``--boundary--``) and refuses a body that ends without it. It is the first
of ``FILE_UPLOAD_HANDLERS``, so every multipart request goes through it: the
API's (DRF answers 400 with the reason) and the admin's (``claims.views.bad_request``).
"""

from __future__ import annotations

from typing import Any, cast

from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser, MultiPartParserError

CUT_OFF = (
    "The multipart body ends before its closing boundary: the upload was cut off in transit. "
    "Nothing was stored; send it again."
)


class ClosingBoundaryRequired(FileUploadHandler):
    """Parses the body with the other upload handlers, refusing it
    (MultiPartParserError) if it ends without its closing delimiter."""

    def handle_raw_input(
        self, input_data: Any, META: dict[str, str], content_length: int, boundary: Any, encoding: str | None = None
    ) -> Any:
        # Django passes the boundary as bytes (its stubs say str).
        request = cast(HttpRequest, self.request)  # Django creates upload handlers with the request
        others = [handler for handler in request.upload_handlers if handler is not self]
        watched = cast(Any, _ClosingDelimiterWatch(input_data, bytes(boundary)))
        return MultiPartParser(META, watched, others, encoding).parse()

    # The parse is done by handle_raw_input with the other handlers; these are never called.
    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class _ClosingDelimiterWatch:
    """The body as the parser reads it, noting whether the last delimiter
    read (``--boundary``, found wherever Django's parser would find it) is the
    closing one (followed by ``--``); reading past the end of a body whose
    last delimiter is not raises MultiPartParserError."""

    def __init__(self, stream: Any, boundary: bytes) -> None:
        self._stream = stream
        self._delimiter = b"--" + boundary
        # Enough of the bytes read so far to find a delimiter split across
        # reads, and the two bytes after it.
        self._keep = len(self._delimiter) + 1
        self._tail = b""
        self._closed = False

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if data:
            self._watch(data)
        elif not self._closed or self._delimiter in self._tail:
            raise MultiPartParserError(CUT_OFF)
        return data

    def _watch(self, data: bytes) -> None:
        buffer = self._tail + data
        index = buffer.find(self._delimiter)
        while index >= 0:
            after = buffer[index + len(self._delimiter) : index + len(self._delimiter) + 2]
            if len(after) < 2:
                break  # the next read decides it (it is in the tail)
            self._closed = after == b"--"
            index = buffer.find(self._delimiter, index + 1)
        self._tail = buffer[-self._keep :]
