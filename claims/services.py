"""Writes. Every change to the record goes through one of these functions,
whether it comes from the admin, the API, a task or a management command.
Each runs in one transaction and leaves a history record naming the user."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from claims.models import (
    Actor,
    ActorAlias,
    Claim,
    Evidence,
    Flag,
    Report,
    ReviewStatus,
    Source,
    Stance,
    Submission,
    Team,
)
from claims.normalize import normalize_name, sha256_bytes, text_hash
from claims.selectors import user_is_researcher


def _record_user(obj: Any, user: User | None) -> None:
    # simple_history reads this when the row is saved outside a request.
    obj._history_user = user


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
    return alias


# --- stances and evidence ------------------------------------------------------------


def _initial_review(user: User | None) -> dict[str, Any]:
    """Researchers' entries are the record at once; a team's wait for review."""
    if user is None or user_is_researcher(user):
        return {"review_status": ReviewStatus.ACCEPTED, "reviewed_by": user, "reviewed_at": timezone.now()}
    return {"review_status": ReviewStatus.PENDING}


@transaction.atomic
def stance_record(
    *, claim: Claim, actor: Actor, position: str, user: User | None, team: Team | None = None, **fields: Any
) -> Stance:
    """Record a dated position. Never overwrites an earlier stance: a change of
    position is a new row. Entries by researchers are accepted at once."""
    stance = Stance(claim=claim, actor=actor, position=position, team=team, created_by=user, **fields)
    for key, value in _initial_review(user).items():
        setattr(stance, key, value)
    stance.full_clean()
    _record_user(stance, user)
    stance.save()
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
    for key, value in _initial_review(user).items():
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
    return len(changed)


@transaction.atomic
def stances_review(*, stances: Iterable[Stance], reviewer: User, decision: str, note: str = "") -> int:
    """Accept or reject submitted stances. Returns how many changed; re-running changes nothing."""
    return _review(stances, reviewer=reviewer, decision=decision, note=note)


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


# --- reports and submissions -----------------------------------------------------------


def submission_create(
    *, channel: str, raw: bytes, user: User | None = None, team: Team | None = None, **fields: Any
) -> Submission:
    return Submission.objects.create(
        channel=channel, submitted_by=user, team=team, raw_sha256=sha256_bytes(raw), **fields
    )


def report_store(
    *,
    submission: Submission,
    title: str,
    text: str,
    source: Source | None = None,
    published_on: datetime.date | None = None,
    **fields: Any,
) -> tuple[Report, bool]:
    """Store one report from a submission, or link the submission to the
    existing report with the same normalised text. Returns (report, created).
    Safe under concurrent duplicates: the unique hash decides, and the loser
    links to the winner's row."""
    digest = text_hash(text) if text.strip() else None
    if digest is not None:
        existing = Report.objects.filter(text_hash=digest).first()
        if existing:
            submission.reports.add(existing)
            return existing, False
    report = Report(
        title=title, text=text if digest else "", text_hash=digest, source=source, published_on=published_on, **fields
    )
    if digest is None:
        report.status = Report.Status.CITED
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        if digest is None:
            raise
        report = Report.objects.get(text_hash=digest)
        submission.reports.add(report)
        return report, False
    submission.reports.add(report)
    return report, True
