"""Measuring the stance suggester on labelled stance data (shared/eval/README.md).

Emergent (Ferreira & Vlachos, 2016) pairs a claim with an article headline
labelled for / against / observing. It has no dev split: its claims are cut
in two by a hash of the claim id (``dev_claim``), a quarter held out as dev,
never tuned on. The product's positions map onto the labels as the issue
fixes it: asserts -> for; denies, disputes, retracts -> against; anything
else, or no position -> observing.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from claims.matching.stance import ASSERTS, DENIES, DISPUTES, RETRACTS
from claims.matching.stance_voice import text_position

LABELS = ("for", "against", "observing")
_AGAINST = (DENIES, DISPUTES, RETRACTS)


def emergent_label(position: str | None) -> str:
    if position == ASSERTS:
        return "for"
    if position in _AGAINST:
        return "against"
    return "observing"


def dev_claim(claim_id: str) -> bool:
    """A quarter of Emergent's claims, fixed by their id: the held-out dev split."""
    return hashlib.sha256(claim_id.encode()).digest()[0] % 4 == 0


@dataclass(frozen=True)
class Pair:
    claim_id: str
    claim: str
    text: str
    label: str


def read_emergent(path: str | Path, split: str = "dev") -> list[Pair]:
    """Emergent's pairs (train.csv's layout); ``split`` dev, train or all."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    pairs = [Pair(r["claimId"], r["claimHeadline"], r["articleHeadline"], r["articleHeadlineStance"]) for r in rows]
    if split == "all":
        return pairs
    return [p for p in pairs if dev_claim(p.claim_id) == (split == "dev")]


def macro_f1(gold: Iterable[str], predicted: Iterable[str], labels: tuple[str, ...] = LABELS) -> float:
    pairs = list(zip(gold, predicted, strict=True))
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == p == label)
        fp = sum(1 for g, p in pairs if p == label and g != label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def evaluate_emergent(pairs: list[Pair]) -> dict[str, float]:
    """accuracy and macro-F1 of ``text_position`` read as Emergent's labels."""
    predicted = [emergent_label(text_position(p.text, p.claim)) for p in pairs]
    gold = [p.label for p in pairs]
    correct = sum(g == q for g, q in zip(gold, predicted, strict=True))
    out = {"pairs": float(len(pairs)), "accuracy": correct / len(pairs) if pairs else 0.0}
    out["macro_f1"] = macro_f1(gold, predicted)
    for label, n in sorted(Counter(predicted).items()):
        out[f"predicted[{label}]"] = float(n)
    return out
