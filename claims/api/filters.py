"""Query filters (django-filter). An actor is named by id or by any alias
("Damascus", "Syrian government"); bad values answer 400 naming the parameter."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters as filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from rest_framework.filters import OrderingFilter

from claims.api.ids import id_from, looks_like_id
from claims.api.permissions import request_access
from claims.models import Actor, Claim, Evidence, Flag, Incident, Position, Report, Source, Stance
from claims.normalize import normalize_name
from claims.selectors import report_source_shown


class IdField(forms.Field):
    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return id_from(str(value).strip())
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class IdFilter(filters.NumberFilter):
    """A row's id (claim, incident, source, report, ...). A NumberFilter to
    drf-spectacular, which documents it as an integer (the model's id)."""

    field_class = IdField

    def get_max_validator(self) -> None:
        return None  # id_from bounds it


class ActorRefField(forms.CharField):
    """An actor's id, or a name or alias: a value in digits is an id."""

    def to_python(self, value: Any) -> Any:  # an int for an id, else the text
        text = super().to_python(value) or ""
        if looks_like_id(text):
            try:
                return id_from(text)
            except ValueError as exc:
                raise forms.ValidationError(str(exc), code="invalid") from None
        return text


class ActorRefFilter(filters.CharFilter):
    field_class = ActorRefField


def _actor_ids(value: int | str) -> list[int]:
    """Ids of the actors ``value`` names (as ActorRefField cleaned it): an
    id, a canonical name or an alias."""
    if isinstance(value, int):
        return [value]
    key = normalize_name(value)
    return list(
        Actor.objects.filter(Q(name__iexact=value) | Q(aliases__normalized=key)).values_list("id", flat=True).distinct()
    )


def _text_search(queryset: QuerySet, fields: tuple[str, ...], value: str) -> QuerySet:
    """PostgreSQL full-text search (English stemming); substring search elsewhere."""
    if connection.vendor == "postgresql":
        query = SearchQuery(value, config="english", search_type="websearch")
        if fields == ("search_vector",):
            return queryset.filter(search_vector=query)
        return queryset.annotate(_search=SearchVector(*fields, config="english")).filter(_search=query)
    condition = Q()
    for field in fields:
        if field != "search_vector":
            condition |= Q(**{f"{field}__icontains": value})
    if fields == ("search_vector",):  # a report: its text, and its title as the caller is shown it
        condition = Q(shown_title__icontains=value) | Q(text__icontains=value)
    return queryset.filter(condition)


def as_utc(value: datetime.datetime) -> datetime.datetime:
    """An aware datetime in UTC. PostgreSQL refuses UTC offsets beyond ±15:59,
    which Python accepts (up to ±23:59): sent as given, "+18:00" is a 500."""
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        raise forms.ValidationError("Out of the range of dates.", code="invalid") from None


class UtcIsoDateTimeField(filters.fields.IsoDateTimeField):
    def to_python(self, value: Any) -> datetime.datetime | None:
        parsed = super().to_python(value)
        return as_utc(parsed) if parsed is not None and parsed.tzinfo is not None else parsed


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


# What a null sorts as when a list is ordered by a nullable field: the cursor
# paginator filters on the last row's value ("after this date"), which a null
# is not, so such a list is ordered by the value with nulls read as the least
# one (first ascending, last descending, on every backend alike).
_LEAST = {
    "DateField": datetime.date.min,
    "DateTimeField": datetime.datetime.min.replace(year=2, tzinfo=datetime.UTC),
}


class Ordering(OrderingFilter):
    """DRF's ordering, where a view may order a name by what the caller is
    shown (``ordering_shown``: ``{"published_on": "shown_published_on"}``, an
    annotation of the view's queryset) rather than by the stored field; and a
    nullable date is ordered by ``<name>_key``, the date with a null read as
    the least date, so cursor pages run past the rows without one."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        keys = {}
        for term in ordering:
            name = term.lstrip("-")
            if name.endswith("_key") and name not in queryset.query.annotations:
                field = name.removesuffix("_key")
                least = _LEAST[_field_type(queryset, field)]
                keys[name] = Coalesce(field, Value(least), output_field=_output_field(queryset, field))
        return queryset.annotate(**keys).order_by(*ordering)

    def get_ordering(self, request: Any, queryset: QuerySet, view: Any) -> Any:
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        shown = getattr(view, "ordering_shown", {})

        def by_key(term: str) -> str:
            name = term.lstrip("-")
            target = shown.get(name, name)
            if _nullable_date(queryset, target):
                target = f"{target}_key"
            return term.replace(name, target)

        return [by_key(term) for term in ordering]


def _output_field(queryset: QuerySet, name: str) -> Any:
    annotation = queryset.query.annotations.get(name)
    return annotation.output_field if annotation is not None else queryset.model._meta.get_field(name)


def _field_type(queryset: QuerySet, name: str) -> str:
    return _output_field(queryset, name).get_internal_type()


def _nullable_date(queryset: QuerySet, name: str) -> bool:
    """Whether ``name`` (a field or an annotation of the queryset) is a date
    or datetime that can be null. An annotation is taken to be able to."""
    if name.endswith("_key") and name in queryset.query.annotations:
        return False  # already keyed (the paginator asks again after filtering)
    try:
        field = _output_field(queryset, name)
    except FieldDoesNotExist:
        return False
    nullable = name in queryset.query.annotations or field.null
    return nullable and field.get_internal_type() in _LEAST


UPDATED_SINCE = "Only rows changed at or after this time (ISO 8601)."


class UpdatedSince(filters.FilterSet):
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE)


class ClaimFilter(UpdatedSince):
    actor = ActorRefFilter(
        method="filter_actor",
        help_text="Claims on which this actor (id, name or alias) has an accepted stance; "
        "with `position`, a stance with that position.",
    )
    position = filters.ChoiceFilter(
        choices=Position.choices, method="filter_position", help_text="With or without `actor`."
    )
    perpetrator = ActorRefFilter(method="filter_perpetrator", help_text="Alleged perpetrator (id, name or alias).")
    kind = filters.ChoiceFilter(choices=Claim.Kind.choices)
    status = filters.ChoiceFilter(choices=Claim.Status.choices)
    incident = IdFilter(field_name="incidents", distinct=True)
    tag = filters.CharFilter(field_name="tags__name", distinct=True, help_text="Tag name.")
    source = IdFilter(method="filter_source", help_text="Claims with a stance reported by this source (id).")
    scope_from = filters.DateFilter(field_name="scope_end", lookup_expr="gte", help_text="Scope ends on or after.")
    scope_to = filters.DateFilter(field_name="scope_start", lookup_expr="lte", help_text="Scope starts on or before.")
    stated_from = filters.DateFilter(method="filter_stated", help_text="A stance stated on or after this date.")
    stated_to = filters.DateFilter(method="filter_stated", help_text="A stance stated on or before this date.")
    q = filters.CharFilter(method="filter_q", help_text="Full-text search over title and text.")

    class Meta:
        model = Claim
        fields = ["kind", "status"]

    def _stances(self) -> QuerySet[Stance]:
        stances = Stance.objects.filter(claim=OuterRef("pk"), review_status="accepted")
        data = self.form.cleaned_data
        if data.get("actor") not in (None, ""):  # an id may be 0
            stances = stances.filter(actor_id__in=_actor_ids(data["actor"]))
        if data.get("position"):
            stances = stances.filter(position=data["position"])
        if data.get("source") is not None:  # the source as the caller is shown the stance's report
            shown = report_source_shown(request_access(self.request))
            stances = stances.annotate(shown_source_id=shown["shown_source_id"]).filter(shown_source_id=data["source"])
        if data.get("stated_from"):
            stances = stances.filter(stated_on__gte=data["stated_from"])
        if data.get("stated_to"):
            stances = stances.filter(stated_on__lte=data["stated_to"])
        return stances

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Stance conditions apply to one and the same stance: "actor=Damascus
        # &position=denies" means Damascus denied, not "Damascus said something
        # and someone denied".
        stance_params = ("actor", "position", "source", "stated_from", "stated_to")
        data = self.form.cleaned_data
        queryset = super().filter_queryset(queryset)
        if any(data.get(name) not in (None, "") for name in stance_params):
            queryset = queryset.filter(Exists(self._stances()))
        return queryset

    def filter_actor(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset  # applied with the other stance conditions in filter_queryset

    filter_position = filter_stated = filter_actor

    def filter_source(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset  # as filter_actor (the hint documents an integer)

    def filter_perpetrator(self, queryset: QuerySet, name: str, value: int | str) -> QuerySet:
        return queryset.filter(alleged_perpetrator_id__in=_actor_ids(value))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _text_search(queryset, ("title", "text"), value)


class ActorFilter(UpdatedSince):
    alias = ActorRefFilter(method="filter_alias", help_text="Actor id, canonical name or any alias, any case.")
    kind = filters.ChoiceFilter(choices=Actor.Kind.choices)
    q = filters.CharFilter(method="filter_q", help_text="Names and aliases containing this text.")

    class Meta:
        model = Actor
        fields = ["kind"]

    def filter_alias(self, queryset: QuerySet, name: str, value: int | str) -> QuerySet:
        return queryset.filter(id__in=_actor_ids(value))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(aliases__name__icontains=value)).distinct()


class StanceFilter(UpdatedSince):
    claim = IdFilter()
    actor = ActorRefFilter(method="filter_actor", help_text="Actor id, name or alias.")
    position = filters.ChoiceFilter(choices=Position.choices)
    review_status = filters.CharFilter()
    source = IdFilter(field_name="shown_source_id", help_text="The source's id (of the stance's report).")
    stated_from = filters.DateFilter(field_name="stated_on", lookup_expr="gte")
    stated_to = filters.DateFilter(field_name="stated_on", lookup_expr="lte")

    class Meta:
        model = Stance
        fields = ["claim", "position"]

    def filter_actor(self, queryset: QuerySet, name: str, value: int | str) -> QuerySet:
        return queryset.filter(actor_id__in=_actor_ids(value))


class EvidenceFilter(UpdatedSince):
    claim = IdFilter()
    kind = filters.ChoiceFilter(choices=Evidence.Kind.choices)
    relation = filters.ChoiceFilter(choices=Evidence.Relation.choices)
    review_status = filters.CharFilter()

    class Meta:
        model = Evidence
        fields = ["claim", "kind", "relation"]


class IncidentFilter(UpdatedSince):
    agent = filters.ChoiceFilter(choices=Incident.Agent.choices)
    date_from = filters.DateFilter(field_name="date_start", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date_start", lookup_expr="lte")
    q = filters.CharFilter(method="filter_q", help_text="Title or place containing this text.")

    class Meta:
        model = Incident
        fields = ["agent"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(title__icontains=value) | Q(place_name__icontains=value))


class SourceFilter(UpdatedSince):
    kind = filters.ChoiceFilter(choices=Source.Kind.choices)
    name = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Source
        fields = ["kind"]


class ReportFilter(UpdatedSince):
    """On what the caller is shown of each report (``selectors.reports_for_display``)."""

    updated_since = UtcIsoDateTimeFilter(field_name="shown_updated_at", lookup_expr="gte", help_text=UPDATED_SINCE)
    status = filters.ChoiceFilter(choices=Report.Status.choices)
    source = IdFilter(field_name="shown_source_id", help_text="The source's id.")
    language = filters.CharFilter()
    published_from = filters.DateFilter(field_name="shown_published_on", lookup_expr="gte")
    published_to = filters.DateFilter(field_name="shown_published_on", lookup_expr="lte")
    q = filters.CharFilter(method="filter_q", help_text="Full-text search over title and text.")

    class Meta:
        model = Report
        fields = ["status"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _text_search(queryset, ("search_vector",), value)


class FlagFilter(UpdatedSince):
    """On what the caller is shown of each flag (``selectors.flags_for_display``)."""

    updated_since = UtcIsoDateTimeFilter(field_name="shown_updated_at", lookup_expr="gte", help_text=UPDATED_SINCE)
    claim = IdFilter()
    report = IdFilter()
    status = filters.ChoiceFilter(choices=Flag.Status.choices)
    tier = filters.ChoiceFilter(choices=Flag.Tier.choices)
    min_score = filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = Flag
        fields = ["claim", "report", "status", "tier"]
