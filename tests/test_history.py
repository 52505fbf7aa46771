"""A claim's history page also tells the history of its stances and evidence."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import services
from claims.models import Evidence, Position, Stance
from tests import factories
from tests.test_admin import form_data


def claim_url(claim, view="change"):
    return reverse(f"admin:claims_claim_{view}", args=[claim.pk])


def history_lines(client, claim):
    response = client.get(claim_url(claim, "history"))
    assert response.status_code == 200
    return response, response.context["related_changes"]


@pytest.fixture
def claim(db):
    return factories.AttributionClaimFactory(title="Khan Shaykhun sarin attack, 4 April 2017")


@pytest.fixture
def russia(db):
    return factories.ActorFactory(name="Russia")


def test_a_stance_added_in_the_claim_form_shows_in_the_claims_history(researcher_client, researcher, claim, russia):
    data = form_data(researcher_client.get(claim_url(claim)))
    data.update(
        {
            "stances-0-actor": str(russia.pk),
            "stances-0-position": Position.DISPUTES,
            "stances-0-stated_on": "2017-04-12",
            "stances-0-quote": "A fabrication.",
        }
    )
    response = researcher_client.post(claim_url(claim), data)
    assert response.status_code == 302, response.context["errors"]

    response, lines = history_lines(researcher_client, claim)
    [line] = lines
    assert line.action == "Stance added"
    assert line.label.startswith("Russia — disputes")
    assert line.user == researcher
    content = response.content.decode()
    assert "Stance added:" in content
    assert "Russia — disputes the evidence or the process" in content
    assert researcher.username in content


def test_changing_a_stances_position_shows_the_change(researcher_client, researcher, claim, russia):
    stance = services.stance_record(claim=claim, actor=russia, position=Position.DISPUTES, user=researcher)
    data = form_data(researcher_client.get(claim_url(claim)))
    assert data["stances-0-id"] == str(stance.pk)
    data["stances-0-position"] = Position.DENIES
    response = researcher_client.post(claim_url(claim), data)
    assert response.status_code == 302, response.context["errors"]

    response, lines = history_lines(researcher_client, claim)
    changed, added = lines
    assert (changed.action, added.action) == ("Stance changed", "Stance added")
    assert changed.label.startswith("Russia — denies")
    assert changed.changes == [
        {"field": "position", "old": "disputes the evidence or the process", "new": "denies"},
    ]
    assert "disputes the evidence or the process&nbsp;&rarr;&nbsp;denies" in response.content.decode()


def test_foreign_key_changes_name_the_rows(researcher_client, researcher, claim, russia):
    stance = services.stance_record(claim=claim, actor=russia, position=Position.DENIES, user=researcher)
    churkin = factories.ActorFactory(name="Vitaly Churkin", parent=russia)
    page = researcher_client.get(reverse("admin:claims_stance_change", args=[stance.pk]))
    data = form_data(page)
    data["speaker"] = str(churkin.pk)
    assert researcher_client.post(reverse("admin:claims_stance_change", args=[stance.pk]), data).status_code == 302

    _, lines = history_lines(researcher_client, claim)
    assert lines[0].changes == [{"field": "speaker", "old": "–", "new": "Vitaly Churkin"}]


def test_review_deletion_and_evidence_are_listed_with_who_did_them(
    researcher_client, researcher, claim, russia, team_member, factcheck_team
):
    stance = services.stance_record(
        claim=claim, actor=russia, position=Position.ASSERTS, user=team_member, team=factcheck_team
    )
    services.stances_review(stances=[stance], reviewer=researcher, decision="rejected", note="No source.")
    services.evidence_add(
        claim=claim,
        kind=Evidence.Kind.DOCUMENT,
        relation=Evidence.Relation.SUPPORTS,
        description="OPCW FFM report S/1510/2017.",
        url="https://www.opcw.org/ffm",
        user=researcher,
    )
    stance._history_user = researcher
    stance.delete()

    _, lines = history_lines(researcher_client, claim)
    assert [(line.action, line.user) for line in lines] == [
        ("Stance deleted", researcher),
        ("Evidence added", researcher),
        ("Stance changed", researcher),
        ("Stance added", team_member),
    ]
    assert lines[0].url is None
    reviewed = lines[2]
    assert reviewed.reason == "review: rejected"
    fields = {change["field"]: (change["old"], change["new"]) for change in reviewed.changes}
    assert fields["review status"] == ("pending review", "rejected")
    assert fields["reviewed by"] == ("–", researcher.username)
    assert lines[1].label.startswith("document — supports: OPCW FFM report")


def test_only_this_claims_stances_are_listed(researcher_client, researcher, claim, russia):
    other = factories.ClaimFactory()
    services.stance_record(claim=other, actor=russia, position=Position.ASSERTS, user=researcher)
    _, lines = history_lines(researcher_client, claim)
    assert lines == []


def _history_queries(client, claim):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(claim_url(claim, "history"))
    assert response.status_code == 200
    return len(queries), len(response.context["related_changes"])


def _edit_stances(claim, n, user):
    for _ in range(n):
        stance = services.stance_record(claim=claim, actor=factories.ActorFactory(), position="asserts", user=user)
        stance.position = Position.DENIES
        stance.speaker = factories.ActorFactory()
        stance._history_user = user
        stance.save()
        services.evidence_add(
            claim=claim, kind="document", relation="supports", description="d", url="https://e.org", user=user
        )


def test_history_page_queries_do_not_grow_with_the_records(researcher_client, researcher, claim):
    _edit_stances(claim, 3, researcher)
    queries_n, lines_n = _history_queries(researcher_client, claim)
    _edit_stances(claim, 3, researcher)
    queries_2n, lines_2n = _history_queries(researcher_client, claim)
    assert (lines_n, lines_2n) == (9, 18)
    assert queries_2n == queries_n


def test_a_long_history_is_cut_to_the_latest_and_still_diffs(researcher_client, researcher, claim, russia, settings):
    from claims.selectors.history import related_history

    stance = services.stance_record(claim=claim, actor=russia, position=Position.ASSERTS, user=researcher)
    for position in (Position.DENIES, Position.DISPUTES, Position.RETRACTS):
        stance.position = position
        stance._history_user = researcher
        stance.save()
    lines = related_history(claim.pk, limit=2)
    assert [line.label.split(" — ")[1] for line in lines] == ["retracts", "disputes the evidence or the process"]
    # the oldest line in the window is diffed against a record outside it
    assert lines[1].changes == [{"field": "position", "old": "denies", "new": "disputes the evidence or the process"}]
    assert Stance.history.filter(id=stance.pk).count() == 4
