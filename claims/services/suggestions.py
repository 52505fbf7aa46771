"""Suggested stances: computed when a flag is stored, and a person's decision
on each.

A suggestion is never part of the record. Accepting one records a stance
through ``stance_record`` with the flag's report as its source, reviewed as
any entry of the one accepting it is (a researcher's is the record at once,
a fact-checking team's waits for review); rejecting one keeps it, with its
reason, as labelled data for the suggester.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims import matcher_runtime
from claims.matching.stance import SUGGESTER_VERSION
from claims.models import Actor, Confidence, Flag, Report, Stance, StanceSuggestion, Team
from claims.selectors import Access
from claims.services.history import history_user as _record_user
from claims.services.record import stance_record

# The confidence scale's wording, for a suggestion's verbatim phrase.
_SCALE = {label.casefold(): value for value, label in Confidence.choices}


def flag_suggestions_store(*, report: Report, flag_ids: Iterable[int]) -> int:
    """Suggest stances for the given flags of ``report`` (new or re-matched:
    still NEW) from their passages, replacing their undecided suggestions; a
    decided one (accepted or rejected) is kept, and not suggested again.
    Returns how many were stored. Run inside the flags' transaction."""
    flags = {f.pk: f for f in Flag.objects.filter(pk__in=list(flag_ids), report=report, status=Flag.Status.NEW)}
    if not flags:
        return 0
    StanceSuggestion.objects.filter(flag_id__in=list(flags), status=StanceSuggestion.Status.PENDING).delete()
    decided = set(
        StanceSuggestion.objects.filter(flag_id__in=list(flags)).values_list(
            "flag_id", "actor_id", "position", "speaker_text"
        )
    )
    read = matcher_runtime.ReportForSuggestions(
        title=report.title,
        text=report.text,
        published_on=report.published_on,
        published_precision=report.published_precision,
        outlet_id=Report.objects.filter(pk=report.pk).values_list("source__actor_id", flat=True).first(),
    )
    found = matcher_runtime.stance_suggestions(read, {f.claim_id: f.passages for f in flags.values()})
    by_claim = {f.claim_id: f for f in flags.values()}
    known = set(
        Actor.objects.filter(pk__in={s.actor_id for rows in found.values() for s, _, _ in rows}).values_list(
            "pk", flat=True
        )
    )
    rows = []
    for claim_id, suggestions in found.items():
        flag = by_claim[claim_id]
        for s, start, end in suggestions:
            if s.actor_id not in known or (flag.pk, s.actor_id, s.position, s.speaker) in decided:
                continue
            rows.append(
                StanceSuggestion(
                    flag=flag,
                    actor_id=s.actor_id,
                    speaker_id=s.speaker_id,
                    speaker_text=s.speaker[:200],
                    position=s.position,
                    quote=s.quote,
                    quote_start=start,
                    quote_end=end,
                    quote_verbatim=s.quote_verbatim,
                    stated_on=s.stated_on,
                    stated_precision=s.stated_precision,
                    confidence_wording=s.confidence_wording[:300],
                    score=s.score,
                    rule=s.rule,
                    suggester_version=s.version,
                )
            )
    StanceSuggestion.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _decidable(suggestion: StanceSuggestion) -> StanceSuggestion:
    locked = (
        StanceSuggestion.objects.select_for_update(of=("self",))
        .select_related("flag__report", "flag__claim", "actor", "speaker")
        .get(pk=suggestion.pk)
    )
    if locked.status != StanceSuggestion.Status.PENDING:
        raise ValidationError({"status": f"This suggestion was already {locked.get_status_display()}."})
    return locked


@transaction.atomic
def suggestion_accept(
    *,
    suggestion: StanceSuggestion,
    user: User,
    team: Team | None = None,
    access: Access | None = None,
    **overrides: Any,
) -> Stance:
    """Record the suggested stance, with the flag's report as its source and
    any field the person corrected (``overrides``: actor, speaker, position,
    quote, stated_on, ...). Reviewed as the user's own entries are
    (``stance_record``): accepted for a researcher, pending for a team."""
    suggestion = _decidable(suggestion)
    wording = overrides.pop("confidence_wording", suggestion.confidence_wording)
    fields: dict[str, Any] = {
        "actor": suggestion.actor,
        "position": suggestion.position,
        "speaker": suggestion.speaker,
        "speaker_description": "" if suggestion.speaker_id else suggestion.speaker_text,
        "quote": suggestion.quote,
        "quote_kind": Stance.QuoteKind.VERBATIM if suggestion.quote_verbatim else Stance.QuoteKind.PARAPHRASE,
        "stated_on": suggestion.stated_on,
        "stated_precision": suggestion.stated_precision,
        "confidence_wording": wording,
        "confidence": _SCALE.get(wording.casefold()),
        "note": f"Suggested by {suggestion.suggester_version} (rule: {suggestion.rule or 'n/a'}, "
        f"score {suggestion.score:.2f}) from flag {suggestion.flag_id}.",
    }
    fields.update(overrides)
    if fields["actor"] is None:
        raise ValidationError({"actor": "The suggestion names no actor the record knows: give one."})
    stance = stance_record(
        claim=suggestion.flag.claim,
        report=suggestion.flag.report,
        user=user,
        team=team,
        access=access,
        **fields,
    )
    suggestion.status = StanceSuggestion.Status.ACCEPTED
    suggestion.decided_by, suggestion.decided_at = user, timezone.now()
    suggestion.resulting_stance = stance
    _record_user(suggestion, user)
    suggestion.save()
    return stance


@transaction.atomic
def suggestion_reject(*, suggestion: StanceSuggestion, user: User, reason: str) -> StanceSuggestion:
    """Turn a suggestion down, keeping it and the reason as labelled data."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the suggestion is wrong: it is kept to improve the suggester."})
    suggestion = _decidable(suggestion)
    suggestion.status = StanceSuggestion.Status.REJECTED
    suggestion.reject_reason = reason
    suggestion.decided_by, suggestion.decided_at = user, timezone.now()
    _record_user(suggestion, user)
    suggestion.save()
    return suggestion


__all__ = ["SUGGESTER_VERSION", "flag_suggestions_store", "suggestion_accept", "suggestion_reject"]
