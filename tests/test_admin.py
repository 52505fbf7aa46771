"""The researchers' admin: every page renders and saves, searches find
aliases, changelists cost a fixed number of queries, and the review actions
go through the services."""

import datetime

import pytest
from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import matcher_runtime, services
from claims.models import (
    Actor,
    ActorAlias,
    Claim,
    ClaimEmbedding,
    Evidence,
    Feed,
    FeedEntry,
    Flag,
    Follow,
    MatcherState,
    Membership,
    Position,
    Report,
    ReportMatchProgress,
    ReviewStatus,
    Stance,
    StanceSuggestion,
    Submission,
    Team,
    Webhook,
    WebhookDelivery,
    WorkerHeartbeat,
)
from claims.normalize import sha256_bytes, text_hash
from claims.services import matcher_index
from claims.services.api_keys import api_key_create
from tests import factories
from tests.test_ingest_services import FRENCH

CLAIMS_ADMINS = sorted(
    ((model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label == "claims"),
    key=lambda pair: pair[0]._meta.model_name,
)
ADMIN_IDS = [model._meta.model_name for model, _ in CLAIMS_ADMINS]
# The matcher's output and what arrived are records, not things to type in.
NOT_ADDABLE = {
    Flag,
    StanceSuggestion,
    Submission,
    FeedEntry,
    MatcherState,
    ReportMatchProgress,
    ClaimEmbedding,
    WebhookDelivery,
    WorkerHeartbeat,
}


def url(model, view, *args):
    return reverse(f"admin:claims_{model._meta.model_name}_{view}", args=args)


def form_data(response):
    """The POST data a browser would send back for an admin add/change page,
    including every inline formset's management form and rows."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if value is None or isinstance(bound.field.widget, forms.FileInput):
                continue
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif isinstance(value, datetime.date):
                data[bound.html_name] = value.isoformat()
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def populate(n, *, research_team=None):
    """n rows of every model, with the relations the changelists show."""
    team = research_team or factories.TeamFactory(kind=Team.Kind.RESEARCH)
    checkers = factories.TeamFactory()
    for _ in range(n):
        member = factories.UserFactory()
        factories.MembershipFactory(team=checkers, user=member)
        parent = factories.ActorFactory()
        actor = factories.ActorFactory(parent=parent)
        factories.ActorAliasFactory(actor=actor)
        factories.ActorAliasFactory(actor=actor)
        incident = factories.IncidentFactory()
        tag = factories.TagFactory()
        claim = factories.AttributionClaimFactory(alleged_perpetrator=actor, team=team)
        claim.incidents.add(incident)
        claim.tags.add(tag)
        report = factories.ReportFactory(source__actor=parent)
        factories.StanceFactory(claim=claim, actor=actor, speaker=parent, report=report, team=team)
        factories.StanceFactory(
            claim=claim,
            actor=parent,
            position=Position.DENIES,
            team=checkers,
            created_by=member,
            review_status=ReviewStatus.PENDING,
        )
        factories.EvidenceFactory(claim=claim, report=report, team=team)
        factories.EvidenceFactory(claim=claim, team=checkers, created_by=member, review_status=ReviewStatus.PENDING)
        flag = factories.FlagFactory(claim=claim, report=report, matched_actors=[actor.name])
        factories.StanceSuggestionFactory(flag=flag, actor=parent, speaker=actor, speaker_text=actor.name)
        submission = services.submission_create(channel=Submission.Channel.API, raw=report.text.encode(), team=checkers)
        submission.reports.add(report)
        ClaimEmbedding.objects.create(claim=claim, content_hash=text_hash(claim.text), model_name="m", vector=b"")
        feed = Feed.objects.create(name=f"Feed {report.pk}", url=f"https://example.org/{report.pk}.rss", team=checkers)
        FeedEntry.objects.create(feed=feed, guid=f"entry-{report.pk}", report=report)
        MatcherState.objects.create(key=f"claims-{report.pk}", version=report.pk)
        ReportMatchProgress.objects.create(
            report=report, text_hash=report.text_hash, matcher_version="v", next_passage=32, passages=100
        )
        api_key_create(team=checkers, user=member, name=f"key {report.pk}")
        Follow.objects.create(team=checkers, claim=claim)
        webhook = Webhook.objects.create(team=checkers, url=f"https://hooks.example.org/{report.pk}", secret="s")
        WebhookDelivery.objects.create(webhook=webhook, event="flag.created", event_id=f"e{report.pk}", payload={})
        WorkerHeartbeat.objects.create(queue=f"queue-{report.pk}", beat_at=timezone.now(), hostname="worker@host")


# --- every page --------------------------------------------------------------------------


def test_site_is_named_for_the_product(researcher_client):
    response = researcher_client.get("/admin/")
    assert admin.site.site_header == "Attribution tracker"
    assert b"Attribution tracker" in response.content


def test_every_model_has_an_admin_with_history():
    from django.apps import apps
    from simple_history.admin import SimpleHistoryAdmin
    from simple_history.models import HistoricalChanges

    registered = {model for model, _ in CLAIMS_ADMINS}
    models = {m for m in apps.get_app_config("claims").get_models() if not issubclass(m, HistoricalChanges)}
    # A many-to-many field's link table is shown on the pages of the rows it links.
    links = {f.remote_field.through for m in models for f in m._meta.many_to_many}
    assert models - links - registered == set()
    for model, model_admin in CLAIMS_ADMINS:
        if hasattr(model, "history"):
            assert isinstance(model_admin, SimpleHistoryAdmin), model


@pytest.mark.parametrize(("model", "model_admin"), CLAIMS_ADMINS, ids=ADMIN_IDS)
def test_admin_pages_render(request, research_team, model, model_admin):
    researcher_client = _curator_client(request, model)
    populate(2, research_team=research_team)
    obj = model.objects.first()

    assert researcher_client.get(url(model, "changelist")).status_code == 200
    search = researcher_client.get(url(model, "changelist"), {"q": str(obj)[:6]})
    assert search.status_code == 200
    assert researcher_client.get(url(model, "change", obj.pk)).status_code == 200
    add = researcher_client.get(url(model, "add"))
    assert add.status_code == (403 if model in NOT_ADDABLE else 200)
    if hasattr(model, "history"):
        assert researcher_client.get(url(model, "history", obj.pk)).status_code == 200


# Who belongs to which team is the superusers' to change; researchers see it.
SUPERUSERS_EDIT = {Team, Membership}


def _curator_client(request, model):
    """The researcher (not a superuser: the research group's permissions),
    or a superuser for the pages only superusers edit."""
    return request.getfixturevalue("superuser_client" if model in SUPERUSERS_EDIT else "researcher_client")


@pytest.mark.parametrize("model", sorted(SUPERUSERS_EDIT, key=str), ids=lambda m: m._meta.model_name)
def test_researchers_see_teams_and_members_but_only_superusers_change_them(researcher_client, research_team, model):
    populate(1, research_team=research_team)
    obj = model.objects.first()
    assert researcher_client.get(url(model, "changelist")).status_code == 200
    page = researcher_client.get(url(model, "change", obj.pk))
    assert page.status_code == 200 and b'type="submit" value="Save"' not in page.content
    assert researcher_client.get(url(model, "add")).status_code == 403
    assert researcher_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403


def test_a_staff_member_of_no_research_team_has_no_admin_page(factcheck_team):
    from django.test import Client

    staff = factories.UserFactory(username="staff-checker", is_staff=True)
    factories.MembershipFactory(team=factcheck_team, user=staff)
    client = Client()
    client.force_login(staff)
    assert client.get(url(Claim, "changelist")).status_code == 403
    assert not staff.get_all_permissions()


def test_the_research_groups_permissions_are_real_model_permissions(researcher):
    from django.contrib.auth.models import Permission

    from claims.backends import PERMISSIONS

    existing = {f"claims.{codename}" for codename in Permission.objects.values_list("codename", flat=True)}
    assert existing >= PERMISSIONS
    assert researcher.get_all_permissions() == PERMISSIONS
    assert not researcher.is_superuser


EDITABLE_ADMINS = [(model, model_admin) for model, model_admin in CLAIMS_ADMINS if model not in NOT_ADDABLE]


@pytest.mark.parametrize(
    ("model", "model_admin"), EDITABLE_ADMINS, ids=[model._meta.model_name for model, _ in EDITABLE_ADMINS]
)
def test_change_form_saves_unchanged(request, research_team, model, model_admin):
    """Posting a change page back as rendered saves (no hidden required field, inline or not)."""
    researcher_client = _curator_client(request, model)
    populate(1, research_team=research_team)
    obj = model.objects.first()
    page = researcher_client.get(url(model, "change", obj.pk))
    response = researcher_client.post(url(model, "change", obj.pk), form_data(page))
    assert response.status_code == 302, response.context and response.context["errors"]


def test_records_are_read_only(researcher_client, research_team):
    populate(1, research_team=research_team)
    submission = Submission.objects.first()
    page = researcher_client.get(url(Submission, "change", submission.pk))
    assert page.status_code == 200
    assert b'name="channel"' not in page.content  # shown, not editable
    flag = Flag.objects.first()
    page = researcher_client.get(url(Flag, "change", flag.pk))
    assert b"a matching passage" in page.content


# --- saving through the services ----------------------------------------------------------------


def test_add_claim_with_stance_and_evidence_inlines(researcher_client, researcher, research_team):
    russia = factories.ActorFactory(name="Russia")
    syria = factories.ActorFactory(name="Syrian government", kind=Actor.Kind.GOVERNMENT)
    report = factories.ReportFactory()
    data = form_data(researcher_client.get(url(Claim, "add")))
    data.update(
        {
            "title": "Sarmin chlorine attack, 16 March 2015",
            "text": "Syrian government helicopters dropped chlorine on Sarmin.",
            "kind": Claim.Kind.ATTRIBUTION,
            "status": Claim.Status.DRAFT,
            "alleged_perpetrator": str(syria.pk),
            "stances-0-actor": str(russia.pk),
            "stances-0-position": Position.DISPUTES,
            "stances-0-stated_on": "2016-08-30",
            "stances-0-quote": "The evidence is not convincing.",
            "stances-0-report": str(report.pk),
            "evidence-0-kind": Evidence.Kind.REPORT,
            "evidence-0-relation": Evidence.Relation.SUPPORTS,
            "evidence-0-description": "Third JIM report.",
            "evidence-0-url": "https://undocs.org/S/2016/738",
        }
    )
    response = researcher_client.post(url(Claim, "add"), data)
    assert response.status_code == 302, response.context["errors"]

    claim = Claim.objects.get()
    assert (claim.alleged_perpetrator, claim.created_by, claim.team) == (syria, researcher, research_team)
    stance = claim.stances.get()
    assert (stance.actor, stance.position, stance.report) == (russia, Position.DISPUTES, report)
    assert (stance.created_by, stance.team, stance.review_status) == (researcher, research_team, ReviewStatus.ACCEPTED)
    assert stance.reviewed_by == researcher
    evidence = claim.evidence.get()
    assert (evidence.created_by, evidence.team, evidence.review_status) == (
        researcher,
        research_team,
        ReviewStatus.ACCEPTED,
    )
    assert stance.history.get().history_user == researcher


def test_adding_a_claim_with_an_incident_sends_one_archive_rematch_after_commit(
    researcher_client, django_capture_on_commit_callbacks
):
    incident = factories.IncidentFactory(title="Sarmin chlorine attack", place_name="Sarmin")
    data = form_data(researcher_client.get(url(Claim, "add")))
    data.update(
        {
            "title": "Chlorine was used on Sarmin",
            "text": "Chlorine was dropped on Sarmin.",
            "kind": Claim.Kind.EVENT,
            "status": Claim.Status.DRAFT,
            "incidents": [str(incident.pk)],
        }
    )
    with django_capture_on_commit_callbacks() as callbacks:
        response = researcher_client.post(url(Claim, "add"), data)
    assert response.status_code == 302, response.context["errors"]
    assert list(Claim.objects.get().incidents.all()) == [incident]
    # The index is rebuilt, then the archive matched against the new claim, once.
    assert [c is matcher_index.index_bump for c in callbacks] == [True, False]


def test_add_actor_with_aliases_sets_normalized(researcher_client, researcher):
    data = form_data(researcher_client.get(url(Actor, "add")))
    data.update(
        {
            "name": "Syrian government",
            "kind": Actor.Kind.GOVERNMENT,
            "aliases-TOTAL_FORMS": "2",
            "aliases-0-name": "Damascus",
            "aliases-0-kind": ActorAlias.Kind.METONYM,
            "aliases-0-ambiguous": "on",
            "aliases-1-name": "Assad  Government",
            "aliases-1-kind": ActorAlias.Kind.ALIAS,
        }
    )
    response = researcher_client.post(url(Actor, "add"), data)
    assert response.status_code == 302, response.context["errors"]
    actor = Actor.objects.get(name="Syrian government")
    aliases = {a.name: (a.normalized, a.ambiguous) for a in actor.aliases.all()}
    assert aliases == {"Damascus": ("damascus", True), "Assad  Government": ("assad government", False)}
    assert ActorAlias.history.filter(name="Damascus").get().history_user == researcher


def test_renaming_an_alias_in_the_inline_renormalises_it(researcher_client):
    actor = factories.ActorFactory()
    alias = factories.ActorAliasFactory(actor=actor, name="Daesh")
    data = form_data(researcher_client.get(url(Actor, "change", actor.pk)))
    data["aliases-0-name"] = "Dā‘ish"
    response = researcher_client.post(url(Actor, "change", actor.pk), data)
    assert response.status_code == 302, response.context["errors"]
    alias.refresh_from_db()
    assert alias.normalized == "da'ish"


def test_alias_inline_refuses_two_names_that_normalise_alike(researcher_client):
    data = form_data(researcher_client.get(url(Actor, "add")))
    data.update(
        {
            "name": "United States",
            "kind": Actor.Kind.STATE,
            "aliases-TOTAL_FORMS": "2",
            "aliases-0-name": "U.S.",
            "aliases-0-kind": ActorAlias.Kind.ACRONYM,
            "aliases-1-name": "US",
            "aliases-1-kind": ActorAlias.Kind.ACRONYM,
        }
    )
    response = researcher_client.post(url(Actor, "add"), data)
    assert response.status_code == 200
    assert "same alias once normalised" in str(response.context["errors"])
    assert not Actor.objects.exists()


def test_add_alias_on_its_own_page(researcher_client):
    actor = factories.ActorFactory()
    data = form_data(researcher_client.get(url(ActorAlias, "add")))
    data.update({"actor": str(actor.pk), "name": "  ISIL ", "kind": ActorAlias.Kind.ACRONYM})
    response = researcher_client.post(url(ActorAlias, "add"), data)
    assert response.status_code == 302, response.context["errors"]
    assert actor.aliases.get().normalized == "isil"


def test_add_stance_is_accepted_and_filed_under_the_research_team(researcher_client, researcher, research_team):
    claim = factories.ClaimFactory()
    actor = factories.ActorFactory(name="France")
    data = form_data(researcher_client.get(url(Stance, "add")))
    data.update(
        {"claim": str(claim.pk), "actor": str(actor.pk), "position": Position.ASSERTS, "stated_on": "2017-04-26"}
    )
    response = researcher_client.post(url(Stance, "add"), data)
    assert response.status_code == 302, response.context["errors"]
    stance = Stance.objects.get()
    assert response["Location"].endswith(url(Stance, "changelist"))
    assert (stance.created_by, stance.team, stance.review_status, stance.reviewed_by) == (
        researcher,
        research_team,
        ReviewStatus.ACCEPTED,
        researcher,
    )
    assert stance.reviewed_at is not None


def test_the_admin_and_the_api_file_a_users_writes_under_the_same_team(factcheck_team, research_team):
    """One rule (selectors.write_team): the research team, else the first team
    the user edits for; the API once took the team with the lowest id."""
    from django.test import Client
    from rest_framework.test import APIClient

    user = factories.UserFactory(username="in-both", is_staff=True, is_superuser=True)
    factories.MembershipFactory(team=factcheck_team, user=user)  # the lower id, joined first
    factories.MembershipFactory(team=research_team, user=user)
    assert factcheck_team.pk < research_team.pk
    claim, actor = factories.ClaimFactory(), factories.ActorFactory(name="France")
    admin_client, api = Client(), APIClient()
    admin_client.force_login(user)
    api.force_login(user)

    data = form_data(admin_client.get(url(Stance, "add")))
    data.update({"claim": str(claim.pk), "actor": str(actor.pk), "position": Position.ASSERTS})
    assert admin_client.post(url(Stance, "add"), data).status_code == 302
    body = {"claim": claim.pk, "actor": actor.pk, "position": Position.DENIES}
    assert api.post("/api/v1/stances/", body, format="json").status_code == 201
    answer = api.post("/api/v1/reports/", {"text": "Filed under which team?"}, format="json").json()

    assert {stance.team for stance in Stance.objects.all()} == {research_team}
    assert Submission.objects.get(pk=answer["id"]).team == research_team


def test_add_evidence_with_file_records_its_sha256(researcher_client, researcher, private_storage):
    claim = factories.ClaimFactory()
    content = b"%PDF-1.4 lab results"
    data = form_data(researcher_client.get(url(Evidence, "add")))
    data.update(
        {
            "claim": str(claim.pk),
            "kind": Evidence.Kind.SAMPLE_ANALYSIS,
            "relation": Evidence.Relation.SUPPORTS,
            "description": "OPCW-designated laboratory results.",
            "file": SimpleUploadedFile("results.pdf", content, content_type="application/pdf"),
        }
    )
    response = researcher_client.post(url(Evidence, "add"), data)
    assert response.status_code == 302, response.context["errors"]
    evidence = Evidence.objects.get()
    assert evidence.file_sha256 == sha256_bytes(content)
    assert evidence.created_by == researcher
    assert evidence.file.read() == content

    page = researcher_client.get(url(Evidence, "change", evidence.pk))
    assert reverse("evidence-file", args=[evidence.pk]).encode() in page.content


def test_replacing_an_evidence_file_in_the_claim_inline_rehashes_it(researcher_client, private_storage):
    claim = factories.ClaimFactory()
    evidence = services.evidence_add(
        claim=claim,
        kind=Evidence.Kind.DOCUMENT,
        relation=Evidence.Relation.SUPPORTS,
        description="Letter.",
        file=SimpleUploadedFile("letter.txt", b"first"),
        user=None,
    )
    data = form_data(researcher_client.get(url(Claim, "change", claim.pk)))
    data["evidence-0-file"] = SimpleUploadedFile("letter.txt", b"second version")
    response = researcher_client.post(url(Claim, "change", claim.pk), data)
    assert response.status_code == 302, response.context["errors"]
    evidence.refresh_from_db()
    assert evidence.file_sha256 == sha256_bytes(b"second version")


def test_add_report_is_a_submission_with_a_text_hash(researcher_client, researcher, research_team):
    source = factories.SourceFactory(name="AFP")
    text = "Russia’s envoy said the report on the chlorine attacks in Syria was “not convincing”."
    assert researcher_client.get(url(Report, "add")).status_code == 200
    data = {"title": "Russia rejects JIM report", "text": text, "source": str(source.pk), "published_on": "2016-08-30"}
    response = researcher_client.post(url(Report, "add"), data)
    assert response.status_code == 302, response.context["form"].errors
    report = Report.objects.get()
    assert report.text_hash == text_hash(text)
    assert (report.title, report.source) == ("Russia rejects JIM report", source)
    submission = report.submissions.get()
    assert (submission.channel, submission.submitted_by, submission.team) == (
        Submission.Channel.ADMIN_TEXT,
        researcher,
        research_team,
    )

    # The same text pasted again is the same report, with a second submission.
    data["title"] = "Duplicate"
    data["text"] = "  " + text.upper()
    response = researcher_client.post(url(Report, "add"), data, follow=True)
    assert Report.objects.count() == 1
    assert report.submissions.count() == 2
    assert "1 already stored" in response.content.decode()


def test_a_report_in_a_language_the_matcher_does_not_handle_is_told_so(researcher_client):
    response = researcher_client.post(url(Report, "add"), {"text": FRENCH}, follow=True)
    told = " ".join(str(message) for message in response.context["messages"])
    assert Report.objects.get().status == Report.Status.UNSUPPORTED_LANGUAGE
    assert "1 new report(s) stored" in told
    assert "French" in told and "English" in told and "not be matched" in told
    assert "flags appear in the review queue" not in told


def test_what_the_admin_says_of_a_language_follows_the_matcher(researcher_client, monkeypatch):
    from claims.ingest import language

    monkeypatch.setattr(language, "SUPPORTED_LANGUAGES", frozenset({"en", "de"}))
    told = str(list(researcher_client.post(url(Report, "add"), {"text": FRENCH}, follow=True).context["messages"]))
    assert "English" in told and "German" in told
    Report.objects.all().delete()

    monkeypatch.setattr(language, "SUPPORTED_LANGUAGES", frozenset({"en", "fr"}))
    told = str(list(researcher_client.post(url(Report, "add"), {"text": FRENCH}, follow=True).context["messages"]))
    assert Report.objects.get().status == Report.Status.PENDING
    assert "flags appear in the review queue" in told and "not be matched" not in told


def test_add_report_from_an_uploaded_html_file(researcher_client):
    html = (
        b"<html><head><title>OPCW note</title><script>var x=1;</script></head>"
        b"<body><p>The OPCW fact-finding mission confirmed chlorine use in Syria.</p></body></html>"
    )
    upload = SimpleUploadedFile("note.html", html, content_type="text/html")
    response = researcher_client.post(url(Report, "add"), {"file": upload})
    assert response.status_code == 302
    report = Report.objects.get()
    assert "confirmed chlorine use" in report.text and "var x" not in report.text
    assert report.submissions.get().channel == Submission.Channel.ADMIN_FILE


def test_add_report_needs_exactly_one_input(researcher_client):
    response = researcher_client.post(url(Report, "add"), {"text": "x", "url": "https://example.org/a"})
    assert response.status_code == 200
    assert "exactly one" in response.content.decode()
    assert not Report.objects.exists()


def test_retry_matching_action_gives_failed_reports_fresh_attempts(
    researcher_client, django_capture_on_commit_callbacks
):
    failed = factories.ReportFactory(status=Report.Status.FAILED, attempts=5, last_error="boom")
    with django_capture_on_commit_callbacks() as callbacks:
        response = researcher_client.post(
            url(Report, "changelist"), {"action": "retry_matching", "_selected_action": [failed.pk]}
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Report.Status.PENDING, 0)
    assert len(callbacks) == 1  # matching is sent after commit


def test_editing_a_reports_text_rehashes_it(researcher_client):
    report = factories.ReportFactory()
    data = form_data(researcher_client.get(url(Report, "change", report.pk)))
    data["text"] = "A corrected text."
    response = researcher_client.post(url(Report, "change", report.pk), data)
    assert response.status_code == 302, response.context["errors"]
    report.refresh_from_db()
    assert report.text_hash == text_hash("A corrected text.")


def test_editing_a_report_to_another_reports_text_is_refused(researcher_client):
    first, second = factories.ReportFactory(), factories.ReportFactory()
    data = form_data(researcher_client.get(url(Report, "change", second.pk)))
    data["text"] = first.text
    response = researcher_client.post(url(Report, "change", second.pk), data)
    assert response.status_code == 200
    assert "same text" in str(response.context["errors"])


# --- search ------------------------------------------------------------------------------------


@pytest.fixture
def damascus_claim(db):
    syria = factories.ActorFactory(name="Syrian government", kind=Actor.Kind.GOVERNMENT)
    factories.ActorAliasFactory(actor=syria, name="Damascus", kind=ActorAlias.Kind.METONYM)
    factories.ActorAliasFactory(actor=syria, name="the regime")
    claim = factories.AttributionClaimFactory(title="Talmenes, April 2014", alleged_perpetrator=syria)
    factories.AttributionClaimFactory(title="Marea, August 2015")
    return claim


def _results(response):
    return list(response.context["cl"].result_list)


def test_claims_search_finds_the_perpetrators_alias(researcher_client, damascus_claim):
    assert _results(researcher_client.get(url(Claim, "changelist"), {"q": "Damascus"})) == [damascus_claim]
    assert _results(researcher_client.get(url(Claim, "changelist"), {"q": "syrian government"})) == [damascus_claim]


def test_actors_search_finds_aliases_and_normalised_forms(researcher_client, damascus_claim):
    syria = damascus_claim.alleged_perpetrator
    assert _results(researcher_client.get(url(Actor, "changelist"), {"q": "Damascus"})) == [syria]
    us = factories.ActorFactory(name="United States")
    factories.ActorAliasFactory(actor=us, name="US")
    assert _results(researcher_client.get(url(Actor, "changelist"), {"q": "U.S."})) == [us]


def test_claim_changelist_counts_stances_by_position(researcher_client, damascus_claim):
    factories.StanceFactory(claim=damascus_claim, position=Position.ASSERTS)
    factories.StanceFactory(claim=damascus_claim, position=Position.ASSERTS)
    factories.StanceFactory(claim=damascus_claim, position=Position.DENIES)
    factories.StanceFactory(claim=damascus_claim, position=Position.DENIES, review_status=ReviewStatus.REJECTED)
    factories.EvidenceFactory(claim=damascus_claim)
    response = researcher_client.get(url(Claim, "changelist"), {"q": "Talmenes"})
    [row] = _results(response)
    assert (row.n_asserts, row.n_denies, row.n_disputes, row.n_evidence) == (2, 1, 0, 1)
    assert "asserts 2 · denies 1" in response.content.decode()


# --- query counts --------------------------------------------------------------------------------


def _changelist_queries(client, model, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(model, "changelist"), params)
    assert response.status_code == 200
    return len(queries), response.context["cl"].result_count


@pytest.mark.parametrize(("model", "model_admin"), CLAIMS_ADMINS, ids=ADMIN_IDS)
@pytest.mark.parametrize("params", [{}, {"q": "a"}], ids=["all", "search"])
def test_changelist_queries_do_not_grow_with_rows(researcher_client, research_team, model, model_admin, params):
    populate(3, research_team=research_team)
    queries_n, rows_n = _changelist_queries(researcher_client, model, params)
    populate(3, research_team=research_team)
    queries_2n, rows_2n = _changelist_queries(researcher_client, model, params)
    if not params:
        assert rows_2n > rows_n > 0
    assert queries_2n == queries_n


def test_changelist_query_count_is_pinned(researcher_client, research_team, django_assert_max_num_queries):
    populate(5, research_team=research_team)
    for model in (Claim, Actor, Stance, Evidence, Flag):
        with django_assert_max_num_queries(12):
            researcher_client.get(url(model, "changelist"))


# --- the flag review queue -----------------------------------------------------------------------


def test_flag_queue_shows_new_flags_by_default(researcher_client, researcher):
    new = factories.FlagFactory(passages=[{"text": "helicopters dropped barrels", "score": 0.91}])
    reviewed = factories.FlagFactory()
    services.flag_review(flag=reviewed, reviewer=researcher, decision=Flag.Status.REJECTED)

    response = researcher_client.get(url(Flag, "changelist"))
    assert _results(response) == [new]
    assert "helicopters dropped barrels (0.91)" in response.content.decode()
    every = researcher_client.get(url(Flag, "changelist"), {"status": "all"})
    assert set(_results(every)) == {new, reviewed}
    rejected = researcher_client.get(url(Flag, "changelist"), {"status": "rejected"})
    assert _results(rejected) == [reviewed]


def test_matched_passages_are_escaped(researcher_client):
    factories.FlagFactory(passages=["<script>alert(1)</script>"])
    content = researcher_client.get(url(Flag, "changelist")).content.decode()
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)" in content


def _action(client, model, action, objects, **params):
    return client.post(
        url(model, "changelist") + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""),
        {"action": action, "_selected_action": [str(o.pk) for o in objects]},
    )


def test_accepting_a_flag_links_the_report_to_the_claim_once(researcher_client, researcher):
    flag = factories.FlagFactory()
    response = _action(researcher_client, Flag, "accept", [flag])
    assert response.status_code == 302
    flag.refresh_from_db()
    evidence = Evidence.objects.get()
    assert (evidence.claim, evidence.report, flag.evidence) == (flag.claim, flag.report, evidence)
    assert (flag.status, flag.reviewed_by) == (Flag.Status.ACCEPTED, researcher)

    _action(researcher_client, Flag, "accept", [flag], status="all")
    assert Evidence.objects.count() == 1


def test_rejecting_a_flag_records_reviewer_and_time(researcher_client, researcher):
    flag = factories.FlagFactory()
    before = datetime.datetime.now(datetime.UTC)
    _action(researcher_client, Flag, "reject", [flag])
    flag.refresh_from_db()
    assert (flag.status, flag.reviewed_by, flag.evidence) == (Flag.Status.REJECTED, researcher, None)
    assert flag.reviewed_at >= before
    assert not Evidence.objects.exists()
    assert flag.history.latest().history_user == researcher


# --- reviewing team submissions ------------------------------------------------------------------


@pytest.fixture
def submitted(factcheck_team, team_member):
    claim = factories.ClaimFactory()
    stances = [
        services.stance_record(
            claim=claim, actor=factories.ActorFactory(), position=Position.DENIES, user=team_member, team=factcheck_team
        )
        for _ in range(2)
    ]
    evidence = services.evidence_add(
        claim=claim,
        kind=Evidence.Kind.TESTIMONY,
        relation=Evidence.Relation.CONTRADICTS,
        description="A witness.",
        url="https://example.org/witness",
        user=team_member,
        team=factcheck_team,
    )
    return stances, evidence


def test_team_submissions_wait_and_filter_by_team_and_status(researcher_client, submitted, factcheck_team):
    stances, _ = submitted
    factories.StanceFactory()  # a researcher's, accepted
    response = researcher_client.get(
        url(Stance, "changelist"), {"review_status__exact": "pending", "team__id__exact": factcheck_team.pk}
    )
    assert set(_results(response)) == set(stances)
    response = researcher_client.get(url(Evidence, "changelist"), {"review_status__exact": "pending"})
    assert _results(response) == [submitted[1]]


def test_stance_review_actions_record_the_reviewer_in_history(researcher_client, researcher, submitted):
    stances, _ = submitted
    _action(researcher_client, Stance, "accept", stances[:1])
    _action(researcher_client, Stance, "reject", stances[1:])
    first, second = (Stance.objects.get(pk=s.pk) for s in stances)
    assert (first.review_status, first.reviewed_by) == (ReviewStatus.ACCEPTED, researcher)
    assert (second.review_status, second.reviewed_by) == (ReviewStatus.REJECTED, researcher)
    for stance in (first, second):
        latest = stance.history.latest()
        assert latest.history_user == researcher
        assert latest.review_status == stance.review_status
        assert stance.history.count() == 2


def test_evidence_review_actions(researcher_client, researcher, submitted):
    _, evidence = submitted
    _action(researcher_client, Evidence, "accept", [evidence])
    evidence.refresh_from_db()
    assert (evidence.review_status, evidence.reviewed_by) == (ReviewStatus.ACCEPTED, researcher)
    assert evidence.history.latest().history_user == researcher


@pytest.mark.django_db(transaction=True)  # the bump runs after commit
def test_editing_a_claim_or_accepting_a_stance_in_the_admin_rebuilds_the_matcher_index(researcher_client, submitted):
    claim = factories.ClaimFactory()
    data = form_data(researcher_client.get(url(Claim, "change", claim.pk)))
    data["text"] = "Helicopters dropped chlorine barrel bombs on Sarmin."
    assert researcher_client.post(url(Claim, "change", claim.pk), data).status_code == 302
    assert matcher_runtime.index_version() == 1
    stances, _ = submitted
    assert _action(researcher_client, Stance, "accept", stances[:1]).status_code == 302
    assert matcher_runtime.index_version() == 2


def test_actor_page_lists_the_actors_stances(researcher_client):
    russia = factories.ActorFactory(name="Russia")
    factories.StanceFactory(actor=russia, claim__title="Khan Shaykhun sarin", position=Position.DISPUTES, quote="Fake")
    content = researcher_client.get(url(Actor, "change", russia.pk)).content.decode()
    assert "Khan Shaykhun sarin" in content
    assert "disputes the evidence or the process" in content
