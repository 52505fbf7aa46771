"""Direction: whom a passage puts forward as having done the act.

Opposing attribution claims ("the government did it" / "rebels did it") share
nearly every word; what tells them apart is the role each actor plays in the
report's sentences. An actor mentioned as the one who acted or is accused of
acting ("accused the regime of", "rebels used", "carried out by ISIS",
"the army's chemical attack", "the government denied using") is put forward
as the *agent*. One that speaks about someone else ("the opposition accused
the army"), or only names a territory ("rebel-held", "held by the
government"), is not.

General English patterns over the words around a mention; nothing here knows
any actor, claim or incident.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from claims.matching.aliases import BRIDGE as ALIAS_BRIDGE
from claims.matching.aliases import ActorMention
from claims.matching.text import stem

Role = Literal["agent", "speaker", "territory", "mentioned"]

# Verbs whose subject did the act (stems).
ACT_VERBS = frozenset(
    stem(w)
    for w in (
        "use",
        "used",
        "using",
        "carried",
        "carry",
        "launch",
        "launched",
        "fire",
        "fired",
        "drop",
        "dropped",
        "deploy",
        "deployed",
        "commit",
        "committed",
        "perpetrate",
        "perpetrated",
        "stage",
        "staged",
        "attack",
        "attacked",
        "gas",
        "gassed",
        "bomb",
        "bombed",
        "shell",
        "shelled",
        "strike",
        "struck",
        "target",
        "targeted",
        "kill",
        "killed",
        "unleash",
        "unleashed",
        "conduct",
        "conducted",
        "behind",
        "responsible",
        "fabricate",
        "fabricated",
        "orchestrate",
        "orchestrated",
        "release",
        "released",
        "possess",
        "possessed",
        "smuggle",
        "smuggled",
        "produce",
        "produced",
        "hit",
        "bombard",
        "bombarded",
        "massacre",
        "massacred",
        "poison",
        "poisoned",
        # nouns of the act after the actor: "a rebel provocation", "an opposition plot"
        "provocation",
        "plot",
        "fabrication",
        "hoax",
        "ploy",
        "involvement",
        "culpability",
    )
)
# Verbs by which the subject disputes having acted: "denied using", "rejected
# responsibility". The denier is still the one the act is put to.
DENIAL_VERBS = frozenset(stem(w) for w in ("deny", "denied", "denies", "reject", "rejected", "dismiss", "dismissed"))
DENIAL_OBJECTS = frozenset(
    stem(w)
    for w in (
        "using",
        "use",
        "responsibility",
        "involvement",
        "carrying",
        "role",
        "launching",
        "firing",
        "dropping",
        "possessing",
        "behind",
        "responsible",
        "any",
        "all",
        "the",
        "accusations",
        "accusation",
        "allegations",
        "allegation",
        "charges",
        "charge",
        "claims",
        "reports",
        "it",
        "that",
        "having",
    )
)
# "accused X of", "blamed X for": the one speaking, and the one accused.
_ACCUSE = ("accuse", "accused", "accuses", "accusing", "blame", "blamed", "blames", "blaming")
SPEECH_VERBS = frozenset(
    stem(w)
    for w in (
        *_ACCUSE,
        "say",
        "said",
        "says",
        "claim",
        "claimed",
        "claims",
        "told",
        "tell",
        "report",
        "reported",
        "state",
        "stated",
        "announce",
        "announced",
        "allege",
        "alleged",
        "charge",
        "charged",
        "urge",
        "urged",
        "call",
        "called",
        "warn",
        "warned",
        "insist",
        "insisted",
        "condemn",
        "condemned",
    )
)
# Words before a mention that make it the accused: "accused X of", "blamed X for".
ACCUSING = frozenset(
    stem(w)
    for w in (
        *_ACCUSE,
        "implicate",
        "implicated",
        "implicating",
        "responsible",
        "culpability",
        "culprit",
        "culprits",
        "perpetrator",
        "perpetrators",
        "attributed",
        "attribute",
        "attributing",
        "pinned",
        "condemned",
        "condemn",
        "condemning",
        "punish",
        "punishing",
    )
)
# "by X" is the agent, unless the verb before "by" is one of these.
NOT_AGENT_BY = frozenset(
    stem(w)
    for w in (
        "backed",
        "supported",
        "funded",
        "armed",
        "held",
        "controlled",
        "sponsored",
        "run",
        "besieged",
        "surrounded",
        "recognized",
        "recognised",
        "accused",
        "denied",
        "blamed",
        "said",
        "reported",
        "claimed",
        "captured",
        "seized",
        "retaken",
    )
)
TERRITORY = frozenset(
    stem(w) for w in ("held", "controlled", "run", "dominated", "besieged", "occupied", "territory", "areas", "area")
)
POSSESSED = frozenset(
    stem(w)
    for w in (
        "chemical",
        "attack",
        "attacks",
        "use",
        "forces",
        "arsenal",
        "stockpile",
        "weapons",
        "helicopters",
        "warplanes",
        "jets",
        "aircraft",
        "army",
        "troops",
        "military",
        "fighters",
        "militants",
        "gas",
        "sarin",
        "chlorine",
        "rockets",
        "missiles",
        "shelling",
        "bombardment",
        "crime",
        "crimes",
        "massacre",
    )
)
# Words allowed between an agent and its verb ("rebels have repeatedly used"):
# those the alias finder allows, these, and any adverb in -ly.
BRIDGE = frozenset(
    stem(w)
    for w in (
        *ALIAS_BRIDGE,
        "are",
        "be",
        "been",
        "must",
        "allegedly",
        "reportedly",
        "apparently",
        "probably",
        "likely",
        "clearly",
        "indeed",
        "who",
        "which",
        "that",
        "forces",
        "fighters",
        "militants",
        "troops",
        "soldiers",
        "regime",
        "army",
        # the means an actor acts by: "government helicopters dropped"
        "helicopters",
        "helicopter",
        "warplanes",
        "warplane",
        "aircraft",
        "jets",
        "planes",
        "artillery",
        "out",
        "of",
        "the",
        "a",
        "long",
        "since",
        "group",
        "groups",
        "organization",
        "organisation",
        "terror",
        "terrorist",
        "terrorists",
        "members",
        "and",
        "or",
        "both",
        "even",
        "themselves",
        "itself",
    )
)
_TOKEN = re.compile(r"[^\W_]+(?:['’][st])?")
_WINDOW = 5


@dataclass(frozen=True)
class RoledMention:
    actor_id: str | int
    alias: str
    start: int
    end: int
    role: Role


def roles(text: str, mentions: Iterable[ActorMention]) -> list[RoledMention]:
    """The role each actor mention plays in ``text`` (a sentence or a passage)."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    starts = [t[1] for t in tokens]
    out = []
    for m in mentions:
        first = _index_at(starts, m.start)
        last = _index_at(starts, m.end - 1)
        out.append(RoledMention(m.actor_id, m.alias, m.start, m.end, _role(text, tokens, first, last, m)))
    return out


def _index_at(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts)
    while lo < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= offset:
            lo = mid + 1
        else:
            hi = mid
    return max(0, lo - 1)


def _word(tokens, i) -> str:
    return stem(tokens[i][0].casefold()) if 0 <= i < len(tokens) else ""


def _role(text: str, tokens, first: int, last: int, mention: ActorMention) -> Role:
    # ("rebel-held" is one word: the alias finder never sees a mention there.)
    before = [_word(tokens, i) for i in range(first - 1, max(-1, first - 2 * _WINDOW - 1), -1)]  # nearest first
    following = [_word(tokens, i) for i in range(last + 1, min(len(tokens), last + 1 + _WINDOW))]
    raw_after = tokens[last][0]
    if before[:1] == ["by"] and (len(before) < 2 or before[1] not in NOT_AGENT_BY):
        if len(before) >= 2 and before[1] in TERRITORY:
            return "territory"
        return "agent"
    if before[:2] in (["by", "held"], ["by", "control"], ["of", "control"], ["by", "run"]):
        return "territory"
    if following[:1] and following[0] in TERRITORY and following[0] not in ("area", "territori"):
        return "territory"
    if raw_after.endswith(("'s", "’s")) or (following[:1] == ["s"]):
        nxt = [w for w in following if w != "s"][:2]
        if any(w in POSSESSED for w in nxt):
            return "agent"
    if any(w in ACCUSING for w in before[:4]):
        return "agent"
    # "blamed the attack on X", "pinned it on X"
    if before[:1] == ["on"] and any(w in ACCUSING for w in before[1:8]):
        return "agent"
    for k, word in enumerate(following):
        raw = tokens[last + 1 + k][0].casefold()
        if word in ACT_VERBS:
            return "agent"
        if word in DENIAL_VERBS:
            rest = following[k + 1 : k + 3]
            return "agent" if any(w in DENIAL_OBJECTS for w in rest) or not rest else "speaker"
        if word in SPEECH_VERBS:
            # "the regime and the rebels blamed each other": each is accused too
            rest = following[k + 1 : k + 3]
            return "agent" if rest in (["each", "other"], ["one", "anoth"]) else "speaker"
        if word not in BRIDGE and not raw.endswith("ly"):
            break
    return "mentioned"
