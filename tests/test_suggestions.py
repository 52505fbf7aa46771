"""Suggested stances end to end: computed when flags are stored, accepted or
rejected through the services, the API and the admin. Invented record and
text (not the demo's)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims import matcher_runtime, services
from claims.matching.stance import SUGGESTER_VERSION
from claims.models import Actor, Flag, ReviewStatus, Stance, StanceSuggestion
from claims.services import report_matching
from tests import factories

TEXT = (
    "Northland, along with Southland, has repeatedly accused the Freedonian government of the chlorine attacks"
    " – a charge that Fredville denies. “We support the need to find those behind the chlorine attacks,”"
    " Ivan Petrov said."
)


@pytest.fixture(autouse=True)
def _lexical(settings):
    settings.MATCHER_EMBEDDINGS = False


@pytest.fixture
def record(db):
    government = factories.ActorFactory(name="Freedonian government", kind=Actor.Kind.GOVERNMENT)
    factories.ActorAliasFactory(actor=government, name="Fredville", ambiguous=True)
    north = factories.ActorFactory(name="Northland")
    factories.ActorFactory(name="Ivan Petrov", kind=Actor.Kind.PERSON, parent=north)
    factories.ActorFactory(name="Southland")
    claim = factories.ClaimFactory(
        title="Chlorine attacks in Freedonia were carried out by the government",
        text="The Freedonian government carried out the chlorine attacks.",
        kind="attribution",
        alleged_perpetrator=government,
    )
    report = factories.ReportFactory(title="Digest", text=TEXT, published_on=datetime.date(2016, 5, 1))
    return claim, report


def _store(claim, report):
    body = len(report.title) + 2
    proposal = matcher_runtime.FlagProposal(
        claim_id=claim.pk,
        score=0.8,
        tier="strong",
        passages=[{"text": report.text[:40], "start": body, "end": body + 40, "score": 0.8}],
        matched_actors=[],
        matched_terms=[],
    )
    report_matching.flags_store(report=report, proposals=[proposal], matcher_version="test")
    return Flag.objects.get(report=report, claim=claim)


def _by_actor(flag):
    return {(s.actor.name, s.position): s for s in flag.suggestions.select_related("actor")}


def test_storing_a_flag_suggests_its_stances(record):
    claim, report = record
    flag = _store(claim, report)
    found = _by_actor(flag)
    assert set(found) == {
        ("Northland", "asserts"),
        ("Southland", "asserts"),
        ("Freedonian government", "denies"),
        ("Northland", "calls_investigation"),
    }
    asserts = found["Northland", "asserts"]
    assert report.text[asserts.quote_start : asserts.quote_end] == asserts.quote
    assert asserts.quote.startswith("has repeatedly accused")
    assert (asserts.stated_on, asserts.suggester_version) == (datetime.date(2016, 5, 1), SUGGESTER_VERSION)
    call = found["Northland", "calls_investigation"]
    assert (call.speaker.name, call.quote_verbatim) == ("Ivan Petrov", True)
    # The flag itself is the matcher's, unchanged.
    assert (flag.score, flag.tier, flag.matched_terms) == (0.8, "strong", [])


def test_rematching_replaces_pending_suggestions_and_keeps_decided_ones(record, researcher):
    claim, report = record
    flag = _store(claim, report)
    denial = _by_actor(flag)["Freedonian government", "denies"]
    services.suggestion_reject(suggestion=denial, user=researcher, reason="Not a denial of this claim.")
    _store(claim, report)
    assert flag.suggestions.count() == 4
    assert flag.suggestions.filter(status=StanceSuggestion.Status.REJECTED).get().pk == denial.pk


def test_a_researcher_accepting_records_the_stance_from_the_flags_report(record, researcher, research_team):
    claim, report = record
    suggestion = _by_actor(_store(claim, report))["Northland", "calls_investigation"]
    stance = services.suggestion_accept(suggestion=suggestion, user=researcher, team=research_team)
    assert (stance.claim, stance.report, stance.actor.name, stance.position) == (
        claim,
        report,
        "Northland",
        "calls_investigation",
    )
    assert (stance.speaker.name, stance.quote_kind, stance.review_status) == (
        "Ivan Petrov",
        Stance.QuoteKind.VERBATIM,
        ReviewStatus.ACCEPTED,
    )
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.resulting_stance, suggestion.decided_by) == ("accepted", stance, researcher)
    with pytest.raises(ValidationError):
        services.suggestion_accept(suggestion=suggestion, user=researcher)


def test_a_team_member_accepting_records_a_pending_stance_with_corrections(record, team_member, factcheck_team):
    claim, report = record
    suggestion = _by_actor(_store(claim, report))["Southland", "asserts"]
    stance = services.suggestion_accept(
        suggestion=suggestion, user=team_member, team=factcheck_team, stated_on=datetime.date(2016, 4, 2)
    )
    assert (stance.review_status, stance.team, stance.stated_on) == (
        ReviewStatus.PENDING,
        factcheck_team,
        datetime.date(2016, 4, 2),
    )


def test_a_rejection_keeps_its_reason_and_needs_one(record, researcher):
    claim, report = record
    suggestion = _by_actor(_store(claim, report))["Southland", "asserts"]
    with pytest.raises(ValidationError) as error:
        services.suggestion_reject(suggestion=suggestion, user=researcher, reason="  ")
    assert "reason" in error.value.message_dict
    services.suggestion_reject(suggestion=suggestion, user=researcher, reason="Southland said no such thing.")
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.reject_reason) == ("rejected", "Southland said no such thing.")
    assert not Stance.objects.exists()


# --- API ------------------------------------------------------------------------------


def test_the_flag_shows_its_suggestions_in_the_api(record, researcher_client):
    claim, report = record
    flag = _store(claim, report)
    body = researcher_client.get(reverse("api:flag-detail", args=[flag.pk])).json()
    rows = {(s["actor_name"], s["position"]) for s in body["suggestions"]}
    assert ("Freedonian government", "denies") in rows
    assert {"quote", "quote_start", "speaker_text", "stated_on", "score", "suggester_version", "status"} <= set(
        body["suggestions"][0]
    )


def test_accepting_through_the_api_as_a_researcher_and_as_a_team(record, researcher_client, api):
    claim, report = record
    found = _by_actor(_store(claim, report))
    url = reverse("api:suggestion-accept", args=[found["Northland", "asserts"].pk])
    answer = researcher_client.post(url, {}, content_type="application/json")
    assert answer.status_code == 201, answer.content
    assert (answer.json()["review_status"], answer.json()["report"]) == ("accepted", report.pk)
    again = researcher_client.post(url, {}, content_type="application/json")
    assert again.status_code == 400 and "status" in again.json()
    team = api.post(reverse("api:suggestion-accept", args=[found["Southland", "asserts"].pk]), {}, format="json")
    assert team.status_code == 201, team.content
    assert team.json()["review_status"] == "pending"


def test_rejecting_through_the_api_needs_a_reason(record, researcher_client, read_only_member):
    claim, report = record
    suggestion = _by_actor(_store(claim, report))["Southland", "asserts"]
    url = reverse("api:suggestion-reject", args=[suggestion.pk])
    missing = researcher_client.post(url, {}, content_type="application/json")
    assert missing.status_code == 400 and "reason" in missing.json()
    done = researcher_client.post(url, {"reason": "Wrong actor."}, content_type="application/json")
    assert done.status_code == 200 and done.json()["reject_reason"] == "Wrong actor."


def test_a_read_only_member_may_not_decide(record, read_only_client):
    claim, report = record
    suggestion = _by_actor(_store(claim, report))["Southland", "asserts"]
    answer = read_only_client.post(
        reverse("api:suggestion-accept", args=[suggestion.pk]), {}, content_type="application/json"
    )
    assert answer.status_code == 403


# --- admin ------------------------------------------------------------------------------


def test_the_admin_shows_suggestions_on_the_flag_and_rejects_with_a_reason(record, researcher_client):
    claim, report = record
    flag = _store(claim, report)
    page = researcher_client.get(reverse("admin:claims_flag_change", args=[flag.pk]))
    assert page.status_code == 200
    assert "suggested stances" in page.content.decode().lower()
    assert "calls for investigation" in page.content.decode()  # the position's label
    suggestion = _by_actor(flag)["Southland", "asserts"]
    changelist = reverse("admin:claims_stancesuggestion_changelist")
    form = researcher_client.post(changelist, {"action": "reject", "_selected_action": [suggestion.pk]})
    assert form.status_code == 200 and "reason" in form.content.decode()
    done = researcher_client.post(
        changelist, {"action": "reject", "_selected_action": [suggestion.pk], "reason": "Not about this claim."}
    )
    assert done.status_code == 302
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.reject_reason) == ("rejected", "Not about this claim.")
    accepted = _by_actor(flag)["Northland", "asserts"]
    researcher_client.post(changelist, {"action": "accept", "_selected_action": [accepted.pk]})
    accepted.refresh_from_db()
    assert accepted.resulting_stance.review_status == ReviewStatus.ACCEPTED
    assert researcher_client.get(reverse("admin:claims_stancesuggestion_change", args=[accepted.pk])).status_code == 200
