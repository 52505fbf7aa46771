"""The matcher as a worker process holds it: built from the database once per
process, rebuilt when the claims index version (``MatcherState``) changes.

The matching itself is the pure library in ``claims.matching``; this module
only turns rows into its plain inputs and its output into ``FlagProposal``s.
It reads and never writes the record; the one table it writes is
``ClaimEmbedding``, its cache of claim vectors (derived, rebuilt at will).
"""

from __future__ import annotations

import bisect
import datetime
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction

from claims import selectors
from claims.ingest.language import is_supported
from claims.matching import (
    MATCHER_VERSION,
    MODEL_NAME,
    AliasEntry,
    ClaimDoc,
    ClaimMatch,
    Hits,
    IncidentDoc,
    Matcher,
    build_matcher,
    claim_content_hash,
    claim_embedding_text,
    default_encoder,
)
from claims.matching.stance import ActorInfo, ClaimInfo, Suggester, Suggestion
from claims.matching.text import split_sentences
from claims.models import (
    Actor,
    ActorAlias,
    Claim,
    ClaimEmbedding,
    Incident,
    MatcherState,
    Report,
    ReviewStatus,
    Stance,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlagProposal:
    """What the matcher proposes for one claim, in storable form."""

    claim_id: int
    score: float
    tier: str
    passages: list[dict]
    matched_actors: list[dict]
    matched_terms: list[str]


INDEX_KEY = "claims"
_lock = threading.Lock()
_loaded: tuple[int, Matcher] | None = None
_suggester: tuple[Matcher, Suggester, dict[int, ClaimInfo]] | None = None


def index_version() -> int:
    return MatcherState.objects.filter(key=INDEX_KEY).values_list("version", flat=True).first() or 0


def claim_docs() -> list[ClaimDoc]:
    """Every claim as the matcher indexes it: text, title, the names and
    aliases of its alleged perpetrator and of the actors holding accepted
    stances on it (a pending or rejected stance is not part of the record),
    and its incidents' titles and places; with its kind, its alleged
    perpetrator and its incidents (place, date and precision, agent), from
    which the matcher derives what the claim is about. A fixed number of queries."""
    names: dict[int, list[str]] = defaultdict(list)
    for actor_id, name in Actor.objects.values_list("id", "name"):
        names[actor_id].append(name)
    for actor_id, name in ActorAlias.objects.filter(ambiguous=False).values_list("actor_id", "name"):
        names[actor_id].append(name)
    claim_actors: dict[int, set[int]] = defaultdict(set)
    accepted = Stance.objects.filter(review_status=ReviewStatus.ACCEPTED)
    for claim_id, actor_id in accepted.values_list("claim_id", "actor_id").distinct():
        claim_actors[claim_id].add(actor_id)
    incident_docs = {
        pk: IncidentDoc(id=pk, title=title, place=place, date=date, date_precision=precision, agent=agent)
        for pk, title, place, date, precision, agent in Incident.objects.values_list(
            "id", "title", "place_name", "date_start", "date_precision", "agent"
        )
    }
    incidents: dict[int, list[IncidentDoc]] = defaultdict(list)
    for claim_id, incident_id in Claim.incidents.through.objects.order_by("incident_id").values_list(
        "claim_id", "incident_id"
    ):
        incidents[claim_id].append(incident_docs[incident_id])
    docs = []
    for claim_id, title, text, kind, perpetrator_id in Claim.objects.order_by("id").values_list(
        "id", "title", "text", "kind", "alleged_perpetrator_id"
    ):
        actor_ids = claim_actors[claim_id] | ({perpetrator_id} if perpetrator_id else set())
        docs.append(
            ClaimDoc(
                id=claim_id,
                title=title,
                text=text,
                actor_ids=tuple(sorted(actor_ids)),
                actor_names=tuple(n for a in sorted(actor_ids) for n in names[a]),
                incident_names=tuple(part for i in incidents[claim_id] for part in (i.title, i.place) if part),
                kind=kind,
                perpetrator_id=perpetrator_id,
                incidents=tuple(incidents[claim_id]),
            )
        )
    return docs


def actor_parents() -> dict[int, int]:
    """Each actor that belongs to another, and that one (its parent)."""
    return dict(Actor.objects.filter(parent__isnull=False).values_list("id", "parent_id"))


def alias_entries() -> list[AliasEntry]:
    entries = [AliasEntry(actor_id=i, name=n) for i, n in Actor.objects.values_list("id", "name")]
    entries += [
        AliasEntry(actor_id=i, name=n, ambiguous=a)
        for i, n, a in ActorAlias.objects.values_list("actor_id", "name", "ambiguous")
    ]
    return entries


def _cached_embeddings() -> dict[str, np.ndarray]:
    rows = ClaimEmbedding.objects.filter(model_name=MODEL_NAME).values_list("content_hash", "vector")
    return {h: np.frombuffer(bytes(v), dtype=np.float32) for h, v in rows}


ENCODE_CHUNK = 256


def embeddings_encode_missing(
    docs: list[ClaimDoc], *, cache: dict[str, np.ndarray] | None = None, progress=None
) -> int:
    """Encode the claims whose text has no cached vector yet, storing each
    chunk as it is done, so a run that is stopped (a task's time limit, a
    killed worker) keeps its progress and the next one carries on. Returns how
    many were encoded. ``manage.py encode_claims`` runs it outside any task.

    With ``cache`` (vectors by content hash, already loaded), the new vectors
    are added to it and the stored ones are not read again."""
    encoder = default_encoder()
    if encoder is None:
        return 0
    if cache is not None:
        cached = set(cache)
    else:
        cached = set(ClaimEmbedding.objects.filter(model_name=MODEL_NAME).values_list("content_hash", flat=True))
    missing = [(claim_content_hash(doc), doc) for doc in docs]
    missing = [(digest, doc) for digest, doc in missing if digest not in cached]
    for start in range(0, len(missing), ENCODE_CHUNK):
        chunk = missing[start : start + ENCODE_CHUNK]
        vectors = np.asarray(encoder.encode([claim_embedding_text(doc) for _, doc in chunk]), dtype=np.float32)
        with transaction.atomic():
            for (digest, doc), vector in zip(chunk, vectors, strict=True):
                ClaimEmbedding.objects.update_or_create(
                    claim_id=doc.id,
                    defaults={"content_hash": digest, "model_name": MODEL_NAME, "vector": vector.tobytes()},
                )
                if cache is not None:
                    cache[digest] = vector
        if progress:
            progress(min(start + ENCODE_CHUNK, len(missing)), len(missing))
    if missing:
        logger.info("encoded and cached %d claim embeddings", len(missing))
    return len(missing)


def build() -> Matcher:
    docs = claim_docs()
    use_embeddings = settings.MATCHER_EMBEDDINGS
    cache = None
    if use_embeddings is not False:
        cache = _cached_embeddings()
        embeddings_encode_missing(docs, cache=cache)
    return build_matcher(
        docs, alias_entries(), embeddings=use_embeddings, claim_embeddings=cache, actor_parents=actor_parents()
    )


def current_matcher() -> Matcher:
    """This process's matcher, rebuilt if the claims changed since it was built."""
    global _loaded
    version = index_version()
    with _lock:
        if _loaded is None or _loaded[0] != version:
            logger.info("building the claim index (version %s)", version)
            _loaded = (version, build())
        return _loaded[1]


def forget_matcher() -> None:
    """Drop this process's matcher: the next task builds it again from the
    database it then reads (``evaluate_domain`` switches to a scratch one)."""
    global _loaded
    with _lock:
        _loaded = None


def matcher_version(matcher: Matcher) -> str:
    return f"{MATCHER_VERSION}+{matcher.mode}"


def language_supported(language: str) -> bool:
    # An undetermined language ("") is tried rather than set aside.
    return not language or is_supported(language)


def _proposals(matches: list[ClaimMatch]) -> list[FlagProposal]:
    """Matches in storable form (suggested or strong only). The elements that
    made a match ("weapon: sarin", "place: Zamalka") come first among its terms."""
    return [
        FlagProposal(
            claim_id=int(m.claim_id),
            score=float(m.score),
            tier=str(m.tier),
            passages=m.passages,
            matched_actors=m.actors,
            matched_terms=m.elements + m.terms,
        )
        for m in matches
        if m.tier is not None
    ]


def proposals_for(
    matcher: Matcher, text: str, *, claim_ids: list[int] | None = None, published: datetime.date | None = None
) -> list[FlagProposal]:
    """The matcher's flags for a text, in storable form (suggested or strong only)."""
    return _proposals(matcher.match(text, claim_ids=claim_ids, published=published))


def report_text(report: Report) -> str:
    """What the matcher reads of a report: its title, then its text."""
    return f"{report.title}\n\n{report.text}"


def report_proposals(matcher: Matcher, report: Report, *, claim_ids: list[int] | None = None) -> list[FlagProposal]:
    """The matcher's flags for a stored report in one go, as the worker
    reads it (title and text, its date)."""
    return proposals_for(matcher, report_text(report), claim_ids=claim_ids, published=report.published_on)


@dataclass(frozen=True)
class ReportMatch:
    """What one run matching a report got to: its flags once the whole text is
    done (``proposals``), else how far it got, with the hits so far to store."""

    matcher_version: str
    proposals: list[FlagProposal] | None
    next_passage: int
    passages: int
    hits: bytes = b""  # Hits.to_bytes(), when not done


def match_report(report: Report, *, until: float | None = None) -> ReportMatch:
    """Match a report's passages, going on from where earlier runs stopped
    (``selectors.report_match_progress``), until the ``time.monotonic()`` deadline
    ``until`` if given. Stores nothing of the report's: the task hands the
    result to ``services.report_matching``."""
    matcher = current_matcher()
    version = matcher_version(matcher)
    text = report_text(report)
    progress = selectors.report_match_progress(report=report, matcher_version=version)
    scan = matcher.scan(text, start=progress.next_passage if progress else 0, until=until)
    if progress is None and scan.done:  # the usual case: the whole report in one run
        hits = matcher.flaggable(scan)
    else:
        table = Hits.from_bytes(progress.hits).merge(scan.table()) if progress else scan.table()
        if not scan.done:
            return ReportMatch(version, None, scan.next, scan.total, table.to_bytes())
        hits = matcher.flaggable(table)
    matches = matcher.explain(text, hits, context=scan.context, published=report.published_on)
    return ReportMatch(version, _proposals(matches), scan.next, scan.total)


# --- suggested stances ----------------------------------------------------------------

# At most this many suggestions for one flag, the best first.
SUGGESTIONS_PER_FLAG = 8
# A passage is read with this many of the report's sentences on either side:
# a stance on the claim is often stated next to the sentence that matched it.
CONTEXT_SENTENCES = 2


def actor_infos() -> dict[str | int, ActorInfo]:
    return {
        pk: ActorInfo(pk, name, kind, parent_id)
        for pk, name, kind, parent_id in Actor.objects.values_list("id", "name", "kind", "parent_id")
    }


def current_suggester() -> tuple[Suggester, dict[int, ClaimInfo]]:
    """The stance suggester over the current matcher's aliases, with the
    claims as it reads them; rebuilt with the matcher."""
    global _suggester
    matcher = current_matcher()
    with _lock:
        if _suggester is None or _suggester[0] is not matcher:
            claims = {
                int(c.id): ClaimInfo(c.id, c.title, c.text, c.kind, c.perpetrator_id) for c in matcher.claims if c.id
            }
            _suggester = (matcher, Suggester(matcher.aliases, actor_infos()), claims)
        return _suggester[1], _suggester[2]


@dataclass(frozen=True)
class ReportForSuggestions:
    """What the suggester reads of a report."""

    title: str
    text: str
    published_on: datetime.date | None
    published_precision: str
    outlet_id: int | None  # the report's own outlet, never a holder


def stance_suggestions(
    report: ReportForSuggestions, passages_of: dict[int, list[dict]]
) -> dict[int, list[tuple[Suggestion, int | None, int | None]]]:
    """For each claim (by id) the stances its flag's passages suggest, best
    first, each with its quote's offsets in the report's ``text`` (None for a
    quote in the title). ``passages_of``: each flag's passages, as stored
    (offsets in ``report_text``)."""
    suggester, claims = current_suggester()
    text = f"{report.title}\n\n{report.text}"
    body_at = len(report.title) + 2
    sentences = split_sentences(text)
    starts = [p.start for p in sentences]
    ends = [p.end for p in sentences]

    def widened(start: int, end: int) -> tuple[int, int]:
        first = max(0, bisect.bisect_right(ends, start) - CONTEXT_SENTENCES)
        last = min(len(sentences) - 1, bisect.bisect_left(starts, end) - 1 + CONTEXT_SENTENCES)
        return (sentences[first].start, sentences[last].end) if sentences else (start, end)

    out: dict[int, list[tuple[Suggestion, int | None, int | None]]] = {}
    for claim_id, passages in passages_of.items():
        claim = claims.get(claim_id)
        if claim is None:
            continue
        found: dict[tuple, Suggestion] = {}
        for passage in passages:
            start, end = widened(int(passage["start"]), int(passage["end"]))
            for s in suggester.suggest(
                text,
                start,
                end,
                claim,
                published=report.published_on,
                published_precision=report.published_precision,
                outlet_ids=[report.outlet_id] if report.outlet_id else [],
                sentences=sentences,
            ):
                key = (s.actor_id, s.position, s.speaker_id or s.speaker)
                if key not in found or found[key].score < s.score:
                    found[key] = s
        best = sorted(found.values(), key=lambda s: (-s.score, s.quote_start))[:SUGGESTIONS_PER_FLAG]
        out[claim_id] = [
            (s, s.quote_start - body_at, s.quote_end - body_at) if s.quote_start >= body_at else (s, None, None)
            for s in best
        ]
    return out
