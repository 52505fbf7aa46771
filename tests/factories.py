"""factory_boy factories for the record. Rows made here skip the services on
purpose (they set up state); tests of behaviour call the services."""

import datetime

import factory
from django.contrib.auth import get_user_model

from claims import models
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


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    kind = models.Actor.Kind.STATE


class ActorAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ActorAlias

    actor = factory.SubFactory(ActorFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")
    normalized = factory.LazyAttribute(lambda a: normalize_name(a.name))


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Incident

    title = factory.Sequence(lambda n: f"Incident {n}")
    place_name = "Sarmin"
    date_start = datetime.date(2015, 3, 16)
    agent = models.Incident.Agent.CHLORINE


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag-{n}")


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Claim

    title = factory.Sequence(lambda n: f"Claim {n}")
    text = factory.LazyAttribute(lambda c: f"{c.title}: something happened.")
    kind = models.Claim.Kind.EVENT
    status = models.Claim.Status.PUBLISHED


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
