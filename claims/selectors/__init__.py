"""Reads: who may see what, and querysets with their joins already made.

Visibility is decided on an ``Access``: what a signed-in user, or an API key
acting for one team, may read and write. Every function here that takes
``who`` accepts a user or an ``Access``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Case,
    CharField,
    DateField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Field,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from claims.models import (
    Actor,
    ApiKey,
    Claim,
    Evidence,
    Feed,
    Flag,
    Incident,
    Membership,
    Report,
    ReportMatchProgress,
    ReviewStatus,
    Stance,
    StanceSuggestion,
    Submission,
    SubmissionReport,
    Tag,
    Team,
)
from claims.normalize import normalize_name

AnyUser = User | AnonymousUser


@dataclass(frozen=True)
class Access:
    """Who is asking. ``team_ids`` are the teams whose unpublished work is
    visible; ``editor_team_ids`` the teams on whose behalf it may write;
    ``write_team_id`` the one its writes are filed under (see access_for_user)."""

    user: User | None
    researcher: bool
    team_ids: frozenset[int]
    editor_team_ids: frozenset[int]
    superuser: bool = False
    write_team_id: int | None = None

    @property
    def may_write(self) -> bool:
        return self.superuser or bool(self.editor_team_ids)

    def may_review_flags_of(self, claim: Claim) -> bool:
        """Researchers who may write review any flag; a team reviews flags on its own claims."""
        if self.researcher and self.may_write:
            return True
        return claim.team_id is not None and claim.team_id in self.editor_team_ids


ANONYMOUS = Access(user=None, researcher=False, team_ids=frozenset(), editor_team_ids=frozenset())


def access_for_user(user: AnyUser) -> Access:
    if not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    assert isinstance(user, User)
    memberships = list(
        Membership.objects.filter(user=user).order_by("created_at", "pk").values_list("team_id", "role", "team__kind")
    )
    researcher = user.is_superuser or any(kind == Team.Kind.RESEARCH for _, _, kind in memberships)
    editing = [(team_id, kind) for team_id, role, kind in memberships if role == Membership.Role.EDITOR]
    # Writes are filed under the user's research team, else the first team it edits for.
    writes_for = [team_id for team_id, kind in editing if kind == Team.Kind.RESEARCH] + [t for t, _ in editing]
    return Access(
        user=user,
        researcher=researcher,
        team_ids=frozenset(team_id for team_id, _, _ in memberships),
        editor_team_ids=frozenset(team_id for team_id, _ in editing),
        superuser=user.is_superuser,
        write_team_id=writes_for[0] if writes_for else None,
    )


def access_for_key(key: ApiKey) -> Access:
    """A key sees what its team sees and writes only if its role allows."""
    editor = key.role == Membership.Role.EDITOR
    return Access(
        user=key.created_by,
        researcher=key.team.kind == Team.Kind.RESEARCH,
        team_ids=frozenset({key.team_id}),
        editor_team_ids=frozenset({key.team_id}) if editor else frozenset(),
        write_team_id=key.team_id if editor else None,
    )


def _access(who: AnyUser | Access) -> Access:
    if isinstance(who, Access):
        return who
    cached = getattr(who, "_access", None)
    if cached is None:
        cached = access_for_user(who)
        if who.is_authenticated:
            setattr(who, "_access", cached)  # noqa: B010 (a per-request cache on the user object)
    return cached


def user_is_researcher(user: AnyUser | Access) -> bool:
    """Researchers curate the record: superusers and members of a research team."""
    return _access(user).researcher


def user_team_ids(user: AnyUser | Access) -> list[int]:
    return sorted(_access(user).team_ids)


def write_team(who: AnyUser | Access) -> Team | None:
    """The team the asker's writes are filed under (``Access.write_team_id``),
    the same in the admin and the API; None if it edits for no team."""
    team_id = _access(who).write_team_id
    return Team.objects.get(pk=team_id) if team_id is not None else None


def claims_visible_to(who: AnyUser | Access) -> QuerySet[Claim]:
    """Published claims, plus unpublished ones of the asker's own teams; all for researchers."""
    access = _access(who)
    claims = Claim.objects.all()
    if access.researcher:
        return claims
    return claims.filter(Q(status=Claim.Status.PUBLISHED) | Q(team_id__in=access.team_ids))


def _reviewed_visible_to(queryset: QuerySet, who: AnyUser | Access) -> QuerySet:
    access = _access(who)
    if access.researcher:
        return queryset
    return queryset.filter(
        Q(review_status=ReviewStatus.ACCEPTED) | Q(team_id__in=access.team_ids),
        claim__in=claims_visible_to(access),
    )


def stances_visible_to(who: AnyUser | Access) -> QuerySet[Stance]:
    """Accepted stances on visible claims, plus the asker's own teams' submissions."""
    return _reviewed_visible_to(Stance.objects.all(), who)


def evidence_visible_to(who: AnyUser | Access) -> QuerySet[Evidence]:
    return _reviewed_visible_to(Evidence.objects.all(), who)


# --- reports as each team is shown them ---------------------------------------------------
# A report is one row per text, stored by the first submission of it; who
# reads it as stored is decided by that submission's team (``Report.team``):
# no team or the research team, everyone; a fact-checking team, that team
# (and researchers). A team whose own submission brought the same text later
# reads it too, but as its submission sent it: the title, url, symbol,
# source and date that the link (SubmissionReport) keeps, the link's time
# as its creation, and no time of it or its flags earlier than that link, as
# if it had been the first to submit it. A submission of no team or the
# research team is such a link for every team. Every read of reports, flags
# and what names a report (stances, the matrix, exports, ClaimReview,
# webhooks, deletions) goes through these.


def _public(prefix: str = "") -> Q:
    return Q(**{f"{prefix}team__isnull": True}) | Q(**{f"{prefix}team__kind": Team.Kind.RESEARCH})


def _owns(access: Access, prefix: str = "") -> Q:
    """The asker reads the report (at ``prefix``) as stored: public, or its own team's."""
    return _public(prefix) | Q(**{f"{prefix}team_id__in": access.team_ids})


def _links_in_sight(access: Access, report: Any) -> QuerySet[SubmissionReport]:
    """The links through which the asker reaches ``report`` (an id or an
    OuterRef): its own teams' submissions first, then public ones; oldest first."""
    mine = Q(submission__team_id__in=access.team_ids)
    return (
        SubmissionReport.objects.filter(report=report)
        .filter(mine | _public("submission__"))
        .order_by(Case(When(mine, then=Value(0)), default=Value(1)), "pk")
    )


def _ref(prefix: str) -> OuterRef:
    return OuterRef(f"{prefix.removesuffix('__')}" if prefix else "pk")


def _report_visible(access: Access, prefix: str = "") -> Q:
    return _owns(access, prefix) | Q(Exists(_links_in_sight(access, _ref(prefix))))


def reports_visible_to(who: AnyUser | Access) -> QuerySet[Report]:
    access = _access(who)
    if access.researcher:
        return Report.objects.all()
    return Report.objects.filter(_report_visible(access))


def _seen_since(access: Access, prefix: str = "") -> Any:
    """When the asker first reached the report at ``prefix``: the time of its
    link, or NULL where it reads the report as stored."""
    if access.researcher:
        return Value(None, output_field=DateTimeField())
    link = _links_in_sight(access, _ref(prefix)).values("created_at")[:1]
    return Case(When(_owns(access, prefix), then=Value(None)), default=Subquery(link), output_field=DateTimeField())


def _not_before(name: str, since: str) -> Any:
    """The timestamp ``name``, moved up to ``since`` where it is earlier (NULL stays NULL)."""
    return Case(
        When(**{f"{name}__isnull": True}, then=Value(None)),
        default=Greatest(F(name), Coalesce(F(since), F(name))),
        output_field=DateTimeField(),
    )


_SHOWN_FIELDS: dict[str, Field] = {
    "title": CharField(),
    "url": CharField(),
    "document_symbol": CharField(),
    "source_id": IntegerField(),
    "published_on": DateField(),
    "published_precision": CharField(),
}


def _shown(access: Access, name: str, prefix: str = "") -> Any:
    """The report's field ``name`` as the asker is shown it (see above)."""
    output = _SHOWN_FIELDS[name]
    if access.researcher:
        return ExpressionWrapper(F(f"{prefix}{name}"), output_field=output)
    link = _links_in_sight(access, _ref(prefix)).values(name)[:1]
    return Case(When(_owns(access, prefix), then=F(f"{prefix}{name}")), default=Subquery(link), output_field=output)


def reports_for_display(who: AnyUser | Access) -> QuerySet[Report]:
    """Visible reports with what the asker is shown of each: ``shown_<field>``
    for the metadata (title, url, document_symbol, source_id, published_on,
    published_precision), ``shown_created_at``, ``shown_updated_at`` and
    ``shown_processed_at``, and ``seen_link``, the link the asker reaches it
    through (NULL where it reads it as stored). Serializers read these, never
    the row's own fields. The text (long) is read only where asked for."""
    access = _access(who)
    link = _links_in_sight(access, OuterRef("pk")).values("pk")[:1]
    seen_link = (
        Value(None, output_field=IntegerField())
        if access.researcher
        else Case(When(_owns(access), then=Value(None)), default=Subquery(link), output_field=IntegerField())
    )
    return (
        reports_visible_to(access)
        .defer("search_vector")
        .annotate(seen_since=_seen_since(access), seen_link=seen_link)
        .annotate(
            **{f"shown_{name}": _shown(access, name) for name in _SHOWN_FIELDS},
            shown_created_at=Coalesce(F("seen_since"), F("created_at")),
            shown_updated_at=_not_before("updated_at", "seen_since"),
            shown_processed_at=_not_before("processed_at", "seen_since"),
        )
    )


def report_source_shown(who: AnyUser | Access, prefix: str = "report__") -> dict[str, Any]:
    """Annotations for rows that name a report (stances): the id and name of
    its source as the asker is shown it; NULL where it may not read the report."""
    access = _access(who)
    if access.researcher:
        return {"shown_source_id": F(f"{prefix}source_id"), "shown_source": F(f"{prefix}source__name")}
    links = _links_in_sight(access, _ref(prefix))
    return {
        "shown_source_id": Case(
            When(_owns(access, prefix), then=F(f"{prefix}source_id")),
            default=Subquery(links.values("source_id")[:1]),
            output_field=IntegerField(),
        ),
        "shown_source": Case(
            When(_owns(access, prefix), then=F(f"{prefix}source__name")),
            default=Subquery(links.values("source__name")[:1]),
            output_field=CharField(),
        ),
    }


def report_fields_shown(who: AnyUser | Access, *names: str, prefix: str = "report__") -> dict[str, Any]:
    """Annotations ``shown_report_<name>`` for rows that name a report: its
    fields (of ``reports_for_display``'s ``shown_`` ones) as the asker is shown
    them; NULL where it may not read the report."""
    access = _access(who)
    return {f"shown_report_{name}": _shown(access, name, prefix) for name in names}


def report_reached_first_by(*, submission: Submission, report: Report) -> bool:
    """Whether ``submission`` (just linked to ``report``) is how its
    fact-checking team first reaches the report: the team could not read it
    before. Always False for no team or the research team (which reads all)."""
    team = submission.team
    if team is None or team.kind == Team.Kind.RESEARCH:
        return False
    access = Access(user=None, researcher=False, team_ids=frozenset({team.pk}), editor_team_ids=frozenset())
    before = _owns(access) | Q(Exists(_links_in_sight(access, OuterRef("pk")).exclude(submission=submission)))
    return not Report.objects.filter(pk=report.pk).filter(before).exists()


def flags_visible_to(who: AnyUser | Access) -> QuerySet[Flag]:
    """Flags on visible claims and visible reports."""
    access = _access(who)
    if access.researcher:
        return Flag.objects.all()
    return Flag.objects.filter(_report_visible(access, "report__"), claim__in=claims_visible_to(access))


def flags_for_display(who: AnyUser | Access) -> QuerySet[Flag]:
    """Visible flags with their times as the asker is shown them
    (``shown_created_at``, ``shown_updated_at``, ``shown_reviewed_at``: none
    earlier than the asker's link to the report) and the report's title
    (``shown_report_title``)."""
    access = _access(who)
    return (
        flags_visible_to(access)
        .annotate(seen_since=_seen_since(access, "report__"))
        .annotate(
            shown_created_at=_not_before("created_at", "seen_since"),
            shown_updated_at=_not_before("updated_at", "seen_since"),
            shown_reviewed_at=_not_before("reviewed_at", "seen_since"),
            shown_report_title=_shown(access, "title", "report__"),
        )
    )


def flags_with_suggestions(who: AnyUser | Access) -> QuerySet[Flag]:
    """``flags_for_display`` with the stances suggested from each flag, best
    first: a flag as the API and the webhooks show it."""
    suggestions = StanceSuggestion.objects.select_related("actor").order_by("-score", "pk")
    return flags_for_display(who).prefetch_related(Prefetch("suggestions", queryset=suggestions))


def report_match_progress(*, report: Report, matcher_version: str) -> ReportMatchProgress | None:
    """How far earlier runs got matching this report, if they matched its
    current text with this matcher version (else it starts again)."""
    return ReportMatchProgress.objects.filter(
        report=report, text_hash=report.text_hash or "", matcher_version=matcher_version
    ).first()


def submission_reports_for(*, submission: Submission, who: AnyUser | Access, replayed: bool = False) -> list[Report]:
    """A submission's reports as its submitter is shown them, by id. One its
    team reaches first through this submission (another team had stored the
    text, privately) is shown as a report stored now: as this submission sent
    it and, unless this is a replay, not yet matched (matching, its flags and
    their times are the team's to see as they come), as a new report is."""
    links = {pk: report_id for pk, report_id in submission.report_links.values_list("pk", "report_id")}
    reports = list(reports_for_display(who).filter(pk__in=links.values()).order_by("id"))
    for report in reports:
        if not replayed and report.seen_link in links:  # type: ignore[attr-defined]
            _as_new(report)
    return reports


def _as_new(report: Report) -> None:
    if report.status in (Report.Status.PROCESSING, Report.Status.PROCESSED, Report.Status.FAILED):
        report.status = Report.Status.PENDING
    report.last_error, report.matcher_version = "", ""
    report.shown_processed_at = None  # type: ignore[attr-defined]
    report.shown_updated_at = report.shown_created_at  # type: ignore[attr-defined]


def actor_list() -> QuerySet[Actor]:
    """Actors with their aliases (the parent is shown by id: no join)."""
    return Actor.objects.prefetch_related(Prefetch("aliases", to_attr="alias_list"))


def actors_matching_name(name: str) -> QuerySet[Actor]:
    """Actors whose canonical name or any alias equals ``name`` once normalised."""
    key = normalize_name(name)
    return Actor.objects.filter(Q(name__iexact=name.strip()) | Q(aliases__normalized=key)).distinct()


def feeds_due(*, now: datetime.datetime) -> list[int]:
    """Ids of active feeds whose poll interval has passed (or never polled)."""
    feeds = Feed.objects.filter(active=True).values_list("id", "last_polled_at", "poll_interval_minutes")
    return [
        feed_id
        for feed_id, polled, minutes in feeds
        if polled is None or polled + datetime.timedelta(minutes=minutes) <= now
    ]


def attribution_matrix(
    *, claims: QuerySet[Claim], who: AnyUser | Access, as_of: datetime.date | None = None
) -> list[dict]:
    """For each claim: every actor's latest accepted position, since when it
    has held it, and all its accepted stances oldest first, with their
    report's source as the asker is shown it. Undated stances sort before
    dated ones; same-day stances by entry order. ``as_of`` keeps the stances
    stated on or before that day (undated ones, which cannot be placed, are
    left out): the positions held then. Two queries, plain values: this is
    read often and by many."""
    claim_list = list(claims.order_by("id").values("id", "title"))
    accepted = Stance.objects.filter(claim_id__in=[c["id"] for c in claim_list], review_status=ReviewStatus.ACCEPTED)
    if as_of is not None:
        accepted = accepted.filter(stated_on__lte=as_of)
    stances = (
        accepted.order_by(
            "claim_id", "actor__name", "actor_id", F("stated_on").asc(nulls_first=True), "created_at", "id"
        )
        .values("id", "claim_id", "actor_id", "actor__name", "actor__kind", "position", "stated_on", "quote")
        .annotate(source=report_source_shown(who)["shown_source"])
    )
    by_claim: dict[int, dict[int, dict]] = {c["id"]: {} for c in claim_list}
    for stance in stances:
        row = by_claim[stance["claim_id"]].setdefault(
            stance["actor_id"],
            {
                "actor": {"id": stance["actor_id"], "name": stance["actor__name"], "kind": stance["actor__kind"]},
                "position": None,
                "since": None,
                "history": [],
            },
        )
        if stance["position"] != row["position"]:
            row["position"], row["since"] = stance["position"], stance["stated_on"]
        row["history"].append(
            {
                "position": stance["position"],
                "stated_on": stance["stated_on"],
                "stance": stance["id"],
                "quote": stance["quote"],
                "source": stance["source"],
            }
        )
    return [{"claim": c["id"], "title": c["title"], "actors": list(by_claim[c["id"]].values())} for c in claim_list]


CLAIM_LIST_FIELDS = (
    "id",
    "title",
    "text",
    "kind",
    "status",
    "scope_start",
    "scope_end",
    "scope_precision",
    "created_at",
    "updated_at",
    "alleged_perpetrator_id",
    "alleged_perpetrator__name",
    "alleged_perpetrator__kind",
)


def claim_rows(rows: list[dict]) -> list[dict]:
    """Claims as the API's list shows them (``ClaimSerializer``'s shape),
    from ``.values(*CLAIM_LIST_FIELDS)`` rows: their tags and incident ids in
    two queries, no model instances. The list is the API's busiest read."""
    ids = [row["id"] for row in rows]
    tags: dict[int, list[str]] = {pk: [] for pk in ids}
    for claim_id, name in Tag.objects.filter(claims__in=ids).values_list("claims", "name"):
        tags[claim_id].append(name)
    incidents: dict[int, list[int]] = {pk: [] for pk in ids}
    for claim_id, incident_id in Incident.objects.filter(claims__in=ids).values_list("claims", "id"):
        incidents[claim_id].append(incident_id)
    out = []
    for row in rows:
        perpetrator = row["alleged_perpetrator_id"]
        out.append(
            {
                **{field: row[field] for field in CLAIM_LIST_FIELDS[:8]},
                "alleged_perpetrator": {
                    "id": perpetrator,
                    "name": row["alleged_perpetrator__name"],
                    "kind": row["alleged_perpetrator__kind"],
                }
                if perpetrator
                else None,
                "incidents": incidents[row["id"]],
                "tags": tags[row["id"]],
                "created_at": row["created_at"],
                "updated_at": row["updated_at"],
            }
        )
    return out


def stances_for_display(stances: QuerySet[Stance], who: AnyUser | Access) -> QuerySet[Stance]:
    """Stances with the actors they are shown with and their report's source
    as the asker is shown it (``shown_source_id``, ``shown_source``)."""
    return stances.select_related("actor", "speaker").annotate(**report_source_shown(who))


# Deletions, read back from the history tables: "-" rows are deletions.
_TOMBSTONE_MODELS = {
    "claim": Claim,
    "stance": Stance,
    "evidence": Evidence,
    "flag": Flag,
    "actor": Actor,
}


def tombstones_since(*, since: datetime.datetime, who: AnyUser | Access) -> list[dict]:
    """Rows deleted at or after ``since`` that the asker could have seen
    before: deleted claims that were published (or its team's); stances,
    evidence and flags on claims it can see or that were deleted in its sight
    (stances and evidence accepted or its team's, flags on reports it can
    see, deleted since it reached the report); and claims since unpublished,
    which vanish from the asker's lists just as a deletion does."""
    access = _access(who)
    out: list[dict] = []
    claims_gone = Claim.history.filter(history_type="-", history_date__gte=since)  # type: ignore[attr-defined]
    if not access.researcher:
        claims_gone = claims_gone.filter(Q(status=Claim.Status.PUBLISHED) | Q(team_id__in=access.team_ids))
    gone_ids = {pk: when for pk, when in claims_gone.values_list("id", "history_date")}
    out += [{"type": "claim", "id": pk, "deleted_at": when} for pk, when in gone_ids.items()]
    on_seen_claims = Q(claim_id__in=claims_visible_to(access).values("id")) | Q(claim_id__in=list(gone_ids))
    for name, model in _TOMBSTONE_MODELS.items():
        if name == "claim":
            continue
        deleted = model.history.filter(history_type="-", history_date__gte=since)  # type: ignore[attr-defined]
        if not access.researcher:
            if name in ("stance", "evidence"):
                deleted = deleted.filter(
                    Q(review_status=ReviewStatus.ACCEPTED) | Q(team_id__in=access.team_ids), on_seen_claims
                )
            elif name == "flag":
                # On a report the asker reaches through a link, a flag deleted before that link was never in sight.
                reached = _links_in_sight(access, OuterRef("report_id")).filter(
                    created_at__lte=OuterRef("history_date")
                )
                owned = Report.objects.filter(_owns(access)).values("id")
                deleted = deleted.filter(on_seen_claims, Q(report_id__in=owned) | Q(Exists(reached)))
        out += [{"type": name, "id": pk, "deleted_at": when} for pk, when in deleted.values_list("id", "history_date")]
    if not access.researcher:
        withdrawn = Claim.objects.filter(updated_at__gte=since).exclude(pk__in=claims_visible_to(access))
        # Only claims that were published at some point count as withdrawn.
        withdrawn = withdrawn.filter(
            Exists(Claim.history.filter(id=OuterRef("pk"), status=Claim.Status.PUBLISHED))  # type: ignore[attr-defined]
        )
        rows = withdrawn.values_list("id", "updated_at")
        out += [{"type": "claim", "id": pk, "deleted_at": when} for pk, when in rows]
    return sorted(out, key=lambda row: (row["deleted_at"], row["type"], row["id"]))
