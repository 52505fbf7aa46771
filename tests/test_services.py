"""Writes through the services: review state, history, evidence links, dedup."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from claims import matcher_runtime, services
from claims.models import (
    Actor,
    Claim,
    DatePrecision,
    Evidence,
    Flag,
    Incident,
    Position,
    Report,
    ReviewStatus,
    Stance,
    Submission,
)
from claims.normalize import text_hash
from tests import factories

pytestmark = pytest.mark.django_db


def test_researchers_stance_is_the_record_at_once_and_history_names_them(researcher):
    claim, actor = factories.ClaimFactory(), factories.ActorFactory(name="Russia")
    stance = services.stance_record(claim=claim, actor=actor, position=Position.DISPUTES, user=researcher)
    assert stance.review_status == ReviewStatus.ACCEPTED
    assert stance.reviewed_by == researcher
    (record,) = stance.history.all()
    assert record.history_type == "+"
    assert record.history_user == researcher


def test_team_members_stance_waits_for_review(team_member, factcheck_team, researcher):
    claim, actor = factories.ClaimFactory(), factories.ActorFactory()
    stance = services.stance_record(
        claim=claim, actor=actor, position=Position.DENIES, user=team_member, team=factcheck_team
    )
    assert stance.review_status == ReviewStatus.PENDING
    changed = services.stances_review(stances=[stance], reviewer=researcher, decision=ReviewStatus.ACCEPTED)
    assert changed == 1
    stance.refresh_from_db()
    assert (stance.review_status, stance.reviewed_by) == (ReviewStatus.ACCEPTED, researcher)
    latest = stance.history.latest()
    assert latest.history_user == researcher
    assert latest.review_status == ReviewStatus.ACCEPTED
    # Reviewing again to the same decision changes nothing and records nothing.
    assert services.stances_review(stances=[stance], reviewer=researcher, decision=ReviewStatus.ACCEPTED) == 0
    assert stance.history.count() == 2


def test_review_decision_must_be_accept_or_reject(researcher):
    stance = factories.StanceFactory(review_status=ReviewStatus.PENDING)
    with pytest.raises(Exception, match="accepted or rejected"):
        services.stances_review(stances=[stance], reviewer=researcher, decision="maybe")


def test_a_change_of_position_is_a_new_stance(researcher):
    claim, actor = factories.ClaimFactory(), factories.ActorFactory()
    services.stance_record(claim=claim, actor=actor, position=Position.DISPUTES, user=researcher)
    services.stance_record(claim=claim, actor=actor, position=Position.DENIES, user=researcher)
    assert list(Stance.objects.filter(claim=claim).values_list("position", flat=True).order_by("id")) == [
        Position.DISPUTES,
        Position.DENIES,
    ]


def test_evidence_file_gets_its_sha256(researcher):
    content = b"%PDF-1.4 lab results"
    evidence = services.evidence_add(
        claim=factories.ClaimFactory(),
        kind=Evidence.Kind.SAMPLE_ANALYSIS,
        relation=Evidence.Relation.SUPPORTS,
        description="OPCW sample analysis",
        user=researcher,
        file=SimpleUploadedFile("analysis.pdf", content, content_type="application/pdf"),
    )
    assert evidence.file_sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.file.read() == content


def test_evidence_needs_a_report_url_or_file(researcher):
    with pytest.raises(ValidationError, match=r"report|url|file"):
        services.evidence_add(
            claim=factories.ClaimFactory(),
            kind=Evidence.Kind.TESTIMONY,
            relation=Evidence.Relation.SUPPORTS,
            description="no pointer",
            user=researcher,
        )


def test_accepting_a_flag_links_the_report_as_evidence_once(researcher):
    flag = factories.FlagFactory()
    services.flag_review(flag=flag, reviewer=researcher, decision=Flag.Status.ACCEPTED)
    services.flag_review(flag=flag, reviewer=researcher, decision=Flag.Status.ACCEPTED)
    flag.refresh_from_db()
    (evidence,) = Evidence.objects.filter(claim=flag.claim)
    assert evidence.report == flag.report
    assert flag.evidence == evidence
    assert (flag.status, flag.reviewed_by) == (Flag.Status.ACCEPTED, researcher)
    assert flag.reviewed_at is not None


def test_rejecting_a_flag_records_the_reviewer_and_adds_no_evidence(researcher):
    flag = factories.FlagFactory()
    services.flag_review(flag=flag, reviewer=researcher, decision=Flag.Status.REJECTED)
    flag.refresh_from_db()
    assert (flag.status, flag.reviewed_by) == (Flag.Status.REJECTED, researcher)
    assert not Evidence.objects.exists()
    assert flag.history.latest().history_user == researcher


def test_same_text_twice_is_one_report_with_two_submissions():
    first = services.submission_create(channel=Submission.Channel.ADMIN_TEXT, raw=b"Damascus denies it.")
    second = services.submission_create(channel=Submission.Channel.ADMIN_TEXT, raw=b"damascus  denies it.")
    report, created = services.report_store(submission=first, title="A", text="Damascus denies it.")
    again, created_again = services.report_store(submission=second, title="A copy", text="damascus  denies it.")
    assert (created, created_again) == (True, False)
    assert again == report
    assert set(report.submissions.all()) == {first, second}
    assert Report.objects.count() == 1


def test_a_report_without_text_is_kept_as_cited():
    submission = services.submission_create(channel=Submission.Channel.DEMO, raw=b"digest")
    report, created = services.report_store(submission=submission, title="Syria Using Chemical Weapons", text="")
    assert created
    assert (report.status, report.text_hash) == (Report.Status.CITED, None)


def test_alias_add_normalises_and_is_idempotent():
    actor = factories.ActorFactory(name="Abu Mohammed al-Jolani")
    first = services.actor_alias_add(actor=actor, name=" Julani ")
    assert (first.name, first.normalized) == ("Julani", "julani")
    assert services.actor_alias_add(actor=actor, name="JULANI") == first


# --- rows edited whole (the admin's forms) ---------------------------------------------------


def test_a_claim_saved_as_edited_rebuilds_the_index_and_rematches_the_archive_after_commit(
    researcher, monkeypatch, django_capture_on_commit_callbacks
):
    from claims import matcher_runtime, tasks

    sent = []
    monkeypatch.setattr(tasks.rematch_claim, "apply_async", lambda args, **kw: sent.append(args[0]))
    claim = factories.ClaimFactory()
    before = matcher_runtime.index_version()
    claim.text = "An edited claim."
    with django_capture_on_commit_callbacks(execute=True):
        services.row_save(obj=claim, user=researcher)
        assert sent == []
    assert sent == [claim.pk]
    assert matcher_runtime.index_version() == before + 1
    assert claim.history.first().history_user == researcher


def test_a_report_saved_as_edited_is_hashed_again_and_blank_text_is_none(researcher):
    report = factories.ReportFactory(text="The first text.")
    report.text = "The corrected text."
    services.row_save(obj=report, user=researcher)
    report.refresh_from_db()
    assert report.text_hash == text_hash("The corrected text.")
    report.text = "   "
    services.row_save(obj=report, user=researcher)
    report.refresh_from_db()
    assert report.text == "" and report.text_hash is None


def test_deleting_what_the_matcher_indexes_rebuilds_the_index(researcher, django_capture_on_commit_callbacks):
    from claims.services.matcher_index import index_bump

    with django_capture_on_commit_callbacks() as callbacks:
        services.row_delete(obj=factories.ActorFactory(), user=researcher)
    assert callbacks == [index_bump]


def test_a_bulk_delete_of_what_the_matcher_indexes_rebuilds_the_index(django_capture_on_commit_callbacks):
    from claims.models import Actor
    from claims.services.matcher_index import index_bump

    factories.ActorFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.rows_delete(queryset=Actor.objects.all()) == 1
    assert callbacks == [index_bump]
    assert not Actor.objects.exists()


# --- the research record: actors, incidents, claims ---------------------------------------


def test_actor_create_records_who_and_rebuilds_the_index_once_it_commits(
    researcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        government = services.actor_create(name="Syrian government", kind=Actor.Kind.GOVERNMENT, user=researcher)
        air_force = services.actor_create(
            name=" Syrian Arab Air Force ", kind=Actor.Kind.GOVERNMENT, parent=government, user=researcher
        )
    assert (air_force.name, air_force.parent) == ("Syrian Arab Air Force", government)
    assert air_force.history.get().history_user == researcher
    assert len(callbacks) == 1  # one rebuild for the transaction's writes
    assert matcher_runtime.index_version() == 1


def test_actor_create_refuses_a_second_actor_of_the_same_name():
    services.actor_create(name="Russia", kind=Actor.Kind.STATE)
    with pytest.raises(ValidationError, match="name"):
        services.actor_create(name="Russia", kind=Actor.Kind.STATE)
    assert Actor.objects.count() == 1


def test_incident_create_records_its_place_date_and_precision(researcher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        incident = services.incident_create(
            title="Ghouta chemical attack",
            place_name="Ghouta, Damascus countryside",
            date_start=datetime.date(2013, 8, 1),
            date_precision=DatePrecision.MONTH,
            agent=Incident.Agent.SARIN,
            user=researcher,
        )
    assert (incident.place_name, incident.date_precision) == ("Ghouta, Damascus countryside", DatePrecision.MONTH)
    assert incident.history.get().history_user == researcher
    assert len(callbacks) == 1
    with pytest.raises(ValidationError):
        services.incident_create(
            title="Backwards", date_start=datetime.date(2013, 8, 2), date_end=datetime.date(2013, 8, 1)
        )


def test_claim_create_rebuilds_the_index_then_matches_the_archive_against_it(
    researcher, settings, django_capture_on_commit_callbacks
):
    settings.MATCHER_EMBEDDINGS = False
    submission = services.submission_create(channel=Submission.Channel.API, raw=b"archive")
    report, _ = services.report_store(
        submission=submission,
        title="Chlorine on Sarmin",
        text="Syrian government helicopters dropped barrels of chlorine gas on Sarmin, doctors said.",
    )
    Report.objects.filter(pk=report.pk).update(status=Report.Status.PROCESSED)
    government = factories.ActorFactory(name="Syrian government", kind=Actor.Kind.GOVERNMENT)
    incident = factories.IncidentFactory(title="Sarmin chlorine attack", place_name="Sarmin")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        claim = services.claim_create(
            title="Chlorine on Sarmin: by the Syrian government",
            text="Syrian government helicopters dropped chlorine barrel bombs on Sarmin.",
            kind=Claim.Kind.ATTRIBUTION,
            alleged_perpetrator=government,
            incidents=[incident],
            user=researcher,
        )
    assert (claim.created_by, list(claim.incidents.all())) == (researcher, [incident])
    assert claim.history.latest().history_user == researcher
    assert len(callbacks) == 2  # the index bump, then the archive re-match (in-process here)
    assert matcher_runtime.index_version() == 1
    assert Flag.objects.filter(claim=claim, report=report).exists()


def test_an_attribution_claim_names_its_perpetrator(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError):
        services.claim_create(title="Who did it", text="Someone did it.", kind=Claim.Kind.ATTRIBUTION)
    assert not Claim.objects.exists()
    assert callbacks == []
