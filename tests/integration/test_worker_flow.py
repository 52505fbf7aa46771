"""The real flow: reports committed to PostgreSQL, tasks through Redis, a real
Celery worker process matching them (not in-process eager mode)."""

import pytest
from django.core.management import call_command

from claims import matcher_runtime, services
from claims.models import Claim, Flag, Membership, Report, Submission
from claims.services import report_matching
from claims.services.api_keys import api_key_create
from tests import factories
from tests.conftest import api_client
from tests.harness import Worker, wait_for

pytestmark = pytest.mark.integration

# What the seed digest's articles must flag (headline → claim keys) at least;
# any other flag may only be a suggestion, never strong.
RIGHT = {
    "Russia Backs Efforts to Assign Blame for Chlorine Attacks in Syria": {"chlorine-attribution", "chlorine-use"},
    "Syrian Troops Repel Islamic State Attack in Northeastern Syria": {"hassakeh"},
    "Al-Qaida Chief Says ISIS Caliphate Is ‘Illegitimate’": {"caliphate", "zawahiri", "arsal"},
}
CLAIM_KEYS = {
    "Chlorine attacks in Syria in 2015 were carried out by the Syrian government": "chlorine-attribution",
    "Chlorine was used in attacks in Syria": "chlorine-use",
    "The Islamic State attacked the city of Hassakeh": "hassakeh",
    "The Islamic State's self-proclaimed caliphate is illegitimate": "caliphate",
    "Jabhat al-Nusra takes orders from al-Qaida chief Ayman al-Zawahiri": "zawahiri",
    "Hezbollah seized hilltops near Arsal": "arsal",
}


def _key(claim: Claim) -> str:
    return CLAIM_KEYS.get(claim.title.rstrip("."), claim.title)


def _settled() -> bool:
    return not Report.objects.filter(status__in=[Report.Status.PENDING, Report.Status.PROCESSING]).exists()


def test_worker_not_eager(live_broker):
    assert live_broker.conf.task_always_eager is False


def test_seed_digest_is_matched_by_a_real_worker(worker, settings):
    call_command("load_demo")  # commits; matching is sent to Redis after commit
    wait_for(_settled, timeout=60, what="all reports processed")
    articles = Report.objects.exclude(status=Report.Status.CITED)
    assert {r.status for r in articles} == {Report.Status.PROCESSED}, worker.output()[-3000:]
    stored = {(r.title, _key(f.claim), f.tier) for r in articles for f in r.flags.select_related("claim")}

    # Exactly what the matcher library gives in-process for the same data: no
    # flag lost or added on the way through Redis, the worker and the database.
    settings.MATCHER_EMBEDDINGS = False
    matcher = matcher_runtime.build()
    claims = {c.pk: c for c in Claim.objects.all()}
    expected = {
        (r.title, _key(claims[p.claim_id]), p.tier)
        for r in articles
        for p in matcher_runtime.report_proposals(matcher, r)
    }
    assert stored == expected

    for title, right in RIGHT.items():
        flagged = {key for (t, key, _) in stored if t == title}
        assert right <= flagged, title
        wrong = {(key, tier) for (t, key, tier) in stored if t == title and key not in right}
        assert all(tier == "suggested" for _, tier in wrong), wrong
    assert not {k for (t, k, _) in stored if t.startswith("Syrian Troops")} & {"chlorine-attribution", "chlorine-use"}
    chlorine = Flag.objects.get(report__title__startswith="Russia", claim__kind=Claim.Kind.ATTRIBUTION)
    assert chlorine.passages and chlorine.matched_terms and chlorine.matched_actors


def test_a_batch_ends_processed_with_exactly_one_flag_per_pair(worker):
    call_command("load_demo")
    wait_for(_settled, timeout=60, what="demo processed")
    texts = [
        f"Report {i}: the Assad government rejected the accusation of using chlorine in attacks in Syria, "
        f"while Western governments said helicopters dropped chlorine barrel bombs on village number {i}."
        for i in range(40)
    ] + [f"Weather bulletin {i}: rain is expected over the coast on day {i}." for i in range(10)]
    for text in texts:
        services.report_submit(
            channel=Submission.Channel.API, user=None, team=None, raw=text.encode(), content_type="text/plain"
        )
    wait_for(_settled, timeout=90, what="batch processed")
    batch = Report.objects.filter(title__startswith="Report") | Report.objects.filter(title__startswith="Weather")
    assert batch.count() == 50
    assert set(batch.values_list("status", flat=True)) == {Report.Status.PROCESSED}
    attribution = Claim.objects.get(kind=Claim.Kind.ATTRIBUTION)
    for report in batch:
        claims = set(report.flags.values_list("claim_id", flat=True))
        if report.title.startswith("Report"):
            assert attribution.pk in claims, report.text
        else:
            assert claims == set(), report.text
    # Running everything again adds nothing.
    before = Flag.objects.count()
    report_matching.reports_retry(reports=batch)
    from claims.services import dispatch

    dispatch.reports_match(batch.values_list("pk", flat=True))
    wait_for(_settled, timeout=90, what="re-run processed")
    assert Flag.objects.count() == before


def test_killed_worker_loses_nothing_and_duplicates_nothing(live_broker, broker_url, settings, capsys):
    # Messages a killed worker had reserved but not started are re-sent by the sweep.
    settings.REPORT_REQUEUE_SECONDS = 5
    # Short leases so the sweep can take back what the killed worker held.
    env = {"REPORT_LEASE_SECONDS": "6", "CELERY_TASK_SOFT_TIME_LIMIT": "3", "CELERY_TASK_TIME_LIMIT": "4",
           "MATCHER_EMBEDDINGS": "false"}  # fmt: skip
    first = Worker(broker_url=broker_url, **env).start()
    call_command("load_demo")
    texts = [
        f"Dispatch {i}: Damascus denies that the Syrian government carried out chlorine attacks in Syria, "
        f"after reports of chlorine gas in village {i}." + " Further context follows." * 30
        for i in range(150)
    ]
    for text in texts:
        services.report_submit(
            channel=Submission.Channel.API, user=None, team=None, raw=text.encode(), content_type="text/plain"
        )
    kills = 0
    try:
        for _ in range(3):
            wait_for(lambda: Report.objects.filter(status=Report.Status.PROCESSING).exists(), timeout=60,
                     interval=0.01, what="a report in flight")  # fmt: skip
            first.kill()
            kills += 1
            if Report.objects.filter(status=Report.Status.PROCESSING).exists() or _settled():
                break
            first = Worker(broker_url=broker_url, **env).start()
    finally:
        first.kill()
    in_flight_at_kill = Report.objects.filter(status=Report.Status.PROCESSING).count()
    second = Worker(broker_url=broker_url, **env).start()
    try:

        def swept_and_settled() -> bool:
            from claims.tasks import sweep_reports

            sweep_reports()  # what beat runs every minute
            return _settled()

        wait_for(swept_and_settled, timeout=120, interval=1, what="all reports processed after the kill")
    finally:
        second.stop()
    dispatches = Report.objects.filter(title__startswith="Dispatch")
    attribution = Claim.objects.get(kind=Claim.Kind.ATTRIBUTION)
    processed = dispatches.filter(status=Report.Status.PROCESSED).count()
    flagged = Flag.objects.filter(report__in=dispatches, claim=attribution).count()
    retried = dispatches.filter(attempts__gt=1).count()
    with capsys.disabled():  # the counts belong in CI's log
        print(
            f"kill test: kills={kills} in_flight_at_kill={in_flight_at_kill} reports_in={len(texts)} "
            f"processed={processed} flags={flagged} retried={retried} lost={len(texts) - processed}"
        )
    assert processed == len(texts)
    assert flagged == len(texts)  # one flag per report for the claim: none missing, none duplicated
    assert retried >= 1


def test_a_stance_accepted_through_the_api_reaches_the_workers_next_match(
    live_broker, broker_url, research_team, researcher
):
    claim = factories.ClaimFactory(
        title="Chlorine barrel bombs on Sarmin", text="Helicopters dropped chlorine on Sarmin"
    )
    tigers = factories.ActorFactory(name="Tiger Forces")
    factories.ActorAliasFactory(actor=tigers, name="Qawat al-Nimr")
    # One pool process: the second report is matched by the index the first one built.
    worker = Worker(broker_url=broker_url, concurrency=1).start()
    try:

        def actors_flagged(text: str) -> set[int]:
            submission = services.report_submit(
                channel=Submission.Channel.API, user=None, team=None, raw=text.encode(), content_type="text/plain"
            ).submission
            wait_for(_settled, timeout=30, what="the report processed")
            flag = Flag.objects.get(report__in=submission.reports.all(), claim=claim)
            return {a["actor_id"] for a in flag.matched_actors}

        assert tigers.pk not in actors_flagged("Qawat al-Nimr helicopters dropped chlorine on Sarmin, witnesses said.")
        _, key = api_key_create(team=research_team, user=researcher, name="research", role=Membership.Role.EDITOR)
        response = api_client(key).post(
            "/api/v1/stances/", {"claim": claim.pk, "actor": tigers.pk, "position": "denies"}, format="json"
        )
        assert response.status_code == 201, response.json()
        assert tigers.pk in actors_flagged("Qawat al-Nimr helicopters dropped chlorine on Sarmin again, doctors said.")
    finally:
        worker.kill()
