"""Record writes: actors and their aliases, incidents, claims, stances,
evidence, and the review of stances, evidence and matcher flags. Each runs in
one transaction and leaves a history record naming the user. Those that
change what the matcher indexes (actors, aliases, incidents, claims, accepted
stances) rebuild it once the transaction commits
(``matcher_index.index_bump_on_commit``); a new claim has the archive of past
reports matched against it then (``dispatch.claims_rematch``); an accepted
stance is announced to the webhooks of the teams that follow its claim."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from claims.models import (
    Actor,
    ActorAlias,
    Claim,
    Evidence,
    Flag,
    Incident,
    Report,
    ReviewStatus,
    Stance,
    Tag,
    Team,
)
from claims.normalize import normalize_name, sha256_bytes
from claims.selectors import Access, user_is_researcher
from claims.services import dispatch, webhooks
from claims.services.history import history_user as _record_user
from claims.services.matcher_index import index_bump_on_commit

# --- actors -----------------------------------------------------------------------


@transaction.atomic
def actor_alias_add(*, actor: Actor, name: str, user: User | None = None, **fields: Any) -> ActorAlias:
    """Add an alias; adding one the actor already has returns the existing one."""
    normalized = normalize_name(name)
    if not normalized:
        raise ValidationError({"name": "An alias cannot be blank."})
    existing = ActorAlias.objects.filter(actor=actor, normalized=normalized).first()
    if existing:
        return existing
    alias = ActorAlias(actor=actor, name=name.strip(), normalized=normalized, **fields)
    _record_user(alias, user)
    alias.save()
    index_bump_on_commit()
    return alias


# --- stances and evidence ------------------------------------------------------------


def _initial_review(user: User | None, access: Access | None = None) -> dict[str, Any]:
    """Researchers' entries are the record at once; a team's wait for review.
    Through the API, the key's team decides, not everything its creator may do."""
    if user is None or user_is_researcher(access or user):
        return {"review_status": ReviewStatus.ACCEPTED, "reviewed_by": user, "reviewed_at": timezone.now()}
    return {"review_status": ReviewStatus.PENDING}


@transaction.atomic
def stance_record(
    *,
    claim: Claim,
    actor: Actor,
    position: str,
    user: User | None,
    team: Team | None = None,
    access: Access | None = None,
    **fields: Any,
) -> Stance:
    """Record a dated position. Never overwrites an earlier stance: a change of
    position is a new row. Entries by researchers are accepted at once, and
    then reach the matcher's index; a team's wait for review."""
    stance = Stance(claim=claim, actor=actor, position=position, team=team, created_by=user, **fields)
    for key, value in _initial_review(user, access).items():
        setattr(stance, key, value)
    stance.full_clean()
    _record_user(stance, user)
    stance.save()
    if stance.review_status == ReviewStatus.ACCEPTED:
        webhooks.webhook_deliveries_record_for_stances([stance.pk])
        index_bump_on_commit()
    return stance


def _file_sha256(file: UploadedFile) -> str:
    digest = sha256_bytes(b"".join(file.chunks()))
    file.seek(0)
    return digest


@transaction.atomic
def evidence_add(
    *,
    claim: Claim,
    kind: str,
    relation: str,
    description: str,
    user: User | None,
    team: Team | None = None,
    report: Report | None = None,
    url: str = "",
    file: UploadedFile | None = None,
    access: Access | None = None,
) -> Evidence:
    """Add evidence for a claim; an uploaded file is stored privately with its SHA-256."""
    evidence = Evidence(
        claim=claim,
        kind=kind,
        relation=relation,
        description=description,
        report=report,
        url=url,
        team=team,
        created_by=user,
    )
    for key, value in _initial_review(user, access).items():
        setattr(evidence, key, value)
    if file is not None:
        evidence.file_sha256 = _file_sha256(file)
        evidence.file = file
    evidence.full_clean()
    _record_user(evidence, user)
    evidence.save()
    return evidence


def evidence_file_prepare(*, evidence: Evidence) -> None:
    """Set the SHA-256 of a file attached through a model form (the admin)."""
    if evidence.file and not getattr(evidence.file, "_committed", True):
        evidence.file_sha256 = _file_sha256(evidence.file)  # type: ignore[arg-type]
    elif not evidence.file:
        evidence.file_sha256 = ""


def _review(items: Iterable[Stance | Evidence], *, reviewer: User, decision: str, note: str) -> int:
    if decision not in (ReviewStatus.ACCEPTED, ReviewStatus.REJECTED):
        raise ValidationError({"decision": f"Must be accepted or rejected, not {decision!r}."})
    now = timezone.now()
    changed = []
    for item in items:
        if item.review_status == decision:
            continue
        item.review_status, item.reviewed_by, item.reviewed_at = decision, reviewer, now
        if note:
            item.review_note = note
        _record_user(item, reviewer)
        changed.append(item)
    if changed:
        bulk_update_with_history(
            changed,
            type(changed[0]),
            ["review_status", "reviewed_by", "reviewed_at", "review_note", "updated_at"],
            default_user=reviewer,
            default_change_reason=f"review: {decision}",
        )
    if decision == ReviewStatus.ACCEPTED:
        webhooks.webhook_deliveries_record_for_stances([i.pk for i in changed if isinstance(i, Stance)])
    return len(changed)


@transaction.atomic
def stances_review(*, stances: Iterable[Stance], reviewer: User, decision: str, note: str = "") -> int:
    """Accept or reject submitted stances. Returns how many changed; re-running
    changes nothing. Accepting one, or rejecting an accepted one, changes the
    matcher's index: it is rebuilt after commit."""
    stances = list(stances)
    were_in_index = any(s.review_status == ReviewStatus.ACCEPTED for s in stances)
    changed = _review(stances, reviewer=reviewer, decision=decision, note=note)
    if changed and (decision == ReviewStatus.ACCEPTED or were_in_index):
        index_bump_on_commit()
    return changed


@transaction.atomic
def evidence_review(*, evidence: Iterable[Evidence], reviewer: User, decision: str, note: str = "") -> int:
    return _review(evidence, reviewer=reviewer, decision=decision, note=note)


# --- flags ---------------------------------------------------------------------------


@transaction.atomic
def flag_review(*, flag: Flag, reviewer: User, decision: str) -> Flag:
    """Accept or reject a matcher flag. Accepting links the report to the claim
    as evidence (once: a second accept reuses the link)."""
    flag = Flag.objects.select_for_update().select_related("report", "claim").get(pk=flag.pk)
    if decision not in (Flag.Status.ACCEPTED, Flag.Status.REJECTED):
        raise ValidationError({"decision": f"Must be accepted or rejected, not {decision!r}."})
    if decision == Flag.Status.ACCEPTED and flag.evidence_id is None:
        existing = Evidence.objects.filter(claim=flag.claim, report=flag.report).first()
        flag.evidence = existing or evidence_add(
            claim=flag.claim,
            kind=Evidence.Kind.REPORT,
            relation=Evidence.Relation.DISCUSSES,
            description=f"Flagged by the matcher (score {flag.score:.2f}) and accepted on review.",
            report=flag.report,
            user=reviewer,
        )
    flag.status, flag.reviewed_by, flag.reviewed_at = decision, reviewer, timezone.now()
    _record_user(flag, reviewer)
    flag.save()
    return flag


@transaction.atomic
def flags_review(*, flags: Iterable[Flag], reviewer: User, decision: str) -> int:
    count = 0
    for flag in flags:
        flag_review(flag=flag, reviewer=reviewer, decision=decision)
        count += 1
    return count


# The research record: actors, incidents, claims
# What a researcher records in the admin, and what evaluate_domain records on
# its scratch database, as one would. Each changes what the matcher indexes:
# the index is rebuilt once the write commits; a new claim is also matched
# against the archive of past reports then (on the ``archive`` queue).


@transaction.atomic
def actor_create(
    *, name: str, kind: str, user: User | None = None, parent: Actor | None = None, **fields: Any
) -> Actor:
    """Add an actor (its aliases through ``actor_alias_add``). The name is
    unique: a second actor of the same name is a ValidationError."""
    actor = Actor(name=name.strip(), kind=kind, parent=parent, **fields)
    actor.full_clean()
    _record_user(actor, user)
    actor.save()
    index_bump_on_commit()
    return actor


@transaction.atomic
def incident_create(*, title: str, user: User | None = None, **fields: Any) -> Incident:
    """Record an incident: where, when (``date_start`` is the first day of the
    known period, ``date_precision`` says which), with what agent."""
    incident = Incident(title=title.strip(), **fields)
    incident.full_clean()
    _record_user(incident, user)
    incident.save()
    index_bump_on_commit()
    return incident


@transaction.atomic
def claim_create(
    *,
    title: str,
    text: str,
    kind: str,
    user: User | None = None,
    alleged_perpetrator: Actor | None = None,
    incidents: Iterable[Incident] = (),
    tags: Iterable[Tag] = (),
    **fields: Any,
) -> Claim:
    """Record a claim with its incidents. An attribution names its alleged
    perpetrator (else ValidationError). Once this commits, the workers rebuild
    their index with it, then the archive of past reports is matched against
    it (``rematch.claim_rematch`` on the archive queue; a message that cannot
    be sent is logged, and the admin's re-match action sends it again)."""
    claim = Claim(
        title=title.strip(),
        text=text.strip(),
        kind=kind,
        alleged_perpetrator=alleged_perpetrator,
        created_by=user,
        **fields,
    )
    claim.full_clean()
    _record_user(claim, user)
    claim.save()
    claim.incidents.set(list(incidents))
    claim.tags.set(list(tags))
    index_bump_on_commit()  # before the re-match: it runs on the rebuilt index
    dispatch.claims_rematch([claim.pk])
    return claim
