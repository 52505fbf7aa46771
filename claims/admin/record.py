"""The record's curation screens: actors and their aliases, incidents,
tags, claims (with their stances and evidence inline, and a history that
lists the changes made to those), sources."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.html import format_html_join
from django.utils.text import Truncator

from claims import services
from claims.admin.common import (
    EvidenceForm,
    HistoryAdmin,
    admin_link,
    adopt,
    form_values,
    request_team,
    request_user,
    submission_formset_save,
)
from claims.models import (
    Actor,
    ActorAlias,
    Claim,
    Evidence,
    Incident,
    Position,
    ReviewStatus,
    Source,
    Stance,
    Tag,
)
from claims.normalize import normalize_name
from claims.selectors.history import related_history
from claims.services import dispatch

# --- actors -------------------------------------------------------------------------------


class ActorAliasForm(forms.ModelForm):
    class Meta:
        model = ActorAlias
        fields = ["name", "kind", "ambiguous", "language", "valid_from", "valid_to"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not normalize_name(name):
            raise ValidationError("An alias needs letters or digits.")
        return name


class ActorAliasFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen: dict[str, str] = {}
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            name = form.cleaned_data.get("name")
            if not name:
                continue
            key = normalize_name(name)
            if key in seen:
                raise ValidationError(f"“{name}” and “{seen[key]}” are the same alias once normalised.")
            seen[key] = name


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    form = ActorAliasForm
    formset = ActorAliasFormSet
    extra = 1
    fields = ["name", "kind", "ambiguous", "language", "valid_from", "valid_to"]


class ActorStanceInline(admin.TabularInline):
    """The actor's stances, read-only: they are edited on their claim."""

    model = Stance
    fk_name = "actor"
    verbose_name = "stance held"
    verbose_name_plural = "stances held"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = ("claim_link", "position", "stated_on", "quote_excerpt", "review_status")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("claim", "actor").order_by("-stated_on", "claim__title")

    @admin.display(description="claim")
    def claim_link(self, obj: Stance) -> Any:
        return admin_link(obj.claim)

    @admin.display(description="quote")
    def quote_excerpt(self, obj: Stance) -> str:
        return Truncator(obj.quote).chars(200)


@admin.register(Actor)
class ActorAdmin(HistoryAdmin):
    list_display = ["name", "kind", "parent", "alias_list", "stance_count"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    search_fields = ["name", "aliases__name", "aliases__normalized"]
    autocomplete_fields = ["parent"]
    inlines = [ActorAliasInline, ActorStanceInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("aliases")
            .annotate(stance_count=Count("stances", distinct=True))
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = normalize_name(search_term)
        if key:  # "U.S." finds the alias "US": match the normalised form too
            results |= queryset.filter(aliases__normalized=key)
            may_have_duplicates = True
        return results, may_have_duplicates

    @admin.display(description="aliases")
    def alias_list(self, obj: Actor) -> str:
        return ", ".join(alias.name for alias in obj.aliases.all())

    @admin.display(description="stances", ordering="stance_count")
    def stance_count(self, obj: Actor) -> int:
        return obj.stance_count  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Actor, form: Any, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        adopt(obj, services.actor_create(user=request_user(request), **form_values(form)))
        return None

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not ActorAlias:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for alias in formset.deleted_objects:
            services.row_delete(obj=alias, user=request_user(request))
        for alias, _changed in formset.changed_objects:
            services.row_save(obj=alias, user=request_user(request))
        for alias in formset.new_objects:
            _alias_add(request, alias, actor=form.instance)
        return None


def _alias_add(request: HttpRequest, alias: ActorAlias, *, actor: Actor) -> None:
    """A new alias from an admin form, added through the service."""
    saved = services.actor_alias_add(
        actor=actor,
        name=alias.name,
        user=request_user(request),
        kind=alias.kind,
        ambiguous=alias.ambiguous,
        language=alias.language,
        valid_from=alias.valid_from,
        valid_to=alias.valid_to,
    )
    adopt(alias, saved)


@admin.register(ActorAlias)
class ActorAliasAdmin(HistoryAdmin):
    form = ActorAliasForm
    list_display = ["name", "actor", "kind", "ambiguous", "language", "normalized"]
    list_filter = ["kind", "ambiguous"]
    list_select_related = ["actor"]
    search_fields = ["name", "normalized", "actor__name"]
    autocomplete_fields = ["actor"]
    fields = ["actor", "name", "normalized", "kind", "ambiguous", "language", "valid_from", "valid_to"]
    readonly_fields = ["normalized"]

    def save_model(self, request: HttpRequest, obj: ActorAlias, form: Any, change: bool) -> None:
        if change:
            services.row_save(obj=obj, user=request_user(request))
            return
        _alias_add(request, obj, actor=obj.actor)


# --- incidents, tags, claims --------------------------------------------------------------


@admin.register(Incident)
class IncidentAdmin(HistoryAdmin):
    list_display = ["title", "place_name", "date_start", "date_precision", "agent", "claim_count"]
    list_filter = ["agent", "date_precision"]
    search_fields = ["title", "place_name", "description"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, obj: Incident) -> int:
        return obj.claim_count  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Incident, form: Any, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        adopt(obj, services.incident_create(user=request_user(request), **form_values(form)))
        return None


@admin.register(Tag)
class TagAdmin(HistoryAdmin):
    list_display = ["name", "claim_count"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, obj: Tag) -> int:
        return obj.claim_count  # type: ignore[attr-defined]


class StanceInline(admin.TabularInline):
    model = Stance
    fk_name = "claim"
    extra = 1
    show_change_link = True
    autocomplete_fields = ["actor", "speaker", "report"]
    fields = [
        "actor",
        "position",
        "stated_on",
        "stated_precision",
        "speaker",
        "quote",
        "report",
        "confidence",
        "review_status",
    ]
    readonly_fields = ["review_status"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("actor", "speaker", "report", "claim")

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "quote":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 40})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    form = EvidenceForm
    extra = 1
    show_change_link = True
    autocomplete_fields = ["report"]
    fields = ["kind", "relation", "description", "report", "url", "file", "review_status"]
    readonly_fields = ["review_status"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("report", "claim")


@admin.register(Claim)
class ClaimAdmin(HistoryAdmin):
    actions = ["rematch_archive"]
    list_display = ["title", "kind", "status", "perpetrator", "stance_summary", "evidence_count", "updated_at"]
    list_filter = ["kind", "status", "tags"]
    list_select_related = ["alleged_perpetrator"]
    search_fields = [
        "title",
        "text",
        "alleged_perpetrator__name",
        "alleged_perpetrator__aliases__name",
        "alleged_perpetrator__aliases__normalized",
    ]
    autocomplete_fields = ["alleged_perpetrator", "incidents", "tags", "team"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "text", "kind", "status", "alleged_perpetrator", "incidents", "tags"]}),
        ("Scope", {"fields": [("scope_start", "scope_end", "scope_precision")]}),
        ("Ownership", {"fields": ["team", "created_by", "created_at", "updated_at"]}),
    ]
    inlines = [StanceInline, EvidenceInline]
    object_history_template = "admin/claims/claim/object_history.html"
    related_history_limit = 200

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        live = ~Q(stances__review_status=ReviewStatus.REJECTED)
        counts = {
            f"n_{position.value}": Count("stances", filter=live & Q(stances__position=position.value), distinct=True)
            for position in Position
        }
        return (
            super()
            .get_queryset(request)
            .annotate(
                **counts,
                n_evidence=Count("evidence", filter=~Q(evidence__review_status=ReviewStatus.REJECTED), distinct=True),
            )
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = normalize_name(search_term)
        if key:
            results |= queryset.filter(alleged_perpetrator__aliases__normalized=key)
            may_have_duplicates = True
        return results, may_have_duplicates

    @admin.display(description="alleged perpetrator", ordering="alleged_perpetrator__name")
    def perpetrator(self, obj: Claim) -> str:
        return obj.alleged_perpetrator.name if obj.alleged_perpetrator else "–"

    @admin.display(description="stances (not rejected)")
    def stance_summary(self, obj: Claim) -> Any:
        counts = [(position.value, getattr(obj, f"n_{position.value}", 0)) for position in Position]
        shown = [(label, n) for label, n in counts if n]
        if not shown:
            return "–"
        return format_html_join(" · ", "{} {}", shown)

    @admin.display(description="evidence", ordering="n_evidence")
    def evidence_count(self, obj: Claim) -> int:
        return obj.n_evidence  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Claim, form: Any, change: bool) -> None:
        # The services rebuild the matcher's index and re-match the archive against the claim.
        if change:
            services.row_save(obj=obj, user=request_user(request))
            return
        values = form_values(form)
        values["team"] = values.get("team") or request_team(request)
        data = form.cleaned_data
        saved = services.claim_create(
            user=request_user(request), incidents=data.get("incidents") or (), tags=data.get("tags") or (), **values
        )
        adopt(obj, saved)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model in (Stance, Evidence):
            submission_formset_save(request, formset)
        else:
            super().save_formset(request, form, formset, change)

    @admin.action(description="Match the archive of past reports against these claims")
    def rematch_archive(self, request: HttpRequest, queryset: QuerySet) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        dispatch.claims_rematch(ids)
        self.message_user(request, f"{len(ids)} claim(s) sent for matching against the archive.", messages.SUCCESS)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> Any:
        try:
            claim_id = int(unquote(object_id))
        except ValueError:
            raise Http404("No such claim.") from None
        context = {
            "related_changes": related_history(claim_id, limit=self.related_history_limit),
            "related_history_limit": self.related_history_limit,
        }
        context.update(extra_context or {})
        return super().history_view(request, object_id, extra_context=context)


# --- sources, reports, submissions ----------------------------------------------------


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    list_display = ["name", "kind", "actor", "url", "report_count"]
    list_filter = ["kind"]
    list_select_related = ["actor"]
    search_fields = ["name", "url", "actor__name"]
    autocomplete_fields = ["actor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(report_count=Count("reports"))

    @admin.display(description="reports", ordering="report_count")
    def report_count(self, obj: Source) -> int:
        return obj.report_count  # type: ignore[attr-defined]
