"""Places: a general gazetteer of Syria (its governorates, major cities, and
the towns, districts and bases that recur in its conflict reporting), with
spelling variants and containment, and a finder for place names in text.

Written from general geographic knowledge; it knows nothing of any claim,
report or incident. Containment is what makes it useful: Zamalka is in the
Eastern Ghouta, which is in the Ghouta, which is in Rif Dimashq, so a report
naming Zamalka is about a place inside a claim's "Ghouta", and a report naming
only "the Damascus countryside" is about a place that contains it.

Names are compared through ``place_key``, a transliteration-tolerant key:
accents, apostrophes, hyphens, the Arabic article (al-, el-, ad-, ash-, ...),
doubled letters and the vowel spellings that vary between transliterations
(Khan Shaykhun = Khan Sheikhoun, Idlib = Idleb, Deir ez-Zor = Dayr az Zawr,
Hasakah = Hassakeh) are ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

# The table (gazetteer.txt): key | kind | parent key | names.
TABLE_PATH = Path(__file__).with_name("gazetteer.txt")

# A city's surroundings: "near Damascus", "outside Aleppo", "the Idlib
# countryside" name the governorate around the city, not the city itself.
_SURROUNDINGS = {"damascus": "rif-dimashq"}
_AROUND_BEFORE = (
    "near",
    "outside",
    "around",
    "outskirts",
    "suburbs",
    "countryside",
    "rural",
    "east",
    "west",
    "north",
    "south",
)
_AROUND_AFTER = ("suburbs", "suburb", "countryside", "outskirts", "province", "governorate", "region", "area")

_ARTICLES = frozenset(
    ["al", "el", "ad", "ed", "ar", "er", "as", "es", "ash", "esh", "at", "et", "az", "ez", "an", "en", "ul"]
)
_APOSTROPHES = re.compile(r"['’ʼʿʾ`´]")
_SEPARATORS = re.compile(r"[-‐‑–—./]")
_DOUBLE = re.compile(r"(.)\1+")
_TOKEN = re.compile(r"[^\W_]+(?:['’ʼʿ`\-][^\W_]+)*")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=100_000)
def token_key(token: str) -> str:
    """One word's transliteration-tolerant key ("" for the Arabic article):
    accents and apostrophes dropped, q = k, doubled letters single, ou = oo = u,
    ee = i, ei = ey = ai = ay, and a final -eh or -ah = -a. So Sheikhoun,
    Shaykhun and Sheikhun all give "shaykhun", Hasakeh and Hassakah "hasaka".
    Mild on purpose: a key must not turn common words into places."""
    word = _SEPARATORS.sub("", _APOSTROPHES.sub("", _plain(token)))
    if not word or word in _ARTICLES:
        return ""
    word = _DOUBLE.sub(r"\1", word.replace("q", "k"))
    for a, b in (("ou", "u"), ("oo", "u"), ("ee", "i"), ("ei", "ay"), ("ey", "ay"), ("ai", "ay")):
        word = word.replace(a, b)
    if len(word) > 3 and word.endswith(("eh", "ah")):
        word = word[:-2] + "a"
    return word


def place_key(name: str) -> tuple[str, ...]:
    """A place name's key: its words' keys, articles dropped ("al-Raqqa" = "Raqqa")."""
    keys = []
    for token in _TOKEN.findall(_SEPARATORS.sub(" ", name)):
        # "al-Raqqa", "Deir ez-Zor": the article may be joined by a hyphen
        for part in re.split(r"[-‐‑]", token):
            key = token_key(part)
            if key:
                keys.append(key)
    return tuple(keys)


@dataclass(frozen=True)
class Place:
    key: str
    kind: str
    parent: str | None
    names: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class PlaceMention:
    place: str  # a Place key
    text: str  # as written
    start: int
    end: int


class Gazetteer:
    def __init__(self, places: Iterable[Place]):
        self.places: dict[str, Place] = {}
        self._by_key: dict[tuple[str, ...], str] = {}
        self._exact: dict[str, str] = {}  # names that are also common words: matched as written
        self._longest = 1
        for place in places:
            self.places[place.key] = place
        for place in self.places.values():
            if place.parent is not None and place.parent not in self.places:
                raise ValueError(f"{place.key}: unknown parent {place.parent}")
            for name in place.names:
                if name.startswith("="):
                    self._exact[name[1:]] = place.key
                    continue
                key = place_key(name)
                if key:
                    # The first place listed under a key keeps it (a city before its district).
                    self._by_key.setdefault(key, place.key)
                    self._longest = max(self._longest, len(key))
        self._first: dict[str, list[tuple[str, ...]]] = {}
        for key in sorted(self._by_key, key=len, reverse=True):
            self._first.setdefault(key[0], []).append(key)

    def ancestors(self, key: str) -> list[str]:
        """The places containing ``key``, nearest first (not ``key`` itself)."""
        out = []
        parent = self.places[key].parent
        while parent is not None:
            out.append(parent)
            parent = self.places[parent].parent
        return out

    def depth(self, key: str) -> int:
        return len(self.ancestors(key))

    def within(self, key: str, container: str) -> bool:
        """Whether ``key`` is ``container`` or inside it."""
        return key == container or container in self.ancestors(key)

    def resolve(self, name: str) -> list[str]:
        """The places a name (an incident's place, "Ghouta, Damascus countryside")
        stands for: the most specific ones it names (Ghouta, not the countryside
        that contains it)."""
        found = list(dict.fromkeys(m.place for m in self.find(name)))
        return [p for p in found if not any(p != q and self._contains(p, q) for q in found)]

    def _contains(self, container: str, key: str) -> bool:
        # "Shayrat airbase, Homs": a city named after a place stands for its governorate.
        node = self.places[container]
        return self.within(key, container) or (node.kind == "city" and self.within(key, node.parent or container))

    def find(self, text: str) -> list[PlaceMention]:
        """Place names in ``text``, longest name first, not overlapping. A
        governorate capital after "near", "outside", "the suburbs of" or before
        "countryside", "province" is its surroundings (the governorate)."""
        tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        keys = [place_key(t[0]) for t in tokens]
        flat: list[tuple[str, int]] = []  # (word key, token index)
        for i, k in enumerate(keys):
            flat.extend((part, i) for part in k)
        mentions: list[PlaceMention] = []
        n = 0
        while n < len(flat):
            word, i = flat[n]
            matched = 0
            for key in self._first.get(word, ()):
                size = len(key)
                if tuple(w for w, _ in flat[n : n + size]) != key:
                    continue
                j = flat[n + size - 1][1]
                place = self._by_key[key]
                place = self._surroundings(place, tokens, i, j)
                mentions.append(PlaceMention(place, text[tokens[i][1] : tokens[j][2]], tokens[i][1], tokens[j][2]))
                matched = size
                break
            if not matched:
                exact = self._exact.get(tokens[i][0])
                if exact is not None:
                    mentions.append(PlaceMention(exact, tokens[i][0], tokens[i][1], tokens[i][2]))
            n += matched or 1
        return mentions

    def _surroundings(self, place: str, tokens, i: int, j: int) -> str:
        node = self.places[place]
        if node.kind != "city":
            return place
        before = {t[0].casefold() for t in tokens[max(0, i - 3) : i]}
        after = tokens[j + 1][0].casefold() if j + 1 < len(tokens) else ""
        if before & set(_AROUND_BEFORE) or after in _AROUND_AFTER:
            return _SURROUNDINGS.get(place, node.parent or place)
        return place


def _parse(table: str) -> list[Place]:
    places = []
    for line in table.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, kind, parent, names = (part.strip() for part in line.split("|"))
        places.append(Place(key, kind, parent or None, tuple(n.strip() for n in names.split(";") if n.strip())))
    return places


@cache
def gazetteer() -> Gazetteer:
    """The shipped gazetteer (built once per process)."""
    return Gazetteer(_parse(TABLE_PATH.read_text(encoding="utf-8")))
