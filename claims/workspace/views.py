"""The researchers' pages. Each reads through ``claims.selectors.workspace``
(what the API shows the same user) and renders; none writes. A visitor not
signed in is sent to the admin's login page."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from claims.api.exports import csv_stream
from claims.models import Actor, Claim, DatePrecision, Position, Stance
from claims.selectors import workspace as reads


def signed_in(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in as the admin wants it: a visitor not signed in, or staff not
    verified by their second factor where one is required (ADMIN_OTP_REQUIRED,
    as claims.admin_site), is sent to the admin's login page."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        verified = getattr(user, "is_verified", lambda: False)  # django_otp's middleware
        if not user.is_authenticated or (settings.ADMIN_OTP_REQUIRED and user.is_staff and not verified()):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return view(request, *args, **kwargs)

    return checked


TIMELINE_HEADER = [
    "stated_on",
    "date_precision",
    "actor",
    "speaker",
    "position",
    "confidence",
    "quote",
    "quote_kind",
    "report_id",
    "report_title",
    "report_url",
    "source",
]


def dated(day: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """A date as much of it as is known: "3 May 2017", "May 2017", "2017", "about May 2017"."""
    if day is None:
        return "undated"
    if precision == DatePrecision.YEAR:
        return str(day.year)
    if precision == DatePrecision.MONTH:
        return day.strftime("%B %Y")
    text = f"{day.day} {day.strftime('%B %Y')}"
    return f"about {text}" if precision == DatePrecision.APPROXIMATE else text


def _timeline_row(stance: Stance) -> dict[str, Any]:
    speaker = stance.speaker.name if stance.speaker is not None else stance.speaker_description
    title = stance.shown_report_title  # type: ignore[attr-defined]
    return {
        "stance": stance,
        "date": dated(stance.stated_on, stance.stated_precision),
        "position_class": f"position-{stance.position}",
        "position": stance.get_position_display(),
        "speaker": speaker,
        "confidence": stance.confidence_wording or (stance.get_confidence_display() if stance.confidence else ""),
        # A report the user may not read is not named (its title is NULL to them).
        "report_id": stance.report_id if title is not None else None,
        "report_title": title,
        "report_url": stance.shown_report_url or "",  # type: ignore[attr-defined]
        "source": stance.shown_source,  # type: ignore[attr-defined]
    }


def _csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_stream(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_GET
@signed_in
def home(request: HttpRequest) -> HttpResponse:
    flags = reads.flags_waiting(request.user)
    suggestions = reads.suggestions_pending(request.user)
    failed = reads.reports_failed(request.user)
    context = {
        "flag_count": flags.count(),
        "flags": list(flags[: reads.LATEST]),
        "suggestion_count": suggestions.count(),
        "suggestions": list(suggestions[: reads.LATEST]),
        "failed_count": failed.count(),
        "failed": list(failed[: reads.LATEST]),
        "claims": list(reads.claims_listed(request.user)[:50]),
    }
    return render(request, "workspace/home.html", context)


def _dossier_claim(request: HttpRequest, pk: int) -> Claim:
    try:
        return reads.claim_for_dossier(pk=pk, who=request.user)
    except Claim.DoesNotExist:
        raise Http404("No such claim.") from None


@require_GET
@signed_in
def claim_dossier(request: HttpRequest, pk: int) -> HttpResponseBase:
    if request.GET.get("format") == "csv":
        return claim_timeline_csv(request, pk)
    claim = _dossier_claim(request, pk)
    actor_id = _int_or_none(request.GET.get("actor"))
    position = request.GET.get("position") if request.GET.get("position") in Position.values else None
    stances = reads.claim_timeline(claim=claim, who=request.user, actor_id=actor_id, position=position)
    incidents = [
        {"incident": incident, "date": _incident_date(incident)}
        for incident in claim.incident_list  # type: ignore[attr-defined]
    ]
    evidence = list(reads.claim_evidence(claim=claim, who=request.user))
    query = request.GET.copy()
    query["format"] = "csv"
    context = {
        "claim": claim,
        "incidents": incidents,
        "timeline": [_timeline_row(stance) for stance in stances],
        "actors": reads.claim_timeline_actors(claim=claim, who=request.user),
        "positions": Position.choices,
        "actor_id": actor_id,
        "position": position,
        "csv_url": f"{reverse('workspace:claim', args=[claim.pk])}?{query.urlencode()}",
        "evidence_for": [e for e in evidence if e.relation == e.Relation.SUPPORTS],
        "evidence_against": [e for e in evidence if e.relation == e.Relation.CONTRADICTS],
        "evidence_other": [e for e in evidence if e.relation == e.Relation.DISCUSSES],
        "flags": list(reads.claim_flags(claim=claim, who=request.user)),
    }
    return render(request, "workspace/claim.html", context)


def _incident_date(incident: Any) -> str:
    start = dated(incident.date_start, incident.date_precision)
    if incident.date_end and incident.date_end != incident.date_start:
        return f"{start} to {dated(incident.date_end, incident.date_precision)}"
    return start


@require_GET
@signed_in
def claim_timeline_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    claim = _dossier_claim(request, pk)
    actor_id = _int_or_none(request.GET.get("actor"))
    position = request.GET.get("position") if request.GET.get("position") in Position.values else None
    stances = reads.claim_timeline(claim=claim, who=request.user, actor_id=actor_id, position=position)

    def rows() -> Iterator[list[Any]]:
        for stance in stances.iterator(chunk_size=2000):
            row = _timeline_row(stance)
            yield [
                stance.stated_on,
                stance.get_stated_precision_display(),
                stance.actor.name,
                row["speaker"],
                row["position"],
                row["confidence"],
                stance.quote,
                stance.get_quote_kind_display() if stance.quote else "",
                row["report_id"],
                row["report_title"],
                row["report_url"],
                row["source"],
            ]

    return _csv_response(f"claim-{claim.pk}-timeline.csv", TIMELINE_HEADER, rows())


def _as_of(value: str | None) -> tuple[datetime.date | None, str]:
    if not value:
        return None, ""
    try:
        return datetime.date.fromisoformat(value), ""
    except ValueError:
        return None, f"“{value}” is not a date (YYYY-MM-DD); showing the latest positions."


@require_GET
@signed_in
def matrix(request: HttpRequest) -> HttpResponseBase:
    as_of, error = _as_of(request.GET.get("as_of"))
    tag = request.GET.get("tag", "")
    grid = reads.matrix_grid(who=request.user, as_of=as_of, tag=tag)
    if request.GET.get("format") == "csv":
        rows = (
            [actor["name"], Actor.Kind(actor["kind"]).label, claim["id"], claim["title"], cell.label, cell.since]
            for actor, cells in grid.rows()
            for claim, cell in cells
            if cell is not None
        )
        header = ["actor", "actor_kind", "claim_id", "claim", "position", "since"]
        return _csv_response("attribution-matrix.csv", header, rows)
    for claim in grid.claims:  # reversed once a column, not once a cell
        claim["url"] = reverse("workspace:claim", args=[claim["id"]])
    query = request.GET.copy()
    query["format"] = "csv"
    context = {
        "grid": grid,
        "rows": grid.rows(),
        "as_of": as_of,
        "as_of_error": error,
        "tag": tag,
        "tags": reads.tag_names(),
        "limit": len(grid.claims),
        "csv_url": f"{reverse('workspace:matrix')}?{query.urlencode()}",
    }
    return render(request, "workspace/matrix.html", context)
