"""factory_boy factories for the record. Rows made here skip the services on
purpose (they set up state); tests of behaviour call the services."""

import datetime
from collections.abc import Callable
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.db import transaction

from claims import models, services
from claims.normalize import normalize_name, text_hash


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pw-for-tests")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    kind = models.Team.Kind.FACT_CHECKING


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = models.Membership.Role.EDITOR


def _set_up(service: Callable[..., Any], fields: dict[str, Any]) -> Any:
    """A row made by its service, as a researcher's write makes it (validated,
    with its history), without the after-commit work the service asks for (the
    matcher index bump, the archive re-match): a test's data is set up before
    what the test observes, and a bump already pending would hide the one the
    observed write asks for (one per transaction)."""
    with transaction.atomic():  # in a test of its own transactions too: dropped before they commit
        connection = transaction.get_connection()
        pending = len(connection.run_on_commit)
        row = service(user=fields.pop("created_by", None), **fields)
        del connection.run_on_commit[pending:]
    return row


class ActorFactory(factory.django.DjangoModelFactory):
    """Through ``services.actor_create``, as a researcher adds one."""

    class Meta:
        model = models.Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    kind = models.Actor.Kind.STATE

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> models.Actor:
        return _set_up(services.actor_create, kwargs)


class ActorAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ActorAlias

    actor = factory.SubFactory(ActorFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")
    normalized = factory.LazyAttribute(lambda a: normalize_name(a.name))


class IncidentFactory(factory.django.DjangoModelFactory):
    """Through ``services.incident_create``."""

    class Meta:
        model = models.Incident

    title = factory.Sequence(lambda n: f"Incident {n}")
    place_name = "Sarmin"
    date_start = datetime.date(2015, 3, 16)
    agent = models.Incident.Agent.CHLORINE

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> models.Incident:
        return _set_up(services.incident_create, kwargs)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag-{n}")


class ClaimFactory(factory.django.DjangoModelFactory):
    """Through ``services.claim_create`` (see ``_set_up``)."""

    class Meta:
        model = models.Claim

    title = factory.Sequence(lambda n: f"Claim {n}")
    text = factory.LazyAttribute(lambda c: f"{c.title}: something happened.")
    kind = models.Claim.Kind.EVENT
    status = models.Claim.Status.PUBLISHED

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> models.Claim:
        return _set_up(services.claim_create, kwargs)


class AttributionClaimFactory(ClaimFactory):
    kind = models.Claim.Kind.ATTRIBUTION
    alleged_perpetrator = factory.SubFactory(ActorFactory)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Source {n}")
    kind = models.Source.Kind.NEWS_AGENCY


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Report

    title = factory.Sequence(lambda n: f"Report {n}")
    text = factory.LazyAttribute(lambda r: f"{r.title}. Full text of the report.")
    text_hash = factory.LazyAttribute(lambda r: text_hash(r.text) if r.text else None)
    source = factory.SubFactory(SourceFactory)
    published_on = datetime.date(2015, 6, 3)


class StanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Stance

    claim = factory.SubFactory(ClaimFactory)
    actor = factory.SubFactory(ActorFactory)
    position = models.Position.ASSERTS
    stated_on = datetime.date(2015, 6, 3)
    quote = "We say so."
    review_status = models.ReviewStatus.ACCEPTED


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Evidence

    claim = factory.SubFactory(ClaimFactory)
    kind = models.Evidence.Kind.DOCUMENT
    relation = models.Evidence.Relation.SUPPORTS
    description = "An OPCW report."
    url = "https://www.opcw.org/example"
    review_status = models.ReviewStatus.ACCEPTED


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Flag

    report = factory.SubFactory(ReportFactory)
    claim = factory.SubFactory(ClaimFactory)
    score = 0.8
    tier = models.Flag.Tier.SUGGESTED
    passages = factory.LazyFunction(lambda: [{"text": "a matching passage", "score": 0.8}])
    matcher_version = "test"


class StanceSuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.StanceSuggestion

    flag = factory.SubFactory(FlagFactory)
    actor = factory.SubFactory(ActorFactory)
    position = models.Position.DENIES
    quote = "a charge that Damascus denies"
    score = 0.7
    suggester_version = "test"
