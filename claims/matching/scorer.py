"""The scorer's features, its fitted weights and its two thresholds.

Weights (a logistic regression, so a score reads as the estimated probability
that a report bears on a claim) and thresholds (suggest, strong) are fitted by
``manage.py calibrate_matcher`` on labelled train data with negatives, and
stored in thresholds.json beside this module: one entry per mode ("lexical",
"semantic"), since the features and score scales differ.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from claims.matching.elements import ELEMENT_FEATURES
from claims.matching.types import Tier

CALIBRATION_PATH = Path(__file__).with_name("thresholds.json")

# Per (passage, claim):
# bm25             BM25 / the idf mass of the passage's terms (how much of the passage the claim explains)
# claim_coverage   idf mass of the claim's proposition terms found in the passage / the proposition's idf mass
# query_coverage   the same shared mass / the passage's idf mass
# dice             harmonic mean of the two coverages
# bm25_relative    BM25 / the best BM25 of any claim for this passage
# cosine           sentence-embedding cosine (semantic mode)
# cosine_relative  cosine minus the best cosine of any claim for this passage (semantic mode)
FEATURES = ("bm25", "claim_coverage", "query_coverage", "dice", "bm25_relative", "cosine", "cosine_relative")
MODE_FEATURES = {"lexical": FEATURES[:5], "semantic": FEATURES}


class CalibrationError(RuntimeError):
    """No scorer calibrated for this matcher version and mode: run calibrate_matcher."""


# Kept for callers that think of it as the thresholds file.
ThresholdsError = CalibrationError


@dataclass(frozen=True)
class Scorer:
    """score = sigmoid(bias + weights . features), weights in FEATURES order."""

    weights: tuple[float, ...]
    bias: float = 0.0

    @classmethod
    def from_dict(cls, weights: dict[str, float], bias: float = 0.0) -> Scorer:
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise CalibrationError(f"unknown features {sorted(unknown)}")
        return cls(tuple(float(weights.get(f, 0.0)) for f in FEATURES), float(bias))

    def as_dict(self) -> dict[str, float]:
        return {f: w for f, w in zip(FEATURES, self.weights, strict=True) if w}

    def score(self, features: np.ndarray) -> np.ndarray:
        logits = features @ np.asarray(self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-logits))


# Stage-1 BM25 alone, as a baseline ranking (sigmoid is monotone).
BM25_ONLY = Scorer.from_dict({"bm25": 1.0})


@dataclass(frozen=True)
class Thresholds:
    suggest: float
    strong: float

    def tier(self, score: float) -> Tier | None:
        if score >= self.strong:
            return "strong"
        if score >= self.suggest:
            return "suggested"
        return None


COVERAGE_FLOOR = 0.01


def coverage_logit(coverage: float) -> float:
    p = min(max(coverage, COVERAGE_FLOOR), 1 - COVERAGE_FLOOR)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class ElementScorer:
    """Scores a claim that has elements (elements.py) against a report:
    logit = base * logit(coverage) + weights . element features + bias, where
    coverage is the most of the claim's proposition one passage covers
    (claim_coverage, kept within COVERAGE_FLOOR of 0 and 1), weights in ELEMENT_FEATURES order. Fitted on
    negative-heavy data (most reports bear on no claim), so it has thresholds
    of its own."""

    base: float
    weights: tuple[float, ...]
    bias: float
    thresholds: Thresholds

    @classmethod
    def from_dict(cls, entry: dict) -> ElementScorer:
        unknown = set(entry["weights"]) - set(ELEMENT_FEATURES)
        if unknown:
            raise CalibrationError(f"unknown element features {sorted(unknown)}")
        return cls(
            base=float(entry["base"]),
            weights=tuple(float(entry["weights"].get(f, 0.0)) for f in ELEMENT_FEATURES),
            bias=float(entry["bias"]),
            thresholds=Thresholds(
                suggest=float(entry["suggest"]["threshold"]), strong=float(entry["strong"]["threshold"])
            ),
        )

    def logit(self, words_score: float, features) -> float:
        p = min(max(words_score, 1e-9), 1 - 1e-9)
        return (
            self.base * math.log(p / (1 - p))
            + sum(w * f for w, f in zip(self.weights, features, strict=True))
            + (self.bias)
        )

    def score(self, words_score: float, features) -> float:
        return 1.0 / (1.0 + math.exp(-self.logit(words_score, features)))


def _entry(mode: str, matcher_version: str, path: Path | str | None) -> dict:
    path = Path(path) if path else CALIBRATION_PATH
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise CalibrationError(f"{path} is missing: run `manage.py calibrate_matcher`") from exc
    entry = data.get(mode)
    if not entry:
        raise CalibrationError(f"{path} has no {mode!r} calibration: run `manage.py calibrate_matcher`")
    if entry.get("matcher_version") != matcher_version:
        raise CalibrationError(
            f"{path} {mode!r} calibration is for matcher {entry.get('matcher_version')!r}, "
            f"not {matcher_version!r}: run `manage.py calibrate_matcher`"
        )
    return entry


def load_scorer(mode: str, matcher_version: str, path: Path | str | None = None) -> Scorer:
    entry = _entry(mode, matcher_version, path)
    return Scorer.from_dict(entry["weights"], entry["bias"])


def load_thresholds(mode: str, matcher_version: str, path: Path | str | None = None) -> Thresholds:
    """Thresholds for ``mode``. Refuses a calibration made for another version
    of the scorer: its scores are not comparable."""
    entry = _entry(mode, matcher_version, path)
    return Thresholds(suggest=float(entry["suggest"]["threshold"]), strong=float(entry["strong"]["threshold"]))


def load_element_scorer(mode: str, matcher_version: str, path: Path | str | None = None) -> ElementScorer:
    entry = _entry(mode, matcher_version, path)
    if "elements" not in entry:
        raise CalibrationError(
            f"the {mode!r} calibration has no element scorer: run `manage.py calibrate_matcher --domain PATH`"
        )
    return ElementScorer.from_dict(entry["elements"])


def write_calibration(mode: str, entry: dict, path: Path | str | None = None) -> None:
    """Replace the ``mode`` entry, keeping the others."""
    path = Path(path) if path else CALIBRATION_PATH
    data = json.loads(path.read_text()) if path.exists() else {}
    data[mode] = entry
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def logistic_regression(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """L2-regularised logistic regression (Newton's method): the weights of
    ``x``'s columns, then the bias (not penalised)."""
    a = np.column_stack([x, np.ones(len(x))])
    w = np.zeros(a.shape[1])
    penalty = np.full(a.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(a @ w)))
        gradient = a.T @ (p - y) + penalty * w
        hessian = (a * (p * (1 - p))[:, None]).T @ a + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit_scorer(x: np.ndarray, y: np.ndarray, features: Sequence[str], l2: float = 1.0, steps: int = 50) -> Scorer:
    """Logistic regression on the columns of ``x`` named by ``features`` (the
    rest get weight 0)."""
    w = logistic_regression(x[:, [FEATURES.index(f) for f in features]], y, l2, steps)
    weights = dict.fromkeys(FEATURES, 0.0)
    for f, value in zip(features, w[:-1], strict=True):
        weights[f] = float(value)
    return Scorer(tuple(weights[f] for f in FEATURES), float(w[-1]))


def fit_element_scorer(rows: np.ndarray, y: np.ndarray, l2: float = 1.0) -> tuple[float, dict[str, float], float]:
    """(base, weights by element feature, bias) from rows of [coverage,
    *ELEMENT_FEATURES] (element_training_rows)."""
    x = rows.copy()
    x[:, 0] = [coverage_logit(c) for c in rows[:, 0]]
    w = logistic_regression(x, y, l2, steps=100)
    return float(w[0]), {f: float(v) for f, v in zip(ELEMENT_FEATURES, w[1:-1], strict=True)}, float(w[-1])
