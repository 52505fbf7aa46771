"""Reads: who may see what, and querysets with their joins already made.

Visibility is decided on an ``Access``: what a signed-in user, or an API key
acting for one team, may read and write. Every function here that takes
``who`` accepts a user or an ``Access``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

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
    ReviewStatus,
    Stance,
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


def _report_visible(access: Access, prefix: str = "") -> Q:
    """A report is visible unless another fact-checking team's submission
    stored it (``Report.team``): a team's reports are its own. Submitting the
    same text later links the new submission to that report and shows the
    submitter nothing of it: every read of reports and flags goes through here."""
    team = f"{prefix}team"
    return (
        Q(**{f"{team}__isnull": True})
        | Q(**{f"{team}__kind": Team.Kind.RESEARCH})
        | Q(**{f"{team}_id__in": access.team_ids})
    )


def reports_visible_to(who: AnyUser | Access) -> QuerySet[Report]:
    access = _access(who)
    if access.researcher:
        return Report.objects.all()
    return Report.objects.filter(_report_visible(access))


def flags_visible_to(who: AnyUser | Access) -> QuerySet[Flag]:
    """Flags on visible claims and visible reports."""
    access = _access(who)
    if access.researcher:
        return Flag.objects.all()
    return Flag.objects.filter(_report_visible(access, "report__"), claim__in=claims_visible_to(access))


def submission_reports_for(
    *, submission: Submission, who: AnyUser | Access
) -> tuple[list[Report], list[SubmissionReport]]:
    """What a submission's submitter is shown of the reports it brought: the
    ones it may read, and the links to the ones it may not (text another team
    had submitted first, privately), which show only what this submission
    sent (the title it gave) and how matching stands, never that report."""
    links = list(submission.report_links.select_related("report").defer("report__text", "report__search_vector"))
    readable = set(
        reports_visible_to(who).filter(pk__in=[link.report_id for link in links]).values_list("pk", flat=True)
    )
    shown = sorted((link.report for link in links if link.report_id in readable), key=lambda report: report.pk)
    withheld = sorted((link for link in links if link.report_id not in readable), key=lambda link: link.pk)
    return shown, withheld


def stance_list() -> QuerySet[Stance]:
    return Stance.objects.select_related("claim", "actor", "speaker", "report__source", "team")


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


def attribution_matrix(*, claims: QuerySet[Claim]) -> list[dict]:
    """For each claim: every actor's latest accepted position, since when it
    has held it, and all its accepted stances oldest first. Undated stances
    sort before dated ones; same-day stances by entry order. Two queries,
    plain values: this is read often and by many."""
    claim_list = list(claims.order_by("id").values("id", "title"))
    stances = (
        Stance.objects.filter(claim_id__in=[c["id"] for c in claim_list], review_status=ReviewStatus.ACCEPTED)
        .order_by("claim_id", "actor__name", "actor_id", F("stated_on").asc(nulls_first=True), "created_at", "id")
        .values("id", "claim_id", "actor_id", "actor__name", "actor__kind", "position", "stated_on", "quote")
        .annotate(source=F("report__source__name"))
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


def stances_for_display(stances: QuerySet[Stance]) -> QuerySet[Stance]:
    """Stances with the actors and source they are shown with; the report's
    text (long) is not read."""
    return stances.select_related("actor", "speaker", "report__source").defer("report__text", "report__search_vector")


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
    see); and claims since unpublished, which vanish from the asker's lists
    just as a deletion does."""
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
                deleted = deleted.filter(on_seen_claims, report_id__in=reports_visible_to(access).values("id"))
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
