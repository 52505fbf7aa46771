"""The matcher's claim index follows the record: every service write that
changes what it holds (an accepted stance, a review, an alias) has the
workers rebuild it after commit, with no admin page involved; and it holds
accepted stances only.

These tests commit for real (transactional_db), so the after-commit bump runs
as in production rather than through a captured callback."""

import pytest
from django.db import transaction

from claims import matcher_runtime, services
from claims.models import Claim, Membership, Position, ReviewStatus, Stance
from claims.services.api_keys import api_key_create
from tests import factories
from tests.conftest import api_client

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Witnesses said the Tiger Forces dropped chlorine barrel bombs on Sarmin, and the ministry denied it."


@pytest.fixture
def claim(settings):
    settings.MATCHER_EMBEDDINGS = False
    return factories.ClaimFactory(
        title="Chlorine barrel bombs on Sarmin",
        text="Helicopters dropped chlorine barrel bombs on Sarmin",
    )


@pytest.fixture
def tigers():
    actor = factories.ActorFactory(name="Tiger Forces")
    factories.ActorAliasFactory(actor=actor, name="Qawat al-Nimr")
    return actor


def _next_match_actors(claim: Claim, text: str = TEXT) -> set[int]:
    """The actors the worker's matcher names on the claim's flag for ``text``
    (as the next match_report task would see them)."""
    matcher = matcher_runtime.current_matcher()
    [proposal] = [p for p in matcher_runtime.proposals_for(matcher, text) if p.claim_id == claim.pk]
    return {a["actor_id"] for a in proposal.matched_actors}


def _indexed_actors(claim: Claim) -> set[int]:
    [doc] = [d for d in matcher_runtime.claim_docs() if d.id == claim.pk]
    return set(doc.actor_ids)


def _version() -> int:
    return matcher_runtime.index_version()


def test_a_stance_accepted_through_the_api_reaches_the_next_match(claim, tigers, research_team, researcher):
    assert tigers.pk not in _next_match_actors(claim)  # the worker's index, built before the stance
    _, key = api_key_create(team=research_team, user=researcher, name="research", role=Membership.Role.EDITOR)
    response = api_client(key).post(
        "/api/v1/stances/", {"claim": claim.pk, "actor": tigers.pk, "position": "denies"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["review_status"] == "accepted"
    assert tigers.pk in _next_match_actors(claim)
    alias_text = TEXT.replace("Tiger Forces", "Qawat al-Nimr")
    assert tigers.pk in _next_match_actors(claim, alias_text)  # its alias is a term of the claim now


def test_a_teams_stance_enters_the_index_only_once_accepted_and_leaves_it_when_rejected(claim, tigers, api, researcher):
    response = api.post(
        "/api/v1/stances/", {"claim": claim.pk, "actor": tigers.pk, "position": "asserts"}, format="json"
    )
    assert response.json()["review_status"] == "pending"
    assert tigers.pk not in _indexed_actors(claim)
    assert tigers.pk not in _next_match_actors(claim)

    stance = Stance.objects.get(pk=response.json()["id"])
    services.stances_review(stances=[stance], reviewer=researcher, decision=ReviewStatus.ACCEPTED)
    assert tigers.pk in _next_match_actors(claim)

    stance.refresh_from_db()
    services.stances_review(stances=[stance], reviewer=researcher, decision=ReviewStatus.REJECTED)
    assert tigers.pk not in _indexed_actors(claim)
    assert tigers.pk not in _next_match_actors(claim)


def test_pending_and_rejected_stances_are_not_indexed(claim, tigers):
    factories.StanceFactory(claim=claim, actor=tigers, review_status=ReviewStatus.PENDING)
    factories.StanceFactory(claim=claim, actor=tigers, review_status=ReviewStatus.REJECTED)
    assert _indexed_actors(claim) == set()
    accepted = factories.ActorFactory(name="Syrian government")
    factories.StanceFactory(claim=claim, actor=accepted, review_status=ReviewStatus.ACCEPTED)
    assert _indexed_actors(claim) == {accepted.pk}


def test_an_alias_added_through_the_service_reaches_the_next_match(claim, tigers, researcher):
    factories.StanceFactory(claim=claim, actor=tigers)
    text = TEXT.replace("Tiger Forces", "Nimr brigade")
    assert tigers.pk not in _next_match_actors(claim, text)
    services.actor_alias_add(actor=tigers, name="Nimr brigade", user=researcher)
    assert tigers.pk in _next_match_actors(claim, text)


def test_the_index_is_bumped_once_per_transaction_after_commit_and_not_on_rollback(claim, tigers, researcher):
    with transaction.atomic():
        services.stance_record(claim=claim, actor=tigers, position=Position.DENIES, user=researcher)
        services.actor_alias_add(actor=tigers, name="Nimr brigade", user=researcher)
        with transaction.atomic():  # a nested savepoint asks again
            services.stance_record(claim=claim, actor=tigers, position=Position.ASSERTS, user=researcher)
        assert _version() == 0  # not before commit
    assert _version() == 1

    with pytest.raises(RuntimeError), transaction.atomic():
        services.actor_alias_add(actor=tigers, name="Tigers", user=researcher)
        raise RuntimeError("the caller's transaction fails")
    assert _version() == 1

    with transaction.atomic():
        try:
            with transaction.atomic():  # a rolled-back savepoint's bump is gone...
                services.actor_alias_add(actor=tigers, name="Nimr", user=researcher)
                raise RuntimeError
        except RuntimeError:
            pass
        services.actor_alias_add(actor=tigers, name="Al-Nimr", user=researcher)  # ...so this one asks again
    assert _version() == 2


def test_a_pending_stance_and_a_review_that_changes_nothing_do_not_bump(
    claim, tigers, team_member, factcheck_team, researcher
):
    stance = services.stance_record(
        claim=claim, actor=tigers, position=Position.DENIES, user=team_member, team=factcheck_team
    )
    services.stances_review(stances=[stance], reviewer=researcher, decision=ReviewStatus.REJECTED)
    assert _version() == 0
