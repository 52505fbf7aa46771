"""Benchmark: time from report creation to flags visible, with a real Celery
worker on Redis and PostgreSQL, against the claims in the benchmark database
(100k from bench/generate.py).

    .venv/bin/python bench/bench_flag_latency.py \\
        [--database-url postgres://postgres@127.0.0.1:5432/tracker_bench] \\
        [--broker-url redis://127.0.0.1:6379/14] [--reports 50] [--words 1000] [--embeddings]

Starts ``celery -A tracker worker -Q reports,archive -c 1`` on that database
and broker, submits one warm-up report (the worker's first task builds the
claim index: timed and reported separately, not counted), then submits
``--reports`` reports of about ``--words`` words one at a time through
``claims.services.report_submit`` (as the API does) and polls until each
is PROCESSED. Latency is the report's ``created_at`` to its ``processed_at``
(both written by the database clients on this machine); the flags are stored
in the same transaction as ``processed_at``. The reports it created are
deleted at the end. Prints one line: p50, p95 and max latency, the index
build time and flags per report.

With ``--embeddings`` the worker runs with MATCHER_EMBEDDINGS=true; its
first task also encodes every claim not yet in the embedding cache, so the
worker gets long time limits for that run (see the printed build time).
Encoding 100k claims takes about half an hour on two cores: for a latency
figure alone, ``--random-claim-vectors`` first stores a random unit vector
for each uncached claim (the cosines are then meaningless, the work per
report is the same; run ``manage.py encode_claims`` after, on a database
that is to be used for more than this, having deleted those rows).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tracker_bench"
DEFAULT_BROKER = "redis://127.0.0.1:6379/14"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER)
    parser.add_argument("--reports", type=int, default=50)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--embeddings", action="store_true", help="MATCHER_EMBEDDINGS=true in the worker")
    parser.add_argument(
        "--random-claim-vectors",
        action="store_true",
        help="store random vectors for uncached claims instead of encoding them (latency only)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warmup-timeout", type=float, default=3600)
    parser.add_argument("--timeout", type=float, default=120, help="per report")
    args = parser.parse_args()
    if "bench" not in urlsplit(args.database_url).path:
        parser.error("the database name must contain 'bench' (this benchmark writes reports)")
    return args


def configure(args: argparse.Namespace, media: str) -> dict[str, str]:
    """The environment shared by this process (set before Django loads its
    settings, so the producer sends to the benchmark broker) and the worker."""
    env = {
        "DATABASE_URL": args.database_url,
        "CELERY_BROKER_URL": args.broker_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
        "PRIVATE_MEDIA_ROOT": media,
        "CONN_MAX_AGE": "0",
        "HF_HUB_OFFLINE": "1",
        "MATCHER_EMBEDDINGS": "true" if args.embeddings else "false",
        "LOG_LEVEL": "INFO",
    }
    if args.embeddings:
        # The first task encodes every uncached claim: far beyond the default limits.
        env |= {"CELERY_TASK_SOFT_TIME_LIMIT": "3500", "CELERY_TASK_TIME_LIMIT": "3600"}
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    return env


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "celery", "-A", "tracker", "worker", "-Q", "reports,archive", "-c", "1",
        "--pool", "prefork", "--hostname", f"bench-{uuid.uuid4().hex[:8]}@%h", "--without-gossip",
        "--without-mingle", "--loglevel", "INFO",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if b" ready." in log.read_bytes():
            return process
        if process.poll() is not None:
            break
        time.sleep(0.2)
    stop_worker(process)
    sys.exit(f"the worker did not start:\n{log.read_text(errors='replace')[-3000:]}")


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def store_random_claim_vectors(seed: int) -> int:
    """A random unit vector for each claim without a cached embedding, stored
    under its real content hash, so the worker does not encode it."""
    import numpy as np

    from claims.matcher_runtime import claim_docs
    from claims.matching import MODEL_NAME, claim_content_hash
    from claims.matching.embeddings import DIMENSIONS
    from claims.models import ClaimEmbedding

    cached = set(ClaimEmbedding.objects.filter(model_name=MODEL_NAME).values_list("claim_id", flat=True))
    docs = [d for d in claim_docs() if d.id not in cached]
    vectors = np.random.default_rng(seed).standard_normal((len(docs), DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ClaimEmbedding.objects.filter(claim_id__in=[d.id for d in docs]).delete()  # stale hashes of other models
    ClaimEmbedding.objects.bulk_create(
        [
            ClaimEmbedding(claim_id=d.id, content_hash=claim_content_hash(d), model_name=MODEL_NAME, vector=v.tobytes())
            for d, v in zip(docs, vectors, strict=True)
        ],
        batch_size=5000,
    )
    return len(docs)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    args = parse_args()
    media = tempfile.mkdtemp(prefix="bench-media-")
    env = configure(args, media)

    import django

    django.setup()
    from django.db import connection
    from generate import World, report_text

    from claims.models import Claim, Flag, Report, Submission
    from claims.services import report_submit
    from tracker.celery import app

    claims_total = Claim.objects.count()
    if args.random_claim_vectors:
        print(f"stored random vectors for {store_random_claim_vectors(args.seed)} uncached claims", file=sys.stderr)
    sample = list(Claim.objects.order_by("?").values_list("id", "text")[: args.reports + 1])
    if not sample:
        sys.exit("no claims in the benchmark database: run bench/generate.py first")
    rng = random.Random(args.seed)
    world = World(args.seed)
    pool = world.filler_pool(20_000, args.seed)
    run_tag = uuid.uuid4().hex[:8]

    def make_text(claim_text: str) -> str:
        body = report_text(rng, world, pool, [], args.words - len(claim_text.split()))
        paragraphs = body.split("\n\n")
        paragraphs.insert(rng.randint(1, len(paragraphs)), claim_text)
        return "\n\n".join(paragraphs) + f"\n\n(Bench run {run_tag}.)"

    def submit_and_wait(text: str, timeout: float) -> tuple[Report, int]:
        submission = report_submit(
            channel=Submission.Channel.API,
            user=None,
            team=None,
            raw=text.encode(),
            filename="report.txt",
            content_type="text/plain",
        ).submission
        created.append(submission.pk)
        report = submission.reports.get()
        # The worker may already have taken it (the task is sent on commit).
        if report.status not in (Report.Status.PENDING, Report.Status.PROCESSING, Report.Status.PROCESSED):
            sys.exit(f"report {report.pk} was not queued for matching: {report.status}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            report.refresh_from_db(fields=["status", "processed_at", "last_error", "attempts"])
            if report.status == Report.Status.PROCESSED:
                return report, Flag.objects.filter(report=report).count()
            if report.status == Report.Status.FAILED:
                sys.exit(f"report {report.pk} failed: {report.last_error[-2000:]}")
            time.sleep(0.02)
        sys.exit(f"report {report.pk} not processed after {timeout:.0f}s ({report.status}, {report.last_error[-500:]})")

    app.control.purge()  # leftovers of an interrupted run, on the benchmark broker only
    log = Path(tempfile.mkstemp(prefix="bench-worker-", suffix=".log")[1])
    created: list[int] = []
    worker = start_worker(env, log)
    try:
        warm, _ = submit_and_wait(make_text(sample[0][1]), args.warmup_timeout)
        build_seconds = (warm.processed_at - warm.created_at).total_seconds()
        latencies, flags = [], []
        for _, claim_text in sample[1 : args.reports + 1]:
            report, n_flags = submit_and_wait(make_text(claim_text), args.timeout)
            latencies.append((report.processed_at - report.created_at).total_seconds())
            flags.append(n_flags)
            connection.close()  # each report as a fresh client would
    finally:
        stop_worker(worker)
        reports = Report.objects.filter(submissions__in=created)
        Flag.objects.filter(report__in=reports).delete()
        report_ids = list(reports.values_list("pk", flat=True))
        Submission.objects.filter(pk__in=created).delete()
        Report.objects.filter(pk__in=report_ids).delete()

    mode = "embeddings" if args.embeddings else "lexical"
    print(
        f"bench_flag_latency: {mode}, {claims_total} claims, {len(latencies)} reports of ~{args.words} words, "
        f"1 worker process: creation->processed p50 {statistics.median(latencies):.2f}s "
        f"p95 {percentile(latencies, 0.95):.2f}s max {max(latencies):.2f}s (target p95 < 2s); "
        f"warm-up (index build + first report) {build_seconds:.1f}s; flags/report {statistics.mean(flags):.1f}"
    )


if __name__ == "__main__":
    main()
