"""Text handling for the matcher: cleaning, the analyzer that turns text into
index terms, and splitting a report into passages."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

from claims.normalize import normalize_text

STOPWORDS = frozenset(STOPWORDS_EN_PLUS)
_stemmer = Stemmer.Stemmer("english")

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
_HANDLE_OR_TAG = re.compile(r"[@#]([^\W_][\w]*)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[^\W_]{2,}")


def _split_camel(match: re.Match) -> str:
    return _CAMEL.sub(" ", match.group(1).replace("_", " "))


def clean_text(text: str) -> str:
    """Drop links and turn @handles and #hashtags into words ("#AustralianFires"
    -> "Australian Fires"). Social-media posts are reports too; for other
    text this changes nothing that carries meaning."""
    text = _URL.sub(" ", text)
    return _HANDLE_OR_TAG.sub(_split_camel, text)


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """Normalised content words (no stopwords), unstemmed."""
    return [w for w in _WORD.findall(_strip_accents(normalize_text(text))) if w not in STOPWORDS]


def analyze(text: str) -> list[str]:
    """Index terms of a text: cleaned, normalised, stopwords dropped, stemmed."""
    return [stem(w) for w in words(clean_text(text))]


# --- passages ------------------------------------------------------------------------

# A sentence ends at . ! ? (and closing quotes or brackets) followed by space,
# or at a line break; not after an abbreviation or an initial ("U.S. officials").
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+|\n\s*")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "maj",
        "st",
        "jr",
        "sr",
        "no",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "gov",
        "sen",
        "rep",
        "rev",
        "fig",
        "art",
        "para",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
_LAST_WORD = re.compile(r"([^\W\d_][\w.]*)\.$")


@dataclass(frozen=True)
class Passage:
    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Passage]:
    """Sentences with their character offsets in ``text``."""
    sentences: list[Passage] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        head = text[start : m.start() + 1]
        last = _LAST_WORD.search(head)
        if "\n" not in m.group() and last and m.group()[0] == ".":
            word = last.group(1).rstrip(".").casefold()
            if len(word) == 1 or "." in word or word in _ABBREVIATIONS:
                continue  # "U.S. troops", "Gen. Smith", "A. Smith"
        end = m.start() + len(m.group().rstrip())
        if text[start:end].strip():
            sentences.append(_trimmed(text, start, end))
        start = m.end()
    if text[start:].strip():
        sentences.append(_trimmed(text, start, len(text)))
    return sentences


def _trimmed(text: str, start: int, end: int) -> Passage:
    chunk = text[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    trail = len(chunk) - len(chunk.rstrip())
    return Passage(text[start + lead : end - trail], start + lead, end - trail)


def split_passages(text: str, max_words: int = 60) -> list[Passage]:
    """Overlapping windows of consecutive sentences, each up to ``max_words``
    words: one window starting at each sentence. A short text (a tweet, a
    debate sentence) is one passage; a long UN document yields one window per
    sentence, so a single sentence about a claim is still found. A sentence
    longer than ``max_words`` is cut into chunks of that many words."""
    return passage_windows(text, max_words)[0]


def passage_windows(text: str, max_words: int = 60) -> tuple[list[Passage], list[Passage], list[range]]:
    """``split_passages`` with what the windows are made of: (passages, units,
    spans), where ``units`` are the sentences (or chunks of long ones) and
    ``spans[n]`` the indices of the units passage ``n`` covers. Units are
    separated by whitespace only, so a passage's words are its units' words in
    order: the matcher analyses each unit once, not once per window."""
    units: list[Passage] = []
    for sentence in split_sentences(text):
        units.extend(_chunks(sentence, max_words))
    counts = [len(u.text.split()) for u in units]
    passages: list[Passage] = []
    spans: list[range] = []
    last_end = -1
    for i in range(len(units)):
        j, total = i, counts[i]
        while j + 1 < len(units) and total + counts[j + 1] <= max_words:
            j += 1
            total += counts[j]
        if units[j].end <= last_end:
            continue  # contained in the previous window
        start, end = units[i].start, units[j].end
        passages.append(Passage(text[start:end], start, end))
        spans.append(range(i, j + 1))
        last_end = end
    return passages, units, spans


_SPACED_WORD = re.compile(r"\S+")


def _chunks(sentence: Passage, max_words: int) -> list[Passage]:
    spans = [m.span() for m in _SPACED_WORD.finditer(sentence.text)]
    if len(spans) <= max_words:
        return [sentence]
    out = []
    for k in range(0, len(spans), max_words):
        a, b = spans[k][0], spans[min(k + max_words, len(spans)) - 1][1]
        out.append(Passage(sentence.text[a:b], sentence.start + a, sentence.start + b))
    return out
