"""Unpublished claims and pending submissions are seen only by their team and by researchers."""

import pytest

from claims import selectors, services
from claims.models import Claim, ReviewStatus, Submission
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted(factcheck_team, other_team):
    """Another team's unpublished claim and pending stance, next to published, accepted ones."""
    published = factories.ClaimFactory(title="published", status=Claim.Status.PUBLISHED)
    draft = factories.ClaimFactory(title="other team's draft", status=Claim.Status.DRAFT, team=other_team)
    own_draft = factories.ClaimFactory(title="own draft", status=Claim.Status.DRAFT, team=factcheck_team)
    accepted = factories.StanceFactory(claim=published, review_status=ReviewStatus.ACCEPTED)
    pending = factories.StanceFactory(claim=published, review_status=ReviewStatus.PENDING, team=other_team)
    own_pending = factories.StanceFactory(claim=published, review_status=ReviewStatus.PENDING, team=factcheck_team)
    on_draft = factories.StanceFactory(claim=draft, review_status=ReviewStatus.ACCEPTED, team=other_team)
    evidence = factories.EvidenceFactory(claim=published, review_status=ReviewStatus.PENDING, team=other_team)
    return locals()


def test_team_member_sees_published_and_own_team_only(team_member, planted):
    assert set(selectors.claims_visible_to(team_member)) == {planted["published"], planted["own_draft"]}
    assert set(selectors.stances_visible_to(team_member)) == {planted["accepted"], planted["own_pending"]}
    assert not selectors.evidence_visible_to(team_member).exists()


def test_researcher_sees_everything(researcher, planted):
    assert selectors.claims_visible_to(researcher).count() == 3
    assert selectors.stances_visible_to(researcher).count() == 4
    assert selectors.user_is_researcher(researcher)


def test_anonymous_sees_published_and_accepted_only(planted):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert list(selectors.claims_visible_to(anonymous)) == [planted["published"]]
    assert list(selectors.stances_visible_to(anonymous)) == [planted["accepted"]]
    assert not selectors.user_is_researcher(anonymous)


def test_inactive_researcher_is_not_a_researcher(researcher):
    researcher.is_active = False
    assert not selectors.user_is_researcher(researcher)


def test_actor_found_by_any_alias():
    government = factories.ActorFactory(name="Syrian government")
    for alias in ("Damascus", "Assad government", "Syrian Arab Republic"):
        factories.ActorAliasFactory(actor=government, name=alias)
    assert list(selectors.actors_matching_name("assad  GOVERNMENT")) == [government]
    assert list(selectors.actors_matching_name("Syrian government")) == [government]
    assert not selectors.actors_matching_name("Moscow").exists()


def _stored(team, text, title=""):
    """The report of ``text`` submitted for ``team``, and whether this submission stored it."""
    submitted = services.report_submit(
        channel=Submission.Channel.API, user=None, team=team, raw=text.encode(), content_type="text/plain", title=title
    )
    ((report, created),) = submitted.reports
    return report, created


def _shown_title(who, report):
    return selectors.reports_for_display(who).filter(pk=report.pk).values_list("shown_title", flat=True).first()


@pytest.mark.parametrize("later", ["another fact-checking team", "the research team", "no team (a feed)"])
def test_a_later_submission_of_a_private_text_is_read_as_it_sent_it_and_changes_nothing_for_the_first(
    factcheck_team, other_team, research_team, team_member, other_team_member, later
):
    """The team that stored the text reads it as stored; a later submission
    makes it readable to its own team (a research or no team's: to every
    team), as that submission sent it, and changes nothing of the report."""
    text = "The unit named in the memorandum flew from Hama air base on the morning of the attack."
    report, created = _stored(other_team, text, title="Their memo")
    assert not selectors.reports_visible_to(team_member).filter(pk=report.pk).exists()
    again = {"another fact-checking team": factcheck_team, "the research team": research_team}.get(later)
    linked, created_again = _stored(again, text.upper(), title="Our memo")
    assert (linked, created, created_again) == (report, True, False)
    report.refresh_from_db()
    assert (report.team, report.title) == (other_team, "Their memo")
    assert _shown_title(team_member, report) == "Our memo"
    assert _shown_title(other_team_member, report) == "Their memo"


def test_a_report_stored_for_the_research_team_or_no_team_is_read_by_every_team(research_team, team_member):
    shared = [_stored(research_team, "A shared report on Sarmin.")[0], _stored(None, "A feed's report on Sarmin.")[0]]
    assert set(selectors.reports_visible_to(team_member)) == set(shared)


def test_writes_are_filed_under_the_research_team_else_the_first_team_joined(factcheck_team, research_team):
    from claims.models import Membership

    user = factories.UserFactory(username="both")
    factories.MembershipFactory(team=factcheck_team, user=user)  # joined first
    factories.MembershipFactory(team=research_team, user=user)
    assert selectors.write_team(user) == research_team

    checker = factories.UserFactory(username="checker-reader")
    factories.MembershipFactory(team=research_team, user=checker, role=Membership.Role.READ_ONLY)
    factories.MembershipFactory(team=factcheck_team, user=checker)
    assert selectors.write_team(checker) == factcheck_team  # the research team, but not as an editor
