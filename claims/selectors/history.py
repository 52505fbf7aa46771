"""The history of a claim's stances and evidence, as its admin history page
lists it: each change with who made it, why, and the fields it changed
(old and new, related rows by name). A fixed number of queries whatever the
number of records."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.db.models import Max, Model
from django.urls import reverse
from django.utils.text import Truncator

from claims.models import Actor, Evidence, Stance


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
