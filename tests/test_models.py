"""Invariants the database itself enforces."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from claims.models import Claim, Flag, Incident, Position, Report, Stance, Submission
from claims.normalize import text_hash
from tests import factories

pytestmark = pytest.mark.django_db


def _violates(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_one_flag_per_report_and_claim():
    flag = factories.FlagFactory()
    _violates(lambda: factories.FlagFactory(report=flag.report, claim=flag.claim))


def test_report_text_hash_is_unique():
    report = factories.ReportFactory()
    _violates(lambda: factories.ReportFactory(text=report.text, title="another title"))


def test_reports_without_text_do_not_collide():
    factories.ReportFactory(text="", text_hash=None, status=Report.Status.CITED)
    factories.ReportFactory(text="", text_hash=None, status=Report.Status.CITED)
    assert Report.objects.filter(text_hash__isnull=True).count() == 2


def test_report_with_text_needs_its_hash():
    _violates(lambda: factories.ReportFactory(text="Some text", text_hash=None))


def test_stance_needs_an_actor_a_claim_and_a_position():
    claim, actor = factories.ClaimFactory(), factories.ActorFactory()
    _violates(lambda: Stance.objects.create(claim=claim, actor=None, position=Position.DENIES))
    _violates(lambda: Stance.objects.create(claim=None, actor=actor, position=Position.DENIES))
    _violates(lambda: Stance.objects.create(claim=claim, actor=actor, position=""))


def test_attribution_claim_names_an_alleged_perpetrator():
    # The database's own check, below the service's validation: written with the ORM.
    _violates(lambda: Claim.objects.create(title="t", text="t", kind=Claim.Kind.ATTRIBUTION, alleged_perpetrator=None))
    assert factories.AttributionClaimFactory().alleged_perpetrator is not None


def test_incident_dates_and_coordinates_are_consistent():
    # The database's own checks, below the service's validation: written with the ORM.
    _violates(
        lambda: Incident.objects.create(
            title="i", date_start=datetime.date(2015, 3, 16), date_end=datetime.date(2015, 3, 1)
        )
    )
    _violates(lambda: Incident.objects.create(title="i", latitude=95, longitude=10))
    _violates(lambda: Incident.objects.create(title="i", latitude=35.8, longitude=None))
    incident = factories.IncidentFactory(latitude="35.86", longitude="36.63", date_end=datetime.date(2015, 3, 31))
    assert Incident.objects.get(pk=incident.pk).date_end == datetime.date(2015, 3, 31)


def test_alias_is_unique_per_actor_once_normalised():
    alias = factories.ActorAliasFactory(name="Damascus")
    _violates(lambda: factories.ActorAliasFactory(actor=alias.actor, name="DAMASCUS"))
    # The same name may stand for two actors (the matcher resolves by context).
    factories.ActorAliasFactory(name="Damascus")


def test_reviewed_flag_records_when():
    _violates(lambda: factories.FlagFactory(status=Flag.Status.REJECTED, reviewed_at=None))


def test_submission_idempotency_key_is_unique_per_team():
    team = factories.TeamFactory()
    Submission.objects.create(channel=Submission.Channel.API, team=team, raw_sha256="a" * 64, idempotency_key="k1")
    _violates(
        lambda: Submission.objects.create(
            channel=Submission.Channel.API, team=team, raw_sha256="b" * 64, idempotency_key="k1"
        )
    )
    other = factories.TeamFactory()
    Submission.objects.create(channel=Submission.Channel.API, team=other, raw_sha256="c" * 64, idempotency_key="k1")
    Submission.objects.create(channel=Submission.Channel.API, team=team, raw_sha256="d" * 64)
    Submission.objects.create(channel=Submission.Channel.API, team=team, raw_sha256="e" * 64)


def test_text_hash_ignores_case_spacing_and_typographic_quotes():
    assert text_hash("Damascus  denies the “charge”.") == text_hash('damascus denies the "charge".\n')
    assert text_hash("Damascus denies") != text_hash("Damascus admits")
