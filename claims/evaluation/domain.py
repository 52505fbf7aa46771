"""The product's whole path on labelled in-domain data, on a database of its
own: what ``manage.py evaluate_domain`` measures (the contract is
``../shared/eval/domain-syria/README.md``).

The run. Actors with their parents and aliases, incidents and claims are
recorded through the services a researcher's admin uses (``actor_create``,
``actor_alias_add``, ``incident_create``, ``claim_create``); every article is
submitted through ``report_submit`` as text pasted in the admin (title, text,
its date as ``published_on``, its outlet as the source), so it is split,
language-detected, stored and matched by the ``match_report`` task exactly as
a worker does; a new claim is matched against the archive by the
``rematch_claim`` task its service sends. ``claims-first``: the claims exist
before the reports arrive (the report path). ``reports-first``: the reports
are stored and matched (against no claims), then each claim is recorded and
the archive re-match runs for it. The flags are read back from the Flag table
and mapped to the files' ids. Opposing claims are not entered: the matcher
derives them from the record (claims about one incident whose perpetrators
are on different sides).

The scratch database. A run never touches the database ``DATABASE_URL``
names (nor ``db.sqlite3``). It creates one of its own, migrated from empty,
and drops it afterwards, also on an error, Ctrl-C or SIGTERM (the command
turns SIGTERM into SystemExit). It does so as Django's test runner does,
through the backend's own ``connection.creation.create_test_db`` and
``destroy_test_db``, with the TEST name set to the scratch one: in this
process the ``default`` connection and ``settings.DATABASES`` switch to the
new database, every migration runs (PostgreSQL's full-text trigger and index
included, as in production), and both switch back at the end. The backend
knows how to create and drop a database on its own server: on PostgreSQL a
database named ``evaluate_domain_<pid>_<random>`` on the server
``DATABASE_URL`` names, created and dropped through its maintenance
database; on SQLite a file in a temporary directory. (Overriding DATABASES
before ``django.setup`` would need a process of its own, and still the
creating and dropping.) A process killed outright (SIGKILL) leaves its
PostgreSQL database behind, recognisable by that name.

Everything else a run would keep is redirected for its length: the raw
uploads go to a temporary directory (``STORAGES``), tasks run in-process
(Celery's ``task_always_eager``, as the embedded default does, even where a
broker is configured), and this process's matcher, built from whatever
database it read, is forgotten before and after.
"""

from __future__ import annotations

import datetime
import os
import secrets
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from celery import current_app
from django.conf import settings
from django.db import connections
from django.test.utils import override_settings

from claims import matcher_runtime, services
from claims.evaluation.metrics import read_jsonl, read_labels
from claims.models import Actor, Claim, DatePrecision, Flag, Incident, Report, Submission

ORDERS = ("claims-first", "reports-first")

# The data sets' actor kinds that are not the product's own names for them.
ACTOR_KINDS = {
    "armed_forces": Actor.Kind.GOVERNMENT,
    "armed_force": Actor.Kind.GOVERNMENT,
    "military": Actor.Kind.GOVERNMENT,
    "organization": Actor.Kind.ORGANISATION,
    "international_organisation": Actor.Kind.ORGANISATION,
    "international_organization": Actor.Kind.ORGANISATION,
    "group": Actor.Kind.ARMED_GROUP,
}
PRECISIONS = {"year": DatePrecision.YEAR, "month": DatePrecision.MONTH, "day": DatePrecision.DAY}
PRECISIONS |= {"approx": DatePrecision.APPROXIMATE, "approximate": DatePrecision.APPROXIMATE}


class DomainError(ValueError):
    """The files do not follow the set's format; the message says where."""


@dataclass(frozen=True)
class DomainSet:
    """The four files of an in-domain set, read and checked before any
    database is touched."""

    articles: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    actors: list[dict[str, Any]]
    labels: list[dict[str, str]]

    @classmethod
    def read(cls, *, articles: Path | str, claims: Path | str, actors: Path | str, labels: Path | str) -> DomainSet:
        try:
            domain = cls(read_jsonl(articles), read_jsonl(claims), read_jsonl(actors), read_labels(labels))
        except (OSError, ValueError) as exc:
            raise DomainError(str(exc)) from exc
        domain.check()
        return domain

    def check(self) -> None:
        """Raise DomainError unless every row has what the run needs."""
        names = set()
        for actor in self.actors:
            if not str(actor.get("name") or "").strip():
                raise DomainError(f"actors: an actor without a name: {actor!r}")
            names.add(actor["name"])
            if any(not str(alias.get("name") or "").strip() for alias in actor.get("aliases") or []):
                raise DomainError(f"actors: {actor['name']!r} has an alias without a name")
        for actor in self.actors:
            if actor.get("parent") and actor["parent"] not in names:
                raise DomainError(f"actors: the parent of {actor['name']!r}, {actor['parent']!r}, is not an actor")
        for claim in self.claims:
            if not claim.get("id") or not str(claim.get("text") or "").strip():
                raise DomainError(f"claims: a claim needs an id and a text: {claim!r}")
            if claim.get("kind") not in Claim.Kind.values:
                raise DomainError(
                    f"claims: {claim['id']!r} has kind {claim.get('kind')!r}, not one of {Claim.Kind.values}"
                )
            perpetrator = claim.get("perpetrator")
            if perpetrator and perpetrator not in names:
                raise DomainError(f"claims: the perpetrator of {claim['id']!r}, {perpetrator!r}, is not an actor")
            if claim["kind"] == Claim.Kind.ATTRIBUTION and not perpetrator:
                raise DomainError(f"claims: {claim['id']!r} is an attribution without a perpetrator")
            if claim.get("incident"):
                _incident_fields(claim["incident"], claim["id"])
        for article in self.articles:
            if "unit_id" not in article:
                raise DomainError(f"articles: an article without a unit_id: {str(article)[:200]}")
        for row in self.labels:
            if not {"unit_id", "claim_id", "label", "agreed"} <= row.keys():
                raise DomainError(f"labels: a row without unit_id, claim_id, label and agreed: {row!r}")


@dataclass
class Outcome:
    """What a run left: its flags as the flags file lists them (the
    articles' order, then the claims'), how its reports ended (status ->
    count), and notes worth telling (an actor kind read as another...)."""

    flags: list[dict[str, Any]]
    reports: dict[str, int]
    failed_submissions: int = 0
    notes: list[str] = field(default_factory=list)
    database: str = ""  # the scratch database's name (dropped by now)


def run(domain: DomainSet, *, order: str = "claims-first", embeddings: bool | None = None) -> Outcome:
    """Record ``domain`` through the product on a scratch database, in
    ``order``, and return its flags. ``embeddings`` None: the matcher the
    product would use as installed (``settings.MATCHER_EMBEDDINGS``)."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    with ExitStack() as stack:
        database = stack.enter_context(scratch_database())
        stack.enter_context(scratch_storage())
        stack.enter_context(in_process_tasks())
        if embeddings is not None:
            stack.enter_context(override_settings(MATCHER_EMBEDDINGS=embeddings))
        matcher_runtime.forget_matcher()
        stack.callback(matcher_runtime.forget_matcher)
        outcome = _record_and_match(domain, order)
    outcome.database = database
    return outcome


@contextmanager
def scratch_database(alias: str = "default") -> Iterator[str]:
    """Switch ``alias`` to a new, migrated database for the block, and drop
    it after (see the module's docstring). Yields its name."""
    connection = connections[alias]
    with tempfile.TemporaryDirectory(prefix="evaluate-domain-") as folder:
        if connection.vendor == "sqlite":
            if connection.is_in_memory_db():  # type: ignore[attr-defined]  # closing it would not switch it
                raise DomainError("the database is SQLite in memory: give a file, or PostgreSQL")
            name = str(Path(folder) / "scratch.sqlite3")
        elif connection.vendor == "postgresql":
            name = f"evaluate_domain_{os.getpid()}_{secrets.token_hex(4)}"
        else:
            raise DomainError(f"a scratch database on {connection.vendor} is not supported (SQLite or PostgreSQL)")
        test_settings = connection.settings_dict["TEST"]
        saved_test, original = dict(test_settings), connection.settings_dict["NAME"]
        test_settings["NAME"] = name
        try:
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            yield name
        finally:
            # create_test_db switches to the new name right after creating it:
            # from then on, there is something to drop.
            if connection.settings_dict["NAME"] == name:
                connection.creation.destroy_test_db(original, verbosity=0)
            test_settings.clear()
            test_settings.update(saved_test)


@contextmanager
def scratch_storage() -> Iterator[str]:
    """Files saved during the block (the submissions' raw bytes) go to a
    temporary directory, removed after."""
    default = cast(dict[str, Any], settings.STORAGES["default"])
    with tempfile.TemporaryDirectory(prefix="evaluate-domain-media-") as folder:
        storages = {
            **settings.STORAGES,
            "default": {**default, "OPTIONS": {**default.get("OPTIONS", {}), "location": folder}},
        }
        with override_settings(STORAGES=storages):
            yield folder


@contextmanager
def in_process_tasks() -> Iterator[None]:
    """Celery tasks sent during the block run at once, in this process (the
    embedded default's mode), whatever broker is configured. A task that
    raises is not hidden: its sender logs it (``services.dispatch``)."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


# --- the record, the reports, the flags -----------------------------------------------


def _record_and_match(domain: DomainSet, order: str) -> Outcome:
    notes: list[str] = []
    actors = _actors_create(domain.actors, notes)
    incidents = _incidents_create(domain.claims)
    claims: dict[int, str] = {}
    if order == "claims-first":
        claims = _claims_create(domain.claims, actors, incidents)
    units_of, failed = _articles_submit(domain.articles, notes)
    if order == "reports-first":
        claims = _claims_create(domain.claims, actors, incidents)
    statuses = Counter(Report.objects.exclude(status=Report.Status.CITED).values_list("status", flat=True))
    return Outcome(_flags(domain, units_of, claims), dict(statuses), failed, notes)


def _actors_create(rows: list[dict[str, Any]], notes: list[str]) -> dict[str, Actor]:
    """Each actor after its parent, with its aliases."""
    created: dict[str, Actor] = {}
    todo = list(rows)
    while todo:
        ready = [row for row in todo if not row.get("parent") or row["parent"] in created]
        if not ready:
            raise DomainError(f"actors: their parents form a cycle: {[row['name'] for row in todo]}")
        for row in ready:
            actor = services.actor_create(
                name=row["name"],
                kind=_actor_kind(row.get("kind"), row["name"], notes),
                parent=created.get(row.get("parent") or ""),
            )
            for alias in row.get("aliases") or []:
                services.actor_alias_add(actor=actor, name=alias["name"], ambiguous=bool(alias.get("ambiguous")))
            created[row["name"]] = actor
        todo = [row for row in todo if row["name"] not in created]
    return created


def _actor_kind(kind: Any, name: str, notes: list[str]) -> str:
    key = str(kind or "").strip().lower().replace(" ", "_").replace("-", "_")
    if key in Actor.Kind.values:
        return key
    if key in ACTOR_KINDS:
        return ACTOR_KINDS[key]
    notes.append(f"actor {name!r}: kind {kind!r} recorded as {Actor.Kind.ORGANISATION.label!r}")
    return Actor.Kind.ORGANISATION


def _incident_fields(incident: Mapping[str, Any], claim_id: str) -> dict[str, Any]:
    """An incident of the claims file as Incident fields: the date is the
    first day of its period (``2013-08`` is 1 August 2013, month)."""
    value = str(incident.get("date") or "").strip()
    precision = str(incident.get("date_precision") or "").strip().lower()
    start = None
    if value:
        try:
            parts = [int(p) for p in value.split("-")]
            start = datetime.date(parts[0], *[*parts[1:], 1, 1][:2])
        except (ValueError, TypeError, IndexError) as exc:
            raise DomainError(f"claims: the incident date of {claim_id!r}, {value!r}, is not YYYY[-MM[-DD]]") from exc
        precision = precision or ("year", "month", "day")[min(len(parts), 3) - 1]
    if precision and precision not in PRECISIONS:
        raise DomainError(f"claims: the incident of {claim_id!r} has date_precision {precision!r}")
    if not str(incident.get("name") or "").strip():
        raise DomainError(f"claims: the incident of {claim_id!r} has no name")
    return {
        "title": str(incident["name"])[:300],
        "place_name": str(incident.get("place") or "")[:200],
        "date_start": start,
        "date_precision": PRECISIONS.get(precision, DatePrecision.DAY),
    }


def _incident_key(fields: Mapping[str, Any]) -> tuple:
    return (fields["title"], fields["place_name"], fields["date_start"], fields["date_precision"])


def _incidents_create(claims: list[dict[str, Any]]) -> dict[tuple, Incident]:
    """One incident per distinct name, place and date, as a researcher
    records it once for all the claims about it."""
    incidents: dict[tuple, Incident] = {}
    for claim in claims:
        if claim.get("incident"):
            fields = _incident_fields(claim["incident"], claim["id"])
            if _incident_key(fields) not in incidents:
                incidents[_incident_key(fields)] = services.incident_create(**fields)
    return incidents


def _claims_create(
    rows: list[dict[str, Any]], actors: Mapping[str, Actor], incidents: Mapping[tuple, Incident]
) -> dict[int, str]:
    """Record each claim (each one's service sends its archive re-match);
    returns the file's claim id by claim pk."""
    ids = {}
    for row in rows:
        incident = (
            [incidents[_incident_key(_incident_fields(row["incident"], row["id"]))]] if row.get("incident") else []
        )
        claim = services.claim_create(
            title=str(row.get("title") or row["text"])[:300],
            text=row["text"],
            kind=row["kind"],
            alleged_perpetrator=actors.get(row.get("perpetrator") or ""),
            incidents=incident,
        )
        ids[claim.pk] = row["id"]
    return ids


def _article_date(value: Any) -> datetime.date | None:
    """``M/D/YYYY`` (the set's form) or ``YYYY-MM-DD``; None if neither."""
    value = str(value or "").strip()
    try:
        if "/" in value:
            month, day, year = (int(p) for p in value.split("/"))
            return datetime.date(year, month, day)
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _articles_submit(rows: list[dict[str, Any]], notes: list[str]) -> tuple[dict[int, list[str]], int]:
    """Submit each article as pasted text; returns the articles (unit ids)
    each stored report holds (two articles of the same text are one report)
    and how many submissions failed."""
    units_of: dict[int, list[str]] = defaultdict(list)
    sources: dict[str, Any] = {}
    failed = 0
    for row in rows:
        title, text = str(row.get("title") or "").strip(), str(row.get("text") or "").strip()
        if not (title or text):
            notes.append(f"article {row['unit_id']}: no title and no text, not submitted")
            continue
        outlet = str(row.get("source") or "").strip()[:200]
        if outlet and outlet not in sources:
            sources[outlet] = services.source_for_outlet(name=outlet)
        submitted = services.report_submit(
            channel=Submission.Channel.ADMIN_TEXT,
            user=None,
            team=None,
            raw=(text or title).encode("utf-8"),
            content_type="text/plain; charset=utf-8",
            title=title[:500],
            source=sources.get(outlet),
            published_on=_article_date(row.get("date")),
        )
        failed += submitted.submission.status == Submission.Status.FAILED
        for report, _ in submitted.reports:
            if report.status != Report.Status.CITED:
                units_of[report.pk].append(str(row["unit_id"]))
    return units_of, failed


def _flags(domain: DomainSet, units_of: Mapping[int, list[str]], claims: Mapping[int, str]) -> list[dict[str, Any]]:
    """The Flag table as the flags file's rows: one per (article, claim),
    its best-scoring flag where the article's text became several reports."""
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for report_id, claim_pk, score, tier in Flag.objects.values_list("report_id", "claim_id", "score", "tier"):
        for unit in units_of.get(report_id, ()):
            key = (unit, claims[claim_pk])
            if key not in best or score > best[key][0]:
                best[key] = (float(score), str(tier))
    out, seen = [], set()
    for article in domain.articles:
        unit = str(article["unit_id"])
        if unit in seen:
            continue
        seen.add(unit)
        for claim in domain.claims:
            if (unit, claim["id"]) in best:
                score, tier = best[(unit, claim["id"])]
                out.append({"unit_id": unit, "claim": claim["id"], "score": score, "tier": tier})
    return out
