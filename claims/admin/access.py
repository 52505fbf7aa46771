"""Who may do what: teams and their members, API keys, follows, webhooks
and their deliveries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from claims import services
from claims.admin.common import (
    HistoryAdmin,
    ModelAdmin,
    request_user,
)
from claims.models import (
    ApiKey,
    Follow,
    Membership,
    Team,
    Webhook,
    WebhookDelivery,
)
from claims.services import api_keys, webhooks

# --- teams -------------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user", "team")


@admin.register(Team)
class TeamAdmin(HistoryAdmin):
    list_display = ["name", "slug", "kind", "member_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj: Team) -> int:
        return obj.member_count  # type: ignore[attr-defined]


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team__kind"]
    list_select_related = ["user", "team"]
    search_fields = ["user__username", "user__email", "team__name"]
    autocomplete_fields = ["user", "team"]


# --- API access: keys, follows, webhooks ---------------------------------------------------


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["team", "name", "role", "expires_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(HistoryAdmin):
    """Keys are issued here; the full key is shown once, in the message after saving."""

    form = ApiKeyForm
    actions = ["revoke"]
    list_display = ["name", "team", "role", "prefix", "created_by", "created_at", "expires_at", "revoked_at"]
    list_filter = ["role", "team"]
    list_select_related = ["team", "created_by"]
    search_fields = ["name", "prefix", "team__name"]
    autocomplete_fields = ["team"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["team", "name", "role", "expires_at"]
        return [
            "team",
            "name",
            "role",
            "prefix",
            "created_by",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A key's team and role are fixed at issue: issue a new key instead.
        return [*self.readonly_fields, "team", "role"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            services.row_save(obj=obj, user=request_user(request))
            return
        try:
            row, key = api_keys.api_key_create(
                team=obj.team, user=request_user(request), name=obj.name, role=obj.role, expires_at=obj.expires_at
            )
        except ValidationError as exc:
            raise PermissionDenied("; ".join(exc.messages)) from exc
        obj.pk = row.pk
        self.message_user(
            request,
            f"The key, shown only this once; copy it now: {key}",
            messages.WARNING,
        )

    @admin.action(description="Revoke selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        for key in queryset:
            api_keys.api_key_revoke(key=key, user=request_user(request))
        self.message_user(request, f"{queryset.count()} key(s) revoked.", messages.SUCCESS)


@admin.register(Follow)
class FollowAdmin(ModelAdmin):
    list_display = ["team", "claim", "created_at"]
    list_select_related = ["team", "claim"]
    autocomplete_fields = ["team", "claim"]
    search_fields = ["team__name", "claim__title"]


@admin.register(Webhook)
class WebhookAdmin(HistoryAdmin):
    list_display = ["url", "team", "active", "created_at"]
    list_filter = ["active"]
    list_select_related = ["team"]
    autocomplete_fields = ["team"]
    search_fields = ["url", "team__name"]
    exclude = ["created_by"]
    readonly_fields = ["secret"]

    class form(forms.ModelForm):
        """The URL passes the guarded fetcher's address checks, as through the API."""

        def clean_url(self) -> str:
            url = self.cleaned_data["url"]
            if "url" not in self.changed_data:
                return url  # checked when set, and again at every send
            try:
                webhooks.webhook_url_check(url)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["url"]) from exc
            return url

        def clean_events(self) -> list[str]:
            try:
                return webhooks.webhook_events_clean(self.cleaned_data["events"] or [])
            except (ValidationError, TypeError) as exc:
                raise ValidationError("Give a list of event names, or [] for all.") from exc

    def save_model(self, request: HttpRequest, obj: Webhook, form: Any, change: bool) -> None:
        if not change:
            obj.secret = webhooks.secret_generate()
            obj.created_by = request_user(request)
        services.row_save(obj=obj, user=request_user(request))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ModelAdmin):
    list_display = [
        "event",
        "webhook",
        "status",
        "attempts",
        "response_status",
        "created_at",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event"]
    list_select_related = ["webhook"]
    search_fields = ["event_id", "webhook__url"]
    readonly_fields = [
        "webhook",
        "event",
        "event_id",
        "payload",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "created_at",
        "next_attempt_at",
        "delivered_at",
    ]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Replay (send the stored payload again, once)")
    def replay(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = webhooks.webhook_deliveries_replay(deliveries=queryset)
        self.message_user(request, f"{count} delivery(ies) sent again; their outcome shows here.", messages.SUCCESS)
