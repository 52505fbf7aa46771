"""Finding actors in text through their aliases.

Names are compared as ``claims.normalize.normalize_name`` compares them (case,
accents, dots and typographic quotes ignored), word by word on stems, so an
alias's plural or singular counts ("rebels" = "rebel forces"' "rebel"), and
the collective nouns names use interchangeably are one ("terrorist groups" =
"terrorist organizations"; "Syrian troops" = "Syrian forces"). An alias marked ambiguous
("Damascus": the government and the city) counts only where it is used as a
speaker or agent, i.e. followed by a speech or action verb, optionally after
an auxiliary or adverb: "Damascus denies", "Damascus has repeatedly rejected",
but not "capturing Damascus" or "in Damascus". An alias spelled in capitals
("IS", "ISIL") matches only in capitals, so "is" the verb is never the Islamic State.

Two general rules of how reports name governments: a definite description
("the regime") also stands for itself with a name or an adjective before the
noun ("the Assad regime", "the criminal regime"), unless that is another
country's demonym ("the Turkish regime"); and a country's name used as a
speaker or agent stands for a government named after the country ("Syria
denies", "Syria used": the Syrian government), like an ambiguous alias.
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
BRIDGE = frozenset(
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

# Countries by demonym (general knowledge): the governments' metonymy, and whose regime is whose.
COUNTRIES = {
    "afghan": "Afghanistan",
    "american": "America",
    "bahraini": "Bahrain",
    "british": "Britain",
    "chinese": "China",
    "egyptian": "Egypt",
    "emirati": "Emirates",
    "french": "France",
    "german": "Germany",
    "iranian": "Iran",
    "iraqi": "Iraq",
    "israeli": "Israel",
    "jordanian": "Jordan",
    "kuwaiti": "Kuwait",
    "lebanese": "Lebanon",
    "libyan": "Libya",
    "pakistani": "Pakistan",
    "qatari": "Qatar",
    "russian": "Russia",
    "saudi": "Saudi Arabia",
    "sudanese": "Sudan",
    "syrian": "Syria",
    "turkish": "Turkey",
    "ukrainian": "Ukraine",
    "yemeni": "Yemen",
}
_GOVERNMENT = re.compile(r"^(\w+) (government|regime)$")

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


# Collective nouns that names use interchangeably, by stem.
_SAME_HEAD = {
    stem(word): stem(canonical)
    for canonical, words in {
        "group": ("group", "groups", "organization", "organizations", "organisation", "organisations", "faction"),
        "forces": ("forces", "force", "troops"),
    }.items()
    for word in words
}


@lru_cache(maxsize=100_000)
def _key(token: str) -> str:
    """What a word is compared by: its normalised stem, collective nouns as one."""
    stemmed = stem(_norm_token(token))
    return _SAME_HEAD.get(stemmed, stemmed)


class AliasIndex:
    """All aliases, looked up by their first normalised token."""

    def __init__(self, aliases: Iterable[AliasEntry]):
        self._by_first: dict[str, list[tuple[tuple[str, ...], AliasEntry, bool]]] = {}
        self.entries: list[AliasEntry] = []
        # "the regime" -> its noun, with the demonyms the actor's own names use
        self._described: dict[str, tuple[AliasEntry, set[str]]] = {}
        aliases = list(aliases)
        own: dict = {}
        for entry in aliases:
            own.setdefault(entry.actor_id, set()).update(
                w for w in normalize_name(entry.name).split() if w in COUNTRIES
            )
        metonyms = []
        for entry in aliases:
            government = _GOVERNMENT.match(normalize_name(entry.name))
            if government and government.group(1) in COUNTRIES:
                metonyms.append(AliasEntry(entry.actor_id, COUNTRIES[government.group(1)], ambiguous=True))
        for entry in [*aliases, *dict.fromkeys(metonyms)]:
            parts = tuple(_key(t) for t in _TOKEN.findall(entry.name) if _norm_token(t))
            if not parts:
                continue
            letters = [c for c in entry.name if c.isalpha()]
            case_sensitive = len(letters) >= 2 and all(c.isupper() for c in letters)
            self._by_first.setdefault(parts[0], []).append((parts, entry, case_sensitive))
            self.entries.append(entry)
            if len(parts) == 2 and parts[0] == "the" and not entry.ambiguous:
                self._described.setdefault(parts[1], (entry, own.get(entry.actor_id, set())))
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
        keys = [_key(t[0]) for t in tokens]
        mentions: list[ActorMention] = []
        i = 0
        while i < len(tokens):
            matched = 0
            for parts, entry, case_sensitive in self._by_first.get(keys[i], ()):
                n = len(parts)
                if tuple(keys[i : i + n]) != parts:
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
            if not matched and keys[i] in self._described:
                described = self._described_at(tokens, normed, i, mentions)
                if described:
                    entry, first = described
                    start, end = tokens[first][1], tokens[i][2]
                    mentions.append(ActorMention(entry.actor_id, text[start:end], start, end))
            i += matched or 1
        return mentions

    def _described_at(self, tokens, normed, i, mentions) -> tuple[AliasEntry, int] | None:
        """ "the Assad regime", "the criminal regime", "Assad's regime" for the alias "the regime"."""
        if i == 0 or (mentions and mentions[-1].end > tokens[i - 1][1]):
            return None
        entry, own = self._described[_key(tokens[i][0])]
        modifier = normed[i - 1]
        if modifier in COUNTRIES and modifier not in own:
            return None  # another country's regime
        if tokens[i - 1][0][:1].isupper() and modifier not in ("the", "a"):
            return entry, i - 2 if i >= 2 and normed[i - 2] == "the" else i - 1
        if i >= 2 and normed[i - 2] == "the" and modifier.isalpha():
            return entry, i - 2
        return None


def _same_capitals(tokens: list[tuple[str, int, int]], name: str) -> bool:
    written = "".join(c for t in tokens for c in t[0] if c.isalpha())
    return written == "".join(c for c in name if c.isalpha())


def _used_as_agent(normed: list[str], after: int) -> bool:
    for k in range(after, min(after + _BRIDGE_MAX + 1, len(normed))):
        word = normed[k]
        if stem(word) in AGENT_VERBS:
            return True
        if word not in BRIDGE:
            return False
    return False
