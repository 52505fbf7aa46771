"""Reads for the researchers' pages (claims.workspace): a claim's dossier,
the attribution matrix as a grid, and what waits for a researcher. Each read
is what the API shows the same asker (the visibility querysets of
``claims.selectors``), in a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet

from claims.models import (
    Actor,
    Claim,
    Evidence,
    Flag,
    Incident,
    Position,
    Report,
    ReviewStatus,
    Stance,
    StanceSuggestion,
    Tag,
)
from claims.selectors import (
    Access,
    AnyUser,
    attribution_matrix,
    claims_visible_to,
    evidence_visible_to,
    flags_for_display,
    flags_visible_to,
    report_fields_shown,
    reports_for_display,
    stances_for_display,
    stances_visible_to,
)

LATEST = 5  # rows of each list on the home page
MATRIX_CLAIMS = 50  # columns of the matrix page at most


def claim_for_dossier(*, pk: int, who: AnyUser | Access) -> Claim:
    """A visible claim with its perpetrator, incidents and tags (raises
    ``Claim.DoesNotExist`` for one the asker may not see)."""
    return (
        claims_visible_to(who)
        .select_related("alleged_perpetrator")
        .prefetch_related(
            Prefetch("incidents", queryset=Incident.objects.order_by("date_start", "pk"), to_attr="incident_list"),
            Prefetch("tags", queryset=Tag.objects.order_by("name"), to_attr="tag_list"),
        )
        .get(pk=pk)
    )


def claim_timeline(
    *, claim: Claim, who: AnyUser | Access, actor_id: int | None = None, position: str | None = None
) -> QuerySet[Stance]:
    """The claim's accepted stances oldest first (undated ones first, same-day
    ones by entry order), with their actor, speaker, and report as the asker
    is shown it (``shown_report_title``, ``shown_report_url``: NULL where it
    may not read the report; ``shown_source``)."""
    stances = stances_visible_to(who).filter(claim=claim, review_status=ReviewStatus.ACCEPTED)
    if actor_id is not None:
        stances = stances.filter(actor_id=actor_id)
    if position:
        stances = stances.filter(position=position)
    return (
        stances_for_display(stances, who)
        .annotate(**report_fields_shown(who, "title", "url"))
        .order_by(F("stated_on").asc(nulls_first=True), "created_at", "id")
    )


def claim_timeline_actors(*, claim: Claim, who: AnyUser | Access) -> list[tuple[int, str]]:
    """The actors of the claim's accepted stances, by name: the timeline's actor filter."""
    stances = stances_visible_to(who).filter(claim=claim, review_status=ReviewStatus.ACCEPTED)
    return list(
        Actor.objects.filter(pk__in=stances.values("actor_id")).order_by("name", "pk").values_list("pk", "name")
    )


def claim_evidence(*, claim: Claim, who: AnyUser | Access) -> QuerySet[Evidence]:
    """The claim's accepted evidence, supporting first, with its report's title as the asker is shown it."""
    return (
        evidence_visible_to(who)
        .filter(claim=claim, review_status=ReviewStatus.ACCEPTED)
        .annotate(**report_fields_shown(who, "title", "url"))
        .order_by("relation", "-created_at", "pk")
    )


def claim_flags(*, claim: Claim, who: AnyUser | Access) -> QuerySet[Flag]:
    """The reports flagged for the claim, strongest match first."""
    return flags_for_display(who).filter(claim=claim).order_by("-score", "pk")


# --- the attribution matrix as a grid ------------------------------------------------------


@dataclass
class MatrixCell:
    position: str
    since: datetime.date | None

    @property
    def label(self) -> str:
        return Position(self.position).label

    @property
    def css_class(self) -> str:
        return f"position-{self.position}"


@dataclass
class MatrixGrid:
    claims: list[dict]  # {"id", "title"}
    actors: list[dict]  # {"id", "name", "kind"}, by name
    more: bool = False  # more claims matched than are shown
    cells: dict[tuple[int, int], MatrixCell] = field(default_factory=dict)  # (actor id, claim id)

    def rows(self) -> list[tuple[dict, list[tuple[dict, MatrixCell | None]]]]:
        """Each actor with its cell (or None) for each claim, in the claims' order."""
        return [
            (actor, [(claim, self.cells.get((actor["id"], claim["id"]))) for claim in self.claims])
            for actor in self.actors
        ]


def matrix_grid(
    *, who: AnyUser | Access, as_of: datetime.date | None = None, tag: str = "", limit: int | None = None
) -> MatrixGrid:
    """Actors × the claims the asker may see that have an accepted stance (by
    then, ``as_of``; tagged ``tag``, if given): at most ``limit`` claims, the
    last changed (``MatrixGrid.more`` says whether there were more), each
    actor's latest accepted position on each and since when, from
    ``attribution_matrix`` (the API's). Four queries."""
    limit = MATRIX_CLAIMS if limit is None else limit
    stances = Stance.objects.filter(claim=OuterRef("pk"), review_status=ReviewStatus.ACCEPTED)
    if as_of is not None:
        stances = stances.filter(stated_on__lte=as_of)
    claims = claims_visible_to(who).filter(Exists(stances))
    if tag:
        claims = claims.filter(tags__name=tag)
    ids = list(claims.order_by("-updated_at", "-pk").values_list("pk", flat=True)[: limit + 1])
    rows = attribution_matrix(claims=Claim.objects.filter(pk__in=ids[:limit]), who=who, as_of=as_of)
    actors: dict[int, dict] = {}
    grid = MatrixGrid(
        claims=[{"id": row["claim"], "title": row["title"]} for row in rows], actors=[], more=len(ids) > limit
    )
    for row in rows:
        for entry in row["actors"]:
            actor = entry["actor"]
            actors.setdefault(actor["id"], actor)
            grid.cells[(actor["id"], row["claim"])] = MatrixCell(position=entry["position"], since=entry["since"])
    grid.actors = sorted(actors.values(), key=lambda actor: (actor["name"], actor["id"]))
    return grid


# --- what waits for a researcher -----------------------------------------------------------


def flags_waiting(who: AnyUser | Access) -> QuerySet[Flag]:
    """New flags the asker may see, newest first."""
    return flags_for_display(who).filter(status=Flag.Status.NEW).select_related("claim").order_by("-created_at", "-pk")


def suggestions_pending(who: AnyUser | Access) -> QuerySet[StanceSuggestion]:
    """Stances suggested from flags the asker may see, still awaiting a decision, newest first."""
    return (
        StanceSuggestion.objects.filter(status=StanceSuggestion.Status.PENDING, flag__in=flags_visible_to(who))
        .select_related("actor", "flag__claim")
        .order_by("-created_at", "-pk")
    )


def reports_failed(who: AnyUser | Access) -> QuerySet[Report]:
    """Reports whose matching failed, as the asker is shown them, latest first."""
    return reports_for_display(who).filter(status=Report.Status.FAILED).defer("text").order_by("-updated_at", "-pk")


def tag_names() -> list[str]:
    return list(Tag.objects.order_by("name").values_list("name", flat=True))


def claims_listed(who: AnyUser | Access) -> QuerySet[Claim]:
    """The claims the asker may see, last changed first: the home page's way to the dossiers."""
    return claims_visible_to(who).order_by("-updated_at", "-pk").only("pk", "title", "kind", "status", "updated_at")
