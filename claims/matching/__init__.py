"""The claim matcher: which existing claims does a report bear on, and why.

Pure Python over plain data (no Django): the Celery task, the archive job, the
management commands, the benchmarks and the tests all call these.

    matcher = Matcher(claim_docs, alias_entries, encoder=default_encoder(), claim_embeddings=cache)
    for m in matcher.match(report_text):  # ClaimMatch: claim_id, score, tier, passages, actors, terms
        ...
    store(matcher.new_embeddings)  # content hash -> vector, for claims encoded just now
"""

from claims.matching.embeddings import (
    MODEL_NAME,
    Encoder,
    MiniLMEncoder,
    claim_content_hash,
    claim_embedding_text,
    default_encoder,
    semantic_available,
)
from claims.matching.hits import Hits, Scan
from claims.matching.matcher import MATCHER_VERSION, Matcher, build_matcher
from claims.matching.scorer import (
    BM25_ONLY,
    FEATURES,
    CalibrationError,
    ElementScorer,
    Scorer,
    Thresholds,
    ThresholdsError,
    load_scorer,
    load_thresholds,
)
from claims.matching.types import AliasEntry, ClaimDoc, ClaimMatch, IncidentDoc

__all__ = [
    "BM25_ONLY",
    "FEATURES",
    "MATCHER_VERSION",
    "MODEL_NAME",
    "AliasEntry",
    "CalibrationError",
    "ClaimDoc",
    "ClaimMatch",
    "ElementScorer",
    "Encoder",
    "Hits",
    "IncidentDoc",
    "Matcher",
    "MiniLMEncoder",
    "Scan",
    "Scorer",
    "Thresholds",
    "ThresholdsError",
    "build_matcher",
    "claim_content_hash",
    "claim_embedding_text",
    "default_encoder",
    "load_scorer",
    "load_thresholds",
    "semantic_available",
]
