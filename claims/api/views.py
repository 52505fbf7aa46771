"""The REST API's endpoints. Thin: each picks the caller's visible rows
(``claims.selectors``), validates with a serializer, and writes through
``claims.services``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from claims import selectors, services
from claims.api import filters
from claims.api import serializers as s
from claims.api.ids import ChecksPathIds, id_from
from claims.api.permissions import TrackerPermission, request_access
from claims.models import Actor, Claim, Incident, Source, StanceSuggestion, Submission, Team
from claims.views import evidence_file_response

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Retrying with the same key returns the first submission instead of creating another.",
)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class TrackerViewSet(ChecksPathIds, viewsets.GenericViewSet):
    permission_classes = [TrackerPermission]
    anonymous_read = False

    @property
    def access(self) -> selectors.Access:
        return request_access(self.request)

    @property
    def user(self) -> User:
        """The signed-in user (the key's creator for key requests); only
        called where the permission has required one."""
        user = self.request.user
        assert isinstance(user, User)
        return user

    def write_team(self) -> Team | None:
        return selectors.write_team(self.access)


@extend_schema_view(
    list=extend_schema(
        summary="List claims",
        description="Claims the caller may see. `actor` and `position` together find, for example, "
        "every claim the Syrian government has denied: `?actor=Damascus&position=denies`.",
    ),
    retrieve=extend_schema(summary="A claim with its stances, evidence and incidents"),
)
class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TrackerViewSet):
    filterset_class = filters.ClaimFilter
    ordering_fields = ["id", "title", "updated_at", "created_at", "scope_start"]
    anonymous_read = True

    def get_queryset(self) -> QuerySet[Claim]:
        claims = selectors.claims_visible_to(self.access).select_related("alleged_perpetrator")
        if self.action == "retrieve":
            stances = selectors.stances_for_display(selectors.stances_visible_to(self.access), self.access)
            return claims.prefetch_related(
                Prefetch("tags", to_attr="tag_list"),
                Prefetch("incidents", to_attr="incident_list"),
                Prefetch("stances", queryset=stances, to_attr="visible_stances"),
                Prefetch("evidence", queryset=selectors.evidence_visible_to(self.access), to_attr="visible_evidence"),
            )
        return claims  # the list reads values (see list); matrix and follow the claim's id only

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Rows as plain values in ClaimSerializer's shape (selectors.claim_rows;
        # the schema tests hold the two together): no model instances on the
        # API's busiest read.
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*selectors.CLAIM_LIST_FIELDS))
        return self.get_paginated_response(selectors.claim_rows(page or []))

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return s.ClaimDetailSerializer if self.action == "retrieve" else s.ClaimSerializer

    @extend_schema(
        summary="Attribution matrix of one claim",
        description="Each actor's latest accepted position on the claim, since when, and its history.",
        responses=s.MatrixClaimSerializer,
    )
    @action(detail=True, methods=["get"])
    def matrix(self, request: Request, pk: str) -> Response:
        rows = selectors.attribution_matrix(claims=self.get_queryset().filter(pk=id_from(pk)), who=self.access)
        if not rows:
            raise NotFound()
        # The selector's rows are the documented shape (MatrixClaimSerializer)
        # already, in JSON types: rendered as they are, it is read often.
        return Response(rows[0])

    @extend_schema(
        summary="Follow or unfollow a claim",
        description="The caller's team hears of new flags and accepted stances on followed claims "
        "through its webhooks. POST follows, DELETE unfollows; both are idempotent.",
        request=None,
        responses={200: OpenApiTypes.OBJECT, 204: None},
    )
    @action(detail=True, methods=["post", "delete"])
    def follow(self, request: Request, pk: str) -> Response:
        claim = self.get_object()
        team = self.write_team()
        if team is None:
            raise PermissionDenied("Following is done for a team; this caller has none it may write for.")
        if request.method == "DELETE":
            services.follow_remove(team=team, claim=claim)
            return Response(status=status.HTTP_204_NO_CONTENT)
        services.follow_add(team=team, claim=claim, user=self.user)
        return Response({"claim": claim.pk, "team": team.slug, "following": True})


@extend_schema(
    summary="Attribution matrix of several claims",
    parameters=[
        OpenApiParameter("claim", OpenApiTypes.INT, many=True, required=True, description="Claim ids (repeat, ≤ 50).")
    ],
    responses=s.MatrixClaimSerializer(many=True),
)
class AttributionMatrixView(GenericAPIView):
    permission_classes = [TrackerPermission]
    anonymous_read = True
    pagination_class = None
    filter_backends: list = []

    def get(self, request: Request) -> Response:
        raw = request.query_params.getlist("claim")
        if not raw or len(raw) > 50:
            raise ApiValidationError({"claim": ["Give between 1 and 50 claim ids."]})
        try:
            ids = [id_from(value) for value in raw]
        except ValueError as exc:
            raise ApiValidationError({"claim": [str(exc)]}) from None
        access = request_access(request)
        claims = selectors.claims_visible_to(access).filter(pk__in=ids)
        return Response(selectors.attribution_matrix(claims=claims, who=access))  # the MatrixClaimSerializer shape


@extend_schema_view(
    list=extend_schema(
        summary="List actors",
        description="Look an actor up by any alias: `?alias=Damascus` finds the Syrian government.",
    ),
    retrieve=extend_schema(summary="An actor with its aliases"),
)
class ActorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TrackerViewSet):
    serializer_class = s.ActorSerializer
    filterset_class = filters.ActorFilter
    ordering_fields = ["id", "name", "updated_at"]
    anonymous_read = True

    def get_queryset(self) -> QuerySet[Actor]:
        return selectors.actor_list()


@extend_schema_view(list=extend_schema(summary="List incidents"), retrieve=extend_schema(summary="An incident"))
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TrackerViewSet):
    serializer_class = s.IncidentSerializer
    filterset_class = filters.IncidentFilter
    ordering_fields = ["id", "date_start", "updated_at"]
    anonymous_read = True
    queryset = Incident.objects.all()


@extend_schema_view(list=extend_schema(summary="List sources"), retrieve=extend_schema(summary="A source"))
class SourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TrackerViewSet):
    serializer_class = s.SourceSerializer
    filterset_class = filters.SourceFilter
    ordering_fields = ["id", "name", "updated_at"]
    anonymous_read = True
    queryset = Source.objects.all()


@extend_schema_view(
    list=extend_schema(summary="List stances"),
    retrieve=extend_schema(summary="A stance"),
    create=extend_schema(
        summary="Submit a stance for review",
        description="Recorded as pending for a researcher to accept (a research team's are accepted at once).",
        request=s.StanceWriteSerializer,
        responses={201: s.StanceSerializer},
    ),
)
class StanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TrackerViewSet):
    filterset_class = filters.StanceFilter
    ordering_fields = ["id", "stated_on", "updated_at"]

    def get_queryset(self) -> QuerySet:
        return selectors.stances_for_display(selectors.stances_visible_to(self.access), self.access)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return s.StanceWriteSerializer if self.action == "create" else s.StanceSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        stance = services.stance_record(
            claim=data.pop("claim"),
            actor=data.pop("actor"),
            position=data.pop("position"),
            user=self.user,
            team=self.write_team(),
            access=self.access,
            **data,
        )
        stance = self.get_queryset().get(pk=stance.pk)
        return Response(s.StanceSerializer(stance, context=self.get_serializer_context()).data, status=201)


@extend_schema_view(
    list=extend_schema(summary="List evidence"),
    retrieve=extend_schema(summary="One piece of evidence"),
    create=extend_schema(
        summary="Submit evidence for review",
        description="JSON, or multipart with a `file`; the file is stored privately with its SHA-256.",
        request={"multipart/form-data": s.EvidenceWriteSerializer, "application/json": s.EvidenceWriteSerializer},
        responses={201: s.EvidenceSerializer},
    ),
)
class EvidenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TrackerViewSet):
    filterset_class = filters.EvidenceFilter
    ordering_fields = ["id", "updated_at"]

    def get_queryset(self) -> QuerySet:
        return selectors.evidence_visible_to(self.access)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return s.EvidenceWriteSerializer if self.action == "create" else s.EvidenceSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence = services.evidence_add(
            **serializer.validated_data, user=self.user, team=self.write_team(), access=self.access
        )
        return Response(s.EvidenceSerializer(evidence, context=self.get_serializer_context()).data, status=201)

    @extend_schema(summary="Download an evidence file (SHA-256 checked)", responses={(200, "*/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="file", url_name="file")
    def file(self, request: Request, pk: str) -> Any:
        evidence = get_object_or_404(self.get_queryset().exclude(file=""), pk=pk)
        return evidence_file_response(evidence)


@extend_schema_view(
    list=extend_schema(summary="List reports"),
    retrieve=extend_schema(summary="A report with its text"),
    create=extend_schema(
        summary="Submit a report",
        description="Exactly one of `text`, `file` (multipart) or `url` (fetched through the guarded "
        "fetcher). Each report's `matching` says what will happen to it: matching runs in the background "
        "(follow its flags with `GET /api/v1/flags/?report=<id>`), or why it will not be matched. The same "
        "text as a report already stored is linked to it, not stored again. If another team had submitted "
        "that text privately, your team is shown the report as this submission sent it, as if it were the "
        "first: its title, url, source and date, and times no earlier than this submission.",
        parameters=[IDEMPOTENCY_HEADER],
        request={"application/json": s.ReportSubmitSerializer, "multipart/form-data": s.ReportSubmitSerializer},
        responses={201: s.SubmissionSerializer},
        examples=[
            OpenApiExample(
                "Pasted text",
                request_only=True,
                value={"title": "Damascus denies", "text": "Damascus denied using chlorine in Idlib."},
            )
        ],
    ),
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TrackerViewSet):
    filterset_class = filters.ReportFilter
    ordering_fields = ["id", "published_on", "updated_at"]
    ordering_shown = {"published_on": "shown_published_on", "updated_at": "shown_updated_at"}

    def get_queryset(self) -> QuerySet:
        return selectors.reports_for_display(self.access)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return s.ReportSubmitSerializer
        return s.ReportDetailSerializer if self.action == "retrieve" else s.ReportSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data.get("file")
        if upload:
            raw, filename, content_type = upload.read(), upload.name or "", upload.content_type or ""
        elif data.get("text"):
            raw, filename, content_type = data["text"].encode(), "pasted.txt", "text/plain"
        else:  # a URL, fetched by the service
            raw, filename, content_type = None, "", ""
        try:
            submitted = services.report_submit(
                channel=Submission.Channel.API if raw is not None else Submission.Channel.URL,
                user=self.user,
                team=self.write_team(),
                raw=raw,
                url=data.get("url", ""),
                filename=filename,
                content_type=content_type,
                title=data["title"],
                source=data.get("source"),
                published_on=data.get("published_on"),
                idempotency_key=request.headers.get("Idempotency-Key", "").strip()[:200] or None,
            )
        except services.IdempotencyConflict as exc:
            raise Conflict(str(exc)) from exc
        submission = submitted.submission
        answer = {
            "id": submission.pk,
            "status": submission.status,
            "error": submission.error,
            "created_at": submission.created_at,
            "reports": selectors.submission_reports_for(
                submission=submission, who=self.access, replayed=submitted.replayed
            ),
        }
        response = Response(s.SubmissionSerializer(answer).data, status=status.HTTP_201_CREATED)
        if submitted.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


@extend_schema_view(
    list=extend_schema(summary="List flags", description="The matcher's proposals that a report bears on a claim."),
    retrieve=extend_schema(summary="A flag with the passages, actors and terms that made it"),
)
class FlagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TrackerViewSet):
    serializer_class = s.FlagSerializer
    filterset_class = filters.FlagFilter
    ordering_fields = ["id", "score", "updated_at"]
    ordering_shown = {"updated_at": "shown_updated_at"}

    def get_queryset(self) -> QuerySet:
        return selectors.flags_with_suggestions(self.access)

    @extend_schema(
        summary="Accept or reject a flag",
        description="Researchers review any flag; a team reviews flags on its own claims. "
        "Accepting links the report to the claim as evidence.",
        request=s.FlagReviewSerializer,
        responses=s.FlagSerializer,
    )
    @action(detail=True, methods=["post"], serializer_class=s.FlagReviewSerializer)
    def review(self, request: Request, pk: str) -> Response:
        flag = self.get_object()
        if not self.access.may_review_flags_of(flag.claim):
            raise PermissionDenied("Your team may not review flags on this claim.")
        serializer = s.FlagReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        flag = services.flag_review(flag=flag, reviewer=self.user, decision=serializer.validated_data["decision"])
        return Response(s.FlagSerializer(self.get_queryset().get(pk=flag.pk)).data)


@extend_schema_view(retrieve=extend_schema(summary="A suggested stance"))
class SuggestionViewSet(mixins.RetrieveModelMixin, TrackerViewSet):
    """Stances suggested from flags' passages; accepting or rejecting one is
    allowed to whoever may record stances (an editor of a team)."""

    serializer_class = s.SuggestionSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        visible = selectors.flags_visible_to(self.access)
        return StanceSuggestion.objects.filter(flag__in=visible).select_related("actor")

    @extend_schema(
        summary="Accept a suggested stance",
        description="Records the stance (with any corrections given) with the flag's report as its source: "
        "accepted at once for a researcher, pending review for a team, as a stance the caller enters is.",
        request=s.SuggestionAcceptSerializer,
        responses={201: s.StanceSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=s.SuggestionAcceptSerializer)
    def accept(self, request: Request, pk: str) -> Response:
        suggestion = self.get_object()
        serializer = s.SuggestionAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stance = services.suggestion_accept(
            suggestion=suggestion,
            user=self.user,
            team=self.write_team(),
            access=self.access,
            **serializer.validated_data,
        )
        shown = selectors.stances_for_display(selectors.stances_visible_to(self.access), self.access).get(pk=stance.pk)
        return Response(s.StanceSerializer(shown, context=self.get_serializer_context()).data, status=201)

    @extend_schema(
        summary="Reject a suggested stance",
        description="The suggestion and the reason are kept as labelled data for the suggester.",
        request=s.SuggestionRejectSerializer,
        responses=s.SuggestionSerializer,
    )
    @action(detail=True, methods=["post"], serializer_class=s.SuggestionRejectSerializer)
    def reject(self, request: Request, pk: str) -> Response:
        suggestion = self.get_object()
        serializer = s.SuggestionRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        suggestion = services.suggestion_reject(
            suggestion=suggestion, user=self.user, reason=serializer.validated_data["reason"]
        )
        return Response(s.SuggestionSerializer(self.get_queryset().get(pk=suggestion.pk)).data)


@extend_schema(
    summary="Deletions since a time",
    description="Tombstones for incremental sync: rows deleted (or claims unpublished) at or after `since`, "
    "limited to what the caller could have seen.",
    parameters=[OpenApiParameter("since", OpenApiTypes.DATETIME, required=True)],
    responses=s.TombstoneSerializer(many=True),
)
class TombstoneView(GenericAPIView):
    permission_classes = [TrackerPermission]
    pagination_class = None
    filter_backends: list = []

    def get(self, request: Request) -> Response:
        raw = request.query_params.get("since", "")
        try:
            since = parse_datetime(raw)
        except ValueError:
            since = None
        if since is None or since.tzinfo is None:
            raise ApiValidationError({"since": ["An ISO 8601 date-time with a time zone, e.g. 2026-01-01T00:00:00Z."]})
        try:
            since = filters.as_utc(since)
        except DjangoValidationError as exc:
            raise ApiValidationError({"since": exc.messages}) from exc
        rows = selectors.tombstones_since(since=since, who=request_access(request))
        return Response(s.TombstoneSerializer(rows, many=True).data)
