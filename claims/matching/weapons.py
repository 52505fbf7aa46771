"""Weapons and agents: a general vocabulary of the means by which an incident
happened (chemical agents, missile and air strikes, barrel bombs, shelling...),
and a finder for them in text.

Written from general knowledge of how conflict reporting names these things,
not from any claim or report. A claim about a chemical attack is about one
whatever else it shares with a report: the vocabulary is what lets the
matcher require it. Phrases are matched on word stems, so plurals and verb
forms count ("missiles", "gassed").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from claims.matching.text import stem

# class -> {agent (or "" for the class's general words): phrases}. An agent is
# what a claim may name specifically (sarin); the class is what a report must
# name at least (a sarin claim is matched by "chemical attack" too).
VOCABULARY: dict[str, dict[str, tuple[str, ...]]] = {
    "chemical": {
        "": (
            "chemical",
            "chemicals",
            "chemical weapons",
            "toxic gas",
            "toxic gases",
            "toxic substance",
            "toxic substances",
            "toxic chemical",
            "toxic agent",
            "toxic fumes",
            "poison gas",
            "poisonous gas",
            "poisonous gases",
            "poisonous substance",
            "poisoned gas",
            "gas attack",
            "gas bomb",
            "gas canister",
            "gas cylinder",
            "gas shell",
            "gas munition",
            "gas rocket",
            "gassed",
            "gassing",
            "nerve agent",
            "nerve gas",
            "asphyxiation",
            "suffocation",
            "suffocating",
            "choking agent",
            "blister agent",
            "opcw",
            "decontamination",
            "gas mask",
            "organophosphate",
        ),
        "sarin": ("sarin", "cyclosarin"),
        "chlorine": ("chlorine", "chlorine gas", "bleach"),
        "mustard": ("mustard", "mustard gas", "sulfur mustard", "sulphur mustard", "yperite"),
        "vx": ("vx",),
        "tabun": ("tabun",),
        "soman": ("soman",),
        "phosgene": ("phosgene",),
        "cyanide": ("cyanide", "hydrogen cyanide"),
        "ricin": ("ricin",),
    },
    "missile": {
        "": ("missile", "cruise missile", "ballistic missile", "tomahawk", "missile strike"),
    },
    "rocket": {
        "": ("rocket", "rockets", "rocket fire", "rocket launcher", "grad rocket", "rocket attack"),
    },
    "air strike": {
        "": (
            "air strike",
            "airstrike",
            "air raid",
            "airraid",
            "aerial bombardment",
            "aerial bombing",
            "aerial attack",
            "air attack",
            "warplane",
            "war plane",
            "fighter jet",
            "jets",
            "bomber",
            "air campaign",
            "sortie",
            "bombing raid",
            "helicopter gunship",
        ),
    },
    "barrel bomb": {
        "": ("barrel bomb", "barrel bombs", "explosive barrel", "barrel bombing"),
    },
    "shelling": {
        "": ("shelling", "shelled", "artillery", "mortar", "mortars", "tank fire"),
    },
    "explosive": {
        "": (
            "car bomb",
            "suicide bomb",
            "suicide bomber",
            "suicide bombing",
            "bomb blast",
            "explosion",
            "explosive device",
            "ied",
            "booby trap",
            "landmine",
            "blast",
        ),
    },
    "incendiary": {
        "": ("incendiary", "white phosphorus", "napalm", "thermite"),
    },
    "cluster munition": {
        "": ("cluster munition", "cluster bomb", "submunition", "bomblet"),
    },
    "thermobaric": {
        "": ("thermobaric", "vacuum bomb", "fuel air bomb"),
    },
    "massacre": {
        "": ("massacre", "mass killing", "execution", "executed", "beheading", "beheaded", "shot dead", "mass grave"),
    },
    "siege": {
        "": ("siege", "besieged", "starvation", "starving", "blockade"),
    },
}
# Words after which a "gas" phrase is not a weapon: tear gas is riot control,
# the rest is fuel.
NOT_AFTER = frozenset(stem(w) for w in ("tear", "natural", "cooking", "liquefied", "shale", "fuel"))
# Agents whose name is also a common word or initials: matched only in capitals.
CAPITALS_ONLY = frozenset(["vx", "ied", "opcw"])

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class WeaponMention:
    weapon: str  # the class
    agent: str  # the specific agent, or ""
    text: str
    start: int
    end: int


@cache
def _phrases() -> dict[str, list[tuple[tuple[str, ...], str, str, bool]]]:
    """First stem -> [(stems, class, agent, capitals only)], longest first."""
    table: dict[str, list[tuple[tuple[str, ...], str, str, bool]]] = {}
    for weapon, agents in VOCABULARY.items():
        for agent, phrases in agents.items():
            for phrase in phrases:
                stems = tuple(stem(w) for w in _WORD.findall(phrase.casefold()))
                table.setdefault(stems[0], []).append((stems, weapon, agent, phrase in CAPITALS_ONLY))
    for entries in table.values():
        entries.sort(key=lambda e: -len(e[0]))
    return table


def find_weapons(text: str) -> list[WeaponMention]:
    """Weapon and agent mentions in ``text``, longest phrase first, not overlapping."""
    tokens = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
    stems = [stem(t[0].casefold()) for t in tokens]
    table = _phrases()
    out: list[WeaponMention] = []
    i = 0
    while i < len(tokens):
        matched = 0
        for phrase, weapon, agent, capitals in table.get(stems[i], ()):
            n = len(phrase)
            if tuple(stems[i : i + n]) != phrase:
                continue
            if capitals and not tokens[i][0].isupper():
                continue
            if "gas" in phrase and i > 0 and stems[i - 1] in NOT_AFTER:
                continue
            start, end = tokens[i][1], tokens[i + n - 1][2]
            out.append(WeaponMention(weapon, agent, text[start:end], start, end))
            matched = n
            break
        i += matched or 1
    return out


def weapons_named(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The weapon classes and the specific agents ``text`` names, in order of
    first mention: what a claim or an incident is about."""
    found = find_weapons(text)
    return tuple(dict.fromkeys(m.weapon for m in found)), tuple(dict.fromkeys(m.agent for m in found if m.agent))
