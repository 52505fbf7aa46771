"""Stage 2: score candidate claims for each passage of a report and aggregate
per claim. The Celery task, the archive job, evaluate_matcher, calibrate_matcher,
the benchmark and the tests all go through ``Matcher``."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from claims.matching.aliases import ActorMention, AliasIndex
from claims.matching.embeddings import Encoder, claim_content_hash, claim_embedding_text
from claims.matching.index import ClaimIndex, actor_term
from claims.matching.scorer import FEATURES, Scorer, Thresholds, load_scorer, load_thresholds
from claims.matching.text import Passage, analyze, passage_windows, split_passages, stem, words
from claims.matching.types import AliasEntry, ClaimDoc, ClaimMatch
from claims.normalize import normalize_name

# Bump whenever scoring changes (features, weights, analyzer, passages):
# thresholds calibrated for another version are refused.
MATCHER_VERSION = "2026.11-4"

# How many claims each stage-1 retriever hands to the scorer, per passage.
POOL_SIZE = 100
# A claim whose BM25 is below this share of the passage's best is not a
# lexical candidate (it cannot rank near the top; skipping it keeps stage 1 fast).
POOL_MIN_RELATIVE = 0.2
# Passages whose cosines with every claim are computed in one product
# (100k claims: 12.8 MB of float32 per block of 32).
COSINE_BLOCK = 32
# Best passages kept per claim for the explanation.
PASSAGES_SHOWN = 3


@dataclass
class PassageCandidates:
    """Stage-1 candidates for one passage and their feature rows (FEATURES order)."""

    passage: Passage
    claims: np.ndarray  # claim indices into Matcher.claims
    features: np.ndarray  # shape (len(claims), len(FEATURES))
    mentions: list[ActorMention]
    units: Sequence[Passage] = ()  # the sentences it is made of (``passage_windows``)


class Matcher:
    """An in-memory matcher over a fixed set of claims.

    ``encoder`` turns on semantic similarity. ``claim_embeddings`` maps
    ``claim_content_hash(doc)`` to a cached vector; claims missing from it are
    encoded now, and ``new_embeddings`` lists what was computed so the caller
    can store it. ``scorer`` and ``thresholds`` default to the calibrated ones
    for the mode (thresholds.json).
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
        passages, units, spans = passage_windows(text, self.max_passage_words)
        if not passages or not self.claims:
            return []
        restrict = None
        if claim_ids is not None:
            restrict = np.array(sorted({self._position[c] for c in claim_ids if c in self._position}), dtype=np.int64)
        vectors = None
        if self.encoder is not None:
            vectors = self.encoder.encode([p.text for p in passages])
        # Overlapping windows share sentences: each sentence is analysed once.
        unit_terms = [self.index.term_ids(analyze(u.text)) for u in units]
        mentions_of = [self.aliases.find(p.text) if self.aliases else [] for p in passages]
        queries = [
            list(
                dict.fromkeys(
                    itertools.chain(
                        *(unit_terms[u] for u in span),
                        self.index.term_ids([actor_term(m.actor_id) for m in mentions]),
                    )
                )
            )
            for span, mentions in zip(spans, mentions_of, strict=True)
        ]
        in_query = np.zeros(len(self.index.idf), dtype=bool)
        out = []
        for n, passage in enumerate(passages):
            bm25 = self.index.score(queries[n])
            best = bm25.max()
            cosine = None
            if vectors is not None and self.claim_vectors is not None:
                if n % COSINE_BLOCK == 0:
                    # One matrix product per block of passages reads the claim
                    # vectors once, not once per passage.
                    block = vectors[n : n + COSINE_BLOCK] @ self.claim_vectors.T
                cosine = block[n % COSINE_BLOCK]
            if restrict is not None:
                pool = restrict
            else:
                pool = _top(bm25, POOL_SIZE, floor=POOL_MIN_RELATIVE * best)
                if cosine is not None:
                    pool = np.union1d(pool, _top(cosine, POOL_SIZE))
            if len(pool) == 0:
                continue
            in_query[queries[n]] = True
            shared = self.index.shared_idf(pool, in_query)
            in_query[queries[n]] = False
            query_mass = float(self.index.idf[queries[n]].sum()) or 1.0
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
            out.append(PassageCandidates(passage, pool, features, mentions_of[n], [units[u] for u in spans[n]]))
        return out

    # --- scoring ------------------------------------------------------------------------

    def rank(
        self, text: str, *, k: int | None = 20, claim_ids: Iterable[str | int] | None = None, explain: bool = True
    ) -> list[ClaimMatch]:
        """Claims ranked by score for a report (best first), the top ``k``,
        whatever their score. With ``explain`` (the default) each carries its
        tier (None below the suggest threshold) and its explanation; without,
        only ids and scores (what evaluation needs)."""
        return self._rank(text, k=k, claim_ids=claim_ids, explain=explain, flagged_only=False)

    def match(self, text: str, *, claim_ids: Iterable[str | int] | None = None) -> list[ClaimMatch]:
        """The claims a report bears on: those at or above the suggest
        threshold, each with its tier and explanation."""
        return self._rank(text, k=None, claim_ids=claim_ids, explain=True, flagged_only=True)

    def _rank(self, text, *, k, claim_ids, explain, flagged_only) -> list[ClaimMatch]:
        per_passage = self.candidates(text, claim_ids)
        ranked = itertools.islice(self.aggregate(per_passage, self.scorer), k)
        thresholds = self.thresholds if explain else None
        words_of: dict[tuple[int, int], list[tuple[str, int | None]]] = {}  # a sentence's words, term ids
        matches = []
        for claim, hits in ranked:
            score = hits[0][0]
            tier = thresholds.tier(score) if thresholds else None
            if flagged_only and tier is None:
                break  # ranked by score: the rest are lower
            match = ClaimMatch(claim_id=self.claims[claim].id, score=round(score, 6), tier=tier)
            if explain:
                self._explain(match, claim, [(s, per_passage[n]) for s, n in hits], words_of)
            matches.append(match)
        return matches

    @staticmethod
    def aggregate(
        per_passage: list[PassageCandidates], scorer: Scorer
    ) -> Iterator[tuple[int, list[tuple[float, int]]]]:
        """A claim's score is its best passage's score. Yields (claim index,
        [(passage score, passage number), ...] best first, at most
        PASSAGES_SHOWN), best claim first."""
        if not per_passage:
            return
        claims = np.concatenate([pc.claims for pc in per_passage])
        scores = np.concatenate([scorer.score(pc.features) for pc in per_passage])
        passage = np.concatenate([np.full(len(pc.claims), n) for n, pc in enumerate(per_passage)])
        order = np.lexsort((-scores, claims))  # grouped by claim, best passage first
        claims, scores, passage = claims[order], scores[order], passage[order]
        starts = np.flatnonzero(np.r_[True, claims[1:] != claims[:-1]])
        ends = np.minimum(np.r_[starts[1:], len(claims)], starts + PASSAGES_SHOWN)
        for i in np.argsort(-scores[starts], kind="stable").tolist():
            a, b = starts[i], ends[i]
            yield int(claims[a]), list(zip(scores[a:b].tolist(), passage[a:b].tolist(), strict=True))

    def _explain(self, match: ClaimMatch, claim: int, hits: list, words_of: dict) -> None:
        doc = self.claims[claim]
        claim_terms = set(self.index.core_terms[claim].tolist())
        actor_ids = set(doc.actor_ids)
        terms: dict[str, None] = {}
        actors: dict[int, dict] = {}
        for score, pc in hits:
            p = pc.passage
            match.passages.append({"text": p.text, "start": p.start, "end": p.end, "score": round(score, 6)})
            for unit in pc.units or [p]:  # overlapping windows: each sentence's words looked up once
                key = (unit.start, unit.end)
                if key not in words_of:
                    words_of[key] = [(w, self.index.vocab.get(stem(w))) for w in words(unit.text)]
                for word, term in words_of[key]:
                    if term in claim_terms:
                        terms.setdefault(word)
            for m in pc.mentions:
                if m.actor_id in actor_ids:
                    start = p.start + m.start
                    actors.setdefault(start, {"actor_id": m.actor_id, "alias": m.alias, "start": start})
        match.terms = list(terms)
        match.actors = [actors[s] for s in sorted(actors)]


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
        claims, aliases, encoder=encoder, claim_embeddings=claim_embeddings, scorer=scorer, thresholds=thresholds
    )
