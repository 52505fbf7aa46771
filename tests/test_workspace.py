"""The researchers' pages: home, a claim's dossier, the attribution matrix.
Login required; each shows what the API shows the same user; CSV exports;
query counts that do not grow with the rows."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse

from claims.models import Claim, Evidence, Flag, Position, Report, ReviewStatus, Stance
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.date


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def dossier_claim(research_team):
    claim = factories.AttributionClaimFactory(title="Chlorine at Sarmin", text="The government used chlorine.")
    claim.incidents.add(factories.IncidentFactory(title="Sarmin attack", place_name="Sarmin"))
    return claim


@pytest.mark.parametrize("name,args", [("workspace:home", []), ("workspace:matrix", []), ("workspace:claim", [1])])
def test_a_visitor_not_signed_in_is_sent_to_the_login_page(anonymous_client, name, args):
    url = reverse(name, args=args)
    response = anonymous_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={url}"


def test_staff_not_verified_by_their_second_factor_are_sent_to_the_login_page(researcher_client, settings):
    settings.ADMIN_OTP_REQUIRED = True
    response = researcher_client.get(reverse("workspace:matrix"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_timeline_csv_needs_a_login_too(anonymous_client):
    response = anonymous_client.get(reverse("workspace:claim-timeline-csv", args=[1]))
    assert response.status_code == 302


def test_the_admin_view_site_link_leads_home(researcher_client):
    response = researcher_client.get(reverse("admin:index"))
    assert response.context["site_url"] == "/" == reverse("workspace:home")


def test_the_dossier_shows_the_claim_its_incident_and_a_timeline_in_order(researcher_client, dossier_claim):
    early = factories.StanceFactory(
        claim=dossier_claim,
        actor=factories.ActorFactory(name="Syria"),
        position=Position.DENIES,
        stated_on=DAY(2015, 3, 1),
        stated_precision="month",
        quote="We never used chlorine.",
        confidence_wording="",
    )
    late = factories.StanceFactory(
        claim=dossier_claim,
        actor=factories.ActorFactory(name="OPCW"),
        position=Position.CALLS_FOR_INVESTIGATION,
        stated_on=DAY(2015, 6, 3),
        confidence_wording="reasonable grounds to believe",
    )
    factories.StanceFactory(claim=dossier_claim, review_status=ReviewStatus.PENDING, quote="not yet reviewed")

    response = researcher_client.get(reverse("workspace:claim", args=[dossier_claim.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The government used chlorine." in page
    assert "attribution" in page.lower()
    assert "Sarmin attack" in page and "16 March 2015" in page
    rows = response.context["timeline"]
    assert [row["stance"] for row in rows] == [early, late]
    assert rows[0]["date"] == "March 2015"
    assert "calls for investigation" in page and "calls_investigation</" not in page
    assert "reasonable grounds to believe" in page
    assert "not yet reviewed" not in page


def test_the_timeline_filters_by_actor_and_by_position(researcher_client, dossier_claim):
    syria = factories.ActorFactory(name="Syria")
    denial = factories.StanceFactory(claim=dossier_claim, actor=syria, position=Position.DENIES)
    assertion = factories.StanceFactory(claim=dossier_claim, actor=syria, position=Position.ASSERTS)
    other = factories.StanceFactory(claim=dossier_claim, position=Position.DENIES)
    url = reverse("workspace:claim", args=[dossier_claim.pk])

    by_actor = researcher_client.get(url, {"actor": syria.pk}).context["timeline"]
    assert {row["stance"] for row in by_actor} == {denial, assertion}
    by_position = researcher_client.get(url, {"position": "denies"}).context["timeline"]
    assert {row["stance"] for row in by_position} == {denial, other}
    both = researcher_client.get(url, {"actor": syria.pk, "position": "denies"}).context["timeline"]
    assert [row["stance"] for row in both] == [denial]
    # Nonsense filters are ignored rather than failing.
    assert len(researcher_client.get(url, {"actor": "x", "position": "nope"}).context["timeline"]) == 3


def test_the_dossier_shows_evidence_for_and_against_with_hashes_and_the_flagged_reports(
    researcher_client, dossier_claim
):
    factories.EvidenceFactory(claim=dossier_claim, description="Lab result", relation=Evidence.Relation.SUPPORTS)
    factories.EvidenceFactory(
        claim=dossier_claim,
        description="Denial note",
        relation=Evidence.Relation.CONTRADICTS,
        file="evidence/note.pdf",
        file_sha256="ab" * 32,
    )
    factories.FlagFactory(claim=dossier_claim, report=factories.ReportFactory(title="Flagged wire story"))
    response = researcher_client.get(reverse("workspace:claim", args=[dossier_claim.pk]))
    assert [e.description for e in response.context["evidence_for"]] == ["Lab result"]
    assert [e.description for e in response.context["evidence_against"]] == ["Denial note"]
    page = response.content.decode()
    assert "ab" * 32 in page
    assert "Flagged wire story" in page


def test_the_timeline_exports_as_csv_with_its_filters(researcher_client, dossier_claim):
    report = factories.ReportFactory(title="Wire story", url="https://example.org/story")
    factories.StanceFactory(
        claim=dossier_claim, actor=factories.ActorFactory(name="Syria"), quote="=HYPERLINK()", report=report
    )
    factories.StanceFactory(claim=dossier_claim, position=Position.DENIES)
    for response in (
        researcher_client.get(
            reverse("workspace:claim-timeline-csv", args=[dossier_claim.pk]), {"position": "asserts"}
        ),
        researcher_client.get(
            reverse("workspace:claim", args=[dossier_claim.pk]), {"format": "csv", "position": "asserts"}
        ),
    ):
        assert response["Content-Type"].startswith("text/csv")
        header, *rows = _csv(response)
        assert header[:5] == ["stated_on", "date_precision", "actor", "speaker", "position"]
        assert len(rows) == 1
        row = dict(zip(header, rows[0], strict=True))
        assert row["actor"] == "Syria" and row["position"] == "asserts"
        assert row["quote"] == "'=HYPERLINK()"  # not run as a formula
        assert (row["report_title"], row["report_url"]) == ("Wire story", "https://example.org/story")


def test_a_team_member_sees_what_the_api_shows_it(factchecker_client, factcheck_team, dossier_claim):
    draft = factories.ClaimFactory(status=Claim.Status.DRAFT)
    assert factchecker_client.get(reverse("workspace:claim", args=[draft.pk])).status_code == 404
    private = factories.ReportFactory(
        title="Another team's private report", team=factories.TeamFactory(slug="elsewhere", kind="factcheck")
    )
    factories.StanceFactory(claim=dossier_claim, report=private, quote="seen without its report")
    factories.StanceFactory(claim=dossier_claim, review_status=ReviewStatus.PENDING, quote="pending, not ours")
    response = factchecker_client.get(reverse("workspace:claim", args=[dossier_claim.pk]))
    page = response.content.decode()
    assert "seen without its report" in page
    assert "Another team's private report" not in page
    assert "pending, not ours" not in page
    matrix = factchecker_client.get(reverse("workspace:matrix"))
    assert draft.title not in matrix.content.decode()


def _history(claims: int, actors: int) -> None:
    people = [factories.ActorFactory() for _ in range(actors)]
    report = factories.ReportFactory()
    for _ in range(claims):
        claim = factories.ClaimFactory()
        Stance.objects.bulk_create(
            Stance(
                claim=claim,
                actor=actor,
                position=Position.ASSERTS,
                stated_on=DAY(2015, 1, 1),
                report=report,
                review_status=ReviewStatus.ACCEPTED,
                quote="q",
            )
            for actor in people
        )


@pytest.mark.parametrize("who", ["researcher_client", "factchecker_client"])
@pytest.mark.parametrize("size", [2, 40])
def test_the_dossier_reads_in_a_fixed_number_of_queries(
    request, who, dossier_claim, size, django_assert_max_num_queries
):
    client = request.getfixturevalue(who)
    report = factories.ReportFactory()
    Stance.objects.bulk_create(
        Stance(
            claim=dossier_claim,
            actor=factories.ActorFactory(),
            speaker=factories.ActorFactory(),
            position=Position.DENIES,
            report=report,
            review_status=ReviewStatus.ACCEPTED,
            quote="q",
        )
        for _ in range(size)
    )
    for _ in range(size):
        factories.EvidenceFactory(claim=dossier_claim)
        factories.FlagFactory(claim=dossier_claim)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workspace:claim", args=[dossier_claim.pk]))
    assert len(response.context["timeline"]) == size


@pytest.mark.parametrize("size", [2, 15])
def test_the_matrix_reads_in_a_fixed_number_of_queries(researcher_client, size, django_assert_max_num_queries):
    _history(size, size)
    with django_assert_max_num_queries(9):
        response = researcher_client.get(reverse("workspace:matrix"))
    assert len(response.context["rows"]) == size
    assert all(cell is not None for _, cells in response.context["rows"] for _, cell in cells)


def test_the_matrix_shows_latest_positions_and_as_of_a_date_the_positions_held_then(researcher_client):
    claim = factories.ClaimFactory(title="Sarmin claim")
    actor = factories.ActorFactory(name="Witness state")
    factories.StanceFactory(claim=claim, actor=actor, position=Position.ASSERTS, stated_on=DAY(2015, 3, 1))
    factories.StanceFactory(claim=claim, actor=actor, position=Position.RETRACTS, stated_on=DAY(2016, 1, 1))
    url = reverse("workspace:matrix")

    latest = researcher_client.get(url)
    page = latest.content.decode()
    assert "retracts" in page and "position-retracts" in page and "since 1 Jan 2016" in page
    assert f"{reverse('workspace:claim', args=[claim.pk])}?actor={actor.pk}" in page

    then = researcher_client.get(url, {"as_of": "2015-12-31"}).content.decode()
    assert "position-asserts" in then and "position-retracts" not in then

    before = researcher_client.get(url, {"as_of": "2014-01-01"})
    assert before.context["rows"] == []
    assert "is not a date" in researcher_client.get(url, {"as_of": "soon"}).content.decode()

    header, *rows = _csv(researcher_client.get(url, {"format": "csv", "as_of": "2015-12-31"}))
    assert header == ["actor", "actor_kind", "claim_id", "claim", "position", "since"]
    assert rows == [["Witness state", "state", str(claim.pk), "Sarmin claim", "asserts", "2015-03-01"]]


def test_home_lists_what_waits_with_counts(researcher_client):
    claim = factories.ClaimFactory(title="A followed claim")
    for n in range(7):
        factories.FlagFactory(claim=claim, report=factories.ReportFactory(title=f"Waiting report {n}"))
    factories.FlagFactory(
        claim=claim,
        status=Flag.Status.ACCEPTED,
        reviewed_at=datetime.datetime(2016, 1, 1, tzinfo=datetime.UTC),
        report=factories.ReportFactory(title="Done one"),
    )
    factories.StanceSuggestionFactory(flag=Flag.objects.filter(claim=claim).first())
    factories.ReportFactory(title="Broken report", status=Report.Status.FAILED, last_error="extract failed")

    response = researcher_client.get(reverse("workspace:home"))
    assert response.status_code == 200
    assert (response.context["flag_count"], len(response.context["flags"])) == (7, 5)
    assert response.context["suggestion_count"] == 1
    assert response.context["failed_count"] == 1
    page = response.content.decode()
    assert "Waiting report 6" in page and "Done one" not in page
    assert "Broken report" in page and "extract failed" in page
    assert reverse("admin:claims_flag_change", args=[Flag.objects.filter(status="new").latest("pk").pk]) in page
    assert reverse("workspace:claim", args=[claim.pk]) in page
    assert reverse("workspace:matrix") in page


@pytest.mark.parametrize("size", [1, 10])
def test_home_reads_in_a_fixed_number_of_queries(researcher_client, size, django_assert_max_num_queries):
    for _ in range(size):
        flag = factories.FlagFactory()
        factories.StanceSuggestionFactory(flag=flag)
        factories.ReportFactory(status=Report.Status.FAILED)
    with django_assert_max_num_queries(12):
        assert researcher_client.get(reverse("workspace:home")).status_code == 200


def test_pages_send_no_inline_style_or_script(researcher_client, dossier_claim):
    factories.StanceFactory(claim=dossier_claim)
    for url in (
        reverse("workspace:home"),
        reverse("workspace:matrix"),
        reverse("workspace:claim", args=[dossier_claim.pk]),
    ):
        page = researcher_client.get(url).content.decode()
        assert "style=" not in page and "<script" not in page and "<style" not in page


def test_the_matrix_shows_claims_with_stances_at_most_its_limit_and_filters_by_tag(researcher_client, monkeypatch):
    from claims.selectors import workspace

    monkeypatch.setattr(workspace, "MATRIX_CLAIMS", 2)
    factories.ClaimFactory(title="No stance yet")
    tagged = factories.ClaimFactory(title="Tagged claim")
    tagged.tags.add(factories.TagFactory(name="sarin"))
    for claim in [tagged, *(factories.ClaimFactory() for _ in range(2))]:
        factories.StanceFactory(claim=claim)
    url = reverse("workspace:matrix")

    response = researcher_client.get(url)
    assert len(response.context["grid"].claims) == 2 and response.context["grid"].more
    assert "No stance yet" not in response.content.decode()
    only = researcher_client.get(url, {"tag": "sarin"}).context["grid"]
    assert ([c["title"] for c in only.claims], only.more) == (["Tagged claim"], False)
