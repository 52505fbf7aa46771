"""Plain data the matcher takes and gives: no Django, no ORM rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal

Tier = Literal["suggested", "strong"]


@dataclass(frozen=True)
class IncidentDoc:
    """An incident as the matcher sees it (the record's Incident)."""

    id: str | int
    title: str = ""
    place: str = ""
    date: str | datetime.date | None = None  # "2013-08-21", "2013-08", "2013" or a date
    date_precision: str = "day"
    agent: str = ""  # Incident.agent ("chlorine", "sarin", ...), or ""


@dataclass(frozen=True)
class ClaimDoc:
    """A claim as the matcher sees it.

    ``actor_names`` are the names and aliases of the claim's alleged perpetrator
    and of the actors holding stances on it (searchable words); ``actor_ids``
    are those actors' ids, resolved in a report through the alias table.
    ``incident_names`` are words the claim is also found by (its incidents'
    titles and places); ``kind``, ``perpetrator_id`` and ``incidents`` are the
    record's structure, from which the matcher derives the claim's elements
    (elements.py).
    """

    id: str | int
    title: str
    text: str
    actor_ids: tuple[str | int, ...] = ()
    actor_names: tuple[str, ...] = ()
    incident_names: tuple[str, ...] = ()
    kind: str = ""
    perpetrator_id: str | int | None = None
    incidents: tuple[IncidentDoc, ...] = ()


@dataclass(frozen=True)
class AliasEntry:
    """One name of an actor. ``ambiguous`` names also mean something else
    ("Damascus" the city): they count only where used as a speaker or agent."""

    actor_id: str | int
    name: str
    ambiguous: bool = False


@dataclass
class ClaimMatch:
    """One claim a report bears on, with what a researcher needs to check it.

    ``tier`` is None when the score is below the suggest threshold (only
    ``Matcher.rank`` returns such matches; ``Matcher.match`` drops them).
    """

    claim_id: str | int
    score: float
    tier: Tier | None
    passages: list[dict] = field(default_factory=list)  # {text, start, end, score}
    actors: list[dict] = field(default_factory=list)  # {actor_id, alias, start}
    terms: list[str] = field(default_factory=list)
    elements: list[str] = field(default_factory=list)  # "weapon: sarin", "place: Zamalka", ...

    def as_dict(self) -> dict:
        return {
            "claim_id": self.claim_id,
            "score": self.score,
            "tier": self.tier,
            "passages": self.passages,
            "actors": self.actors,
            "terms": self.terms,
            "elements": self.elements,
        }
