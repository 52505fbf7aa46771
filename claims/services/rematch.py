"""The reverse direction: when a claim is added or edited, match the archive
of past reports against it, in the background on the ``archive`` queue.

Candidates are the archive reports sharing at least two of the claim's words
(its title, its proposition, its incidents' names and places), ranked by
relevance, never by date: by the summed weight of the claim's words each
holds, a word weighing the more the fewer reports use it (BM25's idf over
the archive), so "Ghouta" and "sarin" count for more than "Syrian". On
PostgreSQL the words are looked up in the stored, GIN-indexed
``search_vector``; on SQLite (the embedded default, for small archives) the
report texts are scanned for them. Every candidate is scored, up to
``ARCHIVE_REMATCH_MAX_REPORTS`` of them (the best ranked: what one claim may
cost the archive queue), by the same scorer the report path uses,
restricted to this claim.

A run is bounded: it scores candidates for at most ``REPORT_MATCH_SECONDS``
and leaves the rest to the next run, which the task sends to the back of the
queue with the position reached (``tasks.rematch_claim``,
``dispatch.claim_rematch_continue``); in-process (no broker) it does all of
them at once.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import operator
import time
from collections.abc import Iterator

from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Case, Count, F, Q, QuerySet, Value, When

from claims import matcher_runtime
from claims.matching.text import analyze, stem
from claims.models import Claim, Report
from claims.services.report_matching import flags_store

logger = logging.getLogger(__name__)

# The claim's words looked up (its title, text, incidents: in that order).
QUERY_TERMS = 16
# A candidate shares at least this many of them (one word alone, like
# "Syria", matches most of an archive).
MIN_SHARED = 2
# Reports loaded from the database at once while scoring.
BATCH = 50

SEARCHABLE = [Report.Status.PROCESSED, Report.Status.FAILED, Report.Status.PENDING, Report.Status.PROCESSING]


def _query_words(claim: Claim) -> list[str]:
    """The claim's distinct content words (lower case), its title's and
    proposition's first, then its incidents' names and places."""
    texts = [claim.title, claim.text, *(f"{i.title} {i.place_name}" for i in claim.incidents.all())]
    words: list[str] = []
    for word in " ".join(texts).replace("-", " ").split():
        token = "".join(ch for ch in word if ch.isalnum()).lower()
        if len(token) > 2 and analyze(token) and token not in words:
            words.append(token)
    return words[:QUERY_TERMS]


def _holds(word: str) -> Q:
    """The report holds ``word``: PostgreSQL's english stemming over the
    stored vector; on SQLite, the word's stem anywhere in the text ("attack"
    finds "attacks", "carri" finds "carried")."""
    if connection.vendor == "postgresql":
        return Q(search_vector=SearchQuery(word, config="english"))
    stemmed = stem(word)
    return Q(text__icontains=stemmed if word.startswith(stemmed) else word)


def _idf(total: int, holding: int) -> float:
    return math.log(1 + (total - holding + 0.5) / (holding + 0.5))


def report_candidates(claim: Claim, *, limit: int | None = None) -> list[int]:
    """Ids of the archive reports that may bear on ``claim``, the most
    relevant first (see the module's docstring), at most ``limit``
    (default ``settings.ARCHIVE_REMATCH_MAX_REPORTS``; 0: all). Among equal
    weights, the earlier stored first, so a later run sees the same order."""
    limit = settings.ARCHIVE_REMATCH_MAX_REPORTS if limit is None else limit
    reports = Report.objects.filter(status__in=SEARCHABLE).exclude(text="")
    words = _query_words(claim)
    holds = [_holds(word) for word in words]
    counts = reports.aggregate(total=Count("pk"), **{f"w{i}": Count("pk", filter=q) for i, q in enumerate(holds)})
    used = [(word, q, counts[f"w{i}"]) for i, (word, q) in enumerate(zip(words, holds, strict=True)) if counts[f"w{i}"]]
    if len(used) < min(MIN_SHARED, len(words)) or not used:
        return []
    weight = functools.reduce(
        operator.add,
        [Case(When(q, then=Value(_idf(counts["total"], n))), default=Value(0.0)) for _, q, n in used],
    )
    shared = functools.reduce(operator.add, [Case(When(q, then=Value(1)), default=Value(0)) for _, q, _ in used])
    candidates: QuerySet = reports
    if connection.vendor == "postgresql" and len(used) >= MIN_SHARED:
        # The pairs let the GIN index find the reports sharing two words.
        terms = [SearchQuery(word, config="english") for word, _, _ in used]
        pairs = functools.reduce(operator.or_, [a & b for a, b in itertools.combinations(terms, 2)])
        candidates = candidates.filter(search_vector=pairs)
    ranked = (
        candidates.annotate(shared=shared, weight=weight)
        .filter(shared__gte=min(MIN_SHARED, len(used)))
        .order_by(F("weight").desc(), "pk")
        .values_list("pk", flat=True)
    )
    return list(ranked[:limit] if limit else ranked)


def _reports(ids: list[int]) -> Iterator[Report | None]:
    """The reports of ``ids`` in that order (None for one deleted), loaded BATCH at a time."""
    for i in range(0, len(ids), BATCH):
        batch = ids[i : i + BATCH]
        loaded = Report.objects.only("pk", "title", "text", "published_on").in_bulk(batch)
        yield from (loaded.get(pk) for pk in batch)


def claim_rematch(*, claim_id: int, start: int = 0, until: float | None = None) -> dict[str, int | None]:
    """Flag the archive reports that bear on one claim: its candidates from
    number ``start`` on, all of them or, with ``until`` (a
    ``time.monotonic()`` deadline), as many as fit before it (at least one).
    Returns the number of candidates, how many were scored and flagged, and
    ``next``: where the next run starts, or None when all are done. Safe to
    re-run: one flag per (report, claim), reviewed flags left as they are."""
    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None:
        return {"candidates": 0, "scored": 0, "flagged": 0, "next": None}
    matcher = matcher_runtime.current_matcher()
    version = matcher_runtime.matcher_version(matcher)
    candidate_ids = report_candidates(claim)
    position, flagged = start, 0
    for report in _reports(candidate_ids[start:]):
        position += 1
        if report is not None:  # else deleted meanwhile
            # claim_ids restricts the scoring to this claim (see Matcher.candidates).
            proposals = matcher_runtime.report_proposals(matcher, report, claim_ids=[claim.pk])
            if proposals:
                flags_store(report=report, proposals=proposals, matcher_version=version)
                flagged += 1
        if until is not None and time.monotonic() >= until:
            break
    done = position >= len(candidate_ids)
    logger.info(
        "claim %s re-matched against archive reports %d-%d of %d: %d flagged%s",
        claim_id,
        start,
        position,
        len(candidate_ids),
        flagged,
        "" if done else ", continuing",
    )
    return {
        "candidates": len(candidate_ids),
        "scored": position - start,
        "flagged": flagged,
        "next": None if done else position,
    }
