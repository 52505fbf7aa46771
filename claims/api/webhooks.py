"""A team's webhooks and their delivery log, with replay.

Only editors of the owning team manage its webhooks: to anyone else a team's
webhooks do not exist (404, or absent from the list). The secret is shown
once, in the answer to the create request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from claims.api.ids import ChecksPathIds, id_from
from claims.api.pagination import Cursor
from claims.api.permissions import TrackerPermission, request_access
from claims.models import Team, Webhook, WebhookDelivery, WebhookEvent
from claims.services import webhooks


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        help_text="Events to hear of; empty means all.",
    )

    class Meta:
        model = Webhook
        fields = ["id", "team", "url", "events", "active", "created_at", "updated_at"]


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="Signs every delivery. Shown only in this response: store it now.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text="A public http(s) address; private ones are refused.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        required=False,
        default=list,
        help_text="Events to hear of; empty or absent means all.",
    )
    secret = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        min_length=webhooks.SECRET_MIN_LENGTH,
        max_length=200,
        write_only=True,
        help_text="Your own signing secret; one is generated when absent.",
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_id",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "payload",
            "created_at",
            "next_attempt_at",
            "delivered_at",
        ]
        extra_kwargs = {
            "next_attempt_at": {
                "help_text": "When the next attempt is due while pending; null once delivered or failed."
            }
        }


class NewestFirst(Cursor):
    ordering = "-id"


_WEBHOOK_EXAMPLE = {
    "id": 3,
    "team": 2,
    "url": "https://hooks.example.org/tracker",
    "events": ["flag.created", "stance.accepted"],
    "active": True,
    "created_at": "2026-05-01T09:30:00Z",
    "updated_at": "2026-05-01T09:30:00Z",
}

_DELIVERY_EXAMPLE = {
    "id": 17,
    "event": "flag.created",
    "event_id": "flag.created:42",
    "status": "failed",
    "attempts": 8,
    "response_status": 500,
    "last_error": "attempt 8: HTTP 500",
    "payload": {
        "event": "flag.created",
        "event_id": "flag.created:42",
        "occurred_at": "2026-05-01T10:00:00+00:00",
        "flag": {"id": 42, "report": 9, "claim": 5, "score": 0.83, "tier": "suggested", "status": "new"},
    },
    "created_at": "2026-05-01T10:00:01Z",
    "next_attempt_at": None,
    "delivered_at": None,
}

DELIVERY_ID = OpenApiParameter("delivery_id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        summary="List your team's webhooks",
        description="Webhooks of the teams the caller edits for. The secret is never shown here.",
        examples=[OpenApiExample("A webhook", value=_WEBHOOK_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="A webhook",
        examples=[OpenApiExample("A webhook", value=_WEBHOOK_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Register a webhook",
        description=(
            "Your team hears of new flags (`flag.created`) and newly accepted stances (`stance.accepted`) on "
            "the claims it follows (`POST /api/v1/claims/{id}/follow/`). Each delivery is a JSON POST with "
            "`X-Tracker-Event`, `X-Tracker-Delivery` (the event id: dedupe on it), `X-Tracker-Timestamp` and "
            "`X-Tracker-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>` keyed with the "
            "secret. Any 2xx answer is success; otherwise it is retried with backoff. The URL must reach a "
            "public address. The secret is shown in this response only."
        ),
        request=WebhookCreateSerializer,
        responses={201: WebhookCreatedSerializer},
        examples=[
            OpenApiExample(
                "Hear of new flags only",
                value={"url": "https://hooks.example.org/tracker", "events": ["flag.created"]},
                request_only=True,
            ),
            OpenApiExample(
                "Created",
                value={**_WEBHOOK_EXAMPLE, "secret": "whsec_3q2-7RkS0m2mJ0Yb7p9Q1sY0yE4xkH1gq8Zt5vWcN2E"},
                response_only=True,
                status_codes=["201"],
            ),
        ],
    ),
    destroy=extend_schema(summary="Remove a webhook and its delivery log"),
)
class WebhookViewSet(
    ChecksPathIds,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [TrackerPermission]
    serializer_class = WebhookSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Webhook]:
        return Webhook.objects.filter(team_id__in=request_access(self.request).editor_team_ids).order_by("id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return WebhookCreateSerializer if self.action == "create" else WebhookSerializer

    def _user(self) -> User | None:
        user = self.request.user
        return user if isinstance(user, User) else None

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team_id = request_access(request).write_team_id
        if team_id is None:
            raise PermissionDenied("Webhooks belong to a team; this caller edits for none.")
        data = WebhookCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        webhook = webhooks.webhook_create(team=Team.objects.get(pk=team_id), user=self._user(), **data.validated_data)
        return Response(WebhookCreatedSerializer(webhook).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Webhook) -> None:
        webhooks.webhook_delete(webhook=instance, user=self._user())

    @extend_schema(
        summary="A webhook's delivery log",
        description="Every event recorded for the webhook, newest first, with its attempts and last error.",
        responses=WebhookDeliverySerializer(many=True),
        examples=[OpenApiExample("A failed delivery", value=_DELIVERY_EXAMPLE, response_only=True)],
    )
    @action(detail=True, methods=["get"], pagination_class=NewestFirst)
    def deliveries(self, request: Request, pk: str) -> Response:
        webhook = self.get_object()
        page = self.paginate_queryset(WebhookDelivery.objects.filter(webhook=webhook))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Replay a delivery",
        description="Send the stored payload again, once, as a new attempt (newly signed). Answers 202 "
        "with the delivery; the delivery log shows the outcome.",
        request=None,
        parameters=[DELIVERY_ID],
        responses={202: WebhookDeliverySerializer},
        examples=[
            OpenApiExample(
                "Queued again",
                value={**_DELIVERY_EXAMPLE, "status": "pending", "next_attempt_at": "2026-05-02T08:00:00Z"},
                response_only=True,
                status_codes=["202"],
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[^/.]+)/replay")
    def replay(self, request: Request, pk: str, delivery_id: str) -> Response:
        webhook = self.get_object()
        delivery = get_object_or_404(WebhookDelivery, webhook=webhook, pk=id_from(delivery_id))
        webhooks.webhook_deliveries_replay(deliveries=[delivery])
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


router = SimpleRouter()
router.register("webhooks", WebhookViewSet, basename="webhook")

urlpatterns = router.urls
