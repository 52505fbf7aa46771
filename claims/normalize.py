"""Text normalisation shared by the record (hashes, alias look-up) and the matcher."""

import hashlib
import re
import unicodedata

_QUOTES = str.maketrans({"‘": "'", "’": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-"})
_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFKC, typographic quotes and dashes made plain, whitespace collapsed, case folded."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACE.sub(" ", text).strip().casefold()


def normalize_name(name: str) -> str:
    """An alias as it is looked up: normalised text without accents or dots ("U.S." = "us")."""
    decomposed = unicodedata.normalize("NFKD", normalize_text(name))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACE.sub(" ", plain.replace(".", "")).strip()


def text_hash(text: str) -> str:
    """SHA-256 of the normalised text: equal for the same article pasted twice."""
    return hashlib.sha256(normalize_text(text).encode()).hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
