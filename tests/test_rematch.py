"""A new or edited claim is matched against the archive of past reports."""

import pytest
from django.core.management import call_command

from claims import services, tasks
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


def _store(*texts):
    submission = services.submission_create(channel=Submission.Channel.API, raw=texts[0].encode())
    reports = [services.report_store(submission=submission, title=f"Later {i}", text=t)[0] for i, t in enumerate(texts)]
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(status=Report.Status.PROCESSED)
    return reports


SARMIN = "Syrian government helicopters dropped chlorine barrel bombs on Sarmin"


def test_candidates_are_ranked_by_the_claims_rarer_words_never_by_date(archive, researcher):
    # Stored after the relevant report, and sharing only the claim's common words.
    later = _store(*[f"Syrian government forces dropped leaflets on town number {n}." for n in range(4)])
    claim = _new_claim(researcher, SARMIN)
    assert rematch.report_candidates(claim, limit=1) == [archive[0].pk]
    everything = rematch.report_candidates(claim, limit=0)
    assert everything[0] == archive[0].pk
    assert set(everything) == {archive[0].pk, *(r.pk for r in later)}
    # One shared word ("Syrian") is not enough; none, still less.
    assert archive[1].pk not in everything and archive[2].pk not in everything


def test_a_bounded_run_scores_at_least_one_report_and_the_next_goes_on_from_there(archive, researcher):
    _store(
        "Doctors in Sarmin said the chlorine came from barrels dropped by government helicopters.",
        "Another barrel of chlorine fell on Sarmin on Tuesday, residents said.",
    )
    claim = _new_claim(researcher, SARMIN)
    first = rematch.claim_rematch(claim_id=claim.pk, until=0)  # the deadline has passed already
    assert (first["scored"], first["next"]) == (1, 1)
    rest = rematch.claim_rematch(claim_id=claim.pk, start=1)
    assert (rest["candidates"], rest["scored"], rest["next"]) == (first["candidates"], first["candidates"] - 1, None)
    in_pieces = set(Flag.objects.filter(claim=claim).values_list("report_id", "score", "tier"))
    Flag.objects.all().delete()
    rematch.claim_rematch(claim_id=claim.pk)
    assert set(Flag.objects.filter(claim=claim).values_list("report_id", "score", "tier")) == in_pieces != set()


def test_the_archive_task_sends_the_rest_of_a_claims_candidates_to_the_back_of_the_queue(
    settings, archive, researcher, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.rematch_claim, "apply_async", lambda args, kwargs=None, **kw: sent.append((args, kwargs)))
    _store("Barrels of chlorine fell on Sarmin again, residents said.")
    claim = _new_claim(researcher, SARMIN)
    settings.REPORT_MATCH_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.rematch_claim(claim.pk)["next"] == 1  # as a worker runs it
    assert sent == [((claim.pk,), {"start": 1})]
    assert tasks.rematch_claim(claim.pk, start=1)["next"] is None
    assert tasks.rematch_claim.apply((claim.pk,)).get()["next"] is None  # in-process: all in one go
    assert len(sent) == 1


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
    assert rematch.claim_rematch(claim_id=987654) == {"candidates": 0, "scored": 0, "flagged": 0, "next": None}


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
