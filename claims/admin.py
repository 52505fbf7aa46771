"""The researchers' admin: the record's curation screens.

Thin by design: every changelist joins or annotates what its columns show (no
N+1), foreign keys use autocomplete, and every write that has a service goes
through it (new stances, evidence, aliases, reports; reviews of flags and team
submissions). Every page has a history view (django-simple-history); a claim's
history also lists the changes made to its stances and evidence.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminFileWidget
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from claims import selectors, services
from claims.ingest.fetch import url_refusal
from claims.ingest.language import not_matched_note
from claims.models import (
    Actor,
    ActorAlias,
    ApiKey,
    Claim,
    ClaimEmbedding,
    Evidence,
    Feed,
    FeedEntry,
    Flag,
    Follow,
    Incident,
    MatcherState,
    Membership,
    Position,
    Report,
    ReportMatchProgress,
    ReviewStatus,
    Source,
    Stance,
    Submission,
    SubmissionReport,
    Tag,
    Team,
    Webhook,
    WebhookDelivery,
    WorkerHeartbeat,
)
from claims.normalize import normalize_name, text_hash
from claims.services import api_keys, dispatch, report_matching, webhooks

admin.site.site_header = "Attribution tracker"
admin.site.site_title = "Attribution tracker"
admin.site.index_title = "The record"

REVIEW_FIELDS = ("team", "created_by", "review_status", "reviewed_by", "reviewed_at")


# --- helpers -------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    """The signed-in user (the admin lets no one else in)."""
    return cast(User, request.user)


def _user_team(request: HttpRequest) -> Team | None:
    """The team a user's entries are filed under, by the rule the API uses
    (selectors.write_team). Cached on the request."""
    if not hasattr(request, "_tracker_team"):
        request._tracker_team = selectors.write_team(_user(request))  # type: ignore[attr-defined]
    return request._tracker_team  # type: ignore[attr-defined]


def _adopt(instance: Model, saved: Model) -> None:
    """Make the admin's form instance the row a service saved, so the admin's
    redirect, log entry and change message refer to it."""
    for model_field in saved._meta.concrete_fields:
        setattr(instance, model_field.attname, getattr(saved, model_field.attname))
    instance._state.adding = False
    instance._state.db = saved._state.db


def _form_values(form: forms.ModelForm, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The model field values a (validated) model form holds, by field name."""
    skip = {*exclude, form._meta.model._meta.pk.name}
    model_fields = {f.name for f in form._meta.model._meta.concrete_fields}
    return {
        name: form.cleaned_data[name]
        for name in form.fields
        if name in model_fields and name not in skip and name in form.cleaned_data
    }


def _uploaded(form: forms.ModelForm, name: str = "file") -> Any:
    value = form.cleaned_data.get(name)
    return value or None  # False means "clear", None means unchanged


def _save_new_stance(request: HttpRequest, form: forms.ModelForm, stance: Stance) -> None:
    values = _form_values(form, exclude=("claim", "actor", "position", *REVIEW_FIELDS))
    saved = services.stance_record(
        claim=stance.claim,
        actor=stance.actor,
        position=stance.position,
        user=_user(request),
        team=_user_team(request),
        **values,
    )
    _adopt(stance, saved)


def _save_new_evidence(request: HttpRequest, form: forms.ModelForm, evidence: Evidence) -> None:
    saved = services.evidence_add(
        claim=evidence.claim,
        kind=evidence.kind,
        relation=evidence.relation,
        description=evidence.description,
        report=evidence.report,
        url=evidence.url,
        file=_uploaded(form),
        user=_user(request),
        team=_user_team(request),
    )
    _adopt(evidence, saved)


class WritesThroughServices:
    """Every write an admin page makes goes through a service: a row saved or
    deleted as its form edited it through ``services.rows`` (which owns the
    side effects: the matcher's index, a claim's archive re-match, a report's
    hash), and inline rows likewise. Pages whose rows have a service of their
    own (new stances, evidence, aliases, keys) override these and call it."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.row_save(obj=obj, user=_user(request))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.row_delete(obj=obj, user=_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        services.rows_delete(queryset=queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        formset.save(commit=False)  # sets new_objects, changed_objects, deleted_objects
        for obj in formset.deleted_objects:
            services.row_delete(obj=obj, user=_user(request))
        for obj in [*(obj for obj, _changed in formset.changed_objects), *formset.new_objects]:
            services.row_save(obj=obj, user=_user(request))
        formset.save_m2m()


class ModelAdmin(WritesThroughServices, admin.ModelAdmin):
    pass


class HistoryAdmin(WritesThroughServices, SimpleHistoryAdmin):
    pass


def _save_submission_formset(request: HttpRequest, formset: forms.BaseInlineFormSet) -> None:
    """Inline stances or evidence: new rows through their service, edits saved
    as they are (a new file gets its SHA-256)."""
    formset.save(commit=False)  # sets new_objects, changed_objects, deleted_objects
    for obj in formset.deleted_objects:
        services.row_delete(obj=obj, user=_user(request))
    for obj, _changed in formset.changed_objects:
        services.row_save(obj=obj, user=_user(request))
    forms_by_instance = {id(f.instance): f for f in formset.forms}
    for obj in formset.new_objects:
        form = forms_by_instance[id(obj)]
        if isinstance(obj, Stance):
            _save_new_stance(request, form, obj)
        else:
            _save_new_evidence(request, form, obj)


def _admin_link(obj: Model | None, text: Any = None) -> Any:
    if obj is None:
        return "–"
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else obj)


# --- evidence files: linked to the permission-checking view, never to storage ------------


@dataclass
class _PrivateFile:
    url: str
    name: str

    def __str__(self) -> str:
        return self.name


class PrivateFileWidget(AdminFileWidget):
    """A file input whose "currently" link goes to the evidence-file view
    (which checks permission and the SHA-256), not to the storage URL."""

    private_url: str | None = None

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if self.private_url and context["widget"]["is_initial"]:
            context["widget"]["value"] = _PrivateFile(self.private_url, value.name.rsplit("/", 1)[-1])
        return context


class EvidenceForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = "__all__"  # noqa: DJ007 -- the admin's readonly_fields/fields decide what shows
        widgets = {"file": PrivateFileWidget, "description": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "file" in self.fields and self.instance.pk and self.instance.file:
            self.fields["file"].widget.private_url = reverse("evidence-file", args=[self.instance.pk])


def _evidence_file_link(evidence: Evidence) -> Any:
    if not evidence.file:
        return "–"
    return format_html(
        '<a href="{}" title="SHA-256 {}">{}</a>',
        reverse("evidence-file", args=[evidence.pk]),
        evidence.file_sha256,
        (evidence.file.name or "").rsplit("/", 1)[-1],
    )


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
        return _admin_link(obj.claim)

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

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not ActorAlias:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for alias in formset.deleted_objects:
            services.row_delete(obj=alias, user=_user(request))
        for alias, _changed in formset.changed_objects:
            services.row_save(obj=alias, user=_user(request))
        for alias in formset.new_objects:
            _alias_add(request, alias, actor=form.instance)
        return None


def _alias_add(request: HttpRequest, alias: ActorAlias, *, actor: Actor) -> None:
    """A new alias from an admin form, added through the service."""
    saved = services.actor_alias_add(
        actor=actor,
        name=alias.name,
        user=_user(request),
        kind=alias.kind,
        ambiguous=alias.ambiguous,
        language=alias.language,
        valid_from=alias.valid_from,
        valid_to=alias.valid_to,
    )
    _adopt(alias, saved)


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
            services.row_save(obj=obj, user=_user(request))
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
        if not change:
            obj.created_by = _user(request)
            if obj.team_id is None:
                obj.team = _user_team(request)
        # The service rebuilds the matcher's index and re-matches the archive against the claim.
        services.row_save(obj=obj, user=_user(request))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model in (Stance, Evidence):
            _save_submission_formset(request, formset)
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


# --- the history of a claim's stances and evidence --------------------------------------


@dataclass
class RelatedChange:
    """One line of a claim's history that happened to a stance or evidence."""

    date: Any
    user: Any
    action: str  # "Stance added", "Evidence changed", ...
    label: str  # "Russia — disputes the evidence or the process"
    url: str | None
    reason: str | None
    changes: list[dict[str, Any]] = field(default_factory=list)


_ACTIONS = {"+": "added", "~": "changed", "-": "deleted"}


def _display(model: type[Model], field_name: str, value: Any, names: dict[tuple[type[Model], Any], str]) -> Any:
    model_field: Any = model._meta.get_field(field_name)
    if value in (None, ""):
        return "–"
    if model_field.is_relation and model_field.related_model is not None:
        return names.get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    return Truncator(str(value)).chars(120)


def _names_for(pairs: set[tuple[type[Model], Any]]) -> dict[tuple[type[Model], Any], str]:
    """str() of related rows, one query per related model."""
    by_model: dict[type[Model], set[Any]] = defaultdict(set)
    for model, pk in pairs:
        by_model[model].add(pk)
    names: dict[tuple[type[Model], Any], str] = {}
    for model, pks in by_model.items():
        for obj in model._default_manager.filter(pk__in=pks):
            names[(model, obj.pk)] = str(obj)
    return names


def _history_window(model: type[Stance] | type[Evidence], claim_id: Any, limit: int) -> tuple[list, dict]:
    """The latest ``limit`` history records of the model's rows on the claim,
    and for each the record before it (for the diff): at most three queries."""
    manager = model.history  # type: ignore[union-attr]
    records = list(manager.filter(claim_id=claim_id).select_related("history_user").order_by("-history_id")[:limit])
    by_row: dict[Any, list] = defaultdict(list)
    for record in records:
        by_row[record.id].append(record)
    previous: dict[Any, Any] = {}
    missing: list[Any] = []
    for row_records in by_row.values():
        for newer, older in pairwise(row_records):
            previous[newer.history_id] = older
        oldest = row_records[-1]
        if oldest.history_type == "~":
            missing.append(oldest)
    if missing:
        # The record before a row's oldest record in the window lies before the window.
        wanted = (
            manager.filter(id__in=[r.id for r in missing], history_id__lt=records[-1].history_id)
            .values("id")
            .annotate(last=Max("history_id"))
        )
        before = {r.history_id: r for r in manager.filter(history_id__in=[w["last"] for w in wanted])}
        by_id = {r.id: r for r in before.values()}
        for record in missing:
            older = by_id.get(record.id)
            if older is not None and older.history_id < record.history_id:
                previous[record.history_id] = older
    return records, previous


def related_history(claim_id: Any, *, limit: int = 200) -> list[RelatedChange]:
    """Changes to a claim's stances and evidence, newest first, each naming the
    stance's actor and position and the fields that changed. Bounded: a fixed
    number of queries whatever the number of records."""
    windows = {model: _history_window(model, claim_id, limit) for model in (Stance, Evidence)}

    pairs: set[tuple[type[Model], Any]] = set()
    deltas: dict[int, Any] = {}
    for model, (records, previous) in windows.items():
        for record in records:
            if model is Stance:
                pairs.add((Actor, record.actor_id))
            older = previous.get(record.history_id)
            if record.history_type == "~" and older is not None:
                delta = record.diff_against(older)
                deltas[id(record)] = delta
                for change in delta.changes:
                    model_field: Any = model._meta.get_field(change.field)
                    if model_field.is_relation and model_field.related_model is not None:
                        for value in (change.old, change.new):
                            if value is not None:
                                pairs.add((model_field.related_model, value))
    names = _names_for(pairs)

    lines: list[RelatedChange] = []
    for model, (records, _previous) in windows.items():
        noun = str(model._meta.verbose_name).capitalize()
        for record in records:
            if model is Stance:
                actor = names.get((Actor, record.actor_id), f"actor #{record.actor_id}")
                label = f"{actor} — {_display(Stance, 'position', record.position, names)}"
                if record.stated_on:
                    label += f" ({record.stated_on:%Y-%m-%d})"
            else:
                label = (
                    f"{_display(Evidence, 'kind', record.kind, names)} — {record.relation}: "
                    f"{Truncator(record.description).chars(80)}"
                )
            delta = deltas.get(id(record))
            changes = []
            if delta is not None:
                for change in delta.changes:
                    changes.append(
                        {
                            "field": getattr(model._meta.get_field(change.field), "verbose_name", change.field),
                            "old": _display(model, change.field, change.old, names),
                            "new": _display(model, change.field, change.new, names),
                        }
                    )
            url = None
            if record.history_type != "-":
                url = reverse(f"admin:claims_{model._meta.model_name}_change", args=[record.id])
            lines.append(
                RelatedChange(
                    date=record.history_date,
                    user=record.history_user,
                    action=f"{noun} {_ACTIONS.get(record.history_type, record.history_type)}",
                    label=label,
                    url=url,
                    reason=record.history_change_reason,
                    changes=changes,
                )
            )
    lines.sort(key=lambda line: line.date, reverse=True)
    return lines[:limit]


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


class ReportForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = "__all__"  # noqa: DJ007 -- the admin's fieldsets decide what shows

    def clean_text(self) -> str:
        # Only the change form uses this form: new reports are submissions (ReportAdmin.add_view).
        text = self.cleaned_data.get("text", "")
        if text.strip():
            clash = Report.objects.filter(text_hash=text_hash(text)).exclude(pk=self.instance.pk).first()
            if clash is not None:
                raise ValidationError(f"Another report has the same text: “{clash}” (#{clash.pk}).")
        return text


class ReportIngestForm(forms.Form):
    """New reports come in as a submission: pasted text, a file (text, HTML,
    PDF) or a URL fetched through the guarded fetcher. A multi-article
    document is split into its articles; the same text twice is one report."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 16, "cols": 100}), required=False)
    file = forms.FileField(required=False, help_text="Plain text, HTML or PDF.")
    url = forms.URLField(label="URL", required=False, assume_scheme="https", help_text="Fetched once, now.")
    title = forms.CharField(max_length=500, required=False, help_text="Optional: taken from the text if empty.")
    source = forms.ModelChoiceField(queryset=Source.objects.order_by("name"), required=False)
    published_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > settings.MAX_UPLOAD_BYTES:
            raise ValidationError(f"The file is larger than the {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit.")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in ("text", "file", "url") if data.get(name)]
        if len(given) != 1:
            raise ValidationError("Give exactly one of: pasted text, a file, or a URL.")
        return data

    def submit(self, *, user: Any, team: Team | None) -> services.Submitted:
        data = self.cleaned_data
        upload, text = data["file"], data["text"]
        if upload:
            channel, raw, content_type = Submission.Channel.ADMIN_FILE, upload.read(), upload.content_type or ""
        elif text:
            channel, raw, content_type = Submission.Channel.ADMIN_TEXT, text.encode(), "text/plain"
        else:  # a URL, fetched by the service
            channel, raw, content_type = Submission.Channel.URL, None, ""
        return services.report_submit(
            channel=channel,
            user=user,
            team=team,
            raw=raw,
            url=data["url"],
            filename=(upload.name or "") if upload else "",
            content_type=content_type,
            title=data["title"],
            source=data["source"],
            published_on=data["published_on"],
        )


@admin.register(Report)
class ReportAdmin(HistoryAdmin):
    form = ReportForm
    actions = ["retry_matching"]
    list_display = ["title", "source", "published_on", "document_symbol", "language", "status", "flag_count"]
    list_filter = ["status", "source__kind"]
    list_select_related = ["source"]
    search_fields = ["title", "document_symbol", "url", "source__name"]
    autocomplete_fields = ["source", "cited_by"]
    readonly_fields = [
        "team",
        "flag_links",
        "text_hash",
        "status",
        "matching_progress",
        "attempts",
        "lease_expires_at",
        "last_error",
        "processed_at",
        "matcher_version",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "source", "url", "document_symbol", "language", "team", "text"]}),
        ("Date", {"fields": [("published_on", "published_precision")]}),
        ("Citations", {"fields": ["cited_by"]}),
        (
            "Matching",
            {
                "fields": [
                    "status",
                    "matching_progress",
                    "flag_links",
                    "attempts",
                    "lease_expires_at",
                    "last_error",
                    "processed_at",
                    "matcher_version",
                    "text_hash",
                    "created_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(flag_count=Count("flags"))

    @admin.display(description="flags", ordering="flag_count")
    def flag_count(self, obj: Report) -> int:
        return obj.flag_count  # type: ignore[attr-defined]

    @admin.display(description="progress")
    def matching_progress(self, obj: Report) -> str:
        """A long report is matched in pieces, one run after another."""
        progress = ReportMatchProgress.objects.filter(report_id=obj.pk).first() if obj.pk else None
        if progress is None:
            return "–"
        return (
            f"{progress.next_passage:,} of {progress.passages:,} passages matched so far; "
            "the next run goes on from there (a long report is matched in pieces)."
        )

    @admin.display(description="flags to review")
    def flag_links(self, obj: Report) -> Any:
        """Straight to this report's flags in the review queue."""
        if obj.pk is None:
            return "–"
        changelist = reverse("admin:claims_flag_changelist")
        counts = dict(obj.flags.values_list("status").annotate(n=Count("id")).order_by())
        if not counts:
            return "none"
        return format_html(
            '<a href="{}?report__id__exact={}&status=all">{} flag(s): {}</a>',
            changelist,
            obj.pk,
            sum(counts.values()),
            ", ".join(f"{n} {status}" for status, n in sorted(counts.items())),
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ReportIngestForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                submitted = form.submit(user=_user(request), team=_user_team(request))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return self._submitted(request, submitted)
        context = {
            **self.admin_site.each_context(request),
            "title": "Add reports",
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/claims/report/ingest.html", context)

    def _submitted(self, request: HttpRequest, submitted: services.Submitted) -> HttpResponseRedirect:
        submission = submitted.submission
        page = HttpResponseRedirect(reverse("admin:claims_submission_change", args=[submission.pk]))
        if submission.status == Submission.Status.FAILED:
            self.message_user(
                request,
                f"The upload was kept but could not be read: {submission.error} "
                "It can be retried from the submission's page.",
                messages.ERROR,
            )
            return page
        reports = [report for report, _ in submitted.reports]
        new = sum(created for _, created in submitted.reports)
        told = f"{new} new report(s) stored, {len(reports) - new} already stored (linked, not duplicated)"
        if any(r.status in (Report.Status.PENDING, Report.Status.PROCESSING) for r in reports):
            told += "; matching runs in the background and flags appear in the review queue"
        told += "."
        for language in sorted({r.language for r in reports if r.status == Report.Status.UNSUPPORTED_LANGUAGE}):
            told += " " + not_matched_note(language)
        self.message_user(request, told, messages.SUCCESS)
        return page

    @admin.action(description="Retry matching (failed or stuck reports get fresh attempts)")
    def retry_matching(self, request: HttpRequest, queryset: QuerySet) -> None:
        ids = report_matching.reports_retry(reports=queryset, user=_user(request))
        dispatch.reports_match(ids)
        self.message_user(request, f"{len(ids)} report(s) sent for matching again.", messages.SUCCESS)


@admin.register(Submission)
class SubmissionAdmin(ModelAdmin):
    """What arrived, exactly as received: read-only."""

    actions = ["retry_parsing"]
    list_display = ["__str__", "channel", "team", "submitted_by", "status", "created_at", "report_count"]
    list_filter = ["channel", "status"]
    list_select_related = ["team", "submitted_by"]
    search_fields = ["filename", "url", "raw_sha256", "idempotency_key"]
    readonly_fields = [
        "channel",
        "submitted_by",
        "team",
        "created_at",
        "raw_sha256",
        "stored_file",
        "filename",
        "content_type",
        "url",
        "idempotency_key",
        "status",
        "error",
        "report_links",
    ]
    fields = tuple(readonly_fields)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(report_count=Count("reports"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Retry parsing failed submissions")
    def retry_parsing(self, request: HttpRequest, queryset: QuerySet) -> None:
        retried = [services.submission_retry(submission=s) for s in queryset.filter(status=Submission.Status.FAILED)]
        still_failed = sum(s.status == Submission.Status.FAILED for s in retried)
        self.message_user(
            request,
            f"{len(retried)} submission(s) retried; {still_failed} still failed (see their error).",
            messages.WARNING if still_failed else messages.SUCCESS,
        )

    @admin.display(description="reports", ordering="report_count")
    def report_count(self, obj: Submission) -> int:
        return obj.report_count  # type: ignore[attr-defined]

    @admin.display(description="raw file")
    def stored_file(self, obj: Submission) -> str:
        # Kept privately; deliberately not linked (no public URL exists).
        return obj.raw_file.name or "–"

    @admin.display(description="reports")
    def report_links(self, obj: Submission) -> Any:
        """Each report, and what this submission gave it where the report (as
        stored, maybe by another submission) has something else."""
        links = list(obj.report_links.select_related("report__source", "source").order_by("pk"))
        if not links:
            return "–"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>{}',
            (
                (reverse("admin:claims_report_change", args=[link.report_id]), link.report, _sent_otherwise(link))
                for link in links
            ),
        )


def _sent_otherwise(link: SubmissionReport) -> str:
    report = link.report
    sent = [
        f"“{link.title}”" if link.title and link.title != report.title else "",
        link.url if link.url != report.url else "",
        link.document_symbol if link.document_symbol != report.document_symbol else "",
        f"source {link.source}" if link.source_id and link.source_id != report.source_id else "",
        f"published {link.published_on}" if link.published_on and link.published_on != report.published_on else "",
    ]
    told = ", ".join(part for part in sent if part)
    return f" (sent as {told})" if told else ""


# --- stances and evidence: team submissions and their review --------------------------------


class ReviewActionsMixin:
    review_service: Any = None
    review_argument = ""

    def _review(self, request: HttpRequest, queryset: QuerySet, decision: str) -> None:
        items = list(queryset)
        changed = self.review_service(**{self.review_argument: items}, reviewer=_user(request), decision=decision)
        self.message_user(request, f"{changed} {decision}; {len(items) - changed} already were.")  # type: ignore[attr-defined]

    @admin.action(description="Accept the selected submissions")
    def accept(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, ReviewStatus.ACCEPTED)

    @admin.action(description="Reject the selected submissions")
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, ReviewStatus.REJECTED)


@admin.register(Stance)
class StanceAdmin(ReviewActionsMixin, HistoryAdmin):
    review_service = staticmethod(services.stances_review)
    review_argument = "stances"
    actions = ["accept", "reject"]
    list_display = ["actor", "position", "claim", "stated_on", "speaker", "report", "team", "review_status"]
    list_filter = ["review_status", "team", "position"]
    list_select_related = ["actor", "claim", "speaker", "report", "team"]
    search_fields = ["claim__title", "actor__name", "actor__aliases__name", "speaker__name", "quote"]
    autocomplete_fields = ["claim", "actor", "speaker", "report"]
    readonly_fields = [*REVIEW_FIELDS, "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["claim", "actor", "position", ("stated_on", "stated_precision")]}),
        ("Who said it, where", {"fields": ["speaker", "speaker_description", "quote", "quote_kind", "report"]}),
        ("Confidence", {"fields": ["confidence_wording", "confidence", "note"]}),
        ("Submission", {"fields": [*REVIEW_FIELDS, "review_note", "created_at", "updated_at"]}),
    ]

    def save_model(self, request: HttpRequest, obj: Stance, form: Any, change: bool) -> None:
        if change:
            services.row_save(obj=obj, user=_user(request))
        else:
            _save_new_stance(request, form, obj)


@admin.register(Evidence)
class EvidenceAdmin(ReviewActionsMixin, HistoryAdmin):
    form = EvidenceForm
    review_service = staticmethod(services.evidence_review)
    review_argument = "evidence"
    actions = ["accept", "reject"]
    list_display = ["__str__", "kind", "relation", "claim", "report", "file_link", "team", "review_status"]
    list_filter = ["review_status", "team", "kind", "relation"]
    list_select_related = ["claim", "report", "team"]
    search_fields = ["claim__title", "description", "url", "report__title"]
    autocomplete_fields = ["claim", "report"]
    readonly_fields = [*REVIEW_FIELDS, "file_link", "file_sha256", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["claim", "kind", "relation", "description"]}),
        ("Where it is", {"fields": ["report", "url", "file", "file_link", "file_sha256"]}),
        ("Submission", {"fields": [*REVIEW_FIELDS, "review_note", "created_at", "updated_at"]}),
    ]

    @admin.display(description="file")
    def file_link(self, obj: Evidence) -> Any:
        return _evidence_file_link(obj)

    def save_model(self, request: HttpRequest, obj: Evidence, form: Any, change: bool) -> None:
        if change:
            services.row_save(obj=obj, user=_user(request))
        else:
            _save_new_evidence(request, form, obj)


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


def _items_html(items: Any, *, text_keys: tuple[str, ...], limit: int) -> Any:
    """The matcher's JSON lists (passages, actors) as a readable list: strings
    as they are, dicts by their text/name and score."""
    if not items:
        return "–"
    rows = []
    for item in list(items)[:limit]:
        if isinstance(item, dict):
            text = next((str(item[k]) for k in text_keys if item.get(k)), "")
            score = item.get("score")
            rows.append((Truncator(text).chars(300), f" ({score:.2f})" if isinstance(score, int | float) else ""))
        else:
            rows.append((Truncator(str(item)).chars(300), ""))
    more = len(items) - limit if len(items) > limit else 0
    return format_html(
        # Styled by claims/admin.css: the Content-Security-Policy refuses style attributes.
        "<ul class='matched-items'>{}</ul>{}",
        format_html_join("", "<li>{}{}</li>", rows),
        format_html("<small>and {} more</small>", more) if more else "",
    )


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
        return _admin_link(obj.report, f"{obj.report.title}{source}")

    @admin.display(description="claim")
    def claim_link(self, obj: Flag) -> Any:
        return _admin_link(obj.claim)

    @admin.display(description="evidence")
    def evidence_link(self, obj: Flag) -> Any:
        return _admin_link(obj.evidence) if obj.evidence_id else "–"

    @admin.display(description="score", ordering="score")
    def score_display(self, obj: Flag) -> str:
        return f"{obj.score:.2f}"

    @admin.display(description="matched passages")
    def passage_list(self, obj: Flag) -> Any:
        return _items_html(obj.passages, text_keys=("text", "passage", "sentence"), limit=3)

    @admin.display(description="matched actors")
    def actor_list(self, obj: Flag) -> Any:
        # One line per actor and the name it went by, with how often the report uses it.
        mentions: Counter[str] = Counter(
            str(item.get("alias") or item.get("name") or item.get("actor_id")) if isinstance(item, dict) else str(item)
            for item in obj.matched_actors or []
        )
        lines = [f"{name} ×{n}" if n > 1 else name for name, n in mentions.items()]
        return _items_html(lines, text_keys=(), limit=10)

    @admin.display(description="matched terms")
    def term_list(self, obj: Flag) -> Any:
        return _items_html(obj.matched_terms, text_keys=("term", "text", "name"), limit=20)

    def _review(self, request: HttpRequest, queryset: QuerySet, decision: str) -> None:
        count = services.flags_review(flags=list(queryset), reviewer=_user(request), decision=decision)
        self.message_user(request, f"{count} flag(s) {decision}.")

    @admin.action(description="Accept: link the report to the claim as evidence")
    def accept(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, Flag.Status.ACCEPTED)

    @admin.action(description="Reject the selected flags")
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, Flag.Status.REJECTED)


# --- feeds and the matcher's bookkeeping ------------------------------------------------------


class ReadOnlyAdmin(ModelAdmin):
    """Rows the system keeps for itself: shown, never typed in."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
            services.row_save(obj=obj, user=_user(request))
            return
        try:
            row, key = api_keys.api_key_create(
                team=obj.team, user=_user(request), name=obj.name, role=obj.role, expires_at=obj.expires_at
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
            api_keys.api_key_revoke(key=key, user=_user(request))
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
            obj.created_by = _user(request)
        services.row_save(obj=obj, user=_user(request))


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


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ModelAdmin):
    """When each queue's workers last consumed a heartbeat (what /healthz checks)."""

    list_display = ["queue", "beat_at", "hostname"]
    search_fields = ["queue", "hostname"]
    readonly_fields = ["queue", "beat_at", "hostname"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
