"""Load the demo record: a 2015 Syria news digest and what a researcher read in it.

The hand-curated record is ``digest-2015.toml``; the digest itself is
``digest-2015.txt``, kept byte for byte in this package so the product never
reads outside it. Writes go through ``claims.services`` where one exists
(submissions, reports, aliases, stances, evidence); the rest is got or created
by natural key (names, titles).

Guarantees: one transaction; a re-run creates no rows and no history records
(what exists is found by its natural key and left as it is, so a researcher's
later edits to demo rows survive a reload). Stances and evidence are
researcher entries, accepted at once.
"""

from __future__ import annotations

import functools
import itertools
import secrets
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction
from django.db.models import Q

from claims import services
from claims.models import (
    Actor,
    ActorAlias,
    Claim,
    Confidence,
    DatePrecision,
    Evidence,
    Incident,
    Membership,
    Position,
    Report,
    Source,
    Stance,
    Submission,
    Tag,
    Team,
)
from claims.normalize import normalize_name, sha256_bytes, text_hash
from claims.selectors import user_is_researcher
from claims.services import matcher_index

DEMO_PACKAGE = "claims.demo"
DEMO_RECORD = "digest-2015.toml"

FACTCHECK_TEAM = {"name": "Demo fact-checkers", "slug": "demo-fact-checkers"}
ADMIN_USERNAME = "admin"
CHECKER_USERNAME = "checker"

M = TypeVar("M", bound=models.Model)


class DemoDataError(ValueError):
    """The TOML record and the digest text disagree, or the record is malformed."""


# --- reading -----------------------------------------------------------------------


def demo_record() -> dict[str, Any]:
    """The hand-curated record, parsed."""
    return tomllib.loads(resources.files(DEMO_PACKAGE).joinpath(DEMO_RECORD).read_text(encoding="utf-8"))


def demo_digest_bytes(record: dict[str, Any]) -> bytes:
    """The digest exactly as shipped (the submission's raw bytes)."""
    return resources.files(DEMO_PACKAGE).joinpath(record["digest"]["file"]).read_bytes()


def split_articles(text: str, *, headlines: list[str], end_heading: str) -> list[str]:
    """The body of each article: the lines after its headline, up to the next
    headline or the reading list. Headlines must be whole lines, each exactly
    once, in the given order."""
    lines = text.splitlines()
    starts = []
    for headline in [*headlines, end_heading]:
        found = [i for i, line in enumerate(lines) if line.strip() == headline]
        if len(found) != 1:
            raise DemoDataError(f"Expected the line {headline!r} once in the digest, found it {len(found)} times.")
        starts.append(found[0])
    if starts != sorted(starts):
        raise DemoDataError("The headlines in the record are not in the digest's order.")
    bodies = []
    for start, end in itertools.pairwise(starts):
        body = "\n".join(lines[start + 1 : end]).strip()
        if not body:
            raise DemoDataError(f"The article {lines[start]!r} has no body.")
        bodies.append(body)
    return bodies


def recommended_reads(text: str, *, end_heading: str) -> list[str]:
    """The reading list's lines, without their leading dash."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == end_heading)
    return [line.strip().removeprefix("-").strip() for line in lines[start + 1 :] if line.strip()]


# --- helpers -----------------------------------------------------------------------------


@dataclass
class Tally:
    created: Counter[str]
    found: Counter[str]

    def count(self, kind: str, created: bool) -> None:
        (self.created if created else self.found)[kind] += 1

    def summary(self) -> list[str]:
        kinds = list(dict.fromkeys([*self.created, *self.found]))
        return [f"{kind}: {self.created[kind]} new, {self.found[kind]} already there" for kind in kinds]


def _find_or_make(model: type[M], *, lookup: dict[str, Any], make: Callable[[], M], tally: Tally, kind: str) -> M:
    """Find by natural key, or make through its service."""
    obj = model._default_manager.filter(**lookup).first()
    tally.count(kind, obj is None)
    return obj if obj is not None else make()


def _get_or_create(
    model: type[M], *, lookup: dict[str, Any], defaults: dict[str, Any], user: User | None, tally: Tally, kind: str
) -> M:
    """Find by natural key, or create (validated, with the history user set)."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **defaults)
        obj.full_clean()
        obj._history_user = user  # type: ignore[attr-defined]
        obj.save()
        tally.count(kind, True)
    else:
        tally.count(kind, False)
    return obj


def _add_missing(manager: Any, objs: list[Any]) -> None:
    """Add only the links that are missing: adding an existing link would still
    send m2m_changed, and a tracked m2m field would record history for it."""
    present = set(manager.values_list("pk", flat=True))
    missing = [obj for obj in objs if obj.pk not in present]
    if missing:
        manager.add(*missing)


def _lookup(table: dict[str, Any], key: str, what: str) -> Any:
    try:
        return table[key]
    except KeyError:
        raise DemoDataError(f"Unknown {what} {key!r} in the demo record.") from None


def research_team_ensure(record: dict[str, Any] | None = None) -> Team:
    """The research team that owns the demo rows ("Research desk"), created if missing."""
    spec = (record or demo_record())["team"]
    team = Team.objects.filter(Q(slug=spec["slug"]) | Q(name=spec["name"])).first()
    if team is None:
        team = Team.objects.create(name=spec["name"], slug=spec["slug"], kind=Team.Kind.RESEARCH)
    return team


def _research_team_ensure(record: dict[str, Any], tally: Tally) -> Team:
    exists = Team.objects.filter(Q(slug=record["team"]["slug"]) | Q(name=record["team"]["name"])).exists()
    tally.count("teams", not exists)
    return research_team_ensure(record)


# --- loading -----------------------------------------------------------------------------


@transaction.atomic
def demo_load(*, user: User | None = None) -> Tally:
    """Load the demo record. Safe to re-run: a second run creates nothing.

    ``user`` (optional) is recorded as the author; it must be a researcher,
    since demo stances and evidence are the record, not submissions for review.
    """
    if user is not None and not user_is_researcher(user):
        raise DemoDataError(f"{user} is not a researcher; demo entries must be accepted researcher entries.")
    record = demo_record()
    raw = demo_digest_bytes(record)
    text = raw.decode("utf-8")
    digest = record["digest"]
    if digest["published_on"] != digest["taken_as_dated"].replace(day=1):
        raise DemoDataError("The digest's published_on must be the first of the month it is taken to be from.")

    tally = Tally(Counter(), Counter())
    team = _research_team_ensure(record, tally)

    actors: dict[str, Actor] = {}
    for spec in record["actors"]:
        parent = _lookup(actors, spec["parent"], "parent actor") if "parent" in spec else None
        actor = _find_or_make(
            Actor,
            lookup={"name": spec["name"]},
            make=functools.partial(
                services.actor_create,
                name=spec["name"],
                kind=Actor.Kind(spec["kind"]),
                parent=parent,
                user=user,
                description=spec.get("description", ""),
                name_valid_from=spec.get("name_valid_from"),
                name_valid_to=spec.get("name_valid_to"),
            ),
            tally=tally,
            kind="actors",
        )
        actors[spec["name"]] = actor
        for alias in spec.get("aliases", []):
            exists = ActorAlias.objects.filter(actor=actor, normalized=normalize_name(alias["name"])).exists()
            services.actor_alias_add(
                actor=actor,
                name=alias["name"],
                user=user,
                kind=ActorAlias.Kind(alias.get("kind", ActorAlias.Kind.ALIAS)),
                ambiguous=alias.get("ambiguous", False),
            )
            tally.count("aliases", not exists)

    sources: dict[str, Source] = {}
    for spec in record["sources"]:
        sources[spec["name"]] = _get_or_create(
            Source,
            lookup={"name": spec["name"]},
            defaults={
                "kind": Source.Kind(spec["kind"]),
                "url": spec.get("url", ""),
                "actor": _lookup(actors, spec["actor"], "actor") if "actor" in spec else None,
            },
            user=user,
            tally=tally,
            kind="sources",
        )

    # The digest as received, as the record cuts it: its articles, and the
    # reports they cite. One demo submission per distinct file: loading again
    # replays it (its idempotency key) and finds its reports.
    end_heading = digest["recommended_reads_heading"]
    bodies = split_articles(text, headlines=[a["headline"] for a in record["articles"]], end_heading=end_heading)
    listed = recommended_reads(text, end_heading=end_heading)
    articles = {spec["key"]: i for i, spec in enumerate(record["articles"])}
    drafts = [
        services.ReportDraft(
            title=spec["headline"],
            text=body,
            source=sources[digest["source"]],
            published_on=digest["published_on"],
            published_precision=DatePrecision(digest["published_precision"]),
            language=digest["language"],
        )
        for spec, body in zip(record["articles"], bodies, strict=True)
    ]
    for spec in record["cited"]:
        if spec.get("recommended") and f"{spec['source']}: {spec['title']}" not in listed:
            raise DemoDataError(f"{spec['title']!r} is not in the digest's reading list as '{spec['source']}: ...'.")
        drafts.append(
            services.ReportDraft(
                title=spec["title"],
                source=_lookup(sources, spec["source"], "source"),
                published_on=spec.get("published_on"),
                published_precision=DatePrecision(spec.get("published_precision", DatePrecision.DAY)),
                url=spec.get("url", ""),
                document_symbol=spec.get("document_symbol", ""),
                cited_by=tuple(_lookup(articles, key, "article") for key in spec["cited_by"]),
            )
        )
    raw_sha256 = sha256_bytes(raw)
    submitted = services.report_submit(
        channel=Submission.Channel.DEMO,
        user=user,
        team=team,
        raw=raw,
        filename=digest["file"],
        content_type="text/plain; charset=utf-8",
        idempotency_key=f"demo:{raw_sha256}",
        drafts=drafts,
    )
    if submitted.submission.status == Submission.Status.FAILED:
        raise DemoDataError(f"The digest could not be stored: {submitted.submission.error}")
    tally.count("submissions", not submitted.replayed)
    stored = submitted.reports or _stored_earlier(submitted.submission, drafts)
    keys = [spec["key"] for spec in record["articles"]] + [spec["key"] for spec in record["cited"]]
    reports: dict[str, Report] = {}
    for key, draft, (report, created) in zip(keys, drafts, stored, strict=True):
        tally.count("articles" if draft.text else "cited reports", created)
        reports[key] = report

    incidents: dict[str, Incident] = {}
    for spec in record["incidents"]:
        incidents[spec["key"]] = _find_or_make(
            Incident,
            lookup={"title": spec["title"]},
            make=functools.partial(
                services.incident_create,
                title=spec["title"],
                user=user,
                description=spec.get("description", ""),
                place_name=spec.get("place_name", ""),
                agent=Incident.Agent(spec["agent"]) if "agent" in spec else "",
                date_start=spec.get("date_start"),
                date_end=spec.get("date_end"),
                date_precision=DatePrecision(spec["date_precision"]),
            ),
            tally=tally,
            kind="incidents",
        )

    claims: dict[str, Claim] = {}
    tags: dict[str, Tag] = {}
    for spec in record["claims"]:
        for name in spec.get("tags", []):
            if name not in tags:
                tags[name], created = Tag.objects.get_or_create(name=name)
                tally.count("tags", created)
        claim_incidents = [_lookup(incidents, key, "incident") for key in spec.get("incidents", [])]
        claim_tags = [tags[name] for name in spec.get("tags", [])]
        claim = _find_or_make(
            Claim,
            lookup={"title": spec["title"]},
            make=functools.partial(
                services.claim_create,
                title=spec["title"],
                text=spec["text"],
                kind=Claim.Kind(spec["kind"]),
                user=user,
                alleged_perpetrator=(
                    _lookup(actors, spec["alleged_perpetrator"], "actor") if "alleged_perpetrator" in spec else None
                ),
                incidents=claim_incidents,
                tags=claim_tags,
                scope_start=spec.get("scope_start"),
                scope_end=spec.get("scope_end"),
                scope_precision=DatePrecision(spec.get("scope_precision", DatePrecision.MONTH)),
                status=Claim.Status.PUBLISHED,
                team=team,
            ),
            tally=tally,
            kind="claims",
        )
        claim._history_user = user  # type: ignore[attr-defined]
        _add_missing(claim.incidents, claim_incidents)  # a re-run adds what the record gained
        _add_missing(claim.tags, claim_tags)
        claims[spec["key"]] = claim

    for spec in record["stances"]:
        claim = _lookup(claims, spec["claim"], "claim")
        actor = _lookup(actors, spec["actor"], "actor")
        position = Position(spec["position"])
        speaker = _lookup(actors, spec["speaker"], "speaker") if "speaker" in spec else None
        stance_report = _lookup(reports, spec["report"], "report") if "report" in spec else None
        key = {
            "speaker": speaker,
            "speaker_description": spec.get("speaker_description", ""),
            "report": stance_report,
        }
        exists = Stance.objects.filter(claim=claim, actor=actor, position=position, **key).exists()
        tally.count("stances", not exists)
        if exists:
            continue
        confidence = spec.get("confidence")
        services.stance_record(
            claim=claim,
            actor=actor,
            position=position,
            user=user,
            team=team,
            **key,
            stated_on=spec.get("stated_on"),
            stated_precision=DatePrecision(spec.get("stated_precision", DatePrecision.DAY)),
            quote=spec.get("quote", ""),
            quote_kind=Stance.QuoteKind(spec.get("quote_kind", Stance.QuoteKind.VERBATIM)),
            confidence_wording=spec.get("confidence_wording", ""),
            confidence=Confidence[confidence] if confidence else None,
            note=spec.get("note", ""),
        )

    for spec in record["evidence"]:
        claim = _lookup(claims, spec["claim"], "claim")
        kind, relation = Evidence.Kind(spec["kind"]), Evidence.Relation(spec["relation"])
        evidence_report = _lookup(reports, spec["report"], "report") if "report" in spec else None
        url = spec.get("url", "")
        exists = Evidence.objects.filter(
            claim=claim, kind=kind, relation=relation, report=evidence_report, url=url
        ).exists()
        tally.count("evidence", not exists)
        if exists:
            continue
        services.evidence_add(
            claim=claim,
            kind=kind,
            relation=relation,
            description=spec["description"],
            user=user,
            team=team,
            report=evidence_report,
            url=url,
        )

    if any(tally.created.values()):
        # New claims or aliases: workers rebuild their index before they
        # match the new articles (sent once this transaction commits).
        matcher_index.index_bump()
    return tally


def _stored_earlier(submission: Submission, drafts: list[services.ReportDraft]) -> list[tuple[Report, bool]]:
    """The reports an earlier load stored for ``drafts``: articles by their
    text, cited reports by outlet and title."""
    linked = list(submission.reports.all())
    by_text = {report.text_hash: report for report in linked if report.text_hash}
    by_title = {(report.source_id, report.title): report for report in linked if not report.text_hash}
    found = []
    for draft in drafts:
        source_id = draft.source.pk if draft.source else None
        report = by_text.get(text_hash(draft.text)) if draft.text else by_title.get((source_id, draft.title))
        if report is None:
            raise DemoDataError(f"The demo submission no longer has the report {draft.title!r}; it was removed.")
        found.append((report, False))
    return found


# --- demo users ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    team: str
    is_staff: bool


def _user_ensure(*, username: str, password: str | None, team: Team, staff: bool) -> DemoLogin:
    user = User.objects.filter(username=username).first() or User(username=username)
    user.is_active = True
    user.is_staff = user.is_superuser = staff
    password = password or secrets.token_urlsafe(16)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    Membership.objects.get_or_create(team=team, user=user, defaults={"role": Membership.Role.EDITOR})
    return DemoLogin(username=username, password=password, team=team.name, is_staff=staff)


@transaction.atomic
def demo_users_ensure(*, admin_password: str | None = None, checker_password: str | None = None) -> list[DemoLogin]:
    """The demo logins: "admin", a superuser in the research team, and "checker",
    a member (not staff) of the "Demo fact-checkers" team. Safe to re-run: the
    users, teams and memberships are found, and each password is set again,
    to the one given or a new random one. Raises ValidationError for a
    password the validators refuse."""
    research = research_team_ensure()
    factcheck = Team.objects.filter(Q(slug=FACTCHECK_TEAM["slug"]) | Q(name=FACTCHECK_TEAM["name"])).first()
    if factcheck is None:
        factcheck = Team.objects.create(**FACTCHECK_TEAM, kind=Team.Kind.FACT_CHECKING)
    return [
        _user_ensure(username=ADMIN_USERNAME, password=admin_password, team=research, staff=True),
        _user_ensure(username=CHECKER_USERNAME, password=checker_password, team=factcheck, staff=False),
    ]
