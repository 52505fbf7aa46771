"""Rows the system keeps for itself, shown read-only or nearly: feeds and
their entries, the matcher's state, progress and embedding cache, the
workers' heartbeats."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator

from claims.admin.common import (
    HistoryAdmin,
    ModelAdmin,
    ReadOnlyAdmin,
)
from claims.ingest.fetch import url_refusal
from claims.models import (
    ClaimEmbedding,
    Feed,
    FeedEntry,
    MatcherState,
    ReportMatchProgress,
    WorkerHeartbeat,
)


class FeedEntryInline(admin.TabularInline):
    model = FeedEntry
    extra = 0
    can_delete = False
    fields = readonly_fields = ("guid", "link", "report", "seen_at")
    ordering = ["-seen_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("report")


@admin.register(Feed)
class FeedAdmin(HistoryAdmin):
    list_display = ["name", "url", "source", "team", "active", "poll_interval_minutes", "last_polled_at", "error"]
    list_filter = ["active"]
    list_select_related = ["source", "team"]
    search_fields = ["name", "url", "source__name"]
    autocomplete_fields = ["source", "team"]
    readonly_fields = ["last_polled_at", "last_error", "etag", "modified", "created_at", "updated_at"]
    inlines = [FeedEntryInline]

    class form(forms.ModelForm):
        """The URL passes the guarded fetcher's address checks when it is set,
        as a webhook's does: a feed every poll would refuse is not saved."""

        def clean_url(self) -> str:
            url = self.cleaned_data["url"]
            refusal = url_refusal(url) if "url" in self.changed_data else ""
            if refusal:
                raise ValidationError(refusal)
            return url

    @admin.display(description="last error")
    def error(self, obj: Feed) -> str:
        return Truncator(obj.last_error).chars(80)


@admin.register(FeedEntry)
class FeedEntryAdmin(ReadOnlyAdmin):
    list_display = ["guid", "feed", "report", "seen_at"]
    list_select_related = ["feed", "report"]
    search_fields = ["guid", "link", "feed__name"]


@admin.register(MatcherState)
class MatcherStateAdmin(ReadOnlyAdmin):
    list_display = ["key", "version", "updated_at"]
    search_fields = ["key"]


@admin.register(ReportMatchProgress)
class ReportMatchProgressAdmin(ReadOnlyAdmin):
    list_display = ["report", "next_passage", "passages", "matcher_version", "updated_at"]
    list_select_related = ["report"]
    search_fields = ["report__title"]
    fields = ["report", "next_passage", "passages", "matcher_version", "text_hash", "updated_at"]


@admin.register(ClaimEmbedding)
class ClaimEmbeddingAdmin(ReadOnlyAdmin):
    list_display = ["claim", "model_name", "content_hash", "updated_at"]
    list_select_related = ["claim"]
    search_fields = ["claim__title", "model_name"]
    fields = ["claim", "model_name", "content_hash", "updated_at"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ModelAdmin):
    """When each queue's workers last consumed a heartbeat (what /healthz checks)."""

    list_display = ["queue", "beat_at", "hostname"]
    search_fields = ["queue", "hostname"]
    readonly_fields = ["queue", "beat_at", "hostname"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
