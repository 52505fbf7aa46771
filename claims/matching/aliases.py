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

General rules of how reports name governments and their forces:
- a definite description ("the regime") also stands for itself with a name or
  an adjective before the noun ("the Assad regime", "the criminal regime"),
  unless that is another country's demonym ("the Turkish regime");
- a country's name used as a speaker or agent stands for a government named
  after the country ("Syria denies", "Syria used": the Syrian government),
  like an ambiguous alias;
- a government named after its leader ("the Assad government") is also named
  by the leader's forces: the name, possessive or not, before a noun of armed
  force ("Assad's forces", "Assads troops", "al-Assad's warplanes"), or
  "forces loyal to Assad";
- a name made of a country's demonym and a noun ("Syrian army", "Syrian
  opposition") also stands for the bare description ("the army", "the
  opposition") in a report that names that country and no other country whose
  actor has a name with the same noun (``find``'s ``countries``).
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
# A country named by its demonym or its name (one pass over a long report).
_DEMONYM_OF = {**{d: d for d in COUNTRIES}, **{c.casefold(): d for d, c in COUNTRIES.items()}}
_COUNTRY_NAME = {n: re.compile(rf"\b{re.escape(n)}\b") for n in _DEMONYM_OF}
_GOVERNMENT = re.compile(r"^(\w+) (government|regime)$")
# Nouns of armed force a leader's name stands before ("Assad's forces").
FORCE_NOUNS = frozenset(
    stem(w)
    for w in (
        "forces",
        "troops",
        "army",
        "military",
        "soldiers",
        "loyalists",
        "militias",
        "militia",
        "warplanes",
        "jets",
        "aircraft",
        "helicopters",
        "planes",
    )
)

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


# After a bare description's noun, the collective nouns that make it a name ("opposition groups").
COLLECTIVE = frozenset([*_SAME_HEAD.values(), stem("fighters")])


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
        # "assad" -> the government named after its leader; a noun -> the actors named "<demonym> <noun>"
        self._leaders: dict[str, AliasEntry] = {}
        self._bare: dict[str, list[tuple[AliasEntry, str]]] = {}
        for entry in aliases:
            government = _GOVERNMENT.match(normalize_name(entry.name))
            if government and government.group(1) in COUNTRIES:
                country = COUNTRIES[government.group(1)]
                metonyms.append(AliasEntry(entry.actor_id, country, ambiguous=True))
                # "Syria's government", also as feeds write it without the apostrophe ("Syrias government")
                for possessive in (country, f"{country}s"):
                    metonyms.append(AliasEntry(entry.actor_id, f"{possessive} {government.group(2)}"))
            elif government and entry.name[:1].isupper() and not entry.ambiguous:
                self._leaders.setdefault(government.group(1), entry)
                leader = entry.name.split()[0]
                metonyms.append(AliasEntry(entry.actor_id, leader, ambiguous=True))
            words = normalize_name(entry.name).split()
            if len(words) == 2 and words[0] in COUNTRIES and not entry.ambiguous:
                self._bare.setdefault(_key(words[1]), []).append((entry, words[0]))
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

    def countries(self, text: str) -> frozenset[str]:
        """The demonyms of the countries ``text`` names (by demonym or name): the
        context in which a bare description ("the army") is resolved."""
        folded = text.casefold()
        return frozenset(d for name, d in _DEMONYM_OF.items() if name in folded and _COUNTRY_NAME[name].search(folded))

    def find(self, text: str, countries: frozenset[str] | None = None) -> list[ActorMention]:
        """Actor mentions in ``text``, longest alias first, not overlapping.
        ``countries``: the demonyms of the countries the whole report names
        (``countries``), for the bare descriptions; by default those ``text`` names."""
        if not self._by_first:
            return []
        tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        normed = [_norm_token(t[0]) for t in tokens]
        keys = [_key(t[0]) for t in tokens]
        mentions: list[ActorMention] = []
        if self._bare and countries is None:
            countries = self.countries(text)
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
            if not matched:
                found = self._leader_at(tokens, normed, keys, i) or self._bare_at(normed, keys, i, countries)
                if found:
                    entry, matched = found
                    start, end = tokens[i][1], tokens[i + matched - 1][2]
                    if text[end - 1] == ".":
                        end -= 1
                    mentions.append(ActorMention(entry.actor_id, text[start:end], start, end))
            i += matched or 1
        return mentions

    def _leader(self, token: str, normed: str) -> AliasEntry | None:
        """The government named after the leader ``token`` names ("Assad's", "Assads", "al-Assad")."""
        if not self._leaders or not token.rsplit("-", 1)[-1][:1].isupper():
            return None
        name = normed.rsplit("-", 1)[-1]
        return self._leaders.get(name) or (self._leaders.get(name[:-1]) if name.endswith("s") else None)

    def _leader_at(self, tokens, normed, keys, i) -> tuple[AliasEntry, int] | None:
        """ "Assad's forces" (2 tokens) or "forces loyal to Assad" (4) at token ``i``."""
        if i + 1 < len(tokens) and keys[i + 1] in FORCE_NOUNS:
            entry = self._leader(tokens[i][0], normed[i])
            if entry:
                return entry, 2
        if keys[i] in FORCE_NOUNS and normed[i + 1 : i + 3] == ["loyal", "to"]:
            # the name may come after a title and a first name: "forces loyal to President Bashar al-Assad"
            for k in range(i + 3, min(i + 6, len(tokens))):
                entry = self._leader(tokens[k][0], normed[k])
                if entry:
                    return entry, k - i + 1
                if not tokens[k][0][:1].isupper():
                    break
        return None

    def _bare_at(self, normed, keys, i, countries) -> tuple[AliasEntry, int] | None:
        """ "the army", "opposition groups" at token ``i``, for the one actor named "<demonym> army" or
        "<demonym> opposition" whose country the report names."""
        if normed[i] == "the" and i + 1 < len(normed) and keys[i + 1] in self._bare:
            noun, size = keys[i + 1], 2
        elif keys[i] in self._bare and i + 1 < len(keys) and keys[i + 1] in COLLECTIVE:
            noun, size = keys[i], 2
        else:
            return None
        actors = {e.actor_id: e for e, demonym in self._bare[noun] if demonym in (countries or ())}
        if len(actors) != 1:
            return None
        return next(iter(actors.values())), size

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
