"""Exports: a claim as schema.org ClaimReview JSON-LD; claims, stances and flags as CSV.

Both show what the list and detail endpoints show the same caller, no more:
rows come from the ``claims.selectors`` visibility querysets. CSV exports take
the list endpoints' filters and ordering, and are streamed a chunk of rows at
a time, so memory stays flat however many rows match."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from claims import claimreview, selectors
from claims.api import filters, views
from claims.api.ids import ChecksPathIds
from claims.api.permissions import TrackerPermission, request_access
from claims.api.serializers import ClaimSerializer
from claims.models import Claim, Evidence, Report, ReviewStatus, Source

CHUNK_SIZE = 2000  # rows fetched (and, for claims, prefetched) per database round trip
FLUSH_ROWS = 500  # rows per piece of the streamed body

# --- ClaimReview -------------------------------------------------------------------------


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


def _work(report: Report, sources: dict[int, Source], url: str = "") -> claimreview.Appearance:
    """A report as a work, as the asker is shown it (``selectors.reports_for_display``)."""
    source = sources.get(report.shown_source_id)  # type: ignore[attr-defined]
    return claimreview.Appearance(
        id=f"report:{report.pk}",
        headline=report.shown_title,  # type: ignore[attr-defined]
        url=report.shown_url or url,  # type: ignore[attr-defined]
        published_on=report.shown_published_on,  # type: ignore[attr-defined]
        publisher=claimreview.Publisher(source.name, source.url) if source is not None else None,
        document_symbol=report.shown_document_symbol,  # type: ignore[attr-defined]
    )


def _claim_review_rows(
    claim: Claim, access: selectors.Access, *, url: str
) -> tuple[claimreview.ClaimRow, list[claimreview.StanceRow], list[claimreview.Appearance]]:
    """The claim, its accepted stances as the asker may see them (oldest
    first), and the works its accepted evidence is. A ClaimReview is a
    publication: a team's own pending stances and evidence stay out of it even
    for that team. Reports the asker may not see are not named as works (the
    stance still counts)."""
    stances = list(
        selectors.stances_visible_to(access)
        .filter(claim=claim, review_status=ReviewStatus.ACCEPTED)
        .select_related("actor")
        .order_by(F("stated_on").asc(nulls_first=True), "created_at", "id")
    )
    evidence: list[Evidence] = list(
        selectors.evidence_visible_to(access).filter(claim=claim, review_status=ReviewStatus.ACCEPTED).order_by("id")
    )
    report_ids = {s.report_id for s in stances if s.report_id is not None}
    report_ids |= {e.report_id for e in evidence if e.report_id is not None}
    # The reports the asker may see, as it is shown them; the others are not named.
    reports = (
        {r.pk: r for r in selectors.reports_for_display(access).filter(pk__in=report_ids).defer("text")}
        if report_ids
        else {}
    )
    shown_sources = {r.shown_source_id for r in reports.values()}  # type: ignore[attr-defined]
    sources = Source.objects.in_bulk([pk for pk in shown_sources if pk is not None]) if shown_sources else {}
    # A report's own URL, else one its evidence row gives (a pasted text's original).
    urls = {e.report_id: e.url for e in evidence if e.report_id is not None and e.url}
    works = []
    for item in evidence:
        if item.report_id in reports:
            works.append(_work(reports[item.report_id], sources, urls.get(item.report_id, "")))
        elif item.report_id is None and item.url:
            works.append(claimreview.Appearance(id=item.url, headline=item.description[:110], url=item.url))
    rows = []
    for stance in stances:
        appearance = None
        if stance.report_id in reports:
            appearance = _work(reports[stance.report_id], sources, urls.get(stance.report_id, ""))
        rows.append(
            claimreview.StanceRow(
                actor_id=stance.actor_id,
                actor_name=stance.actor.name,
                actor_kind=stance.actor.kind,
                position=stance.position,
                stated_on=stance.stated_on,
                confidence_wording=stance.confidence_wording,
                appearance=appearance,
            )
        )
    published: datetime.date | None = None
    if claim.status == Claim.Status.PUBLISHED:
        first = (
            Claim.history.filter(id=claim.pk, status=Claim.Status.PUBLISHED)  # type: ignore[attr-defined]
            .order_by("history_date")
            .values_list("history_date", flat=True)
            .first()
        )
        published = timezone.localdate(first or claim.created_at)
    row = claimreview.ClaimRow(
        id=claim.pk,
        text=claim.text,
        title=claim.title,
        url=url,
        date_published=published,
        date_modified=claim.updated_at,
    )
    return row, rows, works


def claimreview_publisher() -> claimreview.Publisher:
    """Who publishes the review: the settings' organisation, with its public
    site (none when unset: this site's root serves no page to link to)."""
    return claimreview.Publisher(
        name=getattr(settings, "CLAIMREVIEW_PUBLISHER_NAME", "") or "Attribution Tracker",
        url=getattr(settings, "CLAIMREVIEW_PUBLISHER_URL", ""),
    )


CLAIMREVIEW_EXAMPLE = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "claimReviewed": "Chlorine attacks in Syria in 2015 were carried out by the Syrian government",
    "author": {"@type": "Organization", "name": "Attribution Tracker", "url": "https://checkers.example.org/"},
    "reviewRating": {
        "@type": "Rating",
        "name": "Contested",
        "alternateName": "Contested: asserted by 3, denied by 1, disputed by 1",
        "ratingExplanation": "This is a record of who asserts and who denies the claim, not a verdict on it. ...",
    },
    "itemReviewed": {
        "@type": "Claim",
        "name": "Chlorine attacks in Syria in 2015 were carried out by the Syrian government",
        "text": "The chlorine attacks reported in Syria in 2015 were carried out by the Syrian government's forces.",
        "author": [{"@type": "Organization", "name": "United States"}],
        "datePublished": "2015-06-01",
        "firstAppearance": {
            "@type": "CreativeWork",
            "headline": "Russia Backs Efforts to Identify Perpetrators of Syria Chlorine Attacks",
            "url": "https://news.example.org/2015/06/russia-chlorine",
            "datePublished": "2015-06-01",
            "publisher": {"@type": "Organization", "name": "AFP"},
        },
        "appearance": [
            {
                "@type": "CreativeWork",
                "headline": "Russia Backs Efforts to Identify Perpetrators of Syria Chlorine Attacks",
                "url": "https://news.example.org/2015/06/russia-chlorine",
                "datePublished": "2015-06-01",
                "publisher": {"@type": "Organization", "name": "AFP"},
            }
        ],
    },
    "url": "https://checkers.example.org/claims/1/",
    "datePublished": "2015-06-02",
}


@extend_schema(
    summary="A claim as schema.org ClaimReview (JSON-LD)",
    description="The claim (`claimReviewed`: its proposition when under 75 characters, else its title; "
    "the proposition whole in `itemReviewed.text`), who asserts it (`itemReviewed.author`) and the works it "
    "appears in (`itemReviewed.appearance`: the reports of its accepted stances and its accepted evidence), "
    "from accepted records only. `url` is the public page of the review (`CLAIMREVIEW_URL_TEMPLATE`; absent "
    "when none is configured). The tracker gives no verdict: "
    "`reviewRating.alternateName` says how the claim stands in the record, e.g. "
    '"Contested: asserted by 3, denied by 1", with no true/false number. '
    "Answers `application/ld+json`, or `application/json` if asked.",
    parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    responses={
        (200, "application/ld+json"): OpenApiTypes.OBJECT,
        (200, "application/json"): OpenApiTypes.OBJECT,
    },
    examples=[OpenApiExample("The chlorine attribution", value=CLAIMREVIEW_EXAMPLE, response_only=True)],
)
class ClaimReviewView(ChecksPathIds, GenericAPIView):
    permission_classes = [TrackerPermission]
    renderer_classes = [JSONLDRenderer, JSONRenderer]
    anonymous_read = True
    pagination_class = None
    filter_backends: list = []

    def get(self, request: Request, pk: str) -> Response:
        access = request_access(request)
        claim = get_object_or_404(selectors.claims_visible_to(access), pk=pk)
        # The public page of the review (README "ClaimReview"); never this
        # endpoint, which a reader cannot open without a key.
        template = getattr(settings, "CLAIMREVIEW_URL_TEMPLATE", "")
        url = template.format(id=claim.pk) if template else ""
        claim_row, stance_rows, works = _claim_review_rows(claim, access, url=url)
        review = claimreview.claim_review(
            claim=claim_row, stances=stance_rows, publisher=claimreview_publisher(), works=works
        )
        return Response(review)


# --- CSV ------------------------------------------------------------------------------------

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """One value as a CSV cell: text that a spreadsheet would run as a formula
    gets a leading apostrophe; dates in ISO 8601; lists joined with "; "."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = "; ".join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_stream(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, 1):
        writer.writerow([csv_cell(value) for value in row])
        if count % FLUSH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


class CSVExportSchema(AutoSchema):
    """Documents the filters of an export, which is a list though its
    response (a CSV string) does not look like one."""

    def get_filter_backends(self) -> list[Any]:
        return list(getattr(self.view, "filter_backends", []))


class CSVExportView(GenericAPIView):
    """A list endpoint's rows, filters and ordering, streamed as CSV."""

    schema = CSVExportSchema()
    permission_classes = [TrackerPermission]
    renderer_classes = [JSONRenderer]
    pagination_class = None
    filter_backends = [DjangoFilterBackend, filters.Ordering]
    ordering = ["id"]
    filename = ""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The body is CSV whatever was asked for (it is streamed, not rendered);
        # errors are JSON, as everywhere in the API, even to "Accept: text/csv".
        return JSONRenderer(), JSONRenderer.media_type

    def header(self) -> list[str]:
        raise NotImplementedError

    def rows(self, queryset: QuerySet) -> Iterator[list[Any]]:
        raise NotImplementedError

    def get(self, request: Request) -> StreamingHttpResponse:
        rows = self.rows(self.filter_queryset(self.get_queryset()))
        response = StreamingHttpResponse(csv_stream(self.header(), rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.filename}"'
        return response


class ValuesCSVView(CSVExportView):
    """Columns read straight from ``values_list``: no model instances, and
    nothing fetched that is not written (a report's text stays in the database)."""

    # (header, field lookup); a formatter, where one is named, turns the value into the cell.
    columns: list[tuple[str, str]] = []
    formatters: dict[str, Callable[[Any], Any]] = {}

    def header(self) -> list[str]:
        return [name for name, _ in self.columns]

    def rows(self, queryset: QuerySet) -> Iterator[list[Any]]:
        formatters = [self.formatters.get(name) for name, _ in self.columns]
        values = queryset.values_list(*[lookup for _, lookup in self.columns])
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            yield [value if fmt is None else fmt(value) for fmt, value in zip(formatters, row, strict=True)]


def _csv_schema(summary: str, list_path: str) -> Callable:
    return extend_schema(
        summary=summary,
        description=f"The rows `GET {list_path}` lists for the caller, with its filters and ordering, "
        "as one CSV file (streamed, no pagination). Cells a spreadsheet would run as a formula "
        "(starting with `=`, `+`, `-`, `@`, tab or carriage return) are prefixed with an apostrophe; "
        'lists are joined with "; ".',
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )


@_csv_schema("Claims as CSV", "/api/v1/claims/")
class ClaimCSVView(CSVExportView):
    filterset_class = filters.ClaimFilter
    ordering_fields = views.ClaimViewSet.ordering_fields
    anonymous_read = True
    filename = "claims.csv"
    # The list endpoint's fields, then the perpetrator's id (its name is in "alleged_perpetrator").
    fields = [*ClaimSerializer.Meta.fields, "alleged_perpetrator_id"]
    cells: dict[str, Callable[[Claim], Any]] = {
        "id": lambda c: c.pk,
        "title": lambda c: c.title,
        "text": lambda c: c.text,
        "kind": lambda c: c.kind,
        "status": lambda c: c.status,
        "alleged_perpetrator": lambda c: c.alleged_perpetrator.name if c.alleged_perpetrator else None,
        "alleged_perpetrator_id": lambda c: c.alleged_perpetrator_id,
        "incidents": lambda c: [incident.pk for incident in c.incidents.all()],
        "scope_start": lambda c: c.scope_start,
        "scope_end": lambda c: c.scope_end,
        "scope_precision": lambda c: c.scope_precision,
        "tags": lambda c: [tag.name for tag in c.tags.all()],
        "created_at": lambda c: c.created_at,
        "updated_at": lambda c: c.updated_at,
    }

    def get_queryset(self) -> QuerySet[Claim]:
        return (
            selectors.claims_visible_to(request_access(self.request))
            .select_related("alleged_perpetrator")
            .prefetch_related("tags", "incidents")
        )

    def header(self) -> list[str]:
        return self.fields

    def rows(self, queryset: QuerySet[Claim]) -> Iterator[list[Any]]:
        cells = [self.cells[name] for name in self.fields]
        # The prefetches run once per chunk of the iterator.
        for claim in queryset.iterator(chunk_size=CHUNK_SIZE):
            yield [cell(claim) for cell in cells]


@_csv_schema("Stances as CSV", "/api/v1/stances/")
class StanceCSVView(ValuesCSVView):
    filterset_class = filters.StanceFilter
    ordering_fields = views.StanceViewSet.ordering_fields
    filename = "stances.csv"
    columns = [
        ("id", "id"),
        ("claim_id", "claim_id"),
        ("claim", "claim__title"),
        ("actor_id", "actor_id"),
        ("actor", "actor__name"),
        ("actor_kind", "actor__kind"),
        ("speaker_id", "speaker_id"),
        ("speaker", "speaker__name"),
        ("speaker_description", "speaker_description"),
        ("position", "position"),
        ("stated_on", "stated_on"),
        ("stated_precision", "stated_precision"),
        ("quote", "quote"),
        ("quote_kind", "quote_kind"),
        ("report_id", "report_id"),
        ("source", "shown_source"),
        ("confidence", "confidence"),
        ("confidence_wording", "confidence_wording"),
        ("note", "note"),
        ("review_status", "review_status"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
    ]

    def get_queryset(self) -> QuerySet:
        access = request_access(self.request)
        return selectors.stances_for_display(selectors.stances_visible_to(access), access)


def _aliases(actors: Any) -> list[str]:
    return [str(a.get("alias", "")) for a in actors if isinstance(a, dict)] if isinstance(actors, list) else []


@_csv_schema("Flags as CSV", "/api/v1/flags/")
class FlagCSVView(ValuesCSVView):
    filterset_class = filters.FlagFilter
    ordering_fields = views.FlagViewSet.ordering_fields
    ordering_shown = views.FlagViewSet.ordering_shown
    filename = "flags.csv"
    columns = [
        ("id", "id"),
        ("report_id", "report_id"),
        ("report", "shown_report_title"),
        ("claim_id", "claim_id"),
        ("claim", "claim__title"),
        ("score", "score"),
        ("tier", "tier"),
        ("status", "status"),
        ("matcher_version", "matcher_version"),
        ("matched_actors", "matched_actors"),
        ("matched_terms", "matched_terms"),
        ("passages", "passages"),
        ("reviewed_at", "shown_reviewed_at"),
        ("evidence_id", "evidence_id"),
        ("created_at", "shown_created_at"),
        ("updated_at", "shown_updated_at"),
    ]
    formatters = {
        "matched_actors": _aliases,
        "passages": lambda passages: json.dumps(passages, ensure_ascii=False),
    }

    def get_queryset(self) -> QuerySet:
        return selectors.flags_for_display(request_access(self.request))


urlpatterns: list[URLPattern] = [
    # Any segment, so that an id in other digits answers 400 (ChecksPathIds), not a 404 page.
    path("claims/<str:pk>/claimreview/", ClaimReviewView.as_view(), name="claim-claimreview"),
    path("exports/claims.csv", ClaimCSVView.as_view(), name="export-claims"),
    path("exports/stances.csv", StanceCSVView.as_view(), name="export-stances"),
    path("exports/flags.csv", FlagCSVView.as_view(), name="export-flags"),
]
