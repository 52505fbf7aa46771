"""Suggested stances: who takes which position on a claim in a flagged passage.

Pure Python over plain data (no Django). For a flag's passage, the report's
sentences that overlap it are read one by one; each *cue* (a verb or phrase
by which someone takes a position) gives at most one suggestion per actor
holding it. Everything here is general English; nothing knows any actor,
claim or incident. The rules, in the order they are tried on the clause a
cue opens (the cue to the next cue, or to a dash or semicolon):

1. **retracts**: "retracted", "withdrew", "walked back", "backtracked".
2. **calls for investigation**: "called for / urged / demanded an
   investigation (inquiry, probe)", "supports efforts (the need) to uncover
   (find, identify, investigate, assign blame)", "backs efforts to".
3. **acknowledges without attributing**: "established (confirmed, found,
   concluded) that ... used", followed by "has not assigned blame", "without
   attributing" ...: for an attribution claim; for any other claim the
   finding *asserts* it, with its confidence wording.
4. **disputes** (the evidence or the process): "insufficient (no, not enough,
   lack of) evidence", "illegitimate", "politicised", "cast doubt",
   "questioned", "disputed", "unfounded" (unless the word is the claim's
   own: "the caliphate is illegitimate").
5. **denies**: "denies", "rejected", "dismissed", "refuted" (and "not
   true", "false", "hoax", "fake", "debunked").

Calls to find who is behind it, and denials or disputes of a charge or of
culpability, are positions on *who did it*: they are suggested for an
attribution claim only, never for the event it is about.
6. **accuses**: "accused (blamed, held responsible) X of / for", "blamed it
   on X": *asserts* when X is the attribution claim's alleged perpetrator or
   one of the actors under it (its armed forces); when the holder is the
   perpetrator itself blaming another, *denies*; otherwise nothing (an
   accusation of someone else is another claim's).
7. **says**: a speech verb ("said", "insisted", "stated", "told",
   "announced", "confirmed", "claimed", "called") whose clause shares words
   with the claim *asserts* it (for an attribution claim only where the
   clause names the perpetrator as well), counting two of the claim's words
   beyond the names of the actors in the sentence; a negation of a claim
   word ("did not use", "has not been arrested") makes it *denies*.

**Who holds the position** is the cue's subject: the actor mentions (through
the aliases, and in that position also an alias marked ambiguous: "Damascus
denies") ending right before the cue, past auxiliaries and adverbs ("has
repeatedly"), a bracketed acronym ("(OPCW)") and an apposition ("Russia, a
top ally of ..., has said"), with those joined to it by "and", commas,
"along with", "as well as" ("The U.S., along with France and Britain, has
accused": three holders). Reported speech at the end of a sentence ("...,”
Churkin said", "..., said Churkin") has its subject after the quote. A person
who speaks for an actor (the actor hierarchy: Churkin under Russia) gives
that actor, with the person as the speaker; an unnamed speaker ("a Security
Council diplomat said") is kept as a description. **Outlet deferral**: a
speaker's report whose complement holds another position ("AFP reports that
Russia insists", "a diplomat said that Russia supported efforts") is that
other holder's, with a person or an unnamed speaker kept as its speaker; an
outlet (a media actor) holds a position only where it reports in its own
voice, and the report's own outlet never does.

**Quote**: the words in quotation marks the cue introduces or closes, else
the clause, as a verbatim span of the text with its offsets. **Date**: a full
date the sentence gives ("on 5 September 2013"), else the report's.
**Confidence wording**: the scale's phrases ("high degree of confidence",
"reasonable grounds to believe", "established") as written. **Score**: the
rule's reliability, raised when the clause shares words with the claim,
lowered for an unnamed speaker, in [0, 1].

``stance_voice.text_position`` is the same reading for a text's own voice (no holder):
what a headline says about a claim, as the evaluation on Emergent and FNC-1
reads it.
"""

from __future__ import annotations

import bisect
import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from claims.matching.aliases import ActorMention, AliasIndex
from claims.matching.dates import find_dates
from claims.matching.text import Passage, analyze, split_sentences, stem
from claims.matching.types import AliasEntry

SUGGESTER_VERSION = "stance-rules-1"

ASSERTS, DENIES, DISPUTES = "asserts", "denies", "disputes"
ACKNOWLEDGES, RETRACTS, CALLS = "acknowledges", "retracts", "calls_investigation"
POSITIONS = (ASSERTS, DENIES, DISPUTES, ACKNOWLEDGES, RETRACTS, CALLS)


@dataclass(frozen=True)
class ActorInfo:
    """What the suggester needs of an actor: its kind and whom it belongs to."""

    id: str | int
    name: str
    kind: str = ""  # Actor.Kind: "person", "media", "state", ...
    parent_id: str | int | None = None


@dataclass(frozen=True)
class ClaimInfo:
    id: str | int
    title: str
    text: str
    kind: str = ""  # "attribution", "event", ...
    perpetrator_id: str | int | None = None


@dataclass(frozen=True)
class Suggestion:
    """One proposed stance. Offsets are in the text given to ``suggest``."""

    actor_id: str | int | None
    position: str
    quote: str
    quote_start: int
    quote_end: int
    quote_verbatim: bool  # in quotation marks: the holder's own words
    speaker_id: str | int | None = None
    speaker: str = ""  # the person's name as written, or "a Security Council diplomat"
    stated_on: datetime.date | None = None
    stated_precision: str = "day"
    confidence_wording: str = ""
    score: float = 0.0
    rule: str = ""
    version: str = SUGGESTER_VERSION

    def as_dict(self) -> dict:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["stated_on"] = self.stated_on.isoformat() if self.stated_on else None
        return out


# --- cues ---------------------------------------------------------------------------

_W = r"[\w’'-]+"
RETRACT_CUES = r"retract(?:s|ed|ing)?|withdr(?:ew|awn|aws)|walk(?:s|ed)? back|backtrack(?:s|ed)?"
_CALL = (
    r"(?:call(?:s|ed)?|urg(?:es|ed|e)|demand(?:s|ed)?|ask(?:s|ed)?|press(?:es|ed)?)\s+for\s+(?:an?\s+|the\s+)?"
    rf"(?:{_W}\s+){{0,3}}(?:investigation|inquiry|enquiry|probe|accountability|fact-finding)"
    r"|(?:support(?:s|ed)?|back(?:s|ed)?|lent\s+its\s+support\s+to|lends?\s+(?:its\s+)?support\s+to)\s+"
    r"(?:the\s+)?(?:need|efforts?|moves?|calls?|bids?)?\s*(?:to|for)\s+"
    r"(?:find|uncover|identify|investigat\w*|assign\w*|attribut\w*|establish\w*)"
)
_ESTABLISH = r"establish(?:es|ed)?|confirm(?:s|ed)?|conclud(?:es|ed)|f[io]und|determin(?:es|ed)|verif(?:y|ies|ied)"
_NO_BLAME = (
    r"(?:has|have|had|did|does|do|is|was)?\s*(?:not|n[o’']t|never)\s+(?:yet\s+)?"
    r"(?:assign(?:ed)?|attribut(?:e|ed)|apportion(?:ed)?|nam(?:e|ed)|identif(?:y|ied)|blam(?:e|ed)|say\s+who)"
    r"|without\s+(?:assigning|attributing|naming|apportioning|identifying|blaming)"
)
_DISPUTE = (
    r"(?:insufficient|no|not\s+enough|lack\s+of|little|scant)\s+(?:\w+\s+)?(?:evidence|proof)"
    r"|illegitimate|politici[sz]ed|cast(?:s|ing)?\s+doubt|question(?:s|ed)|disput(?:es|ed|e)"
    r"|contest(?:s|ed)|unfounded|unsubstantiated|biased"
)
DENY_CUES = (
    r"den(?:y|ies|ied)|reject(?:s|ed)?|dismiss(?:es|ed)?|refut(?:es|ed|e)|rebuff(?:s|ed)?"
    r"|not\s+true|false|hoax|fake|debunk(?:s|ed)?|fabricat(?:ed|ion)"
)
_ACCUSE = r"accus(?:es|ed|e|ing)|blam(?:es|ed|e|ing)|held\s+responsible|holds?\s+responsible|implicat(?:es|ed)"
_SAY = (
    r"sa(?:ys|id|y)|insist(?:s|ed)?|stat(?:es|ed)|t[eo]ld|tells|announc(?:es|ed)|confirm(?:s|ed)?|claim(?:s|ed)?"
    r"|call(?:s|ed)|assert(?:s|ed)?|maintain(?:s|ed)?|argu(?:es|ed)|warn(?:s|ed)|report(?:s|ed)?|writ(?:es|ten)|wrote"
    r"|conclud(?:es|ed)|establish(?:es|ed)|found|finds|acknowledg(?:es|ed)|admit(?:s|ted)"
)
_CUE = re.compile(
    rf"\b(?:(?P<retracts>{RETRACT_CUES})|(?P<calls>{_CALL})|(?P<denies>{DENY_CUES})|(?P<accuses>{_ACCUSE})"
    rf"|(?P<says>{_SAY}))\b",
    re.IGNORECASE,
)
_REPORTING = re.compile(r"^(?:sa(?:ys|id|y)|t[eo]ld|tells|report(?:s|ed)?|writ(?:es|ten)|wrote|claim(?:s|ed)?)$", re.I)
_WHO_DID_IT = r"\b(?:behind|blame|culpab\w*|culprits?|responsib\w*|perpetrators?|attribut\w*)\b"
_ACCUSATION = r"\b(?:charges?|accusations?|allegations?|responsibility|involvement|blame|culpability)\b"
_CLAUSE_END = re.compile(r"\s[–—-]\s|;\s")
_NEGATION = re.compile(r"\b(?:not|n[o’']t|never|no)\b|\w+n[’']t\b", re.IGNORECASE)

# What may stand between a holder and its verb: auxiliaries, adverbs, time.
_BRIDGE = re.compile(
    r"(?:\s+|^)(?:has|have|had|is|was|were|will|would|could|may|might|also|again|already|then|later|now|thus\s+far|"
    r"so\s+far|in\s+a\s+statement|on\s+\w+day|yesterday|today|last\s+\w+|officially|publicly|\w+ly|did|does|do|"
    r"government|officials|authorities|spokes(?:man|woman|person)|envoy|ambassador|leader|chief|minister)\s*$",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\s*\([^()]{1,40}\)\s*$")
_APPOSITION = re.compile(r",\s*(?:a|an|the|who|which|whose|its|his|her)\b[^,“”\"]{1,160},\s*$", re.IGNORECASE)
_JOIN = re.compile(r"(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s*,?\s*(?:along|together)\s+with\s+|\s*,?\s*as\s+well\s+as\s+)$")
_UNNAMED = re.compile(
    r"\b(?P<who>(?:an?|the|one|two|several)\s+(?:[\w.’'-]+\s+){0,4}?"
    r"(?:diplomats?|officials?|spokes(?:man|woman|person)|sources?|envoys?|ambassadors?|ministers?|"
    r"commanders?|officers?|activists?|residents?|witnesses?|investigators?|inspectors?|experts?))\s*$",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[“\"](?P<q>[^“”\"]{3,})[”\"]")
# DOMAIN.md's scale, and a body's verb of finding.
CONFIDENCE_WORDING = (
    "comprehensively confirmed",
    "high degree of confidence",
    "reasonable grounds to believe",
    "sufficient information to conclude",
    "credibly substantiated",
    "unverified allegation",
    "confirmed",
    "likely",
)
_CONFIDENCE = re.compile(
    r"\b(?:" + "|".join(re.escape(w) for w in CONFIDENCE_WORDING) + r"|(?:has|have)\s+(?:already\s+)?established)\b",
    re.IGNORECASE,
)

# A rule's reliability before the clause is compared with the claim.
_BASE = {
    RETRACTS: 0.6,
    CALLS: 0.7,
    ACKNOWLEDGES: 0.7,
    DISPUTES: 0.65,
    DENIES: 0.7,
    "accuses": 0.8,
    "says": 0.5,
}


@dataclass
class _Holder:
    mentions: list[ActorMention] = field(default_factory=list)
    unnamed: str = ""
    after: bool = False  # the subject follows the verb ("..., said Churkin")
    verb_at: int = -1  # where the holder's verb phrase starts ("has repeatedly said")


class Suggester:
    """Suggests stances with one alias index and actor table (build it once
    per claim index, as the matcher is)."""

    def __init__(self, aliases: AliasIndex, actors: Mapping[str | int, ActorInfo]):
        self.aliases = aliases
        # In a holder's place an ambiguous alias is a holder ("Damascus denies",
        # "The U.S., along with France, ..."): the syntax has settled it.
        self._holders = AliasIndex(AliasEntry(e.actor_id, e.name) for e in aliases.entries)
        self.actors = actors

    # --- the family of an actor --------------------------------------------------------

    def _under(self, actor_id, ancestor_id) -> bool:
        seen = set()
        while actor_id is not None and actor_id not in seen:
            if actor_id == ancestor_id:
                return True
            seen.add(actor_id)
            info = self.actors.get(actor_id)
            actor_id = info.parent_id if info else None
        return False

    def _speaking_for(self, actor_id) -> tuple[str | int, str | int | None]:
        """(the actor holding the position, the person speaking for it or None)."""
        info = self.actors.get(actor_id)
        if info and info.kind == "person" and info.parent_id is not None:
            return info.parent_id, actor_id
        return actor_id, None

    # --- reading -------------------------------------------------------------------------

    def suggest(
        self,
        text: str,
        start: int,
        end: int,
        claim: ClaimInfo,
        *,
        published: datetime.date | None = None,
        published_precision: str = "day",
        outlet_ids: Iterable[str | int] = (),
        sentences: Sequence[Passage] | None = None,
    ) -> list[Suggestion]:
        """The stances the sentences of ``text`` overlapping ``[start, end)``
        (a flag's passage) take on ``claim``, best first, one per actor,
        position and speaker. ``outlet_ids``: the report's own outlet(s),
        never a holder. ``sentences``: ``split_sentences(text)``, when the
        caller reads many passages of one text."""
        outlets = set(outlet_ids)
        claim_terms = set(analyze(f"{claim.title} {claim.text}"))
        found: dict[tuple, Suggestion] = {}
        sentences = split_sentences(text) if sentences is None else sentences
        # The sentences overlapping the passage, found by bisection (a long report has
        # thousands, and each of its flags' passages is read), with the one before.
        first = bisect.bisect_right(sentences, start, key=lambda p: p.end)
        previous = sentences[first - 1].text if first else ""
        for sentence in (sentences[i] for i in range(first, len(sentences))):
            if sentence.start >= end:
                break
            context, previous = previous, sentence.text
            for s in self._sentence(sentence.text, sentence.start, claim, claim_terms, outlets, context):
                s = _dated(s, sentence.text, published, published_precision)
                key = (s.actor_id, s.position, s.speaker_id or s.speaker)
                if key not in found or found[key].score < s.score:
                    found[key] = s
        return sorted(found.values(), key=lambda s: (-s.score, s.quote_start))

    def _sentence(
        self, sentence: str, offset: int, claim: ClaimInfo, terms: set[str], outlets: set, context: str
    ) -> list[Suggestion]:
        cues = list(_CUE.finditer(sentence))
        if not cues:
            return []
        strict = self.aliases.find(sentence)
        loose = self._holders.find(sentence)
        holders = [self._holder(sentence, cue, loose) for cue in cues]
        # A cue in a quotation with no holder of its own ("“We support ...,”
        # Churkin said") is held by the one the quotation is said by.
        for i, cue in enumerate(cues):
            if not holders[i].mentions and not holders[i].unnamed:
                for j, closing in enumerate(cues):
                    if j != i and _REPORTING.match(closing.group()) and _in_quote_closed_by(cue, closing, sentence):
                        holders[i] = holders[j]
        shared = terms & set(analyze(sentence))
        near = shared or terms & set(analyze(context))
        out: list[Suggestion] = []
        # "X said that Y denied ...": Y's position, X its speaker; X's own cue says nothing more.
        deferred_to: dict[int, _Holder] = {}
        reporters: set[int] = set()
        for i, cue in enumerate(cues):
            if cue.lastgroup == "says" and _REPORTING.match(cue.group()):
                for j in range(len(cues)):
                    if (
                        j != i
                        and holders[j] is not holders[i]
                        and holders[j].mentions
                        and _inside(cues[j], cue, sentence)
                    ):
                        deferred_to.setdefault(j, holders[i])
                        reporters.add(i)
        produced: set[int] = set()
        for i, cue in enumerate(cues):
            kind = cue.lastgroup or ""
            holder = holders[i]
            if i in reporters:
                continue
            if not holder.mentions and not holder.unnamed:
                continue
            following = cues[i + 1] if i + 1 < len(cues) and not holders[i + 1].after else None
            clause = _clause(sentence, cue, following)
            quote, q_start, verbatim = _quote(sentence, cue, clause, holder)
            position, rule = self._position(
                kind, sentence, cue, clause, quote if verbatim else "", claim, terms, holder, strict
            )
            if position is None or (rule != "accuses" and not near):
                continue
            if verbatim and id(holder) in produced:
                continue  # "“We support ...,” Churkin said": the quotation's cue has said it
            produced.add(id(holder))
            score = _BASE[rule] + min(len(shared), 3) * 0.07 - (0.1 if not shared else 0.0)
            for actor_id, speaker_id, speaker in self._holders_of(holder, deferred_to.get(i)):
                if actor_id is None or actor_id in outlets or self._is_outlet_of(actor_id, outlets):
                    continue
                out.append(
                    Suggestion(
                        actor_id=actor_id,
                        position=position,
                        quote=quote,
                        quote_start=offset + q_start,
                        quote_end=offset + q_start + len(quote),
                        quote_verbatim=verbatim,
                        speaker_id=speaker_id,
                        speaker=speaker,
                        confidence_wording=_confidence(sentence[clause[0] : clause[1]]),
                        score=round(max(0.0, min(1.0, score - (0.1 if holder.unnamed else 0.0))), 3),
                        rule=rule,
                    )
                )
        return out

    def _is_outlet_of(self, actor_id, outlets: set) -> bool:
        return any(self._under(o, actor_id) and self.actors.get(o, ActorInfo(o, "")).kind == "media" for o in outlets)

    def _holders_of(self, holder: _Holder, outer: _Holder | None):
        """(actor, speaker id, speaker as written) for each holder of a cue."""
        outer_speaker, outer_id = "", None
        if outer is not None:
            if outer.mentions:
                first = outer.mentions[0]
                info = self.actors.get(first.actor_id)
                if info and info.kind == "person":
                    outer_speaker, outer_id = first.alias, first.actor_id
            else:
                outer_speaker = outer.unnamed
        if not holder.mentions:
            # An unnamed speaker: the actor named in the description ("a YPG
            # spokesman") holds it, else nobody we can name.
            named = [m for m in self.aliases.find(holder.unnamed)]
            actor = self._speaking_for(named[-1].actor_id)[0] if named else None
            yield actor, None, holder.unnamed
            return
        for m in holder.mentions:
            actor, person = self._speaking_for(m.actor_id)
            if person is not None:
                yield actor, person, self.actors[person].name if person in self.actors else m.alias
            else:
                yield actor, outer_id, outer_speaker

    def _holder(self, sentence: str, cue: re.Match, mentions: list[ActorMention]) -> _Holder:
        ends = {m.end: m for m in mentions}
        before = sentence[: cue.start()].rstrip()
        verb_at = len(before)
        while (bridged := _BRIDGE.sub("", sentence[:verb_at]).rstrip()) != sentence[:verb_at]:
            verb_at = len(bridged)
        verb_at = len(sentence) - len(sentence[verb_at:].lstrip(" ,"))
        # past auxiliaries and adverbs, a bracketed acronym, an apposition
        for _ in range(8):
            stripped = _BRIDGE.sub("", before).rstrip()
            stripped = _PAREN.sub("", stripped).rstrip()
            stripped = _APPOSITION.sub("", stripped).rstrip()
            if stripped == before:
                break
            before = stripped
        before = before.rstrip(" ,")
        found: list[ActorMention] = []
        at = len(before)
        while at in ends:
            m = ends[at]
            found.insert(0, m)
            rest = before[: m.start]
            join = _JOIN.search(rest)
            if not join or not join.group():
                break
            at = len(rest[: len(rest) - len(join.group())].rstrip())
        if found:
            return _Holder(found, verb_at=verb_at)
        unnamed = _UNNAMED.search(before)
        if unnamed:
            return _Holder(unnamed=unnamed.group("who"))
        # "..., said Churkin." (the subject after the verb that closes the sentence)
        if before.endswith((",", "”", '"')):
            for m in mentions:
                after = m.start >= cue.end() and not sentence[cue.end() : m.start].strip()
                if after and not sentence[m.end :].strip(" .!"):
                    return _Holder([m], after=True)
        return _Holder()

    def _position(
        self,
        kind: str,
        sentence: str,
        cue: re.Match,
        clause: tuple[int, int],
        quoted: str,
        claim: ClaimInfo,
        terms: set[str],
        holder: _Holder,
        mentions: list[ActorMention],
    ) -> tuple[str | None, str]:
        """The position a cue's clause takes on the claim, and the rule that says so."""
        body = sentence[clause[0] : clause[1]]
        attribution = claim.kind == "attribution" and claim.perpetrator_id is not None
        if kind == "retracts":
            return RETRACTS, RETRACTS
        if kind == "calls":
            # finding who is behind it is a position on who did it, not on whether it happened
            if not attribution and re.search(_WHO_DID_IT, sentence[cue.start() : clause[1]], re.I):
                return None, ""
            return CALLS, CALLS
        # what the holder says: the quotation it closes, else what follows the cue
        after_cue = quoted if quoted and cue.start() > sentence.find(quoted) else sentence[cue.end() : clause[1]]
        rest = sentence[cue.start() :]
        if kind == "says" and re.search(_NO_BLAME, rest, re.I) and terms & set(analyze(rest)):
            return (ACKNOWLEDGES if attribution else ASSERTS), ACKNOWLEDGES
        dispute = re.search(_DISPUTE, after_cue, re.I)
        if dispute and kind in ("says", "denies") and not terms & set(analyze(dispute.group())):
            if not attribution and re.search(_WHO_DID_IT, after_cue, re.I):
                return None, ""  # disputing who did it
            return DISPUTES, DISPUTES
        if kind == "denies":
            # denying a charge ("a charge that X denies") denies who did it, not that it happened
            if not attribution and re.search(_ACCUSATION, body, re.I):
                return None, ""
            return DENIES, DENIES
        perpetrator = claim.perpetrator_id
        in_clause = [m for m in mentions if cue.end() <= m.start < clause[1]]
        if quoted:
            q = sentence.find(quoted)
            in_clause += [m for m in mentions if q <= m.start < q + len(quoted)]
        names_perpetrator = attribution and any(self._under(m.actor_id, perpetrator) for m in in_clause)
        held_by_perpetrator = attribution and any(self._under(m.actor_id, perpetrator) for m in holder.mentions)
        if kind == "accuses":
            if not attribution:
                return (ASSERTS, "accuses") if terms & set(analyze(body)) else (None, "")
            if names_perpetrator and not held_by_perpetrator:
                return ASSERTS, "accuses"
            if held_by_perpetrator and in_clause and not names_perpetrator:
                return DENIES, "accuses"
            return None, ""
        # says: two of the claim's words, not counting the names of the actors in the sentence
        names = {t for m in mentions for t in analyze(m.alias)}
        if len((terms - names) & set(analyze(after_cue))) < 2 or (attribution and not names_perpetrator):
            return None, ""
        if _negated(after_cue, terms):
            return DENIES, "says"
        return ASSERTS, "says"


def _in_quote_closed_by(cue: re.Match, closing: re.Match, sentence: str) -> bool:
    """Whether ``cue`` is inside the quotation that ``closing`` ("...,” X said") closes."""
    for m in _QUOTED.finditer(sentence):
        if (
            m.start() < cue.start() < m.end() <= closing.start()
            and len(sentence[m.end() : closing.start()].split()) <= 6
        ):
            return True
    return False


def _inside(inner: re.Match, outer: re.Match, sentence: str) -> bool:
    """Whether cue ``inner`` is in what cue ``outer`` reports: after it ("said
    that Y ..."), in the quotation it closes ("“... Y ...,” X writes"), or
    before a speaker closing the sentence ("Y ..., a diplomat claimed.")."""
    if inner.start() > outer.end():
        return True
    if _in_quote_closed_by(inner, outer, sentence):
        return True
    closing = not sentence[outer.end() :].strip(' .!”"')
    comma = sentence.rfind(",", 0, outer.start())
    return closing and comma != -1 and inner.end() <= comma and len(sentence[comma : outer.start()].split()) <= 7


def _clause(sentence: str, cue: re.Match, following: re.Match | None) -> tuple[int, int]:
    """From the start of the cue's segment (dashes, semicolons) to the next cue or the segment's end."""
    start = 0
    for m in _CLAUSE_END.finditer(sentence):
        if m.end() <= cue.start():
            start = m.end()
        elif m.start() >= cue.end():
            end = m.start()
            break
    else:
        end = len(sentence)
    if following is not None and following.start() < end:
        # the next cue's holder starts its own clause
        cut = sentence.rfind(",", cue.end(), following.start())
        if cut != -1 and not _QUOTED.search(sentence, cue.end(), following.start()):
            end = cut
    return start, end


def _quote(sentence: str, cue: re.Match, clause: tuple[int, int], holder: _Holder) -> tuple[str, int, bool]:
    """The holder's words in quotation marks next to the cue, else the clause as written."""
    for m in _QUOTED.finditer(sentence):
        if m.start() < cue.start() < m.end():  # the cue is in the holder's own words
            return m.group("q").rstrip(" ,"), m.start("q"), True
        closes = m.end() <= cue.start() and (not sentence[m.end() : cue.start()].strip(' ,”"').strip() or holder.after)
        opens = m.start() >= cue.end() and re.match(r"^[\s:,]*$", sentence[cue.end() : m.start()])
        if closes or opens or (m.end() <= cue.start() and _ends_with_holder(sentence[m.end() : cue.start()], holder)):
            q = m.group("q").rstrip(" ,")
            return q, m.start("q"), True
    start, end = clause
    verb_phrase = holder.mentions and not holder.after and start <= holder.verb_at < end
    if verb_phrase and len(sentence[holder.verb_at : end].split()) >= 4:
        start = holder.verb_at
    chunk = sentence[start:end]
    lead = len(chunk) - len(chunk.lstrip(" ,"))
    chunk = chunk.strip(" ,").rstrip(".;:")
    return chunk, start + lead, False


def _ends_with_holder(between: str, holder: _Holder) -> bool:
    return bool(holder.mentions) and len(between.split()) <= 6 and between.strip()[:1] in (",", "”", '"')


def _negated(text: str, terms: set[str]) -> bool:
    """A negation whose next word (past auxiliaries: "has not been arrested")
    is one of the claim's: "did not use chlorine", "not carried out"."""
    tokens = re.findall(r"[\w’']+", text)
    for i, token in enumerate(tokens):
        if _NEGATION.fullmatch(token):
            following = [t for t in tokens[i + 1 : i + 5] if t.casefold() not in _AUXILIARIES]
            if following and stem(following[0].casefold()) in terms:
                return True
    return False


_AUXILIARIES = frozenset(["be", "been", "being", "have", "has", "had", "yet", "ever", "even", "the", "a", "an", "in"])


def _confidence(text: str) -> str:
    m = _CONFIDENCE.search(text)
    return m.group() if m else ""


def _dated(s: Suggestion, sentence: str, published: datetime.date | None, precision: str) -> Suggestion:
    spans = [d.span for d in find_dates(sentence) if d.span and d.span.precision == "day"]
    if spans and (published is None or spans[0].start <= published):
        span = spans[0]
        return replace(s, stated_on=span.start, stated_precision="day")
    return replace(s, stated_on=published, stated_precision=precision)
