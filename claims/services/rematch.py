"""The reverse direction: when a claim is added or edited, match the archive
of past reports against it, in the background on the ``archive`` queue.

Candidates come from full-text search over the reports (PostgreSQL's GIN
index on the report text; a plain scan on SQLite), then the same scorer the
report path uses decides, restricted to this claim.
"""

from __future__ import annotations

import functools
import itertools
import logging
import operator

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q

from claims import matcher_runtime
from claims.matching.text import analyze
from claims.models import Claim, Report
from claims.services.report_matching import flags_store

logger = logging.getLogger(__name__)

# How many archive reports the scorer looks at for one claim: the best ranked
# by full-text search.
CANDIDATES = 500
# Terms of the claim sent to the full-text search (the claim's own words).
QUERY_TERMS = 12
# The first words of the claim whose pairs make the PostgreSQL query.
PAIRED_TERMS = 8

SEARCHABLE = [Report.Status.PROCESSED, Report.Status.FAILED, Report.Status.PENDING, Report.Status.PROCESSING]


def _query_words(claim: Claim) -> list[str]:
    words = []
    for word in (claim.text + " " + claim.title).replace("-", " ").split():
        token = "".join(ch for ch in word if ch.isalnum())
        if len(token) > 2 and analyze(token) and token.lower() not in words:
            words.append(token.lower())
    return words[:QUERY_TERMS]


def report_candidates(claim: Claim, *, limit: int = CANDIDATES) -> list[int]:
    """Ids of the archive reports most likely to bear on ``claim``: on
    PostgreSQL, those sharing at least two of the claim's words (one word
    alone, like "Syria", matches most of an archive), ranked by ts_rank over
    the stored, GIN-indexed ``search_vector``."""
    words = _query_words(claim)
    if not words:
        return []
    reports = Report.objects.filter(status__in=SEARCHABLE).exclude(text="")
    if connection.vendor == "postgresql":
        terms = [SearchQuery(word, config="english") for word in words[:PAIRED_TERMS]]
        pairs = [a & b for a, b in itertools.combinations(terms, 2)] or terms
        query = functools.reduce(operator.or_, pairs)
        return list(
            reports.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank")
            .values_list("pk", flat=True)[:limit]
        )
    condition = Q()
    for word in words:
        condition |= Q(text__icontains=word)
    return list(reports.filter(condition).order_by("-created_at").values_list("pk", flat=True)[:limit])


def claim_rematch(*, claim_id: int) -> dict[str, int]:
    """Flag the archive reports that bear on one claim. Safe to re-run: one
    flag per (report, claim), reviewed flags left as they are."""
    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None:
        return {"candidates": 0, "flagged": 0}
    matcher = matcher_runtime.current_matcher()
    version = matcher_runtime.matcher_version(matcher)
    candidate_ids = report_candidates(claim)
    flagged = 0
    for report in Report.objects.filter(pk__in=candidate_ids).only("pk", "title", "text", "published_on"):
        # claim_ids restricts the scoring to this claim (see Matcher.candidates).
        proposals = matcher_runtime.proposals_for(
            matcher, matcher_runtime.report_text(report), claim_ids=[claim.pk], published=report.published_on
        )
        if proposals:
            flags_store(report=report, proposals=proposals, matcher_version=version)
            flagged += 1
    logger.info("claim %s re-matched against %d archive reports: %d flagged", claim_id, len(candidate_ids), flagged)
    return {"candidates": len(candidate_ids), "flagged": flagged}
