"""A claim's necessary elements, and how much of them a report covers.

A claim about an incident is about a weapon or agent, a place, a time and,
for an attribution, an alleged perpetrator. Generic conflict vocabulary
("Syrian", "forces", "government", "rebel", "Aleppo") is shared by nearly
every report; the elements are what a report must name to be about the claim.

``claim_elements`` derives them from the record (the claim's incidents, its
alleged perpetrator and the actors under it, and the weapons its words name);
``ReportEvidence`` reads a report once (its weapons, places, dates and who it
says acted, sentence by sentence); ``element_features`` compares the two. A
report that lacks a necessary element cannot be about the claim; the rest is
scored from the features by a few fitted weights (scorer.py). The necessary
elements (``ReportEvidence.missing``):
- weapon       a weapon of the claim's kind, named anywhere;
- date         written no earlier than the incident;
- perpetrator  for a claim opposed by another about the same incident (the
               government did it / rebels did it): the report names the claim's
               alleged perpetrator or an actor under it, in any role, if it names
               the opposing claim's. A report that names one side only is about
               that side's claim; one naming both (an accusation and its denial)
               bears on both, and one naming neither is judged on the rest.

Only claims the record gives structure to (an incident or an alleged
perpetrator) are scored so: a claim that is just a sentence is matched on
its words alone.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from claims.matching.aliases import AliasIndex
from claims.matching.dates import DateMention, DateSpan, find_dates, mentions_time, report_date
from claims.matching.direction import RoledMention, roles
from claims.matching.gazetteer import Gazetteer, PlaceMention, gazetteer, place_key
from claims.matching.text import Passage
from claims.matching.types import ClaimDoc, IncidentDoc  # noqa: F401  (IncidentDoc re-exported)
from claims.matching.weapons import WeaponMention, find_weapons, weapons_named

# Per (claim, report), for claims with elements (see element_features):
# weapon_lead     the claim's weapon (class) is named in the title or lead
# weapon_density  log(1 + sentences naming it)
# An element the claim does not have scores 0.5, neutral: the report neither confirms nor contradicts it,
# and a claim without it does not outrank one that has it (an event claim beside the attribution claim of
# the same incident, a claim with no date beside dated ones) for nothing.
# place           how closely the report's places match the incident's: 1 the place or inside it, 0.5 a
#                 place containing it (below the country), 0 none (0.5 when the claim has no place)
# place_lead      the same, in the title and lead, where naming no place at all (0.25) is told from naming only
#                 other places below the country (0: the report leads with another incident)
# time            a date in the text falls on the incident's date, or its year is named in a sentence naming its
#                 place ("Zamalka was hit with sarin in 2013": a report recalling the incident); 0 when the claim
#                 has no date
# recency         written within a month of the incident 1, within a year 0.5, later 0 (0.5 when the claim has
#                 no date; 1 when the report has none: an undated report, pasted or uploaded, is not held against)
# perpetrator     the alleged perpetrator or an actor under it is put forward as the agent: 1 in or next to a
#                 sentence naming the weapon, 0.5 elsewhere, 0 not at all (0.5 when the claim names none). The
#                 sentence next to one naming the weapon does not count when an opposing perpetrator is put
#                 forward in a sentence naming the weapon itself ("activists blamed the air force for the sarin
#                 rockets. Rebels shelled a checkpoint"). When only an opposing perpetrator is put forward and
#                 the claim's own is named in another role ("Damascus said rebels used sarin"), 0.5: the report
#                 is the dispute between the two sides, the accusation and its denial, and bears on both claims
#                 as much as one naming no perpetrator (a report naming only the other side lacks the
#                 perpetrator: see above)
ELEMENT_FEATURES = (
    "weapon_lead",
    "weapon_density",
    "place",
    "place_lead",
    "time",
    "recency",
    "perpetrator",
)
# Sentences counted as the lead: the title and the first two of the text.
LEAD_UNITS = 3

# Incident.agent choices -> (weapon class, agent).
INCIDENT_AGENTS = {
    "chlorine": ("chemical", "chlorine"),
    "sarin": ("chemical", "sarin"),
    "sulfur_mustard": ("chemical", "mustard"),
    "vx": ("chemical", "vx"),
    "other_chemical": ("chemical", ""),
}


# Words that place an incident relative to a named place: "east of Arsal", "near Arsal".
_RELATIVE = re.compile(
    r"^\s*(?:(?:(?:north|south)(?:-?(?:east|west))?|east|west)(?:ern)?\s+of|near|outside|around|close\s+to)\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ClaimElements:
    weapons: frozenset[str] = frozenset()
    agents: frozenset[str] = frozenset()
    places: tuple[str, ...] = ()  # gazetteer keys, most specific
    place_names: tuple[tuple[str, ...], ...] = ()  # place keys of names the gazetteer does not know
    when: DateSpan | None = None
    perpetrators: frozenset = frozenset()  # the alleged perpetrator and the actors under it
    rivals: frozenset = frozenset()  # the perpetrators of opposing claims and the actors under them

    @property
    def structured(self) -> bool:
        return bool(self.places or self.place_names or self.when or self.perpetrators)


def descendants(actor_id, children: Mapping) -> set:
    """``actor_id`` and every actor under it (``children``: actor -> its children)."""
    out, todo = set(), [actor_id]
    while todo:
        actor = todo.pop()
        if actor not in out:
            out.add(actor)
            todo.extend(children.get(actor, ()))
    return out


def claim_elements(
    doc: ClaimDoc, children: Mapping, rivals: Iterable = (), places: Gazetteer | None = None
) -> ClaimElements:
    """What ``doc`` is about: the weapon its incidents (or, failing those, its
    words) name, its incidents' places and dates, its alleged perpetrator and
    the actors under it (``children``: actor -> the actors that belong to it),
    and ``rivals`` (the alleged perpetrators of claims opposing it)."""
    places = places or gazetteer()
    weapons: set[str] = set()
    agents: set[str] = set()
    for incident in doc.incidents:
        weapon, agent = INCIDENT_AGENTS.get(incident.agent, ("", ""))
        named_weapons, named_agents = weapons_named(incident.title)
        weapons.update(named_weapons, [weapon] if weapon else [])
        agents.update(named_agents, [agent] if agent else [])
    if not weapons:
        named_weapons, named_agents = weapons_named(f"{doc.title}. {doc.text}")
        weapons.update(named_weapons)
        agents.update(named_agents)
    resolved: list[str] = []
    unknown: list[tuple[str, ...]] = []
    spans = []
    for incident in doc.incidents:
        if incident.place:
            # The place itself is the first part of its name ("Ghouta" of "Ghouta, Damascus
            # countryside"). One the gazetteer does not know is kept by its name: the parts
            # after it ("Lebanon-Syria border") only say where it lies, and a report naming
            # the country is not about it.
            head = incident.place.split(",")[0]
            if places.resolve(head):
                resolved.extend(places.resolve(incident.place))
            else:
                key = place_key(_RELATIVE.sub("", head))
                if key:
                    unknown.append(key)
        span = DateSpan.parse(incident.date, incident.date_precision)
        if span is not None:
            spans.append(span)
    when = None
    if spans:
        when = DateSpan(min(s.start for s in spans), max(s.end for s in spans), spans[0].precision)
    perpetrators = descendants(doc.perpetrator_id, children) if doc.perpetrator_id is not None else set()
    rival_ids: set = set()
    for rival in rivals:
        rival_ids |= descendants(rival, children)
    return ClaimElements(
        weapons=frozenset(weapons),
        agents=frozenset(agents),
        places=tuple(dict.fromkeys(resolved)),
        place_names=tuple(dict.fromkeys(unknown)),
        when=when,
        perpetrators=frozenset(perpetrators),
        rivals=frozenset(rival_ids - perpetrators),
    )


def opposing_perpetrators(docs: Sequence[ClaimDoc], parents: Mapping) -> dict:
    """For each claim id, the alleged perpetrators of the other claims about
    one of its incidents whose perpetrator is on another side (``parents``:
    actor -> the actor it belongs to; one side is everything under one
    top-level actor: the government and its air force are one side, the
    government and rebels two). Derived from the record alone."""
    by_incident: dict = {}
    for doc in docs:
        if doc.perpetrator_id is not None:
            for incident in doc.incidents:
                by_incident.setdefault(incident.id, []).append(doc)
    out: dict = {}
    for group in by_incident.values():
        for doc in group:
            side = top_actor(doc.perpetrator_id, parents)
            for other in group:
                if top_actor(other.perpetrator_id, parents) != side:
                    out.setdefault(doc.id, set()).add(other.perpetrator_id)
    return out


def top_actor(actor, parents: Mapping):
    """The topmost actor ``actor`` belongs to (itself if it belongs to none)."""
    seen = {actor}
    while parents.get(actor) is not None and parents[actor] not in seen:
        actor = parents[actor]
        seen.add(actor)
    return actor


@dataclass
class ReportEvidence:
    """A report read once for elements: per sentence (``units``), the weapons,
    places and roled actor mentions; the dates of the whole text; and when it
    was written at the earliest (its date, or a later one its text names)."""

    units: Sequence[Passage]
    weapons: list[list[WeaponMention]]
    places: list[list[PlaceMention]]
    actors: list[list[RoledMention]]
    dates: list[DateMention]
    written: datetime.date | None
    # Derived once, shared by every claim compared with the report (a report
    # meets thousands of candidate claims, most sharing weapons and places).
    weapon_units: dict[str, list[int]] = field(default_factory=dict)  # weapon class -> sentences naming it
    agents: list[tuple[int, RoledMention]] = field(default_factory=list)  # mentions put forward as the agent
    named: frozenset = frozenset()  # the actors named as actors (any role but a territory's)
    years: dict[int, set[int]] = field(default_factory=dict)  # a year -> the sentences naming it alone ("in 2013")
    _places: dict = field(default_factory=dict)  # places -> (place, place_lead, (sentence, name), sentences)
    _times: dict = field(default_factory=dict)  # the incident's date span -> (time, recency)

    def __post_init__(self) -> None:
        for i, mentions in enumerate(self.weapons):
            for weapon in dict.fromkeys(m.weapon for m in mentions):
                self.weapon_units.setdefault(weapon, []).append(i)
        self.agents = [(i, m) for i, ms in enumerate(self.actors) for m in ms if m.role == "agent"]
        self.named = frozenset(m.actor_id for ms in self.actors for m in ms if m.role != "territory")

    def missing(self, elements: ClaimElements) -> str:
        """The necessary element the report lacks ("weapon", "date", "perpetrator"), or "": cheap,
        before anything else. A claim opposed by another about the same incident lacks its
        perpetrator in a report that names the other's perpetrator and never its own: the two
        share every other element, and such a report is about the other side's claim."""
        if elements.weapons and not any(w in self.weapon_units for w in elements.weapons):
            return "weapon"
        if elements.when is not None and self.written is not None and self.written < elements.when.start:
            return "date"
        if (
            elements.rivals
            and self.named.isdisjoint(elements.perpetrators)
            and not self.named.isdisjoint(elements.rivals)
        ):
            return "perpetrator"
        return ""

    @classmethod
    def read(
        cls, units: Sequence[Passage], aliases: AliasIndex, published: datetime.date | None = None
    ) -> ReportEvidence:
        places = gazetteer()
        per_unit = [find_dates(u.text) for u in units]
        dates = [d for found in per_unit for d in found]
        years: dict[int, set[int]] = {}
        for i, found in enumerate(per_unit):
            for d in found:
                if d.span is not None and d.span.precision == "year":
                    years.setdefault(d.span.start.year, set()).add(i)
        countries = aliases.countries(" ".join(u.text for u in units)) if aliases else frozenset()
        return cls(
            units=units,
            weapons=[find_weapons(u.text) for u in units],
            places=[places.find(u.text) for u in units],
            actors=[roles(u.text, aliases.find(u.text, countries)) if aliases else [] for u in units],
            dates=dates,
            written=report_date(published, dates),
            years=years,
        )


@dataclass
class ElementMatch:
    """How a report covers one claim's elements: the feature row
    (ELEMENT_FEATURES order), whether a necessary element is missing, and
    what was found, for the explanation."""

    features: list[float]
    missing: str  # the necessary element not found ("weapon", "date", "perpetrator"), or ""
    found: list[str]  # "weapon: sarin", "place: Zamalka", ...
    units: list[int]  # the sentences that name an element, for the explanation


def _place_level(elements: ClaimElements, mentions: Iterable[PlaceMention], places: Gazetteer) -> tuple[float, str]:
    best, name = 0.0, ""
    for m in mentions:
        for target in elements.places:
            if places.within(m.place, target):
                return 1.0, m.text
            if m.place in places.ancestors(target) and places.places[m.place].kind != "country" and best < 0.5:
                best, name = 0.5, m.text
    return best, name


def element_features(elements: ClaimElements, evidence: ReportEvidence) -> ElementMatch:
    found: list[str] = []
    units: set[int] = set()
    lead = min(LEAD_UNITS, len(evidence.units))
    missing = evidence.missing(elements)
    # weapon
    weapon_units = sorted({i for w in elements.weapons for i in evidence.weapon_units.get(w, ())})
    if weapon_units:
        names = [w.text for i in weapon_units[:3] for w in evidence.weapons[i] if w.weapon in elements.weapons]
        found.append("weapon: " + ", ".join(dict.fromkeys(n.casefold() for n in names[:3])))
        units.update(weapon_units[:2])
    weapon_lead = 1.0 if not elements.weapons or (weapon_units and weapon_units[0] < lead) else 0.0
    weapon_density = math.log1p(len(weapon_units)) if elements.weapons else 1.0
    # place
    place, place_lead, place_units = 0.5, 0.5, frozenset[int]()
    if elements.places or elements.place_names:
        key = (elements.places, elements.place_names)
        if key not in evidence._places:
            evidence._places[key] = _place_coverage(elements, evidence, lead)
        place, place_lead, where, place_units = evidence._places[key]
        if place:
            found.append(f"place: {where[1]}")
            units.add(where[0])
    # time
    time, recency = 0.0, 0.5
    if elements.when is not None:
        if elements.when not in evidence._times:
            evidence._times[elements.when] = _time_coverage(elements.when, evidence)
        time, recency = evidence._times[elements.when]
        if not time and elements.when.start.year == elements.when.end.year:
            # "Zamalka was hit with sarin in 2013": the year, in a sentence naming the incident's place
            time = 1.0 if place_units & evidence.years.get(elements.when.start.year, set()) else 0.0
        if time:
            found.append("time: " + _span_text(elements.when))
    # perpetrator
    perpetrator = 0.5
    if elements.perpetrators:
        mine = [(i, m) for i, m in evidence.agents if m.actor_id in elements.perpetrators]
        near = set(weapon_units) | {i + 1 for i in weapon_units} | {i - 1 for i in weapon_units}
        if elements.rivals and any(i in weapon_units and m.actor_id in elements.rivals for i, m in evidence.agents):
            near = set(weapon_units)  # an opposing perpetrator is put forward in a sentence naming the weapon
        if not elements.weapons:
            near = set(range(len(evidence.units)))
        perpetrator = max((1.0 if i in near else 0.5 for i, _ in mine), default=0.0)
        if mine:
            found.append("perpetrator: " + ", ".join(dict.fromkeys(m.alias for _, m in mine[:3])))
            units.add(mine[0][0])
        elif elements.rivals and any(m.actor_id in elements.rivals for _, m in evidence.agents):
            perpetrator = 0.5  # the other side accused, this one answering: the dispute itself
    row = [weapon_lead, weapon_density, place, place_lead, time, recency, perpetrator]
    return ElementMatch(row, missing, found, sorted(units))


def _place_coverage(
    elements: ClaimElements, evidence: ReportEvidence, lead: int
) -> tuple[float, float, tuple, frozenset[int]]:
    places = gazetteer()
    place, place_lead, where = 0.0, 0.0, (0, "")
    naming = set()
    other_lead = False
    for i, mentions in enumerate(evidence.places):
        level, name = _place_level(elements, mentions, places)
        if not level and elements.place_names:
            level, name = _named(elements.place_names, evidence.units[i].text)
        if level:
            naming.add(i)
        if level > place:
            place, where = level, (i, name)
        if i < lead:
            place_lead = max(place_lead, level)
            if not level and any(places.places[m.place].kind != "country" for m in mentions):
                other_lead = True
    if not place_lead and not other_lead:
        place_lead = 0.25  # the lead names no place: less than the incident's, more than another's
    return place, place_lead, where, frozenset(naming)


def _time_coverage(when: DateSpan, evidence: ReportEvidence) -> tuple[float, float]:
    written = evidence.written
    time = 1.0 if mentions_time(evidence.dates, when, written) else 0.0
    if written is None:
        return time, 1.0
    days = (written - when.end).days
    return time, 1.0 if days <= 31 else 0.5 if days <= 365 else 0.0


def _named(keys: tuple[tuple[str, ...], ...], text: str) -> tuple[float, str]:
    words = place_key(text)
    for key in keys:
        n = len(key)
        for i in range(len(words) - n + 1):
            if words[i : i + n] == key:
                return 1.0, " ".join(key)
    return 0.0, ""


def _span_text(span: DateSpan) -> str:
    if span.precision == "year":
        return str(span.start.year)
    if span.precision == "month":
        return span.start.strftime("%B %Y")
    return f"{span.start.day} {span.start.strftime('%B %Y')}"
