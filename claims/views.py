"""Pages outside the admin. Thin: check who may see what (selectors), then respond."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import posixpath

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from claims.models import Evidence
from claims.selectors import evidence_visible_to

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponseBase:
    """Django's 400 page, except for a body it could not parse (a multipart
    upload cut off before its closing boundary, claims.uploads): that says
    why, in JSON under /api/. The parser's messages name the problem, never
    the data."""
    if not isinstance(exception, MultiPartParserError):
        return defaults.bad_request(request, exception)
    message = f"The request body could not be read. {exception}"
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


@require_GET
@never_cache
def evidence_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Serve an evidence file to a user allowed to see the evidence.

    Evidence files are stored privately (no public URL); this is the only way
    to read one. Anonymous users are sent to the admin login. A user who may
    not see the evidence gets 404, so its existence is not revealed. The file's
    SHA-256 is checked against the one recorded at upload before any byte is
    sent; on a mismatch nothing is served (409) and the mismatch is logged.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    evidence = get_object_or_404(evidence_visible_to(request.user).exclude(file=""), pk=pk)
    return evidence_file_response(evidence)


def evidence_file_response(evidence: Evidence) -> HttpResponseBase:
    """The file of evidence the caller may see, once its SHA-256 checks out
    (shared with the API's download endpoint)."""
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        logger.error("evidence %s: file %s is missing from storage", evidence.pk, evidence.file.name)
        raise Http404("The file is missing from storage.") from None

    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
    if digest.hexdigest() != evidence.file_sha256:
        handle.close()
        logger.error(
            "evidence %s: file %s fails its SHA-256 check (recorded %s, read %s); not served",
            evidence.pk,
            evidence.file.name,
            evidence.file_sha256 or "(none)",
            digest.hexdigest(),
        )
        return HttpResponse(
            "This file does not match the checksum recorded when it was uploaded, so it is not served. "
            "The mismatch has been logged; ask a researcher to check the stored copy.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )

    handle.seek(0)
    filename = posixpath.basename(evidence.file.name or "")
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
