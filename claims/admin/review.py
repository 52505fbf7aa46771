"""The review queue: the matcher's flags, and the stances suggested on them
(accepted into the record or rejected with a reason, through the services)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from claims import services
from claims.admin.common import (
    HistoryAdmin,
    admin_link,
    items_html,
    request_team,
    request_user,
)
from claims.models import (
    Flag,
    StanceSuggestion,
)

# --- the matcher's flags: the review queue ---------------------------------------------------


class FlagStatusFilter(admin.SimpleListFilter):
    """Status, defaulting to the queue (new flags); "all" shows every flag."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [*Flag.Status.choices, (self.ALL, "all")]

    def choices(self, changelist: Any) -> Any:
        current = self.value() or Flag.Status.NEW
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value() or Flag.Status.NEW
        return queryset if value == self.ALL else queryset.filter(status=value)


@admin.register(Flag)
class FlagAdmin(HistoryAdmin):
    actions = ["accept", "reject"]
    list_display = ["claim", "report_link", "score_display", "tier", "passage_list", "actor_list", "status"]
    list_filter = [FlagStatusFilter, "tier"]
    list_select_related = ["report__source", "claim"]
    search_fields = ["claim__title", "report__title", "report__document_symbol"]
    readonly_fields = [
        "report_link",
        "claim_link",
        "score",
        "tier",
        "passage_list",
        "actor_list",
        "term_list",
        "matcher_version",
        "status",
        "reviewed_by",
        "reviewed_at",
        "evidence_link",
        "suggestion_list",
        "created_at",
    ]
    fields = tuple(readonly_fields)

    class Media:
        css = {"all": ["claims/admin.css"]}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # flags are the matcher's output

    @admin.display(description="report", ordering="report__title")
    def report_link(self, obj: Flag) -> Any:
        source = f" ({obj.report.source})" if obj.report.source_id else ""
        return admin_link(obj.report, f"{obj.report.title}{source}")

    @admin.display(description="claim")
    def claim_link(self, obj: Flag) -> Any:
        return admin_link(obj.claim)

    @admin.display(description="evidence")
    def evidence_link(self, obj: Flag) -> Any:
        return admin_link(obj.evidence) if obj.evidence_id else "–"

    @admin.display(description="score", ordering="score")
    def score_display(self, obj: Flag) -> str:
        return f"{obj.score:.2f}"

    @admin.display(description="matched passages")
    def passage_list(self, obj: Flag) -> Any:
        return items_html(obj.passages, text_keys=("text", "passage", "sentence"), limit=3)

    @admin.display(description="matched actors")
    def actor_list(self, obj: Flag) -> Any:
        # One line per actor and the name it went by, with how often the report uses it.
        mentions: Counter[str] = Counter(
            str(item.get("alias") or item.get("name") or item.get("actor_id")) if isinstance(item, dict) else str(item)
            for item in obj.matched_actors or []
        )
        lines = [f"{name} ×{n}" if n > 1 else name for name, n in mentions.items()]
        return items_html(lines, text_keys=(), limit=10)

    @admin.display(description="suggested stances")
    def suggestion_list(self, obj: Flag) -> Any:
        """The stances suggested from the passages, each linked to its page (accept or reject it there)."""
        rows = [
            (
                admin_link(s, s.actor.name if s.actor else "?"),
                s.get_position_display(),
                f" (speaker: {s.speaker_text})" if s.speaker_text else "",
                Truncator(s.quote).chars(200),
                s.stated_on.isoformat() if s.stated_on else "no date",
                f"; “{s.confidence_wording}”" if s.confidence_wording else "",
                f"{s.score:.2f}",
                s.get_status_display(),
            )
            for s in obj.suggestions.select_related("actor").order_by("-score", "pk")
        ]
        if not rows:
            return "–"
        return format_html(
            "<ul class='matched-items'>{}</ul>",
            format_html_join("", "<li>{} {}{}: “{}” ({}{}; score {}; {})</li>", rows),
        )

    @admin.display(description="matched terms")
    def term_list(self, obj: Flag) -> Any:
        return items_html(obj.matched_terms, text_keys=("term", "text", "name"), limit=20)

    def _review(self, request: HttpRequest, queryset: QuerySet, decision: str) -> None:
        count = services.flags_review(flags=list(queryset), reviewer=request_user(request), decision=decision)
        self.message_user(request, f"{count} flag(s) {decision}.")

    @admin.action(description="Accept: link the report to the claim as evidence")
    def accept(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, Flag.Status.ACCEPTED)

    @admin.action(description="Reject the selected flags")
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, Flag.Status.REJECTED)


class SuggestionRejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept to improve the suggester.")


@admin.register(StanceSuggestion)
class StanceSuggestionAdmin(HistoryAdmin):
    """Stances the suggester proposed from flags' passages. Accepting records
    the stance (a researcher's is the record at once, a team's waits for
    review); rejecting keeps the suggestion and its reason."""

    actions = ["accept", "reject"]
    list_display = ["actor", "position", "speaker_text", "quote_short", "score_display", "claim_link", "status"]
    list_filter = ["status", "position"]
    list_select_related = ["actor", "flag__claim", "flag__report"]
    search_fields = ["actor__name", "quote", "flag__claim__title"]
    readonly_fields = [
        "flag_link",
        "claim_link",
        "actor",
        "speaker",
        "speaker_text",
        "position",
        "quote",
        "quote_verbatim",
        "stated_on",
        "stated_precision",
        "confidence_wording",
        "score",
        "rule",
        "suggester_version",
        "status",
        "reject_reason",
        "decided_by",
        "decided_at",
        "stance_link",
    ]
    fields = tuple(readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the suggester's output

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a rejection is labelled data

    @admin.display(description="quote")
    def quote_short(self, obj: StanceSuggestion) -> str:
        return Truncator(obj.quote).chars(120)

    @admin.display(description="score", ordering="score")
    def score_display(self, obj: StanceSuggestion) -> str:
        return f"{obj.score:.2f}"

    @admin.display(description="flag")
    def flag_link(self, obj: StanceSuggestion) -> Any:
        return admin_link(obj.flag)

    @admin.display(description="claim")
    def claim_link(self, obj: StanceSuggestion) -> Any:
        return admin_link(obj.flag.claim)

    @admin.display(description="recorded stance")
    def stance_link(self, obj: StanceSuggestion) -> Any:
        return admin_link(obj.resulting_stance) if obj.resulting_stance_id else "–"

    @admin.action(description="Accept: record the suggested stances")
    def accept(self, request: HttpRequest, queryset: QuerySet) -> None:
        done, refused = 0, []
        for suggestion in queryset.filter(status=StanceSuggestion.Status.PENDING):
            try:
                services.suggestion_accept(
                    suggestion=suggestion, user=request_user(request), team=request_team(request)
                )
                done += 1
            except ValidationError as exc:
                refused.append(f"{suggestion}: {' '.join(exc.messages)}")
        self.message_user(request, f"{done} stance(s) recorded from suggestions.")
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Reject the selected suggestions (with a reason)")
    def reject(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        form = SuggestionRejectForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            pending = queryset.filter(status=StanceSuggestion.Status.PENDING)
            count = 0
            for suggestion in pending:
                services.suggestion_reject(
                    suggestion=suggestion, user=request_user(request), reason=form.cleaned_data["reason"]
                )
                count += 1
            self.message_user(request, f"{count} suggestion(s) rejected.")
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Reject suggested stances",
            "form": form,
            "suggestions": queryset,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/claims/stancesuggestion/reject.html", context)
