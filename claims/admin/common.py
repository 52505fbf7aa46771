"""What the admin's pages share: the signed-in user and their team, the
base classes whose writes go through services, the private file widget,
the review actions and small display helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from claims import selectors, services
from claims.models import (
    Evidence,
    ReviewStatus,
    Stance,
    Team,
)

REVIEW_FIELDS = ("team", "created_by", "review_status", "reviewed_by", "reviewed_at")


# --- helpers -------------------------------------------------------------------------


def request_user(request: HttpRequest) -> User:
    """The signed-in user (the admin lets no one else in)."""
    return cast(User, request.user)


def request_team(request: HttpRequest) -> Team | None:
    """The team a user's entries are filed under, by the rule the API uses
    (selectors.write_team). Cached on the request."""
    if not hasattr(request, "_tracker_team"):
        request._tracker_team = selectors.write_team(request_user(request))  # type: ignore[attr-defined]
    return request._tracker_team  # type: ignore[attr-defined]


def adopt(instance: Model, saved: Model) -> None:
    """Make the admin's form instance the row a service saved, so the admin's
    redirect, log entry and change message refer to it."""
    for model_field in saved._meta.concrete_fields:
        setattr(instance, model_field.attname, getattr(saved, model_field.attname))
    instance._state.adding = False
    instance._state.db = saved._state.db


def form_values(form: forms.ModelForm, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The model field values a (validated) model form holds, by field name."""
    skip = {*exclude, form._meta.model._meta.pk.name}
    model_fields = {f.name for f in form._meta.model._meta.concrete_fields}
    return {
        name: form.cleaned_data[name]
        for name in form.fields
        if name in model_fields and name not in skip and name in form.cleaned_data
    }


def uploaded(form: forms.ModelForm, name: str = "file") -> Any:
    value = form.cleaned_data.get(name)
    return value or None  # False means "clear", None means unchanged


def stance_save_new(request: HttpRequest, form: forms.ModelForm, stance: Stance) -> None:
    values = form_values(form, exclude=("claim", "actor", "position", *REVIEW_FIELDS))
    saved = services.stance_record(
        claim=stance.claim,
        actor=stance.actor,
        position=stance.position,
        user=request_user(request),
        team=request_team(request),
        **values,
    )
    adopt(stance, saved)


def evidence_save_new(request: HttpRequest, form: forms.ModelForm, evidence: Evidence) -> None:
    saved = services.evidence_add(
        claim=evidence.claim,
        kind=evidence.kind,
        relation=evidence.relation,
        description=evidence.description,
        report=evidence.report,
        url=evidence.url,
        file=uploaded(form),
        user=request_user(request),
        team=request_team(request),
    )
    adopt(evidence, saved)


class WritesThroughServices:
    """Every write an admin page makes goes through a service: a row saved or
    deleted as its form edited it through ``services.rows`` (which owns the
    side effects: the matcher's index, a claim's archive re-match, a report's
    hash), and inline rows likewise. Pages whose rows have a service of their
    own (new stances, evidence, aliases, keys) override these and call it."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.row_save(obj=obj, user=request_user(request))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.row_delete(obj=obj, user=request_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        services.rows_delete(queryset=queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        formset.save(commit=False)  # sets new_objects, changed_objects, deleted_objects
        for obj in formset.deleted_objects:
            services.row_delete(obj=obj, user=request_user(request))
        for obj in [*(obj for obj, _changed in formset.changed_objects), *formset.new_objects]:
            services.row_save(obj=obj, user=request_user(request))
        formset.save_m2m()


class ModelAdmin(WritesThroughServices, admin.ModelAdmin):
    pass


class HistoryAdmin(WritesThroughServices, SimpleHistoryAdmin):
    pass


def submission_formset_save(request: HttpRequest, formset: forms.BaseInlineFormSet) -> None:
    """Inline stances or evidence: new rows through their service, edits saved
    as they are (a new file gets its SHA-256)."""
    formset.save(commit=False)  # sets new_objects, changed_objects, deleted_objects
    for obj in formset.deleted_objects:
        services.row_delete(obj=obj, user=request_user(request))
    for obj, _changed in formset.changed_objects:
        services.row_save(obj=obj, user=request_user(request))
    forms_by_instance = {id(f.instance): f for f in formset.forms}
    for obj in formset.new_objects:
        form = forms_by_instance[id(obj)]
        if isinstance(obj, Stance):
            stance_save_new(request, form, obj)
        else:
            evidence_save_new(request, form, obj)


def admin_link(obj: Model | None, text: Any = None) -> Any:
    if obj is None:
        return "–"
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else obj)


# --- evidence files: linked to the permission-checking view, never to storage ------------


@dataclass
class PrivateFile:
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
            context["widget"]["value"] = PrivateFile(self.private_url, value.name.rsplit("/", 1)[-1])
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


def evidence_file_link(evidence: Evidence) -> Any:
    if not evidence.file:
        return "–"
    return format_html(
        '<a href="{}" title="SHA-256 {}">{}</a>',
        reverse("evidence-file", args=[evidence.pk]),
        evidence.file_sha256,
        (evidence.file.name or "").rsplit("/", 1)[-1],
    )


# --- stances and evidence: team submissions and their review --------------------------------


class ReviewActionsMixin:
    review_service: Any = None
    review_argument = ""

    def _review(self, request: HttpRequest, queryset: QuerySet, decision: str) -> None:
        items = list(queryset)
        changed = self.review_service(
            **{self.review_argument: items}, reviewer=request_user(request), decision=decision
        )
        self.message_user(request, f"{changed} {decision}; {len(items) - changed} already were.")  # type: ignore[attr-defined]

    @admin.action(description="Accept the selected submissions")
    def accept(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, ReviewStatus.ACCEPTED)

    @admin.action(description="Reject the selected submissions")
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, ReviewStatus.REJECTED)


def items_html(items: Any, *, text_keys: tuple[str, ...], limit: int) -> Any:
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


class ReadOnlyAdmin(ModelAdmin):
    """Rows the system keeps for itself: shown, never typed in."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
