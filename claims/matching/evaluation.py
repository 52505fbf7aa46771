"""Measuring the matcher on labelled retrieval data (CLEF CheckThat! layout,
see shared/eval/README.md): loaders, the lab's metrics, and the evaluation and
calibration loops that evaluate_matcher and calibrate_matcher run."""

from __future__ import annotations

import datetime
import gzip
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from claims.matching.types import ClaimDoc, IncidentDoc

# --- loading -----------------------------------------------------------------------


def open_text(path: Path | str):
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def load_claims(path: Path | str) -> list[ClaimDoc]:
    """Claims from .jsonl or .jsonl.gz, as the product indexes them: title and text."""
    docs = []
    with open_text(path) as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                docs.append(ClaimDoc(id=row["id"], title=row.get("title") or "", text=row.get("text") or ""))
    return docs


def load_queries(path: Path | str) -> dict[str, str]:
    queries = {}
    with open_text(path) as fh:
        for line in fh:
            if line.strip():
                qid, _, text = line.rstrip("\n").partition("\t")
                queries[qid] = text
    return queries


def load_qrels(path: Path | str) -> dict[str, set[str]]:
    """TREC qrels (query 0 claim relevance), whitespace separated."""
    qrels: dict[str, set[str]] = {}
    with open_text(path) as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 4 and int(parts[3]) > 0:
                qrels.setdefault(parts[0], set()).add(parts[2])
    return qrels


# --- metrics (as the CheckThat! lab computes them) ----------------------------------


def average_precision_at_k(ranked: Sequence, relevant: set, k: int) -> float:
    """Precision at each relevant hit in the top ``k``, summed, divided by the
    number of relevant claims."""
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for i, item in enumerate(ranked[:k], start=1):
        if item in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant)


def reciprocal_rank(ranked: Sequence, relevant: set) -> float:
    for i, item in enumerate(ranked, start=1):
        if item in relevant:
            return 1.0 / i
    return 0.0


def recall_at_k(ranked: Sequence, relevant: set, k: int) -> float:
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


@dataclass
class EvalResult:
    queries: int
    map_at_1: float
    map_at_5: float
    mrr: float
    recall_at_20: float
    queries_per_second: float

    def lines(self) -> list[str]:
        return [
            f"queries {self.queries}",
            f"MAP@1 {self.map_at_1:.4f}",
            f"MRR {self.mrr:.4f}",
            f"Recall@20 {self.recall_at_20:.4f}",
            f"queries/second {self.queries_per_second:.1f}",
            f"MAP@5 {self.map_at_5:.4f}",  # last, for CI
        ]


def score_rankings(rankings: Mapping[str, Sequence], qrels: Mapping[str, set], seconds: float) -> EvalResult:
    """Metrics over the queries that have relevance judgements."""
    qids = [q for q in qrels if q in rankings]
    n = len(qids) or 1

    def mean(fn: Callable[[str], float]) -> float:
        return sum(fn(q) for q in qids) / n

    return EvalResult(
        queries=len(qids),
        map_at_1=mean(lambda q: average_precision_at_k(rankings[q], qrels[q], 1)),
        map_at_5=mean(lambda q: average_precision_at_k(rankings[q], qrels[q], 5)),
        mrr=mean(lambda q: reciprocal_rank(rankings[q], qrels[q])),
        recall_at_20=mean(lambda q: recall_at_k(rankings[q], qrels[q], 20)),
        queries_per_second=len(rankings) / seconds if seconds > 0 else float("inf"),
    )


def evaluate(matcher, queries: Mapping[str, str], qrels: Mapping[str, set], k: int = 20) -> EvalResult:
    """Rank claims for every judged query through ``Matcher.rank`` and score the rankings."""
    judged = {q: t for q, t in queries.items() if q in qrels}
    started = time.perf_counter()
    rankings = {q: [m.claim_id for m in matcher.rank(text, k=k, explain=False)] for q, text in judged.items()}
    return score_rankings(rankings, qrels, time.perf_counter() - started)


# --- calibration --------------------------------------------------------------------


@dataclass(frozen=True)
class LabelledScore:
    score: float
    relevant: bool


def labelled_scores(
    matcher, queries: Mapping[str, str], qrels: Mapping[str, set], negatives: int = 20, unmatched: Iterable[str] = ()
):
    """For each judged query: its relevant claims' scores (positives; 0 when a
    relevant claim is not retrieved at all) and the scores of the top-ranked
    non-relevant candidates (negatives), from the same ranking the product uses.
    ``unmatched`` texts bear on none of the claims: their top candidates are
    all negatives (most passages of a real report match nothing). Above the
    lowest negative score kept for a query, every negative of that query is
    counted, so precision at any higher threshold is exact."""
    out: list[LabelledScore] = []
    judged = [(text, qrels[q]) for q, text in queries.items() if qrels.get(q)]
    for text, relevant in [*judged, *((t, set()) for t in unmatched)]:
        ranked = matcher.rank(text, k=None, explain=False)
        found = {m.claim_id: m.score for m in ranked}
        out.extend(LabelledScore(found.get(c, 0.0), True) for c in relevant)
        out.extend(LabelledScore(m.score, False) for m in [m for m in ranked if m.claim_id not in relevant][:negatives])
    return out


def precision_recall_at(scores: Iterable[LabelledScore], threshold: float) -> tuple[float, float, int]:
    """Precision and recall of "flag when score >= threshold", and how many are flagged."""
    scores = list(scores)
    flagged = [s for s in scores if s.score >= threshold]
    positives = sum(s.relevant for s in scores)
    true_pos = sum(s.relevant for s in flagged)
    precision = true_pos / len(flagged) if flagged else 1.0
    recall = true_pos / positives if positives else 0.0
    return precision, recall, len(flagged)


def choose_threshold(scores: Sequence[LabelledScore], min_precision: float, min_flagged: int = 50) -> dict:
    """The lowest threshold (so the highest recall) whose precision on the
    labelled scores is at least ``min_precision``, over at least ``min_flagged``
    flagged pairs (a precision measured on a handful of pairs is noise). If no
    threshold reaches it, the one of highest precision, marked as such."""
    candidates = sorted({s.score for s in scores if s.relevant and s.score > 0})
    best = None
    for threshold in candidates:
        precision, recall, flagged = precision_recall_at(scores, threshold)
        if flagged < min_flagged:
            break
        if best is None or precision > best[1]:
            best = (threshold, precision, recall, flagged)
        if precision >= min_precision:
            return _chosen(
                threshold, precision, recall, flagged, f"lowest score with precision >= {min_precision}", min_flagged
            )
    if best is None:
        raise ValueError(f"fewer than {min_flagged} flagged pairs at any threshold")
    return _chosen(*best, f"precision {min_precision} not reached: score of highest precision", min_flagged)


def _chosen(threshold, precision, recall, flagged, rule, min_flagged) -> dict:
    return {
        # Rounded down: rounding up would leave out the pair the threshold was chosen at.
        "threshold": math.floor(threshold * 1e6) / 1e6,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "flagged": flagged,
        "rule": f"{rule} over >= {min_flagged} flagged pairs",
    }


def reviewed_scores(
    decisions: Iterable[tuple[str, str, float]], matcher_version: str
) -> tuple[list[LabelledScore], dict[str, int]]:
    """Researchers' review decisions as labelled scores: ``decisions`` are
    (matcher_version, status, score) of reviewed flags, "accepted" relevant and
    "rejected" not. Only flags scored by ``matcher_version`` are kept (another
    version's scores are on another scale); the others are counted per version."""
    kept: list[LabelledScore] = []
    ignored: dict[str, int] = {}
    for version, status, score in decisions:
        if status not in ("accepted", "rejected"):
            continue
        if version != matcher_version:
            ignored[version] = ignored.get(version, 0) + 1
            continue
        kept.append(LabelledScore(float(score), status == "accepted"))
    return kept, ignored


def counts_at(scores: Iterable[LabelledScore], threshold: float) -> tuple[int, int]:
    """How many relevant and how many non-relevant scores are at or above ``threshold``."""
    flagged = [s for s in scores if s.score >= threshold]
    relevant = sum(s.relevant for s in flagged)
    return relevant, len(flagged) - relevant


class CachingEncoder:
    """Remembers what an encoder returned per text: calibration scores the same
    queries several times."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.name = encoder.name
        self._cache: dict = {}

    def encode(self, texts):
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            self._cache.update(zip(missing, self.encoder.encode(missing), strict=True))
        return np.stack([self._cache[t] for t in texts]) if texts else self.encoder.encode(texts)


# --- embedding cache on disk (for evaluation runs; the product caches in the database) ---


def read_embedding_cache(path: Path | str | None) -> dict:
    import numpy as np

    if not path or not Path(path).exists():
        return {}
    data = np.load(path)
    return dict(zip(data["hashes"].tolist(), data["vectors"], strict=True))


def write_embedding_cache(path: Path | str, embeddings: Mapping) -> None:
    import numpy as np

    merged = {**read_embedding_cache(path), **embeddings}
    hashes = list(merged)
    with Path(path).open("wb") as fh:  # np.savez would append ".npz" to a str path
        np.savez(fh, hashes=np.array(hashes), vectors=np.stack([merged[h] for h in hashes]))


# --- fitting the scorer (on train splits only) ----------------------------------------


def training_pairs(
    matcher, queries: Mapping[str, str], qrels: Mapping[str, set], negatives: int = 20, unmatched: Iterable[str] = ()
):
    """Feature rows (FEATURES order) and labels for fitting the scorer: per
    passage of each judged query, its relevant claims among the candidates and
    the ``negatives`` strongest non-relevant candidates (by relative BM25 and
    relative cosine), from ``Matcher.candidates``, the features ``rank`` scores;
    for ``unmatched`` texts, their strongest candidates as negatives."""
    import numpy as np

    from claims.matching.scorer import FEATURES

    strength = [FEATURES.index("bm25_relative"), FEATURES.index("cosine_relative")]
    rows, labels = [], []
    judged = [(text, qrels[q]) for q, text in queries.items() if qrels.get(q)]
    for text, relevant in [*judged, *((t, set()) for t in unmatched)]:
        for pc in matcher.candidates(text):
            is_relevant = np.array([matcher.claims[c].id in relevant for c in pc.claims.tolist()])
            order = np.argsort(-pc.features[:, strength].sum(axis=1), kind="stable")
            chosen = np.concatenate([np.flatnonzero(is_relevant), [i for i in order if not is_relevant[i]][:negatives]])
            chosen = chosen.astype(np.int64)
            rows.append(pc.features[chosen])
            labels.append(is_relevant[chosen])
    return np.vstack(rows), np.concatenate(labels).astype(np.float64)


# --- the in-domain set (shared/eval/domain-syria layout) --------------------------------


@dataclass
class DomainSet:
    """Claims with their structure, actors and labelled reports, as the
    matcher takes them (the same ClaimDoc fields matcher_runtime fills from
    the record)."""

    claims: list[ClaimDoc]
    aliases: list
    parents: dict
    reports: list[tuple[str, str, datetime.date | None]]  # (unit id, title and text, published date)
    labels: dict[tuple[str, str], bool]  # (unit id, claim id) -> both annotators (True) or one (False)


def load_domain(folder: Path | str) -> DomainSet:
    """``claims.jsonl``, ``actors.jsonl``, ``labels.tsv`` and ``articles.jsonl(.gz)`` of a folder."""
    import csv

    from claims.matching.types import AliasEntry

    folder = Path(folder)
    actors = [json.loads(line) for line in open_text(folder / "actors.jsonl") if line.strip()]
    names = {
        a["name"]: [a["name"]] + [x["name"] for x in a.get("aliases", []) if not x.get("ambiguous")] for a in actors
    }
    aliases = [AliasEntry(a["name"], a["name"]) for a in actors] + [
        AliasEntry(a["name"], x["name"], ambiguous=bool(x.get("ambiguous")))
        for a in actors
        for x in a.get("aliases", [])
    ]
    claims = []
    for line in open_text(folder / "claims.jsonl"):
        if not line.strip():
            continue
        row = json.loads(line)
        perpetrator, incident = row.get("perpetrator"), row.get("incident")
        incidents: tuple[IncidentDoc, ...] = ()
        if incident:
            # One incident per distinct (name, place, date), as a researcher records it.
            key = (incident["name"], incident.get("place") or "", incident.get("date") or "")
            incidents = (
                IncidentDoc(
                    id="|".join(key),
                    title=incident["name"],
                    place=incident.get("place") or "",
                    date=incident.get("date") or None,
                    date_precision=incident.get("date_precision") or "day",
                ),
            )
        claims.append(
            ClaimDoc(
                id=row["id"],
                title=row.get("title") or "",
                text=row.get("text") or "",
                actor_ids=(perpetrator,) if perpetrator else (),
                actor_names=tuple(names.get(perpetrator, [])),
                incident_names=tuple(part for i in incidents for part in (i.title, i.place) if part),
                kind=row.get("kind") or "",
                perpetrator_id=perpetrator,
                incidents=incidents,
            )
        )
    articles = folder / "articles.jsonl.gz"
    if not articles.exists():
        articles = folder / "articles.jsonl"
    reports = []
    for line in open_text(articles):
        if not line.strip():
            continue
        row = json.loads(line)
        published = None
        try:
            month, day, year = (int(p) for p in str(row.get("date") or "").split("/"))
            published = datetime.date(year, month, day)
        except ValueError:
            pass
        reports.append((str(row["unit_id"]), f"{row.get('title') or ''}\n\n{row.get('text') or ''}", published))
    with (folder / "labels.tsv").open(encoding="utf-8") as fh:
        labels = {(r["unit_id"], r["claim_id"]): r["agreed"] == "yes" for r in csv.DictReader(fh, delimiter="\t")}
    return DomainSet(claims, aliases, {a["name"]: a.get("parent") for a in actors}, reports, labels)


def element_training_rows(matcher, domain: DomainSet):
    """(rows, labels, gated) for fitting the element scorer: for every report
    and every candidate claim with elements, its coverage by the best passage
    and its element features; labels are the pairs both annotators marked relevant
    (pairs only one marked are left out); ``gated``: a necessary element is
    missing (never flagged, not fitted on)."""
    import numpy as np

    rows, labels, gated = [], [], []
    for unit, text, published in domain.reports:
        for claim_id, coverage, found in matcher.element_rows(text, published=published):
            agreed = domain.labels.get((unit, claim_id))
            if agreed is False:
                continue
            rows.append([coverage, *found.features])
            labels.append(agreed is True)
            gated.append(bool(found.missing))
    return np.array(rows, dtype=np.float64), np.array(labels, dtype=np.float64), np.array(gated, dtype=bool)
