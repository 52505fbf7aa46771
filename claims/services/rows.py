"""Rows edited whole, as a model form edits them (the admin's change forms,
inlines and deletes). Saved and deleted here so that each kind of row's side
effects are the service's, whoever edits it:

- a claim, actor, alias, incident or stance changes what the matcher
  indexes: the index is rebuilt once the transaction commits;
- a claim, new or edited, has the archive of past reports matched against it
  after commit;
- a report's text is what it is found by: an edit re-hashes it (blank text
  is no text);
- an alias is found by its normalised name: an edit normalises it again;
- evidence keeps the SHA-256 of its file: a new file is hashed.

New stances, evidence and aliases are recorded through their own services
(``stance_record``, ``evidence_add``, ``actor_alias_add``), which decide their
review and their webhooks; these functions are for what a form edits as it is.
Each leaves a history row naming the user."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Model, QuerySet

from claims.models import Actor, ActorAlias, Claim, Evidence, Incident, Report, Stance
from claims.normalize import normalize_name, text_hash
from claims.services import dispatch
from claims.services.history import history_user
from claims.services.matcher_index import index_bump_on_commit
from claims.services.record import evidence_file_prepare

# What claim_docs and alias_entries read: a write to one rebuilds the index.
INDEXED: tuple[type[Model], ...] = (Claim, Actor, ActorAlias, Incident, Stance)


def _prepare(obj: Model) -> None:
    if isinstance(obj, Report):
        if not obj.text.strip():
            obj.text = ""
        obj.text_hash = text_hash(obj.text) if obj.text else None
    elif isinstance(obj, ActorAlias):
        obj.normalized = normalize_name(obj.name)
    elif isinstance(obj, Evidence):
        evidence_file_prepare(evidence=obj)


def _written(model: type[Model], ids: Iterable[Any], *, deleted: bool = False) -> None:
    if issubclass(model, INDEXED):
        index_bump_on_commit()
    if issubclass(model, Claim) and not deleted:
        dispatch.claims_rematch(ids)


@transaction.atomic
def row_save(*, obj: Model, user: User | None) -> Model:
    """Save ``obj`` as edited, with its kind's side effects (see above)."""
    _prepare(obj)
    history_user(obj, user)
    obj.save()
    _written(type(obj), [obj.pk])
    return obj


@transaction.atomic
def row_delete(*, obj: Model, user: User | None) -> None:
    """Delete ``obj`` (and what cascades from it), with its kind's side effects."""
    history_user(obj, user)
    obj.delete()
    _written(type(obj), [], deleted=True)


@transaction.atomic
def rows_delete(*, queryset: QuerySet) -> int:
    """Delete the rows of ``queryset`` (the admin's bulk delete), with their
    kind's side effects. Returns how many rows went, cascades included. The
    history rows name the request's user (simple_history's middleware)."""
    deleted = queryset.delete()[0]
    _written(queryset.model, [], deleted=True)
    return deleted
