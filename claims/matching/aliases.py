"""Finding actors in text through their aliases.

Names are compared as ``claims.normalize.normalize_name`` compares them (case,
accents, dots and typographic quotes ignored). An alias marked ambiguous
("Damascus": the government and the city) counts only where it is used as a
speaker or agent, i.e. followed by a speech or action verb, optionally after
an auxiliary or adverb: "Damascus denies", "Damascus has repeatedly rejected",
but not "capturing Damascus" or "in Damascus". An alias spelled in capitals
("IS", "ISIL") matches only in capitals, so "is" the verb is never the Islamic State.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from claims.matching.text import stem
from claims.matching.types import AliasEntry
from claims.normalize import normalize_name

# Verbs by which an actor speaks or acts, as Snowball stems.
AGENT_VERBS = frozenset(
    stem(w)
    for w in [
        "say",
        "said",
        "says",
        "tell",
        "told",
        "state",
        "stated",
        "deny",
        "denied",
        "denies",
        "reject",
        "rejected",
        "refute",
        "refuted",
        "dismiss",
        "dismissed",
        "accuse",
        "accused",
        "blame",
        "blamed",
        "claim",
        "claimed",
        "allege",
        "alleged",
        "announce",
        "announced",
        "insist",
        "insisted",
        "acknowledge",
        "acknowledged",
        "admit",
        "admitted",
        "confirm",
        "confirmed",
        "warn",
        "warned",
        "condemn",
        "condemned",
        "respond",
        "responded",
        "reply",
        "replied",
        "argue",
        "argued",
        "maintain",
        "maintained",
        "agree",
        "agreed",
        "demand",
        "demanded",
        "vow",
        "vowed",
        "threaten",
        "threatened",
        "call",
        "called",
        "urge",
        "urged",
        "dispute",
        "disputed",
        "contest",
        "contested",
        "retract",
        "retracted",
        "protest",
        "protested",
        "launch",
        "launched",
        "attack",
        "attacked",
        "bomb",
        "bombed",
        "strike",
        "struck",
        "shell",
        "shelled",
        "use",
        "used",
        "order",
        "ordered",
        "conduct",
        "conducted",
        "carry",
        "carried",
        "deploy",
        "deployed",
        "drop",
        "dropped",
        "fire",
        "fired",
        "seize",
        "seized",
        "capture",
        "captured",
        "back",
        "backed",
        "support",
        "supported",
        "oppose",
        "opposed",
        "veto",
        "vetoed",
        "deliver",
        "delivered",
        "insists",
        "denies",
        "rejects",
        "accuses",
        "blames",
        "claims",
        "says",
    ]
)
# Words allowed between the alias and its verb.
_BRIDGE = frozenset(
    [
        "has",
        "have",
        "had",
        "is",
        "was",
        "were",
        "will",
        "would",
        "could",
        "may",
        "might",
        "also",
        "again",
        "repeatedly",
        "strongly",
        "flatly",
        "categorically",
        "swiftly",
        "quickly",
        "immediately",
        "officially",
        "publicly",
        "previously",
        "already",
        "then",
        "later",
        "did",
        "does",
        "do",
        "not",
        "never",
        "government",
        "authorities",
        "officials",
    ]
)
_BRIDGE_MAX = 2

_TOKEN = re.compile(r"[^\W_]+(?:[.'’\-][^\W_]+)*\.?")


@dataclass(frozen=True)
class ActorMention:
    actor_id: str | int
    alias: str  # as written in the text
    start: int
    end: int


@lru_cache(maxsize=100_000)
def _norm_token(token: str) -> str:
    # Cached: overlapping passages look up the same words again and again.
    token = normalize_name(token)
    if token.endswith("'s"):
        token = token[:-2]
    return token


class AliasIndex:
    """All aliases, looked up by their first normalised token."""

    def __init__(self, aliases: Iterable[AliasEntry]):
        self._by_first: dict[str, list[tuple[tuple[str, ...], AliasEntry, bool]]] = {}
        self.entries: list[AliasEntry] = []
        for entry in aliases:
            parts = tuple(_norm_token(t) for t in _TOKEN.findall(entry.name))
            parts = tuple(p for p in parts if p)
            if not parts:
                continue
            letters = [c for c in entry.name if c.isalpha()]
            case_sensitive = len(letters) >= 2 and all(c.isupper() for c in letters)
            self._by_first.setdefault(parts[0], []).append((parts, entry, case_sensitive))
            self.entries.append(entry)
        for candidates in self._by_first.values():
            candidates.sort(key=lambda c: -len(c[0]))  # longest alias first

    def __bool__(self) -> bool:
        return bool(self._by_first)

    def find(self, text: str) -> list[ActorMention]:
        """Actor mentions in ``text``, longest alias first, not overlapping."""
        if not self._by_first:
            return []
        tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        normed = [_norm_token(t[0]) for t in tokens]
        mentions: list[ActorMention] = []
        i = 0
        while i < len(tokens):
            matched = 0
            for parts, entry, case_sensitive in self._by_first.get(normed[i], ()):
                n = len(parts)
                if tuple(normed[i : i + n]) != parts:
                    continue
                if case_sensitive and not _same_capitals(tokens[i : i + n], entry.name):
                    continue
                if entry.ambiguous and not _used_as_agent(normed, i + n):
                    continue
                start, end = tokens[i][1], tokens[i + n - 1][2]
                if text[end - 1] == "." and not entry.name.endswith("."):
                    end -= 1  # the full stop of the sentence, not of the name
                mentions.append(ActorMention(entry.actor_id, text[start:end], start, end))
                matched = n
                break
            i += matched or 1
        return mentions


def _same_capitals(tokens: list[tuple[str, int, int]], name: str) -> bool:
    written = "".join(c for t in tokens for c in t[0] if c.isalpha())
    return written == "".join(c for c in name if c.isalpha())


def _used_as_agent(normed: list[str], after: int) -> bool:
    for k in range(after, min(after + _BRIDGE_MAX + 1, len(normed))):
        word = normed[k]
        if stem(word) in AGENT_VERBS:
            return True
        if word not in _BRIDGE:
            return False
    return False
