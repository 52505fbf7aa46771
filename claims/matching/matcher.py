"""Stage 2: score candidate claims for each passage of a report and aggregate
per claim. The Celery task, the archive job, evaluate_matcher, calibrate_matcher,
the benchmark and the tests all go through ``Matcher``."""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from claims.matching.aliases import AliasIndex
from claims.matching.elements import (
    ClaimElements,
    ElementMatch,
    ReportEvidence,
    claim_elements,
    element_features,
    opposing_perpetrators,
)
from claims.matching.embeddings import Encoder, claim_content_hash, claim_embedding_text
from claims.matching.hits import PASSAGES_SHOWN, Hit, Hits, PassageCandidates, PassageContext, Scan
from claims.matching.index import ClaimIndex, actor_term
from claims.matching.scorer import (
    FEATURES,
    ElementScorer,
    Scorer,
    Thresholds,
    load_element_scorer,
    load_scorer,
    load_thresholds,
)
from claims.matching.text import Passage, analyze, passage_windows, split_passages, stem, words
from claims.matching.types import AliasEntry, ClaimDoc, ClaimMatch
from claims.normalize import normalize_name

# Bump whenever scoring changes (features, weights, analyzer, passages):
# thresholds calibrated for another version are refused.
MATCHER_VERSION = "2026.12-6"

# How many claims each stage-1 retriever hands to the scorer, per passage.
POOL_SIZE = 100
# A claim whose BM25 is below this share of the passage's best is not a
# lexical candidate (it cannot rank near the top; skipping it keeps stage 1 fast).
POOL_MIN_RELATIVE = 0.2
# Passages whose cosines with every claim are computed in one product
# (100k claims: 12.8 MB of float32 per block of 32), and encoded together. A
# scan with a deadline also looks at the clock once per block.
COSINE_BLOCK = 32
# A claim with elements scores this share of its score when a report lacks a
# necessary one (no flag, however many words they share; still ranked).
GATED = 1e-3
# Splitting a long text into passages takes a while (1.5 s for 5.6 MB on the
# development machine). A long text matched in pieces is split once per
# process, not once per piece: the last few long texts' windows are kept.
LONG_TEXT = 100_000  # characters
LONG_TEXTS_KEPT = 2


class Matcher:
    """An in-memory matcher over a fixed set of claims.

    ``encoder`` turns on semantic similarity. ``claim_embeddings`` maps
    ``claim_content_hash(doc)`` to a cached vector; claims missing from it are
    encoded now, and ``new_embeddings`` lists what was computed so the caller
    can store it. ``scorer`` and ``thresholds`` default to the calibrated ones
    for the mode (thresholds.json), and so does ``element_scorer``, which
    scores the claims that have elements (an incident or an alleged
    perpetrator: elements.py). ``actor_parents`` maps an actor id to the
    actor it belongs to (the Syrian Arab Air Force to the armed forces to the
    government): a claim against the government is also about its air force.
    """

    def __init__(
        self,
        claims: Sequence[ClaimDoc],
        aliases: Iterable[AliasEntry] = (),
        *,
        encoder: Encoder | None = None,
        claim_embeddings: Mapping[str, np.ndarray] | None = None,
        scorer: Scorer | None = None,
        thresholds: Thresholds | None = None,
        element_scorer: ElementScorer | None = None,
        actor_parents: Mapping | None = None,
        max_passage_words: int = 60,
    ):
        self.claims = list(claims)
        self.mode = "semantic" if encoder is not None else "lexical"
        self.encoder = encoder
        self._scorer = scorer
        self._thresholds = thresholds
        self.max_passage_words = max_passage_words
        self.aliases = AliasIndex(aliases)
        skip = frozenset(normalize_name(a.name) for a in self.aliases.entries if a.ambiguous)
        # bm25s cannot index nothing; an empty matcher matches nothing.
        self.index = ClaimIndex(self.claims or [ClaimDoc(id="", title="", text="")], skip_names=skip)
        self._position = {c.id: i for i, c in enumerate(self.claims)}
        self.elements = self._claim_elements(actor_parents or {})
        # The claims with elements are kept whatever their words score: their
        # score is known only once their elements are read (``explain``).
        self.structured_ids = frozenset(self.claims[i].id for i in self.elements)
        self._element_scorer = element_scorer
        self.new_embeddings: dict[str, np.ndarray] = {}
        self.claim_vectors: np.ndarray | None = None
        if encoder is not None:
            self.claim_vectors = self._claim_vectors(encoder, claim_embeddings or {})

    # --- set-up ---------------------------------------------------------------------

    def _claim_vectors(self, encoder: Encoder, cache: Mapping[str, np.ndarray]) -> np.ndarray:
        hashes = [claim_content_hash(c) for c in self.claims]
        missing = [i for i, h in enumerate(hashes) if h not in cache]
        if missing:
            fresh = encoder.encode([claim_embedding_text(self.claims[i]) for i in missing])
            self.new_embeddings = {hashes[i]: fresh[k] for k, i in enumerate(missing)}
        if not self.claims:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([np.asarray(cache.get(h, self.new_embeddings.get(h)), dtype=np.float32) for h in hashes])

    def _claim_elements(self, parents: Mapping) -> dict[int, ClaimElements]:
        """The elements of the claims the record gives structure to, by claim index."""
        structured = [i for i, c in enumerate(self.claims) if c.incidents or c.perpetrator_id is not None]
        if not structured:
            return {}
        children: dict = {}
        for child, parent in parents.items():
            if parent is not None:
                children.setdefault(parent, []).append(child)
        rivals = opposing_perpetrators([self.claims[i] for i in structured], parents)
        out = {}
        for i in structured:
            elements = claim_elements(self.claims[i], children, rivals.get(self.claims[i].id, ()))
            if elements.structured:
                out[i] = elements
        return out

    @property
    def element_scorer(self) -> ElementScorer:
        if self._element_scorer is None:
            self._element_scorer = load_element_scorer(self.mode, MATCHER_VERSION)
        return self._element_scorer

    @property
    def scorer(self) -> Scorer:
        if self._scorer is None:
            self._scorer = load_scorer(self.mode, MATCHER_VERSION)
        return self._scorer

    @scorer.setter
    def scorer(self, scorer: Scorer) -> None:
        self._scorer = scorer

    @property
    def thresholds(self) -> Thresholds:
        if self._thresholds is None:
            self._thresholds = load_thresholds(self.mode, MATCHER_VERSION)
        return self._thresholds

    @property
    def claim_embeddings(self) -> dict[str, np.ndarray]:
        """All claim vectors by content hash (cached and new), for the caller's cache."""
        if self.claim_vectors is None:
            return {}
        return {claim_content_hash(c): self.claim_vectors[i] for i, c in enumerate(self.claims)}

    # --- stage 1 and features ---------------------------------------------------------

    def passages(self, text: str) -> list[Passage]:
        return split_passages(text, self.max_passage_words)

    def candidates(self, text: str, claim_ids: Iterable[str | int] | None = None) -> list[PassageCandidates]:
        """Each passage of ``text`` with its candidate claims and their features.
        With ``claim_ids``, only those claims are scored (the archive direction:
        a new claim against candidate reports)."""
        return self._candidates(_windows(text, self.max_passage_words), claim_ids)[0]

    def _candidates(
        self,
        windows: Windows,
        claim_ids: Iterable[str | int] | None,
        start: int = 0,
        until: float | None = None,
    ) -> tuple[list[PassageCandidates], int]:
        """Candidates for the passages from number ``start`` on; with ``until``
        (a ``time.monotonic()`` deadline) only for whole blocks of COSINE_BLOCK
        passages until it has passed, at least one. Returns them and the number
        of the first passage not scored."""
        passages, units, spans = windows
        if not passages or not self.claims:
            return [], len(passages)
        restrict = None
        if claim_ids is not None:
            restrict = np.array(sorted({self._position[c] for c in claim_ids if c in self._position}), dtype=np.int64)
        # Overlapping windows share sentences: each sentence is analysed once.
        unit_terms: dict[int, list[int]] = {}
        in_query = np.zeros(len(self.index.idf), dtype=bool)
        out: list[PassageCandidates] = []
        for n in range(start, len(passages)):
            passage, offset = passages[n], (n - start) % COSINE_BLOCK
            if offset == 0:
                if until is not None and n > start and time.monotonic() >= until:
                    return out, n
                block = passages[n : n + COSINE_BLOCK]
                cosines = None
                if self.encoder is not None and self.claim_vectors is not None:
                    # One matrix product per block of passages reads the claim
                    # vectors once, not once per passage.
                    cosines = self.encoder.encode([p.text for p in block]) @ self.claim_vectors.T
            for u in spans[n]:
                if u not in unit_terms:
                    unit_terms[u] = self.index.term_ids(analyze(units[u].text))
            mentions = self.aliases.find(passage.text) if self.aliases else []
            query = list(
                dict.fromkeys(
                    itertools.chain(
                        *(unit_terms[u] for u in spans[n]),
                        self.index.term_ids([actor_term(m.actor_id) for m in mentions]),
                    )
                )
            )
            bm25 = self.index.score(query)
            best = bm25.max()
            cosine = cosines[offset] if cosines is not None else None
            if restrict is not None:
                pool = restrict
            else:
                pool = _top(bm25, POOL_SIZE, floor=POOL_MIN_RELATIVE * best)
                if cosine is not None:
                    pool = np.union1d(pool, _top(cosine, POOL_SIZE))
            if len(pool) == 0:
                continue
            in_query[query] = True
            shared = self.index.shared_idf(pool, in_query)
            in_query[query] = False
            query_mass = float(self.index.idf[query].sum()) or 1.0
            claim_mass = np.maximum(self.index.core_idf_mass[pool], 1e-9)
            features = np.zeros((len(pool), len(FEATURES)), dtype=np.float64)
            features[:, 0] = bm25[pool] / query_mass
            features[:, 1] = shared / claim_mass
            features[:, 2] = shared / query_mass
            total = features[:, 1] + features[:, 2]
            features[:, 3] = np.divide(
                2 * features[:, 1] * features[:, 2], total, out=np.zeros(len(pool)), where=total > 0
            )
            # Relative to the best claim overall (not just in the pool), so the
            # archive direction (claim_ids given) scores exactly as the forward one.
            features[:, 4] = bm25[pool] / (best or 1.0)
            if cosine is not None:
                features[:, 5] = cosine[pool]
                features[:, 6] = cosine[pool] - cosine.max()
            out.append(PassageCandidates(passage, pool, features, mentions, [units[u] for u in spans[n]]))
        return out, len(passages)

    def scan(
        self,
        text: str,
        *,
        start: int = 0,
        until: float | None = None,
        claim_ids: Iterable[str | int] | None = None,
    ) -> Scan:
        """Score the passages of ``text`` from number ``start`` on, all of them
        or, with ``until`` (a ``time.monotonic()`` deadline), blocks of them
        until it has passed. A long text is matched in pieces by scanning on
        from each ``Scan.next``, merging the ``Scan.table`` of each piece, and
        explaining the merged hits."""
        windows = _windows(text, self.max_passage_words)
        per_passage, stopped = self._candidates(windows, claim_ids, start, until)
        context = {(pc.passage.start, pc.passage.end): PassageContext(pc.units, pc.mentions) for pc in per_passage}
        ids, rows = self._best_passages(per_passage)
        return Scan(next=stopped, total=len(windows[0]), ids=ids, rows=rows, context=context)

    def _best_passages(
        self, per_passage: list[PassageCandidates]
    ) -> tuple[list[str | int], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """A claim's score is its best passage's score: each claim's best
        passages (at most PASSAGES_SHOWN, best first; among equal scores the
        earlier passage), as Scan keeps them."""
        if not per_passage:
            nothing = np.zeros(0, dtype=np.int64)
            return [], (nothing.astype(np.float64), nothing, nothing, nothing)
        claims = np.concatenate([pc.claims for pc in per_passage])
        scores = np.concatenate([self.scorer.score(pc.features) for pc in per_passage])
        passage = np.concatenate([np.full(len(pc.claims), n) for n, pc in enumerate(per_passage)])
        order = np.lexsort((passage, -scores, claims))  # grouped by claim, best passage first
        claims, scores, passage = claims[order], scores[order], passage[order]
        position = np.arange(len(claims))
        first = np.r_[True, claims[1:] != claims[:-1]]
        kept = position - np.maximum.accumulate(np.where(first, position, 0)) < PASSAGES_SHOWN
        claims, scores, passage, first = claims[kept], scores[kept], passage[kept], first[kept]
        spans = np.array([(pc.passage.start, pc.passage.end) for pc in per_passage], dtype=np.int64)[passage]
        groups = np.flatnonzero(first)
        ids = [self.claims[c].id for c in claims[groups].tolist()]
        return ids, (scores, spans[:, 0], spans[:, 1], groups)

    # --- scoring ------------------------------------------------------------------------

    def rank(
        self,
        text: str,
        *,
        k: int | None = 20,
        claim_ids: Iterable[str | int] | None = None,
        explain: bool = True,
        published: datetime.date | None = None,
    ) -> list[ClaimMatch]:
        """Claims ranked by score for a report (best first), the top ``k``,
        whatever their score. With ``explain`` (the default) each carries its
        tier (None below the suggest threshold) and its explanation; without,
        only ids and scores (what evaluation needs). ``published`` is the
        report's date, if known (a report written before an incident is not
        about it)."""
        scan = self.scan(text, claim_ids=claim_ids)
        hits = scan.best(k=None if self.elements else k)
        return self.explain(
            text, hits, k=k, flagged_only=False, with_reasons=explain, context=scan.context, published=published
        )

    def match(
        self, text: str, *, claim_ids: Iterable[str | int] | None = None, published: datetime.date | None = None
    ) -> list[ClaimMatch]:
        """The claims a report bears on: those at or above the suggest
        threshold, each with its tier and explanation."""
        scan = self.scan(text, claim_ids=claim_ids)
        return self.explain(text, self.flaggable(scan), context=scan.context, published=published)

    def flaggable(self, found: Scan | Hits) -> dict[str | int, list[Hit]]:
        """The hits ``explain`` may flag: those of the claims whose best
        passage reaches the suggest threshold, and of every claim with elements."""
        return found.best(floor=self.thresholds.suggest, keep=self.structured_ids)

    def explain(
        self,
        text: str,
        hits: Mapping[str | int, Sequence[Sequence[float]]],
        *,
        k: int | None = None,
        flagged_only: bool = True,
        with_reasons: bool = True,
        context: Mapping[tuple[int, int], PassageContext] | None = None,
        published: datetime.date | None = None,
    ) -> list[ClaimMatch]:
        """The claims of ``hits`` (all of ``text``'s passages scanned, in one
        scan or merged from pieces) best first: by default those at or above
        the suggest threshold with their tier, passages, actors and terms. A
        claim this matcher no longer has is left out. A claim with elements is
        scored here, on the whole report (``published``: its date, if known)."""
        thresholds = self.thresholds if with_reasons or flagged_only else None
        found: dict[int, ElementMatch] = {}
        scored = []
        evidence = None
        present: dict[tuple[int, int], np.ndarray] = {}  # a passage's index terms, as a flag per term
        for claim_id, claim_hits in hits.items():
            if not claim_hits or claim_id not in self._position:
                continue
            claim = self._position[claim_id]
            score = float(claim_hits[0][0])
            if claim in self.elements:
                if evidence is None:
                    evidence = ReportEvidence.read(_windows(text, self.max_passage_words)[1], self.aliases, published)
                if flagged_only and evidence.missing(self.elements[claim]):
                    continue  # never flagged: nothing more to read
                found[claim] = element_features(self.elements[claim], evidence)
                coverage = self._coverage(claim, text, claim_hits, present)
                score = self.element_scorer.score(coverage, found[claim].features)
                if found[claim].missing:
                    score *= GATED
            scored.append((score, claim, claim_hits))
        if thresholds and flagged_only:
            suggest = self.element_scorer.thresholds.suggest if found else thresholds.suggest
            scored = [r for r in scored if r[0] >= (suggest if r[1] in found else thresholds.suggest)]
        ranked = sorted(scored, key=lambda r: (-r[0], r[1]))  # among equal scores, the claim indexed first
        words_of: dict[tuple[int, int], list[tuple[str, int | None]]] = {}  # a sentence's words and term ids
        context_of = dict(context or {})
        matches = []
        for score, claim, claim_hits in ranked[:k]:
            match = ClaimMatch(claim_id=self.claims[claim].id, score=round(score, 6), tier=None)
            if thresholds and with_reasons:
                scale = self.element_scorer.thresholds if claim in found else thresholds
                match.tier = scale.tier(score)
                self._explain(match, claim, text, claim_hits, words_of, context_of)
                if claim in found:
                    self._explain_elements(match, found[claim], text)
            matches.append(match)
        return matches

    def _coverage(
        self, claim: int, text: str, hits: Sequence[Sequence[float]], present: dict[tuple[int, int], np.ndarray]
    ) -> float:
        """The most of ``claim``'s proposition one of its best passages covers
        (claim_coverage, idf-weighted): the claim's own measure, the same
        whatever other claims the index holds, so both directions agree.
        ``present`` caches each passage's terms across claims."""
        terms = self.index.core_terms[claim]
        if not len(terms):
            return 0.0
        weights = self.index.idf[terms]
        best = 0.0
        for _, start, end in hits:
            key = (int(start), int(end))
            if key not in present:
                flags = np.zeros(len(self.index.idf), dtype=bool)
                flags[self.index.term_ids(analyze(text[key[0] : key[1]]))] = True
                present[key] = flags
            best = max(best, float(weights[present[key][terms]].sum()))
        return best / (float(self.index.core_idf_mass[claim]) or 1.0)

    def _explain_elements(self, match: ClaimMatch, found: ElementMatch, text: str) -> None:
        """Name the elements that made the match, and the sentences naming them."""
        match.elements = found.found
        units = _windows(text, self.max_passage_words)[1]
        shown = [(p["start"], p["end"]) for p in match.passages]
        for i in found.units:
            unit = units[i]
            if not any(a <= unit.start and unit.end <= b for a, b in shown):
                match.passages.append({"text": unit.text, "start": unit.start, "end": unit.end, "elements": True})

    def element_rows(
        self, text: str, *, published: datetime.date | None = None
    ) -> list[tuple[str | int, float, ElementMatch]]:
        """For each candidate claim that has elements: (claim id, the most of
        its proposition one of its best passages covers, how the report covers
        its elements). What calibration fits on."""
        hits = self.scan(text).best(floor=np.inf, keep=self.structured_ids)
        if not hits:
            return []
        evidence = ReportEvidence.read(_windows(text, self.max_passage_words)[1], self.aliases, published)
        present: dict[tuple[int, int], np.ndarray] = {}
        out = []
        for claim_id, claim_hits in hits.items():
            claim = self._position[claim_id]
            found = element_features(self.elements[claim], evidence)
            out.append((claim_id, self._coverage(claim, text, claim_hits, present), found))
        return out

    def _explain(
        self,
        match: ClaimMatch,
        claim: int,
        text: str,
        hits: Sequence[Sequence[float]],
        words_of: dict[tuple[int, int], list[tuple[str, int | None]]],
        context_of: dict[tuple[int, int], PassageContext],
    ) -> None:
        doc = self.claims[claim]
        claim_terms = set(self.index.core_terms[claim].tolist())
        actor_ids = set(doc.actor_ids)
        terms: dict[str, None] = {}
        actors: dict[int, dict] = {}
        for score, start, end in hits:
            start, end = int(start), int(end)
            passage = text[start:end]
            match.passages.append({"text": passage, "start": start, "end": end, "score": round(score, 6)})
            context = context_of.get((start, end))
            if context is None:  # a hit of another scan: read as one sentence, it has the same words
                mentions = self.aliases.find(passage) if self.aliases else []
                context = context_of[start, end] = PassageContext([Passage(passage, start, end)], mentions)
            for unit in context.units:  # overlapping windows: each sentence's words looked up once
                key = (unit.start, unit.end)
                if key not in words_of:
                    words_of[key] = [(w, self.index.vocab.get(stem(w))) for w in words(unit.text)]
                for word, term in words_of[key]:
                    if term in claim_terms:
                        terms.setdefault(word)
            for m in context.mentions:
                if m.actor_id in actor_ids:
                    at = start + m.start
                    actors.setdefault(at, {"actor_id": m.actor_id, "alias": m.alias, "start": at})
        match.terms = list(terms)
        match.actors = [actors[s] for s in sorted(actors)]


Windows = tuple[list[Passage], list[Passage], list[range]]
_long_windows: dict[tuple[str, int], Windows] = {}


def _windows(text: str, max_words: int) -> Windows:
    """``passage_windows``, kept for the last few long texts."""
    if len(text) < LONG_TEXT:
        return passage_windows(text, max_words)
    key = (text, max_words)
    windows = _long_windows.pop(key, None) or passage_windows(text, max_words)
    _long_windows[key] = windows  # the most recent last
    while len(_long_windows) > LONG_TEXTS_KEPT:
        del _long_windows[next(iter(_long_windows))]
    return windows


def _top(values: np.ndarray, k: int, floor: float | None = None) -> np.ndarray:
    """Indices of the ``k`` largest values (only values above ``floor``, if given), sorted by index."""
    if floor is not None:
        above = np.flatnonzero(values > max(floor, 0.0))
        if len(above) <= k:
            return above
        return np.sort(above[np.argpartition(values[above], -k)[-k:]])
    if len(values) <= k:
        return np.arange(len(values))
    return np.sort(np.argpartition(values, -k)[-k:])


def build_matcher(
    claims: Sequence[ClaimDoc],
    aliases: Iterable[AliasEntry] = (),
    *,
    embeddings: bool | None = None,
    claim_embeddings: Mapping[str, np.ndarray] | None = None,
    scorer: Scorer | None = None,
    thresholds: Thresholds | None = None,
    actor_parents: Mapping | None = None,
) -> Matcher:
    """The matcher as the product builds it: with the process-wide encoder when
    ``embeddings`` is True, or when it is None and the semantic extra is installed."""
    from claims.matching.embeddings import default_encoder

    encoder = None
    if embeddings is not False:
        encoder = default_encoder()
        if encoder is None and embeddings:
            raise RuntimeError(
                "embeddings requested but the semantic extra is not installed (requirements-semantic.txt)"
            )
    return Matcher(
        claims,
        aliases,
        encoder=encoder,
        claim_embeddings=claim_embeddings,
        scorer=scorer,
        thresholds=thresholds,
        actor_parents=actor_parents,
    )
