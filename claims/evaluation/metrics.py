"""The in-domain figures, as the data set's reference scorer defines them
(``../shared/eval/domain-syria/score.py`` and its README): the same names and,
for the same flags, the same values, printed the same way.

Plain Python over plain data (flags, label rows, claims and articles as
dicts), no Django: ``evaluate_domain`` scores the flags it read back from the
database, and a test holds its lines equal to score.py's on the flags file it
wrote. Order matters where score.py's does: among flags of equal score, the
one listed first ranks first (a stable sort), so score flags in the order the
flags file lists them.

- Pairs only one annotator marked (``agreed`` not ``yes``) count neither way:
  a flag on one is neither right nor wrong, and it is not a positive.
- Articles with no label row for any claim of the claims file are the
  unrelated ones.
- ``report_to_claims_MAP@5``: average precision of an article's flagged
  claims (best score first) over the top 5, divided by its number of positive
  claims, averaged over the articles with a positive. ``claim_to_archive_MAP``:
  the same over a claim's flagged articles, all of them, averaged over the
  claims with a positive.
- ``direction_confusion``: for claim A and each claim B it opposes, a positive
  article of A with no label row for B is a chance, confused when B is flagged
  on it.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claims.matching.evaluation import open_text

# The figures score.py prints with four decimals, in its order.
RATES = (
    "flag_precision_any",
    "flag_recall_any",
    "flag_precision_strong",
    "flag_recall_strong",
    "flag_recall_strong_central",
    "flags_per_unrelated_article",
    "report_to_claims_MAP@5",
    "claim_to_archive_MAP",
    "direction_confusion",
)
COUNTS = (
    "count_flags",
    "count_positive_pairs",
    "count_unrelated_articles",
    "count_direction_chances",
    "count_direction_confused",
)


def read_jsonl(path: Path | str) -> list[dict[str, Any]]:
    """One JSON object a line, from a ``.jsonl`` or ``.jsonl.gz`` file."""
    with open_text(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_labels(path: Path | str) -> list[dict[str, str]]:
    """The label rows of a ``unit_id claim_id label stance agreed`` TSV file."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def average_precision(ranked: Sequence[str], relevant: set[str], k: int | None = None) -> float:
    """Precision at each relevant item of ``ranked`` (its first ``k``),
    summed and divided by the number of relevant items (0 when there are none)."""
    hits, total = 0, 0.0
    for i, item in enumerate(ranked[:k] if k else ranked, 1):
        if item in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant) if relevant else 0.0


@dataclass
class Scores:
    """The figures of one set of flags: ``rates`` and ``counts`` by name, and
    per language (where articles carry ``language``) precision and recall."""

    rates: dict[str, float]
    counts: dict[str, int]
    by_language: dict[str, tuple[float, float]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """``name value`` lines, exactly as score.py prints them."""
        out = [f"{name} {self.rates[name]:.4f}" for name in RATES]
        out += [f"{name} {self.counts[name]}" for name in COUNTS]
        for language, (precision, recall) in self.by_language.items():
            out += [f"flag_precision_any[{language}] {precision:.4f}", f"flag_recall_any[{language}] {recall:.4f}"]
        return out


def _precision_recall(flags: Sequence[Mapping[str, Any]], positives: set[tuple[str, str]]) -> tuple[float, float]:
    right = sum(1 for f in flags if (f["unit_id"], f["claim"]) in positives)
    return right / max(1, len(flags)), right / max(1, len(positives))


def _by_score(flags: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(flags, key=lambda f: -f["score"])  # stable: among equal scores, the first listed first


def score(
    *,
    flags: Iterable[Mapping[str, Any]],
    labels: Iterable[Mapping[str, str]],
    claims: Iterable[Mapping[str, Any]],
    articles: Iterable[Mapping[str, Any]],
) -> Scores:
    """The figures for ``flags`` (``unit_id``, ``claim``, ``score``, ``tier``)
    against the label rows. Flags, and label rows, naming a claim or an
    article not in ``claims`` / ``articles`` are left out."""
    claim_of = {c["id"]: c for c in claims}
    article_of = {str(a["unit_id"]): a for a in articles}
    relevant: dict[str, set[str]] = defaultdict(set)  # claim -> articles both annotators marked
    ambiguous: dict[str, set[str]] = defaultdict(set)  # claim -> articles one annotator marked
    label_of: dict[tuple[str, str], int] = {}
    for row in labels:
        if row["claim_id"] not in claim_of or row["unit_id"] not in article_of:
            continue
        (relevant if row["agreed"] == "yes" else ambiguous)[row["claim_id"]].add(row["unit_id"])
        label_of[(row["unit_id"], row["claim_id"])] = int(row["label"])
    labelled = {a for c in claim_of for a in relevant[c] | ambiguous[c]}
    unrelated = {a for a in article_of if a not in labelled}

    kept = [
        {**f, "unit_id": str(f["unit_id"])} for f in flags if f["claim"] in claim_of and str(f["unit_id"]) in article_of
    ]
    scored = [f for f in kept if f["unit_id"] not in ambiguous[f["claim"]]]
    strong = [f for f in scored if f["tier"] == "strong"]
    positives = {(a, c) for c in claim_of for a in relevant[c]}
    central = {p for p in positives if label_of.get(p) == 2}

    rates: dict[str, float] = {}
    rates["flag_precision_any"], rates["flag_recall_any"] = _precision_recall(scored, positives)
    rates["flag_precision_strong"], rates["flag_recall_strong"] = _precision_recall(strong, positives)
    rates["flag_recall_strong_central"] = _precision_recall(strong, central)[1]
    rates["flags_per_unrelated_article"] = sum(1 for f in kept if f["unit_id"] in unrelated) / max(1, len(unrelated))

    of_article: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    of_claim: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for f in scored:
        of_article[f["unit_id"]].append(f)
        of_claim[f["claim"]].append(f)
    positive_claims: dict[str, set[str]] = defaultdict(set)
    for claim_id, units in relevant.items():
        for unit in units:
            positive_claims[unit].add(claim_id)
    per_article = [
        average_precision([f["claim"] for f in _by_score(of_article[unit])], wanted, k=5)
        for unit, wanted in positive_claims.items()
    ]
    rates["report_to_claims_MAP@5"] = sum(per_article) / max(1, len(per_article))
    per_claim = [
        average_precision([f["unit_id"] for f in _by_score(of_claim[c])], relevant[c]) for c in claim_of if relevant[c]
    ]
    rates["claim_to_archive_MAP"] = sum(per_claim) / max(1, len(per_claim))

    flagged = {(f["unit_id"], f["claim"]) for f in kept}
    chances = confused = 0
    for a_id, claim in claim_of.items():
        for b_id in claim.get("opposes") or []:
            if b_id not in claim_of:
                continue
            for unit in relevant[a_id]:
                if unit in relevant[b_id] or unit in ambiguous[b_id]:
                    continue  # it bears on both sides, or one annotator thought so
                chances += 1
                confused += (unit, b_id) in flagged
    rates["direction_confusion"] = confused / chances if chances else 0.0

    counts = {
        "count_flags": len(kept),
        "count_positive_pairs": len(positives),
        "count_unrelated_articles": len(unrelated),
        "count_direction_chances": chances,
        "count_direction_confused": confused,
    }
    by_language: dict[str, tuple[float, float]] = {}
    for language in sorted({a["language"] for a in article_of.values() if a.get("language")}):
        in_language = {p for p in positives if article_of[p[0]].get("language") == language}
        flags_in = [f for f in scored if article_of[f["unit_id"]].get("language") == language]
        by_language[str(language)] = _precision_recall(flags_in, in_language)
    return Scores(rates=rates, counts=counts, by_language=by_language)
