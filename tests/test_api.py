"""The REST API as a fact-checking team uses it: a key, curl-like requests,
the seed's chlorine claim."""

import datetime

import pytest
from django.utils import timezone

from claims.models import Claim, Flag, Membership, ReviewStatus, Stance, Submission
from claims.services.api_keys import api_key_check, api_key_create, api_key_revoke
from tests import factories
from tests.conftest import api_client
from tests.test_ingest_services import FRENCH

pytestmark = pytest.mark.django_db


def test_key_is_shown_once_and_stored_hashed(factcheck_team, team_member):
    row, key = api_key_create(team=factcheck_team, user=team_member, name="sync")
    assert key.startswith(f"trk_{row.prefix}_")
    assert key not in row.hashed_secret
    assert api_key_check(key) == row
    assert api_key_check(key[:-1] + ("a" if key[-1] != "a" else "b")) is None


def test_revoked_and_expired_keys_are_refused(factcheck_team, team_member):
    revoked_row, revoked = api_key_create(team=factcheck_team, user=team_member, name="old")
    api_key_revoke(key=revoked_row, user=team_member)
    expiring_row, expiring = api_key_create(
        team=factcheck_team, user=team_member, name="short", expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    expiring_row.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    expiring_row.save()
    for key in (revoked, expiring, "trk_nothing_here", "garbage"):
        response = api_client(key).get("/api/v1/claims/")
        assert response.status_code == 401, key
        assert response["WWW-Authenticate"] == "Api-Key"


def test_key_stops_working_when_its_creator_leaves_the_team(team_key, team_member):
    Membership.objects.filter(user=team_member).delete()
    assert api_client(team_key).get("/api/v1/claims/").status_code == 401


def test_anonymous_needs_a_key_unless_anonymous_reads_are_on(settings, demo):
    assert api_client().get("/api/v1/claims/").status_code == 401
    settings.API_ANONYMOUS_READ = True
    response = api_client().get("/api/v1/claims/")
    assert response.status_code == 200
    assert all(row["status"] == "published" for row in response.json()["results"])
    assert api_client().get("/api/v1/stances/").status_code == 401
    assert api_client().post("/api/v1/reports/", {"text": "x"}, format="json").status_code == 401


def test_find_every_claim_the_syrian_government_denied_by_alias(api, demo):
    response = api.get("/api/v1/claims/", {"actor": "Damascus", "position": "denies"})
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert demo.id in ids
    denied = Stance.objects.filter(actor__name="Syrian government", position="denies", review_status="accepted")
    assert set(ids) == set(denied.values_list("claim_id", flat=True))
    # The same stance must carry both: the US asserts but does not deny.
    assert api.get("/api/v1/claims/", {"actor": "United States", "position": "denies"}).json()["results"] == []


def test_actor_lookup_by_alias(api, demo):
    response = api.get("/api/v1/actors/", {"alias": "damascus"})
    assert [row["name"] for row in response.json()["results"]] == ["Syrian government"]


def test_attribution_matrix_of_the_chlorine_claim(api, demo):
    response = api.get(f"/api/v1/claims/{demo.id}/matrix/")
    assert response.status_code == 200
    positions = {row["actor"]["name"]: row["position"] for row in response.json()["actors"]}
    assert positions["Syrian government"] == "denies"
    assert positions["United States"] == "asserts"
    russia = next(row for row in response.json()["actors"] if row["actor"]["name"] == "Russia")
    assert russia["history"][0]["position"] == "disputes"
    assert russia["since"] == "2015-06-01"
    several = api.get("/api/v1/attribution-matrix/", {"claim": [demo.id]})
    assert several.json()[0]["actors"] == response.json()["actors"]
    assert api.get("/api/v1/attribution-matrix/", {"claim": ["x"]}).status_code == 400


def test_matrix_tracks_a_change_of_position(api, demo):
    russia = factories.ActorFactory(name="Ruritania")
    for day, position in ((1, "asserts"), (5, "denies"), (9, "denies")):
        factories.StanceFactory(
            claim=demo,
            actor=russia,
            position=position,
            stated_on=datetime.date(2015, 6, day),
            review_status=ReviewStatus.ACCEPTED,
        )
    row = next(
        r for r in api.get(f"/api/v1/claims/{demo.id}/matrix/").json()["actors"] if r["actor"]["name"] == "Ruritania"
    )
    assert row["position"] == "denies"
    assert row["since"] == "2015-06-05"
    assert [h["position"] for h in row["history"]] == ["asserts", "denies", "denies"]


def test_submit_a_report_and_see_its_flags(api, demo, django_capture_on_commit_callbacks):
    text = "The Assad government rejected the accusation of using chlorine against civilians in Idlib."
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/reports/", {"title": "Rejection", "text": text}, format="json")
    assert response.status_code == 201, response.json()
    report_id = response.json()["reports"][0]["id"]
    flags = api.get("/api/v1/flags/", {"report": report_id}).json()["results"]
    assert demo.id in [flag["claim"] for flag in flags]
    flag = next(flag for flag in flags if flag["claim"] == demo.id)
    assert flag["passages"] and flag["matched_actors"]


def test_idempotency_key_makes_a_retry_safe(api):
    body = {"text": "A report about a barrel bomb in Aleppo, sent twice."}
    first = api.post("/api/v1/reports/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = api.post("/api/v1/reports/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Submission.objects.count() == 1
    other = api.post("/api/v1/reports/", {"text": "Something else."}, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert other.status_code == 409


def test_the_answer_for_a_report_in_an_unhandled_language_says_it_will_not_be_matched(api, monkeypatch):
    from claims.ingest import language

    answer = api.post("/api/v1/reports/", {"text": FRENCH}, format="json").json()
    (report,) = answer["reports"]
    assert (report["language"], report["status"]) == ("fr", "language")
    assert "French" in report["matching"] and "English" in report["matching"]
    assert "will not be matched" in report["matching"]

    monkeypatch.setattr(language, "SUPPORTED_LANGUAGES", frozenset({"en", "ar"}))
    again = api.post("/api/v1/reports/", {"text": FRENCH + " Encore."}, format="json").json()
    assert "Arabic" in again["reports"][0]["matching"]


def test_report_submission_errors_name_the_field(api):
    assert "non_field_errors" in api.post("/api/v1/reports/", {}, format="json").json()
    both = api.post("/api/v1/reports/", {"text": "x", "url": "https://example.org/"}, format="json")
    assert both.status_code == 400
    bad_url = api.post("/api/v1/reports/", {"url": "not a url"}, format="json")
    assert bad_url.status_code == 400 and "url" in bad_url.json()
    private = api.post("/api/v1/reports/", {"url": "http://127.0.0.1/admin"}, format="json")
    assert private.status_code == 400 and "url" in private.json()


def test_submitted_stance_waits_for_review_and_server_fields_are_ignored(api, demo, factcheck_team, other_team):
    actor = factories.ActorFactory(name="Atlantis")
    body = {
        "claim": demo.id,
        "actor": actor.id,
        "position": "asserts",
        "quote": "It was them.",
        "review_status": "accepted",
        "team": other_team.id,
        "created_by": 1,
    }
    response = api.post("/api/v1/stances/", body, format="json")
    assert response.status_code == 201, response.json()
    stance = Stance.objects.get(pk=response.json()["id"])
    assert stance.review_status == ReviewStatus.PENDING
    assert stance.team == factcheck_team
    assert response.json()["review_status"] == "pending"


def test_stance_on_an_invisible_claim_is_refused_by_field(api, other_team):
    hidden = factories.ClaimFactory(status=Claim.Status.DRAFT, team=other_team)
    actor = factories.ActorFactory()
    response = api.post(
        "/api/v1/stances/", {"claim": hidden.id, "actor": actor.id, "position": "asserts"}, format="json"
    )
    assert response.status_code == 400
    assert "claim" in response.json()


def test_read_only_key_cannot_write(factcheck_team, read_only_member, demo):
    _, key = api_key_create(team=factcheck_team, user=read_only_member, name="reader")
    client = api_client(key)
    assert client.get("/api/v1/claims/").status_code == 200
    assert client.post("/api/v1/reports/", {"text": "x"}, format="json").status_code == 403


def test_team_reviews_flags_only_on_its_own_claims(api, factcheck_team):
    own = factories.FlagFactory(claim=factories.ClaimFactory(team=factcheck_team, status=Claim.Status.PUBLISHED))
    foreign = factories.FlagFactory(claim=factories.ClaimFactory(status=Claim.Status.PUBLISHED))
    accepted = api.post(f"/api/v1/flags/{own.id}/review/", {"decision": "accepted"}, format="json")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted" and accepted.json()["evidence"]
    assert api.post(f"/api/v1/flags/{foreign.id}/review/", {"decision": "accepted"}, format="json").status_code == 403
    assert Flag.objects.get(pk=foreign.pk).status == Flag.Status.NEW
    bad = api.post(f"/api/v1/flags/{own.id}/review/", {"decision": "maybe"}, format="json")
    assert bad.status_code == 400 and "decision" in bad.json()


def test_other_teams_drafts_are_404_not_403(api, other_team):
    hidden = factories.ClaimFactory(status=Claim.Status.DRAFT, team=other_team)
    assert api.get(f"/api/v1/claims/{hidden.id}/").status_code == 404
    assert api.get(f"/api/v1/claims/{hidden.id}/matrix/").status_code == 404


def test_updated_since_and_deletions_let_a_client_catch_up(api, demo):
    before = timezone.now()
    changed = factories.ClaimFactory(status=Claim.Status.PUBLISHED, title="changed later")
    gone = factories.ClaimFactory(status=Claim.Status.PUBLISHED, title="deleted later")
    gone_id = gone.id
    gone.delete()
    since = before.isoformat()
    ids = [row["id"] for row in api.get("/api/v1/claims/", {"updated_since": since}).json()["results"]]
    assert ids == [changed.id]
    tombstones = api.get("/api/v1/deletions/", {"since": since}).json()
    assert {"type": "claim", "id": gone_id} == {k: tombstones[0][k] for k in ("type", "id")}
    assert api.get("/api/v1/deletions/", {"since": "yesterday"}).status_code == 400


def test_pagination_is_bounded(api, demo):
    response = api.get("/api/v1/actors/", {"page_size": 2})
    body = response.json()
    assert len(body["results"]) == 2 and body["next"]
    assert len(api.get("/api/v1/actors/", {"page_size": 100000}).json()["results"]) <= 200


def test_a_cursor_the_server_did_not_issue_is_400(api):
    response = api.get("/api/v1/claims/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_bad_filter_values_are_400_naming_the_parameter(api):
    response = api.get("/api/v1/claims/", {"updated_since": "not-a-date", "kind": "nonsense"})
    assert response.status_code == 400
    assert {"updated_since", "kind"} <= set(response.json())


def test_oversized_body_is_413(api, settings):
    settings.MAX_UPLOAD_BYTES = 100
    response = api.post("/api/v1/reports/", {"text": "x" * 200}, format="json")
    assert response.status_code == 413
    assert "detail" in response.json()


def test_schema_and_docs_are_served(api, researcher_client):
    schema = researcher_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/claims/" in schema.json()["paths"]
    assert researcher_client.get("/api/docs/").status_code == 200


def test_claim_list_rows_are_exactly_what_the_claim_serializer_shows(api, demo):
    # The list is built from plain values for speed; it must not drift from
    # the serializer that documents it.
    from django.db.models import Prefetch

    from claims.api.serializers import ClaimSerializer

    extra = factories.ClaimFactory(status=Claim.Status.PUBLISHED, alleged_perpetrator=None, kind=Claim.Kind.EVENT)
    claims = (
        Claim.objects.filter(status=Claim.Status.PUBLISHED)
        .order_by("id")
        .prefetch_related(Prefetch("tags", to_attr="tag_list"), Prefetch("incidents", to_attr="incident_list"))
    )
    expected = ClaimSerializer(claims, many=True).data
    listed = api.get("/api/v1/claims/", {"page_size": 200}).json()["results"]
    assert listed == [dict(row) for row in expected]
    assert extra.id in [row["id"] for row in listed]


def test_api_answers_while_the_throttle_cache_is_down(api, caplog, settings):
    """Redis (cache and broker) down: the API still records what a team sends."""
    from django.core.cache.backends.redis import RedisCache

    from tests.harness import free_port

    settings.CACHES = {
        "default": {"BACKEND": f"{RedisCache.__module__}.RedisCache", "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
    }
    response = api.post(
        "/api/v1/reports/", {"text": "A barrel bomb fell on Sarmin; chlorine was smelled."}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Submission.objects.count() == 1
    assert "throttle not applied" in caplog.text


def _all_pages(api, path: str, **params) -> list[int]:
    ids, page = [], api.get(path, {"page_size": 2, **params})
    while True:
        assert page.status_code == 200, page.json()
        ids += [row["id"] for row in page.json()["results"]]
        if not page.json()["next"]:
            return ids
        page = api.get(page.json()["next"])


@pytest.mark.parametrize("ordering", ["stated_on", "-stated_on"])
def test_cursor_pages_run_past_stances_without_a_date(api, ordering):
    claim = factories.ClaimFactory()
    dated = [factories.StanceFactory(claim=claim, stated_on=datetime.date(2015, 6, day)) for day in (3, 3, 9)]
    undated = [factories.StanceFactory(claim=claim, stated_on=None) for _ in range(3)]
    ids = _all_pages(api, "/api/v1/stances/", claim=claim.pk, ordering=ordering)
    assert sorted(ids) == sorted(s.pk for s in dated + undated)  # every stance once, none twice
    first = undated if ordering == "stated_on" else dated
    assert set(ids[: len(first)]) == {s.pk for s in first}  # an undated one sorts as the earliest


@pytest.mark.parametrize("ordering", ["published_on", "-published_on"])
def test_cursor_pages_run_past_reports_without_a_date(api, ordering):
    reports = [factories.ReportFactory(published_on=day) for day in (None, datetime.date(2015, 6, 1), None)]
    reports += [
        factories.ReportFactory(published_on=datetime.date(2016, 1, 1)),
        factories.ReportFactory(published_on=None),
    ]
    ids = _all_pages(api, "/api/v1/reports/", ordering=ordering)
    assert sorted(set(ids) & {r.pk for r in reports}) == sorted(r.pk for r in reports)
    assert len(ids) == len(set(ids))
