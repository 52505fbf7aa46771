"""Exports: the seed's chlorine claim as ClaimReview JSON-LD, and claims,
stances and flags as CSV, showing only what the caller may see."""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims import claimreview
from claims.api.exports import csv_cell
from claims.models import Claim, Flag, ReviewStatus, Stance
from tests import factories
from tests.conftest import api_client
from tests.harness import settings_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted(demo, other_team):
    """Another team's draft claim and its pending stance on the chlorine claim."""
    draft = factories.ClaimFactory(title="Planted draft", status=Claim.Status.DRAFT, team=other_team)
    actor = factories.ActorFactory(name="Planted actor")
    report = factories.ReportFactory(title="Planted report", url="https://planted.example.org/")
    stance = factories.StanceFactory(
        claim=demo,
        actor=actor,
        position="asserts",
        quote="planted quote",
        report=report,
        team=other_team,
        review_status=ReviewStatus.PENDING,
    )
    return draft, stance


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


# --- ClaimReview ----------------------------------------------------------------------------


@pytest.fixture
def public_pages(settings):
    """An operator's settings: the publisher's site, and its page for each review."""
    settings.CLAIMREVIEW_PUBLISHER_URL = "https://checkers.example.org/"
    settings.CLAIMREVIEW_URL_TEMPLATE = "https://checkers.example.org/claims/{id}/"


def test_claimreview_of_the_chlorine_claim_has_what_consumers_require(api, demo, public_pages):
    response = api.get(f"/api/v1/claims/{demo.id}/claimreview/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    data = response.json()
    check = claimreview.claim_review_check(data)
    assert check.errors == []
    # The demo's digest articles were pasted in: the record holds no URL to link them by.
    assert check.warnings == ["itemReviewed.appearance: 2 described inline, with no url to open"]
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ClaimReview"
    assert data["claimReviewed"] == demo.title and len(demo.text) > 75 >= len(demo.title)
    assert data["itemReviewed"]["text"] == demo.text
    assert data["url"] == f"https://checkers.example.org/claims/{demo.id}/"
    assert data["author"]["@type"] == "Organization" and data["author"]["name"]
    assert data["datePublished"] == demo.created_at.date().isoformat()
    rating = data["reviewRating"]
    # No verdict: no number on a true/false scale, a count of positions instead.
    assert "ratingValue" not in rating
    assert rating["alternateName"].startswith("Contested: asserted by 3, denied by 1, disputed by 1")
    assert "Russia disputes the evidence or the process, calls for an investigation" in rating["ratingExplanation"]
    item = data["itemReviewed"]
    assert item["@type"] == "Claim"
    assert [a["name"] for a in item["author"]] == ["France", "United Kingdom", "United States"]
    assert {a["@type"] for a in item["author"]} == {"Organization"}
    assert item["datePublished"] == "2015-06-01"
    assert item["appearance"] and all(work["@type"] == "CreativeWork" for work in item["appearance"])
    assert all(work["headline"] for work in item["appearance"])
    assert item["firstAppearance"]["headline"] == "Russia Backs Efforts to Assign Blame for Chlorine Attacks in Syria"
    assert item["firstAppearance"] in item["appearance"]


def test_claimreview_answers_plain_json_when_asked(api, demo):
    response = api.get(f"/api/v1/claims/{demo.id}/claimreview/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["@type"] == "ClaimReview"


def test_claimreview_publisher_and_url_come_from_settings(api, demo, settings):
    settings.CLAIMREVIEW_PUBLISHER_NAME = "Checkers United"
    settings.CLAIMREVIEW_PUBLISHER_URL = "https://checkers.example.org/"
    settings.CLAIMREVIEW_URL_TEMPLATE = "https://checkers.example.org/claims/{id}/"
    data = api.get(f"/api/v1/claims/{demo.id}/claimreview/").json()
    assert data["author"] == {
        "@type": "Organization",
        "name": "Checkers United",
        "url": "https://checkers.example.org/",
    }
    assert data["url"] == f"https://checkers.example.org/claims/{demo.id}/"


def test_a_person_who_asserts_is_a_person(api, public_pages):
    claim = factories.ClaimFactory()
    churkin = factories.ActorFactory(name="Vitaly Churkin", kind="person")
    factories.StanceFactory(claim=claim, actor=churkin, position="asserts", report=None)
    data = api.get(f"/api/v1/claims/{claim.id}/claimreview/").json()
    assert data["itemReviewed"]["author"] == [{"@type": "Person", "name": "Vitaly Churkin"}]
    assert data["reviewRating"]["alternateName"] == "Asserted, not contested in the record: asserted by 1"
    assert claimreview.claim_review_check(data).ok


def test_another_teams_draft_claim_is_404(api, planted):
    draft, _ = planted
    response = api.get(f"/api/v1/claims/{draft.id}/claimreview/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Claim matches the given query."}


def test_another_teams_pending_stance_never_appears(api, demo, planted):
    _, stance = planted
    body = api.get(f"/api/v1/claims/{demo.id}/claimreview/").content.decode()
    assert "Planted" not in body and "planted" not in body
    stances = _csv(api.get("/api/v1/exports/stances.csv"))
    assert stance.id not in {int(row["id"]) for row in stances}
    assert not any("Planted" in value for row in stances for value in row.values())
    assert _csv(api.get("/api/v1/exports/claims.csv", {"actor": "Planted actor"})) == []
    assert "Planted draft" not in {row["title"] for row in _csv(api.get("/api/v1/exports/claims.csv"))}


def test_own_pending_stance_is_in_the_csv_but_not_in_the_claimreview(api, demo, factcheck_team):
    actor = factories.ActorFactory(name="Own team's actor")
    stance = factories.StanceFactory(
        claim=demo, actor=actor, team=factcheck_team, review_status=ReviewStatus.PENDING, report=None
    )
    assert stance.id in {int(row["id"]) for row in _csv(api.get("/api/v1/exports/stances.csv"))}
    assert "Own team's actor" not in api.get(f"/api/v1/claims/{demo.id}/claimreview/").content.decode()


def test_anonymous_reads_claimreview_and_claims_csv_only_when_allowed(demo, planted, settings):
    anonymous = api_client()
    assert anonymous.get(f"/api/v1/claims/{demo.id}/claimreview/").status_code == 401
    assert anonymous.get("/api/v1/exports/claims.csv").status_code == 401
    settings.API_ANONYMOUS_READ = True
    assert anonymous.get(f"/api/v1/claims/{demo.id}/claimreview/").status_code == 200
    assert anonymous.get(f"/api/v1/claims/{planted[0].id}/claimreview/").status_code == 404
    assert {row["status"] for row in _csv(anonymous.get("/api/v1/exports/claims.csv"))} == {"published"}
    assert anonymous.get("/api/v1/exports/stances.csv").status_code == 401
    assert anonymous.get("/api/v1/exports/flags.csv").status_code == 401


def test_the_review_url_is_a_public_page_never_the_key_protected_endpoint(api, settings):
    claim = factories.ClaimFactory()
    factories.StanceFactory(claim=claim, report=None)
    endpoint = f"/api/v1/claims/{claim.id}/claimreview/"
    data = api.get(endpoint).json()
    # No page configured: no url at all (the check says the export is not ready), nor is the
    # publisher's url this site's root, which serves no page.
    assert "url" not in data and endpoint not in json.dumps(data)
    assert "url" not in data["author"]
    assert claimreview.claim_review_check(data).errors == ["url: required, an absolute URL"]
    settings.CLAIMREVIEW_URL_TEMPLATE = "https://checkers.example.org/reviews/{id}"
    assert api.get(endpoint).json()["url"] == f"https://checkers.example.org/reviews/{claim.id}"


def test_appearances_carry_the_urls_the_record_holds(api, public_pages):
    claim = factories.ClaimFactory()
    fetched = factories.ReportFactory(title="Fetched", url="https://news.example.org/a", published_on=None)
    pasted = factories.ReportFactory(title="Pasted", url="", published_on=datetime.date(2015, 6, 2))
    factories.StanceFactory(claim=claim, report=fetched, stated_on=datetime.date(2015, 6, 1))
    factories.StanceFactory(claim=claim, report=pasted, position="denies", stated_on=datetime.date(2015, 6, 2))
    factories.EvidenceFactory(claim=claim, report=None, url="https://www.opcw.org/finding", description="Finding")
    factories.EvidenceFactory(claim=claim, report=pasted, url="https://archive.example.org/pasted")
    item = api.get(f"/api/v1/claims/{claim.id}/claimreview/").json()["itemReviewed"]
    urls = {work["headline"]: work.get("url") for work in item["appearance"]}
    assert urls == {
        "Fetched": "https://news.example.org/a",
        "Pasted": "https://archive.example.org/pasted",  # from its evidence row
        "Finding": "https://www.opcw.org/finding",
    }
    assert item["firstAppearance"]["url"] == "https://news.example.org/a"  # the first assertion's


def test_a_claim_only_denied_still_says_who_carried_it_when_and_where(api, public_pages):
    claim = factories.ClaimFactory()
    afp = factories.SourceFactory(name="AFP", url="https://www.afp.com/")
    report = factories.ReportFactory(title="Damascus denies", url="https://www.afp.com/x", source=afp)
    damascus = factories.ActorFactory(name="Syrian government", kind="government")
    factories.StanceFactory(claim=claim, actor=damascus, position="denies", report=report)
    data = api.get(f"/api/v1/claims/{claim.id}/claimreview/").json()
    item = data["itemReviewed"]
    # No one in the record asserts it: it is held from the work it first appeared in.
    assert item["author"] == [{"@type": "Organization", "name": "AFP", "url": "https://www.afp.com/"}]
    assert item["datePublished"] == "2015-06-03"  # the denial shows it was about by then
    assert item["appearance"] == [item["firstAppearance"]] and item["firstAppearance"]["url"] == report.url
    assert claimreview.claim_review_check(data).warnings == []

    # Denied where the record does not say, with a document as evidence: that document.
    quiet = factories.ClaimFactory()
    factories.StanceFactory(claim=quiet, actor=damascus, position="denies", report=None, stated_on=None)
    factories.EvidenceFactory(claim=quiet, report=None, url="https://undocs.org/S/2015/1", description="A letter")
    item = api.get(f"/api/v1/claims/{quiet.id}/claimreview/").json()["itemReviewed"]
    assert item["appearance"] == [item["firstAppearance"]]
    assert item["firstAppearance"]["url"] == "https://undocs.org/S/2015/1"


def test_claim_reviewed_is_a_short_form_and_the_proposition_is_kept_whole(api, public_pages):
    short = factories.ClaimFactory(title="Short title", text="Chlorine was used in Sarmin.")
    long = factories.ClaimFactory(title="Chlorine used in Sarmin in March 2015", text="x" * 120)
    assert api.get(f"/api/v1/claims/{short.id}/claimreview/").json()["claimReviewed"] == short.text
    data = api.get(f"/api/v1/claims/{long.id}/claimreview/").json()
    assert (data["claimReviewed"], data["itemReviewed"]["text"]) == (long.title, long.text)
    too_long = {**_minimal(), "claimReviewed": "y" * 76}
    assert "claimReviewed: 76 characters; under 75 recommended" in claimreview.claim_review_check(too_long).warnings


def test_a_review_page_address_without_the_claims_id_is_refused_at_start():
    refused = settings_load(CLAIMREVIEW_URL_TEMPLATE="https://checkers.example.org/review")
    assert "CLAIMREVIEW_URL_TEMPLATE: an absolute URL with {id}" in refused.stderr
    assert settings_load(CLAIMREVIEW_URL_TEMPLATE="https://checkers.example.org/claims/{id}/").returncode == 0


# --- the validator --------------------------------------------------------------------------


def _minimal() -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://example.org/review/1",
        "claimReviewed": "Something happened.",
        "reviewRating": {"@type": "Rating", "alternateName": "Contested"},
    }


def test_validator_accepts_the_required_minimum_with_warnings():
    check = claimreview.claim_review_check(_minimal())
    assert check.ok
    assert "itemReviewed: recommended" in check.warnings


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda d: d.pop("claimReviewed"), "claimReviewed: required text"),
        (lambda d: d.update(url="/relative"), "url: required, an absolute URL"),
        (lambda d: d["reviewRating"].pop("alternateName"), "reviewRating.alternateName: required text"),
        (lambda d: d["reviewRating"].update(ratingValue=7, worstRating=1, bestRating=5), "reviewRating.ratingValue"),
        (lambda d: d.update({"@context": "https://example.org"}), "@context: https://schema.org"),
        (lambda d: d.update(author={"@type": "Organization"}), "author.name: required"),
        (lambda d: d.update(itemReviewed={"@type": "Claim", "author": "Russia"}), "itemReviewed.author"),
        (lambda d: d.update(itemReviewed={"@type": "Claim", "appearance": ["not a url"]}), "itemReviewed.appearance"),
        (lambda d: d.update(datePublished="June 2015"), "datePublished: an ISO 8601 date"),
    ],
)
def test_validator_names_what_is_wrong(change, error):
    data = _minimal()
    change(data)
    check = claimreview.claim_review_check(data)
    assert not check.ok
    assert any(message.startswith(error) for message in check.errors), check.errors


def test_positions_held_on_the_latest_date_and_retractions():
    def row(actor_id: int, position: str, day: int | None) -> claimreview.StanceRow:
        date = datetime.date(2015, 6, day) if day else None
        return claimreview.StanceRow(actor_id, f"Actor {actor_id}", "state", position, date)

    current = claimreview.current_positions(
        [
            row(1, "asserts", 1),
            row(1, "denies", 5),
            row(1, "disputes", 5),
            row(2, "asserts", 3),
            row(2, "retracts", 3),
            row(3, "asserts", None),
        ]
    )
    assert [s.position for s in current[1]] == ["denies", "disputes"]
    assert [s.position for s in current[2]] == ["retracts"]
    name, text = claimreview.rating_text(current)
    assert name == "Contested"
    assert text == "Contested: asserted by 1, denied by 1, disputed by 1, retracted by 1"
    assert claimreview.rating_text({}) == ("No recorded positions", "No recorded positions")


# --- CSV --------------------------------------------------------------------------------------


def test_claims_csv_takes_the_list_filters(api, demo):
    rows = _csv(api.get("/api/v1/exports/claims.csv", {"actor": "Damascus", "position": "denies"}))
    listed = api.get("/api/v1/claims/", {"actor": "Damascus", "position": "denies"}).json()["results"]
    assert {int(row["id"]) for row in rows} == {row["id"] for row in listed}
    assert demo.id in {int(row["id"]) for row in rows}
    denied = Stance.objects.filter(actor__name="Syrian government", position="denies", review_status="accepted")
    assert {int(row["id"]) for row in rows} == set(denied.values_list("claim_id", flat=True))
    chlorine = next(row for row in rows if int(row["id"]) == demo.id)
    assert chlorine["alleged_perpetrator"] == "Syrian government"
    assert "chlorine" in chlorine["tags"].split("; ")
    assert _csv(api.get("/api/v1/exports/claims.csv", {"actor": "United States", "position": "denies"})) == []


def test_csv_ordering_and_bad_filters(api, demo):
    rows = _csv(api.get("/api/v1/exports/claims.csv", {"ordering": "-id"}))
    ids = [int(row["id"]) for row in rows]
    assert ids == sorted(ids, reverse=True)
    response = api.get("/api/v1/exports/claims.csv", {"position": "maybe"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "position" in response.json()


def test_stances_and_flags_csv_filter(api, demo):
    rows = _csv(api.get("/api/v1/exports/stances.csv", {"claim": demo.id, "actor": "Damascus"}))
    assert {row["actor"] for row in rows} == {"Syrian government"}
    assert {row["position"] for row in rows} == {"denies"}
    strong = factories.FlagFactory(claim=demo, tier=Flag.Tier.STRONG, matched_terms=["chlorine", "helicopter"])
    factories.FlagFactory(claim=demo, tier=Flag.Tier.SUGGESTED)
    flags = _csv(api.get("/api/v1/exports/flags.csv", {"tier": "strong"}))
    assert [int(row["id"]) for row in flags] == [strong.id]
    assert flags[0]["matched_terms"] == "chlorine; helicopter"
    assert flags[0]["claim"] == demo.title


def test_csv_cells_that_would_run_as_formulas_are_escaped(api):
    claim = factories.ClaimFactory(title='=HYPERLINK("https://evil.example","x")', text="+1+1")
    for quote in ("@SUM(A1:A9)", "-2+3", "\tcmd", "\rcmd", "plain - text"):
        factories.StanceFactory(claim=claim, quote=quote, report=None)
    row = next(r for r in _csv(api.get("/api/v1/exports/claims.csv")) if int(r["id"]) == claim.id)
    assert row["title"] == '\'=HYPERLINK("https://evil.example","x")'
    assert row["text"] == "'+1+1"
    quotes = {r["quote"] for r in _csv(api.get("/api/v1/exports/stances.csv", {"claim": claim.id}))}
    assert quotes == {"'@SUM(A1:A9)", "'-2+3", "'\tcmd", "'\rcmd", "plain - text"}
    assert csv_cell(-2) == -2  # numbers are numbers, not text
    assert csv_cell(["=a", "b"]) == "'=a; b"


def _queries_for(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        rows = _csv(response)
    assert rows
    return len(queries)


def _make_rows(n: int, team) -> None:
    tag = factories.TagFactory(name="exported")
    for _ in range(n):
        claim = factories.ClaimFactory(alleged_perpetrator=factories.ActorFactory())
        claim.tags.add(tag)
        claim.incidents.add(factories.IncidentFactory())
        factories.StanceFactory(claim=claim, speaker=factories.ActorFactory())
        factories.StanceFactory(claim=claim, team=team, review_status=ReviewStatus.PENDING)
        factories.FlagFactory(claim=claim)


@pytest.mark.parametrize("export", ["claims", "stances", "flags"])
def test_csv_query_count_does_not_grow_with_rows(api, factcheck_team, export):
    url = f"/api/v1/exports/{export}.csv"
    _make_rows(5, factcheck_team)
    _queries_for(api, url)  # the key's first use records it; later ones within the minute do not
    few = _queries_for(api, url)
    _make_rows(5, factcheck_team)
    assert _queries_for(api, url) == few


def test_export_reads_and_writes_in_chunks(api, factcheck_team, monkeypatch):
    from claims.api import exports

    monkeypatch.setattr(exports, "CHUNK_SIZE", 3)
    monkeypatch.setattr(exports, "FLUSH_ROWS", 2)
    _make_rows(7, factcheck_team)
    response = api.get("/api/v1/exports/claims.csv")
    pieces = list(response.streaming_content)
    assert len(pieces) > 4  # the header, then every two rows
    rows = list(csv.DictReader(io.StringIO(b"".join(pieces).decode())))
    assert len(rows) == 7
    assert all(row["tags"] == "exported" and row["incidents"] for row in rows)
