"""The record's structure reaches the matcher: incidents (place, date and its
precision, agent), the alleged perpetrator and the actor hierarchy, and the
report's date."""

import datetime

import pytest

from claims import matcher_runtime, services
from claims.matching import IncidentDoc
from claims.models import Actor, Report, Submission

from .factories import ActorFactory, AttributionClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def test_claim_docs_carry_the_incident_the_perpetrator_and_the_kind():
    government = ActorFactory(name="Ruritanian government", kind=Actor.Kind.GOVERNMENT)
    incident = IncidentFactory(
        title="Chlorine attack on Sarmin", place_name="Sarmin, Idlib", date_start=datetime.date(2015, 3, 16)
    )
    claim = AttributionClaimFactory(alleged_perpetrator=government)
    claim.incidents.add(incident)
    [doc] = matcher_runtime.claim_docs()
    assert doc.kind == "attribution"
    assert doc.perpetrator_id == government.pk
    assert doc.incidents == (
        IncidentDoc(
            id=incident.pk,
            title="Chlorine attack on Sarmin",
            place="Sarmin, Idlib",
            date=datetime.date(2015, 3, 16),
            date_precision="day",
            agent="chlorine",
        ),
    )
    assert doc.incident_names == ("Chlorine attack on Sarmin", "Sarmin, Idlib")


def test_the_matcher_knows_which_actor_belongs_to_which(settings):
    settings.MATCHER_EMBEDDINGS = False
    government = ActorFactory(name="Ruritanian government", kind=Actor.Kind.GOVERNMENT)
    army = ActorFactory(name="Ruritanian army", kind=Actor.Kind.GOVERNMENT, parent=government)
    air_force = ActorFactory(name="Ruritanian air force", kind=Actor.Kind.GOVERNMENT, parent=army)
    assert matcher_runtime.actor_parents() == {army.pk: government.pk, air_force.pk: army.pk}
    claim = AttributionClaimFactory(alleged_perpetrator=government, text="The government used chlorine.")
    matcher = matcher_runtime.build()
    [elements] = matcher.elements.values()
    assert elements.perpetrators == {government.pk, army.pk, air_force.pk}
    assert matcher.claims[0].id == claim.pk


def test_a_report_is_matched_with_its_date(settings, monkeypatch):
    settings.MATCHER_EMBEDDINGS = False
    seen = {}

    def explain(self, text, hits, *, published=None, **kwargs):
        seen["published"] = published
        return []

    monkeypatch.setattr(matcher_runtime.Matcher, "explain", explain)
    submission = services.submission_create(channel=Submission.Channel.API, raw=b"x")
    report = services.report_store(submission=submission, title="A report", text="Some text.")[0]
    Report.objects.filter(pk=report.pk).update(published_on=datetime.date(2016, 10, 26))
    report.refresh_from_db()
    matcher_runtime.match_report(report)
    assert seen["published"] == datetime.date(2016, 10, 26)


@pytest.mark.parametrize(("value", "loads"), [("auto", True), ("OFF", True), ("1", True), ("flase", False)])
def test_matcher_embeddings_takes_auto_true_or_false_and_refuses_a_typo(value, loads):
    from tests.harness import settings_load

    loaded = settings_load(MATCHER_EMBEDDINGS=value)
    assert (loaded.returncode == 0) is loads
    if not loads:
        assert "ImproperlyConfigured: MATCHER_EMBEDDINGS: 'flase' is none of auto, true or false" in loaded.stderr
