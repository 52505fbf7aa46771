"""A new or edited claim is matched against the archive of past reports."""

import pytest
from django.core.management import call_command

from claims import services
from claims.models import Actor, Claim, Flag, Report, Submission
from claims.services import dispatch, matcher_index, rematch
from tests import factories

pytestmark = pytest.mark.django_db

ARCHIVE = [
    "Witnesses in Idlib said helicopters dropped barrels releasing chlorine gas on Sarmin, and doctors treated "
    "dozens for breathing problems after the attack.",
    "Syrian troops and Kurdish fighters fought the Islamic State in Hassakeh city on Wednesday.",
    "The football league announced its new season schedule for the coastal teams.",
]


@pytest.fixture
def archive(settings):
    settings.MATCHER_EMBEDDINGS = False
    submission = services.submission_create(channel=Submission.Channel.API, raw=b"archive")
    reports = [
        services.report_store(submission=submission, title=f"Archive {i}", text=t)[0] for i, t in enumerate(ARCHIVE)
    ]
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(status=Report.Status.PROCESSED)
    return reports


def _new_claim(researcher, text):
    government = Actor.objects.get_or_create(name="Syrian government", defaults={"kind": Actor.Kind.GOVERNMENT})[0]
    claim = Claim.objects.create(
        title="Chlorine barrel bombs on Sarmin",
        text=text,
        kind=Claim.Kind.ATTRIBUTION,
        alleged_perpetrator=government,
        status=Claim.Status.DRAFT,
    )
    # What the claim is about, as a researcher records it: the matcher judges a claim on its incident.
    claim.incidents.add(factories.IncidentFactory(title="Chlorine barrel bombs on Sarmin", place_name="Sarmin, Idlib"))
    matcher_index.index_bump()
    return claim


def test_full_text_search_finds_the_archive_reports_sharing_the_claims_words(archive, researcher):
    claim = _new_claim(researcher, "Syrian government helicopters dropped chlorine barrel bombs on Sarmin")
    candidates = rematch.report_candidates(claim)
    assert archive[0].pk in candidates
    assert archive[2].pk not in candidates


def test_rematch_flags_past_reports_once_and_keeps_reviews(archive, researcher):
    claim = _new_claim(researcher, "Syrian government helicopters dropped chlorine barrel bombs on Sarmin")
    result = rematch.claim_rematch(claim_id=claim.pk)
    assert result["flagged"] >= 1
    flag = Flag.objects.get(claim=claim, report=archive[0])
    assert flag.passages and flag.tier in ("suggested", "strong")
    assert not Flag.objects.filter(claim=claim, report=archive[2]).exists()
    services.flag_review(flag=flag, reviewer=researcher, decision=Flag.Status.REJECTED)
    rematch.claim_rematch(claim_id=claim.pk)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.REJECTED
    assert Flag.objects.filter(claim=claim, report=archive[0]).count() == 1


def test_rematch_of_a_deleted_claim_does_nothing():
    assert rematch.claim_rematch(claim_id=987654) == {"candidates": 0, "flagged": 0}


def test_saving_a_claim_in_the_admin_sends_the_archive_rematch_after_commit(
    researcher_client, django_capture_on_commit_callbacks
):
    call_command("load_demo")
    claim = Claim.objects.get(kind=Claim.Kind.ATTRIBUTION)
    with django_capture_on_commit_callbacks() as callbacks:
        response = researcher_client.post(
            "/admin/claims/claim/", {"action": "rematch_archive", "_selected_action": [claim.pk]}
        )
    assert response.status_code == 302
    assert len(callbacks) == 1


def test_enqueue_sends_nothing_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                dispatch.claims_rematch([1])
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []
