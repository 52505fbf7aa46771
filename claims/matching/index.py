"""Stage 1: an inverted index over all claims (bm25s), and the per-term
weights the scorer needs, computed from the same postings."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import bm25s
import numpy as np

from claims.matching.text import analyze
from claims.matching.types import ClaimDoc
from claims.normalize import normalize_name

# BM25 parameters: bm25s's defaults (Lucene variant).
K1 = 1.5
B = 0.75

# Document frequencies of terms in a reference collection of 33k public
# fact-checked claims (Snopes and PolitiFact, shared/eval), added to the claim
# collection's own when computing idf. A new project has a handful of claims:
# on six claims every word is rare, and "government" or "forces" would weigh as
# much as "chlorine". Written by `calibrate_matcher --write-background`.
BACKGROUND_PATH = Path(__file__).with_name("background_df.json.gz")


@cache
def background_df(path: Path = BACKGROUND_PATH) -> tuple[int, dict[str, int]]:
    """(number of documents, term -> document frequency) of the reference collection."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    return int(data["documents"]), data["df"]


def write_background_df(docs: Iterable[ClaimDoc], path: Path = BACKGROUND_PATH, min_df: int = 2) -> int:
    """Count the document frequencies of ``docs``' terms; terms in fewer than
    ``min_df`` documents are left out (absent terms count as 0)."""
    counts: dict[str, int] = {}
    n = 0
    for doc in docs:
        n += 1
        for term in set(core_terms(doc)):
            counts[term] = counts.get(term, 0) + 1
    df = {t: c for t, c in sorted(counts.items()) if c >= min_df}
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump({"documents": n, "df": df}, fh, separators=(",", ":"))
    background_df.cache_clear()
    return len(df)


def actor_term(actor_id: str | int) -> str:
    """The index term that stands for an actor, however it is named: a report
    that says "the Assad government" and a claim about "the Syrian government"
    share it once the alias is resolved."""
    return f"actor:{actor_id}"


def core_terms(doc: ClaimDoc) -> list[str]:
    """The proposition itself: title and text."""
    return analyze(doc.title) + analyze(doc.text)


def claim_terms(doc: ClaimDoc, skip_names: frozenset[str] = frozenset()) -> list[str]:
    """What a claim is found by: its title and text, the names of its incidents
    and of its actors (as words, except ``skip_names``: ambiguous aliases such
    as "Damascus" must not match the city), and its actors (as actor terms)."""
    terms = core_terms(doc)
    for name in doc.incident_names:
        terms += analyze(name)
    for name in doc.actor_names:
        if normalize_name(name) not in skip_names:
            terms += analyze(name)
    terms += [actor_term(a) for a in dict.fromkeys(doc.actor_ids)]
    return terms


class ClaimIndex:
    """BM25 over all claims (what finds a claim), and a second inverted index
    over each claim's proposition alone with idf weights (how much of the
    proposition a passage covers, whatever names the claim is also indexed under)."""

    def __init__(self, docs: Sequence[ClaimDoc], skip_names: frozenset[str] = frozenset()):
        self.ids: list[str | int] = [d.id for d in docs]
        corpus = [claim_terms(d, skip_names) for d in docs]
        # An empty document still needs a term so bm25s can index it.
        corpus = [t or ["\x00"] for t in corpus]
        self.bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
        self.bm25.index(corpus, show_progress=False)
        self.vocab: dict[str, int] = self.bm25.vocab_dict
        scores = self.bm25.scores
        data = np.asarray(scores["data"], dtype=np.float32)
        indices = np.asarray(scores["indices"], dtype=np.int64)
        self._indptr = np.asarray(scores["indptr"], dtype=np.int64)
        self.n_docs = int(scores["num_docs"])
        df = np.diff(self._indptr).astype(np.float64)
        own_idf = np.log1p((self.n_docs - df + 0.5) / (df + 0.5))
        # idf over this collection plus the reference one; BM25's weights rescaled to match.
        bg_docs, bg = background_df()
        terms = sorted(self.vocab, key=self.vocab.get)[: len(df)]
        bg_df = np.array([bg.get(t, 0) for t in terms], dtype=np.float64)
        idf = np.log1p((self.n_docs + bg_docs - df - bg_df + 0.5) / (df + bg_df + 0.5))
        data = data * np.repeat(idf / own_idf, np.diff(self._indptr))  # float64: scores are summed in float64
        self.idf = idf.astype(np.float32)
        # Postings of the propositions' distinct terms, and each proposition's idf mass.
        self.core_terms: list[np.ndarray] = [
            np.fromiter({self.vocab[t] for t in core_terms(d)}, dtype=np.int64) for d in docs
        ]
        lengths = np.array([len(t) for t in self.core_terms], dtype=np.int64)
        term_of = np.concatenate([*self.core_terms, np.zeros(0, dtype=np.int64)])
        doc_of = np.repeat(np.arange(self.n_docs, dtype=np.int64), lengths)
        self.core_idf_mass = np.bincount(doc_of, weights=self.idf[term_of], minlength=self.n_docs)
        self._data, self._indices = data, indices
        # The propositions' distinct terms, flat, claim after claim.
        self._core_flat = term_of
        self._core_indptr = np.concatenate([[0], np.cumsum(lengths)])

    def __len__(self) -> int:
        return self.n_docs

    def term_ids(self, terms: Sequence[str]) -> list[int]:
        """Ids of the terms the index knows, in order (repeats kept)."""
        vocab = self.vocab
        return [vocab[t] for t in terms if t in vocab]

    def score(self, term_ids: Sequence[int]) -> np.ndarray:
        """Walk the postings of ``term_ids`` (distinct; only claims containing
        a term are touched). Returns every claim's BM25 score."""
        indptr = self._indptr
        ranges = [(indptr[t], indptr[t + 1]) for t in term_ids]
        if not ranges:
            return np.zeros(self.n_docs)
        docs = np.concatenate([self._indices[a:b] for a, b in ranges])
        weights = np.concatenate([self._data[a:b] for a, b in ranges])
        return np.bincount(docs, weights=weights, minlength=self.n_docs)

    def shared_idf(self, claims: np.ndarray, in_query: np.ndarray) -> np.ndarray:
        """For each of ``claims``, the idf mass of the query terms (``in_query``:
        a flag per term id) its proposition contains. Only the few candidate
        claims are looked at, not every claim a query term touches; the sums
        are exact (float32 idfs added in float64), so their order is immaterial."""
        starts, ends = self._core_indptr[claims], self._core_indptr[claims + 1]
        lengths = ends - starts
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        terms = self._core_flat[np.arange(int(lengths.sum())) + offsets]
        weights = np.where(in_query[terms], self.idf[terms], 0.0)
        owner = np.repeat(np.arange(len(claims)), lengths)
        return np.bincount(owner, weights=weights, minlength=len(claims))
