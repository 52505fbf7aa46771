"""Faults survived: each test injects one fault into the real flow (a Celery
worker process on a Redis of the test's own, PostgreSQL) and bookkeeps like a
queue checker: every report that goes in comes out processed exactly once,
with exactly the flags the matcher gives in-process. Each prints what it
injected and what it counted, for CI's log.

Every test starts its own redis-server on a spare port (never the shared one
on 6379); the PostgreSQL restart test also starts its own PostgreSQL. Every
process started is killed by a finalizer, even when the test fails. The
lexical matcher (MATCHER_EMBEDDINGS=false) keeps the workers fast to start.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
import pytest
import redis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, transaction

from claims import services
from claims.models import Report, ReportMatchProgress, Submission, WorkerHeartbeat
from claims.tasks import heartbeat, match_report, sweep_reports
from tests.harness import ROOT, ApiServer, PostgresServer, RedisServer, Worker, celery_app_on, wait_for
from tests.integration import bookkeeping
from tests.integration.faulty_worker import POISON_MARKER

pytestmark = [pytest.mark.integration, pytest.mark.faults]

UNFINISHED = [Report.Status.PENDING, Report.Status.PROCESSING]

TEMPLATES = [
    "Dispatch {i}: Damascus denies that the Syrian government carried out chlorine attacks in Syria, "
    "after reports of chlorine gas in village {i}.",
    "Bulletin {i}: the Islamic State attacked the city of Hassakeh, officials said on day {i}.",
    "Note {i}: Hezbollah seized hilltops near Arsal, according to source {i}.",
    "Weather {i}: rain is expected over the coast on day {i}.",
]


def _texts(prefix: str, count: int) -> list[str]:
    return [f"[{prefix}] " + TEMPLATES[i % len(TEMPLATES)].format(i=i) for i in range(count)]


def _submit(texts: Iterable[str]) -> list[int]:
    """Ingest each text as the API does; returns the new reports' ids."""
    ids = []
    for text in texts:
        submission = services.report_submit(
            channel=Submission.Channel.API, user=None, team=None, raw=text.encode(), content_type="text/plain"
        ).submission
        ids.extend(submission.reports.values_list("pk", flat=True))
    return ids


def _settled(ids: Iterable[int]) -> bool:
    return not Report.objects.filter(pk__in=list(ids), status__in=UNFINISHED).exists()


def _report(capsys, test: str, **counts: object) -> None:
    """One line of counts in CI's log, past pytest's capture."""
    with capsys.disabled():
        print(f"\nfaults/{test}: " + " ".join(f"{key}={value}" for key, value in counts.items()), flush=True)


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def broker(own_redis):
    """The test process sends its tasks to the test's own Redis."""
    with celery_app_on(own_redis.url()) as app:
        yield app


@pytest.fixture
def workers(own_redis) -> Iterator[list[Worker]]:
    """Workers the test starts (appended here) are killed at the end, whatever happens."""
    started: list[Worker] = []
    try:
        yield started
    finally:
        for worker in started:
            worker.kill()


@pytest.fixture
def demo_claims(broker):
    call_command("load_demo")  # the claims to match against; its reports are matched too


def _sweep_when_idle(own_redis: RedisServer) -> bool:
    """What beat's periodic sweep does, run by the test whenever the queue is
    empty: re-send reports whose message was lost or whose worker died."""
    if redis.Redis(port=own_redis.port).llen("reports") == 0:
        sweep_reports()
    return False


# --- 1. worker killed ---------------------------------------------------------------------


def test_worker_killed_repeatedly_loses_and_duplicates_nothing(demo_claims, own_redis, workers, settings, capsys):
    # Short leases, so what a killed worker held is taken back quickly; the
    # hard time limit stays below the lease, as in production.
    env = {"REPORT_LEASE_SECONDS": "3", "CELERY_TASK_SOFT_TIME_LIMIT": "1", "CELERY_TASK_TIME_LIMIT": "2"}
    settings.REPORT_REQUEUE_SECONDS = 3
    started = time.monotonic()
    ids = list(Report.objects.exclude(status=Report.Status.CITED).values_list("pk", flat=True))  # the demo's

    def ingest() -> None:  # in a thread, as the API would, while workers are killed
        try:
            for i, text in enumerate(_texts("kill", 500)):
                # Reports keep coming until the workers have been killed three times: a fast
                # worker would otherwise settle every report before the third kill.
                if i and i % 125 == 0:
                    until = time.monotonic() + 30
                    while kills < min(i // 125, 3) and time.monotonic() < until:
                        time.sleep(0.05)
                ids.extend(_submit([text]))
        finally:
            connection.close()

    def processed() -> int:
        return Report.objects.filter(pk__in=list(ids), status=Report.Status.PROCESSED).count()

    def in_flight() -> int:
        return Report.objects.filter(pk__in=list(ids), status=Report.Status.PROCESSING).count()

    kills, processing_after_kill = 0, []
    with ThreadPoolExecutor(max_workers=1) as pool:
        ingesting = pool.submit(ingest)
        deadline = time.monotonic() + 120
        while kills < 4 and time.monotonic() < deadline and not (ingesting.done() and _settled(ids)):
            worker = Worker(broker_url=own_redis.url(), queues="reports", **env)
            workers.append(worker)
            worker.start()
            stale = in_flight()  # held by the previous, killed, worker until the sweep takes them back
            floor = processed() + 40  # let it work a little, then kill it while a report is in flight
            wait_for(lambda: _sweep_when_idle(own_redis) or processed() >= floor or _settled(ids),  # noqa: B023
                     timeout=60, interval=0.1, what="progress")  # fmt: skip
            with contextlib.suppress(AssertionError):  # finished in between: kill anyway
                wait_for(lambda: in_flight() > stale, timeout=10, interval=0.005, what="a report in flight")  # noqa: B023
            worker.kill()
            kills += 1
            processing_after_kill.append(in_flight())
        killing = time.monotonic()
        final = Worker(broker_url=own_redis.url(), queues="reports", **env)
        workers.append(final)
        final.start()
        ingesting.result(timeout=120)
    ingested = time.monotonic()
    wait_for(lambda: _sweep_when_idle(own_redis) or _settled(ids), timeout=120, interval=0.5, what="all settled")
    timings = {"kill_phase_s": round(killing - started), "ingest_s": round(ingested - started),
               "total_s": round(time.monotonic() - started)}  # fmt: skip
    counts = bookkeeping.count(ids)
    _report(capsys, "worker_killed", kills=kills, processing_after_each_kill=processing_after_kill, **timings, **counts)
    bookkeeping.assert_exactly_once(counts)
    assert kills >= 3
    assert counts["retried"] >= 1  # some attempts were cut short by a kill and retried


# --- 4. rollback ------------------------------------------------------------------------------


def test_a_task_dispatched_in_a_rolled_back_transaction_never_reaches_a_real_worker(
    demo_claims, own_redis, workers, settings, capsys
):
    """tests/test_ingest_services.py proves in-process that a rolled-back ingest
    enqueues nothing; this proves it end to end: nothing reaches Redis, the
    worker receives nothing, and a report sent afterwards is processed (so
    the worker was listening)."""
    demo = list(Report.objects.exclude(status=Report.Status.CITED).values_list("pk", flat=True))
    worker = Worker(broker_url=own_redis.url(), queues="reports")
    workers.append(worker)
    worker.start()
    wait_for(lambda: _settled(demo), timeout=60, what="demo reports processed")
    received_before = worker.output().count("Task claims.tasks.match_report[")
    text = "[rollback] The ministry denied dropping chlorine on Sarmin."
    with pytest.raises(RuntimeError), transaction.atomic():
        _submit([text])
        raise RuntimeError("the caller's transaction fails after the submission")
    queued = redis.Redis(port=own_redis.port).llen("reports")
    control = _submit(["[rollback-control] The ministry denied dropping chlorine on Sarmin again."])
    wait_for(lambda: _settled(control), timeout=30, what="the control report processed")
    received = worker.output().count("Task claims.tasks.match_report[") - received_before
    rolled_back = Report.objects.filter(text__startswith="[rollback]").count()
    _report(capsys, "rollback", reports_in=1, rolled_back_rows=rolled_back, queued_after_rollback=queued,
            control_processed=int(_settled(control)), tasks_received=received // 2)  # fmt: skip
    assert rolled_back == 0
    assert queued == 0
    # One "received" and one "succeeded" line: the control's task, and nothing else.
    assert received == 2, worker.output()[-3000:]


# --- 5. poison report ---------------------------------------------------------------------------


def test_a_poison_report_fails_after_bounded_attempts_without_blocking_the_queue(
    demo_claims, own_redis, workers, settings, capsys
):
    max_attempts = 3
    env = {"REPORT_MAX_ATTEMPTS": str(max_attempts), "REPORT_LEASE_SECONDS": "2",
           "CELERY_TASK_SOFT_TIME_LIMIT": "1", "CELERY_TASK_TIME_LIMIT": "1"}  # fmt: skip
    settings.REPORT_REQUEUE_SECONDS = 2
    demo = list(Report.objects.exclude(status=Report.Status.CITED).values_list("pk", flat=True))
    # One pool process: a poison report that blocked it would block everything.
    worker = Worker(broker_url=own_redis.url(), queues="reports", concurrency=1,
                    app="tests.integration.faulty_worker", **env)  # fmt: skip
    workers.append(worker)
    started = time.monotonic()
    [poison] = _submit([f"[poison] {POISON_MARKER} The ministry denied dropping chlorine on Sarmin."])
    others = _submit(_texts("after-poison", 30)) + demo
    worker.start()
    wait_for(lambda: _sweep_when_idle(own_redis) or _settled(others), timeout=60, interval=0.5, what="others")
    others_done = time.monotonic() - started
    poison_then = Report.objects.values_list("status", "attempts").get(pk=poison)
    wait_for(lambda: _sweep_when_idle(own_redis) or _settled([poison]), timeout=60, interval=0.5, what="poison")
    report = Report.objects.get(pk=poison)
    counts = bookkeeping.count(others)
    crashes = worker.output().count("raised error: WorkerLostError('Worker exited prematurely: signal 9")
    _report(capsys, "poison", poison_status=report.status, poison_attempts=report.attempts, max_attempts=max_attempts,
            worker_crashes=crashes, others_done_s=round(others_done, 1), poison_when_others_done=poison_then,
            poison_failed_s=round(time.monotonic() - started, 1), **counts)  # fmt: skip
    assert report.status == Report.Status.FAILED
    assert report.attempts == max_attempts
    assert "Gave up after" in report.last_error
    assert not report.flags.exists()
    assert crashes >= max_attempts  # each attempt really killed its process
    bookkeeping.assert_exactly_once(counts)


# --- 7. one long upload ---------------------------------------------------------------------------


def _long_text(megabytes: float) -> str:
    """One article of plain sentences (no headlines: it is not split into
    several), with a sentence on a demo claim near its end."""
    filler = "the council heard that delegates discussed the agenda item at length and noted the report of the "
    words = (filler + "mission on the border town and the village before the session closed").split()
    sentences, size, i = [], 0, 0
    while size < megabytes * 1_000_000:
        sentence = f"Item {i}: " + " ".join(words[(i + k) % len(words)] for k in range(18)) + "."
        sentences.append(sentence)
        size, i = size + len(sentence) + 1, i + 1
    sentences[-40] = "Damascus denies that the Syrian government carried out chlorine attacks in Syria."
    return "[long upload] " + " ".join(sentences)


def test_a_long_upload_is_matched_in_bounded_runs_while_the_reports_behind_it_finish(
    demo_claims, own_redis, workers, settings, capsys
):
    """One worker process, so a report that held it would hold every other.
    Each run matches for REPORT_MATCH_SECONDS (1 s here) and sends the long
    report to the back of the queue: the reports behind it are matched after
    its first piece, not after all of it, and it still gets the flags that
    matching it in one go gives."""
    env = {"REPORT_MATCH_SECONDS": "1", "CELERY_TASK_SOFT_TIME_LIMIT": "6", "CELERY_TASK_TIME_LIMIT": "8",
           "REPORT_LEASE_SECONDS": "12"}  # fmt: skip
    demo = list(Report.objects.exclude(status=Report.Status.CITED).values_list("pk", flat=True))
    [long] = _submit([_long_text(2.5)])  # about 12,000 passages: a few seconds in one go
    others = _submit(_texts("behind-the-long-one", 30))  # queued behind it
    worker = Worker(broker_url=own_redis.url(), queues="reports", concurrency=1, **env)
    workers.append(worker)
    started = time.monotonic()
    worker.start()
    wait_for(lambda: _settled(others + demo), timeout=60, interval=0.2, what="the reports behind the long one")
    others_done = time.monotonic() - started
    long_then = Report.objects.values_list("status", flat=True).get(pk=long)
    wait_for(lambda: _settled([long]), timeout=120, interval=0.5, what="the long report")
    long_done = time.monotonic() - started
    report = Report.objects.get(pk=long)
    reasons = report.history.values_list("history_change_reason", flat=True)
    runs = sum("passages matched, continuing" in (reason or "") for reason in reasons) + 1
    counts = bookkeeping.count([long, *others, *demo])
    _report(capsys, "long_upload", long_chars=len(report.text), long_status=report.status, long_pieces=runs,
            others=len(others), others_done_s=round(others_done, 1), long_when_others_done=long_then,
            long_done_s=round(long_done, 1), long_error=report.last_error or "-", **counts)  # fmt: skip
    assert report.status == Report.Status.PROCESSED, report.last_error
    assert runs >= 3  # matched in pieces, not in one run
    assert long_then in UNFINISHED  # still being matched when the others were done
    assert report.flags.exists()  # the claim near its end was found
    bookkeeping.assert_exactly_once(counts)  # the flags of one go, for it and the others
    assert not ReportMatchProgress.objects.filter(report=report).exists()


# --- 6. concurrent duplicates -------------------------------------------------------------------


def test_twenty_simultaneous_submissions_of_one_report_store_one(demo_claims, own_redis, capsys):
    text = "[duplicate] Witnesses said helicopters dropped chlorine barrel bombs on Talmenes."
    count = 20
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def submit() -> int:
        try:
            start.wait(timeout=30)
            submission = services.report_submit(
                channel=Submission.Channel.API, user=None, team=None, raw=text.encode(), content_type="text/plain"
            ).submission
            return submission.pk
        except BaseException as exc:
            errors.append(exc)
            raise
        finally:
            connection.close()  # each thread's own connection

    queue = redis.Redis(port=own_redis.port)
    queued_before = queue.llen("reports")
    with ThreadPoolExecutor(max_workers=count) as pool:
        submissions = [f.result(timeout=60) for f in [pool.submit(submit) for _ in range(count)]]
    reports = Report.objects.filter(text__startswith="[duplicate]")
    linked = {
        pk for s in Submission.objects.filter(pk__in=submissions) for pk in s.reports.values_list("pk", flat=True)
    }
    sent = queue.llen("reports") - queued_before
    _report(capsys, "duplicates", submissions_in=count, submissions_stored=len(set(submissions)),
            reports=reports.count(), linked_reports=len(linked), matching_tasks_sent=sent,
            errors=len(errors))  # fmt: skip
    assert not errors
    assert len(set(submissions)) == count  # every upload is kept (raw bytes first)...
    assert reports.count() == 1  # ...and the text is stored once
    assert linked == {reports.get().pk}
    assert sent == 1  # and matched once


# --- 2. Redis restarted -------------------------------------------------------------------------


def test_redis_restart_mid_ingest_loses_nothing_and_workers_resume(
    demo_claims, own_redis, workers, settings, client, capsys
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # /healthz asks for real workers' heartbeats
    settings.REPORT_REQUEUE_SECONDS = 2
    ids = list(Report.objects.exclude(status=Report.Status.CITED).values_list("pk", flat=True))
    worker = Worker(broker_url=own_redis.url())  # every queue: /healthz wants each one consumed
    workers.append(worker)
    worker.start()
    ids += _submit(_texts("before-redis-restart", 20))
    wait_for(lambda: _settled(ids), timeout=60, what="reports before the restart processed")

    own_redis.kill()  # no persistence: whatever was queued is gone
    down_at = time.monotonic()
    during = _submit(_texts("redis-down", 10))  # committed; their messages cannot be sent
    unsent = Report.objects.filter(pk__in=during, enqueued_at__isnull=True).count()
    ids += during
    own_redis.start()  # same port, empty
    downtime = time.monotonic() - down_at
    up_at = time.monotonic()

    # The worker must consume again by itself: /healthz turns ok only on
    # heartbeats answered after the restart.
    WorkerHeartbeat.objects.all().delete()

    def consuming() -> bool:
        for queue in settings.WORKER_QUEUES:
            heartbeat.apply_async((queue,), queue=queue, expires=10)
        return client.get("/healthz").status_code == 200

    wait_for(consuming, timeout=60, interval=1, what="/healthz: workers consume every queue after the restart")
    resumed = time.monotonic() - up_at
    ids += _submit(_texts("after-redis-restart", 10))
    wait_for(lambda: _sweep_when_idle(own_redis) or _settled(ids), timeout=60, interval=0.5, what="all settled")
    counts = bookkeeping.count(ids)
    _report(capsys, "redis_restart", redis_down_s=round(downtime, 1), unsent_while_down=unsent,
            workers_consuming_after_s=round(resumed, 1), worker_restarted=int(worker.process.poll() is not None),
            health=client.get("/healthz").json()["workers"], **counts)  # fmt: skip
    assert unsent == len(during)  # the broker was really down: only the database knew of them
    assert worker.process.poll() is None  # the same worker process, not restarted
    bookkeeping.assert_exactly_once(counts)


# --- 3. PostgreSQL restarted ----------------------------------------------------------------------

SEED = """
from django.contrib.auth.models import User
from django.conf import settings as django_settings
from django.core.management import call_command
from claims.services.api_keys import api_key_create
from claims.models import Membership, Team
call_command("migrate", verbosity=0)
call_command("load_demo", verbosity=0)
team = Team.objects.create(name="Checkers", slug="checkers", kind=Team.Kind.FACT_CHECKING)
user = User.objects.create(username="checker")
Membership.objects.create(team=team, user=user, role=Membership.Role.EDITOR)
print("KEY=" + api_key_create(team=team, user=user, name="faults", role=Membership.Role.EDITOR)[1], flush=True)
"""


def _manage(database_url: str, script: str, marker: str) -> str:
    """Run ``script`` in ``manage.py shell`` against another database; returns
    the value of its ``marker=`` line."""
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": "", "MATCHER_EMBEDDINGS": "false",
           "SECRET_KEY": django_settings.SECRET_KEY, "LOG_LEVEL": "WARNING"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    for line in result.stdout.splitlines():
        if line.startswith(f"{marker}="):
            return line.split("=", 1)[1]
    output = f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    raise AssertionError(f"manage.py shell failed ({result.returncode}):\n{output}")


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.init().start()
        server.createdb("tracker")
        yield server
    finally:
        server.remove()


@dataclass
class Answer:
    at: float
    method: str
    status: int  # 0: no HTTP answer at all
    body: str
    content_type: str


def _call(server: ApiServer, key: str, method: str, path: str, body: dict | None = None, idem: str = "") -> Answer:
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
    if idem:
        headers["Idempotency-Key"] = idem
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url(path), data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (a local server)
            return Answer(time.monotonic(), method, response.status, response.read().decode(errors="replace"),
                          response.headers.get("Content-Type", ""))  # fmt: skip
    except urllib.error.HTTPError as error:
        return Answer(time.monotonic(), method, error.code, error.read().decode(errors="replace"),
                      error.headers.get("Content-Type", ""))  # fmt: skip
    except (urllib.error.URLError, OSError) as error:
        return Answer(time.monotonic(), method, 0, str(error), "")


def _post_until_stored(
    server: ApiServer, key: str, path: str, body: dict, answers: list[Answer], deadline: float, idem: str = ""
) -> None:
    """What a well-behaved client does: retry a 503 (with the same Idempotency-Key, if any)."""
    while time.monotonic() < deadline:
        answer = _call(server, key, "POST", path, body, idem)
        answers.append(answer)
        if answer.status != 503:
            return
        time.sleep(0.2)  # a client's pause before retrying, not a wait for work


def test_postgresql_restart_during_api_load_and_matching(own_postgres, own_redis, workers, capsys):
    started = time.monotonic()
    database_url = own_postgres.url()
    key = _manage(database_url, SEED, "KEY")
    seeded = time.monotonic()
    # Short leases and re-send delay: the sweep (sent by the test, run by the
    # worker on this database) takes back what the outage interrupted.
    env = {"REPORT_LEASE_SECONDS": "4", "REPORT_REQUEUE_SECONDS": "3",
           "CELERY_TASK_SOFT_TIME_LIMIT": "2", "CELERY_TASK_TIME_LIMIT": "3"}  # fmt: skip
    worker = Worker(broker_url=own_redis.url(), database_url=database_url, queues="reports", **env)
    workers.append(worker)
    api = ApiServer(database_url=database_url, broker_url=own_redis.url())
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            for future in [pool.submit(api.start), pool.submit(worker.start)]:
                future.result(timeout=120)
        ready = time.monotonic()
        answers: list[Answer] = []
        texts = _texts("pg-restart", 60)
        deadline = time.monotonic() + 90

        def post_all(chunk: list[str]) -> None:
            for text in chunk:
                idem = f"faults-{uuid.uuid5(uuid.NAMESPACE_URL, text)}"
                _post_until_stored(api, key, "/api/v1/reports/", {"title": "", "text": text}, answers, deadline, idem)

        def first_id(path: str) -> int:
            payload = json.loads(_call(api, key, "GET", path).body)
            return (payload["results"] if isinstance(payload, dict) else payload)[0]["id"]

        claim, actor = first_id("/api/v1/claims/?page_size=1"), first_id("/api/v1/actors/?page_size=1")
        rows_before = {"claim": _scalar(database_url, "SELECT count(*) FROM claims_claim"),
                  "stance": _scalar(database_url, "SELECT count(*) FROM claims_stance")}  # fmt: skip

        def record_stances() -> None:  # no idempotency key: a 503 must mean nothing was stored
            for i in range(STANCES):
                body = {"claim": claim, "actor": actor, "position": "denies", "quote": f"[pg-restart stance {i}]"}
                _post_until_stored(api, key, "/api/v1/stances/", body, answers, deadline)

        stop_reading = threading.Event()

        def read_claims() -> None:
            while not stop_reading.is_set() and time.monotonic() < deadline:
                answers.append(_call(api, key, "GET", "/api/v1/claims/?page_size=5"))
                time.sleep(0.1)

        with ThreadPoolExecutor(max_workers=4) as load:
            reader = load.submit(read_claims)
            posters = [load.submit(post_all, texts[i::2]) for i in range(2)] + [load.submit(record_stances)]

            def processed() -> int:
                return _scalar(database_url, "SELECT count(*) FROM claims_report WHERE status = 'processed'")

            def in_flight() -> bool:
                return bool(_scalar(database_url, "SELECT count(*) FROM claims_report WHERE status = 'processing'"))

            floor = processed() + 15  # matching under way, the API busy: now the fault, with a report in flight
            wait_for(lambda: processed() >= floor, timeout=60, interval=0.1, what="matching under way")
            with contextlib.suppress(AssertionError):
                wait_for(in_flight, timeout=10, interval=0.005, what="a report in flight")
            with psycopg.connect(database_url, autocommit=True) as conn:
                latest = [row[0] for row in conn.execute("SELECT id FROM claims_report ORDER BY id DESC LIMIT 5")]
            own_postgres.stop("immediate")  # a crash: every connection dropped, recovery at start
            down_at = time.monotonic()
            # Matching messages that arrive during the outage (a re-sent report, beat's sweep) must be
            # retried, not lost: the worker cannot even take their lease.
            with celery_app_on(own_redis.url()):
                for report_id in latest:
                    match_report.apply_async((report_id,))
                sweep_reports.apply_async()
            time.sleep(2)  # the outage (the fault itself, not a wait for work)
            own_postgres.start()
            up_at = time.monotonic()
            for poster in posters:
                poster.result(timeout=120)
            stop_reading.set()
            reader.result(timeout=30)

        def settled() -> bool:
            sweep_reports.apply_async()  # what beat does every minute
            return not _scalar(
                database_url, "SELECT count(*) FROM claims_report WHERE status IN ('pending', 'processing')"
            )

        with celery_app_on(own_redis.url()):
            wait_for(settled, timeout=90, interval=1, what="every report processed after the restart")
        counts = json.loads(_manage(database_url, BOOKKEEP, "BOOKKEEPING"))
        stances_in = _scalar(
            database_url, "SELECT count(DISTINCT quote) FROM claims_stance WHERE quote LIKE '[pg-restart stance %'"
        )
    finally:
        api.stop()
    statuses = Counter(a.status for a in answers)
    failed = [a for a in answers if a.status not in (200, 201, 503)]
    unclean = [a for a in answers if a.status == 503 and not _clean_503(a)]
    after = sorted(a.at for a in answers if a.status in (200, 201) and a.at > up_at)
    recovered = (after[0] - up_at) if after else None
    retries = sum("match_report[" in line and "Retry in" in line for line in worker.output().splitlines())
    _report(capsys, "postgres_restart", statuses=dict(statuses), unclean_503=len(unclean),
            outage_s=round(up_at - down_at, 1), api_recovered_after_s=recovered and round(recovered, 1),
            task_retries=retries, stances_in=STANCES, stances_stored=counts["stances"] - rows_before["stance"],
            distinct_stances=stances_in, setup_s=round(seeded - started), servers_s=round(ready - seeded),
            **counts)  # fmt: skip
    assert not failed, [(a.status, a.body[:500]) for a in failed[:5]]
    assert statuses[503] >= 1  # the outage was felt...
    assert not unclean, [a.body[:500] for a in unclean[:5]]  # ...and answered cleanly
    assert recovered is not None and recovered < 10
    assert retries >= 1  # matching met the outage and was retried
    bookkeeping.assert_exactly_once(counts)
    assert counts["reports_in"] >= len(texts)
    assert counts["submissions_without_reports"] == 0
    assert counts["idempotency_keys_twice"] == 0
    # Each stance and claim exactly once: none half-written, none stored twice by a retried request.
    assert counts["stances"] - rows_before["stance"] == stances_in == STANCES
    assert counts["claims"] == rows_before["claim"]


BOOKKEEP = "from tests.integration.bookkeeping import main; main()"
STANCES = 20


def _scalar(database_url: str, sql: str) -> int:
    with psycopg.connect(database_url, autocommit=True, connect_timeout=3) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def _clean_503(answer: Answer) -> bool:
    try:
        body = json.loads(answer.body)
    except ValueError:
        return False
    return answer.content_type.startswith("application/json") and "detail" in body and "Traceback" not in answer.body
