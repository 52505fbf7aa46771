"""Evidence files are private: served only by a view that checks who may see
the evidence and that the file is still the one uploaded."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims import services
from claims.models import Evidence
from tests import factories

PDF = b"%PDF-1.4\n% OPCW-designated laboratory results\n"


@pytest.fixture
def team_evidence(private_storage, team_member, factcheck_team):
    """A fact-checking team's submission, waiting for review."""
    return services.evidence_add(
        claim=factories.ClaimFactory(),
        kind=Evidence.Kind.SAMPLE_ANALYSIS,
        relation=Evidence.Relation.SUPPORTS,
        description="Lab results.",
        file=SimpleUploadedFile("lab results.pdf", PDF, content_type="application/pdf"),
        user=team_member,
        team=factcheck_team,
    )


def file_url(evidence):
    return reverse("evidence-file", args=[evidence.pk])


def test_the_owning_team_gets_the_file_as_an_attachment(factchecker_client, team_evidence):
    assert team_evidence.review_status == "pending"
    response = factchecker_client.get(file_url(team_evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "lab" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


def test_a_researcher_gets_the_file(researcher_client, team_evidence):
    response = researcher_client.get(file_url(team_evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_another_team_cannot_see_a_pending_submission(other_team_client, team_evidence):
    assert other_team_client.get(file_url(team_evidence)).status_code == 404


def test_another_team_gets_accepted_evidence_on_a_published_claim(other_team_client, team_evidence, researcher):
    services.evidence_review(evidence=[team_evidence], reviewer=researcher, decision="accepted")
    assert other_team_client.get(file_url(team_evidence)).status_code == 200


def test_anonymous_users_are_sent_to_the_login(anonymous_client, team_evidence):
    response = anonymous_client.get(file_url(team_evidence))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_evidence_without_a_file_is_not_found(researcher_client):
    evidence = factories.EvidenceFactory()
    assert researcher_client.get(file_url(evidence)).status_code == 404


def test_a_tampered_file_is_refused_and_logged(researcher_client, team_evidence, caplog):
    path = team_evidence.file.path
    with open(path, "r+b") as handle:
        handle.write(b"%PDF-9.9")
    with caplog.at_level(logging.ERROR, logger="claims.views"):
        response = researcher_client.get(file_url(team_evidence))
    assert response.status_code == 409
    assert b"does not match the checksum" in response.content
    assert response["Content-Type"].startswith("text/plain")
    assert "fails its SHA-256 check" in caplog.text
    assert str(team_evidence.pk) in caplog.text


def test_a_missing_file_is_not_found_and_logged(researcher_client, team_evidence, caplog):
    import os

    os.remove(team_evidence.file.path)
    with caplog.at_level(logging.ERROR, logger="claims.views"):
        assert researcher_client.get(file_url(team_evidence)).status_code == 404
    assert "missing from storage" in caplog.text


def test_only_get_is_allowed(researcher_client, team_evidence):
    assert researcher_client.post(file_url(team_evidence)).status_code == 405


def test_the_admin_links_to_the_view_not_to_storage(researcher_client, team_evidence):
    for page in (
        reverse("admin:claims_evidence_change", args=[team_evidence.pk]),
        reverse("admin:claims_evidence_changelist"),
        reverse("admin:claims_claim_change", args=[team_evidence.claim_id]),
    ):
        content = researcher_client.get(page).content.decode()
        assert f'href="{file_url(team_evidence)}"' in content, page
        assert f'href="/{team_evidence.file.name}"' not in content, page
