"""Benchmark: matching one new claim against the archive of reports (1M from
bench/generate.py), as the ``archive`` queue's task does.

    .venv/bin/python bench/bench_archive_rematch.py \\
        [--database-url postgres://postgres@127.0.0.1:5432/tracker_bench] [--claims 5] [--explain]

Adds ``--claims`` new claims (sentences from the generator's vocabulary),
bumps the claim index version and builds the matcher once (timed separately:
a worker rebuilds it after a claim edit), then times
``claims.services.rematch.claim_rematch(claim_id=...)`` for each new claim, with the
full-text candidate retrieval (``claims.services.rematch.report_candidates``, called
inside it) timed on its own. ``--explain`` prints EXPLAIN (ANALYZE, BUFFERS)
of the candidate query for the first claim on stderr. The new claims and
their flags are deleted at the end. Prints one line: median and max seconds
per claim, and the candidate retrieval's share.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tracker_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--claims", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--world-seed", type=int, default=1, help="the --seed the database was generated with")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    if "bench" not in urlsplit(args.database_url).path:
        parser.error("the database name must contain 'bench' (this benchmark writes claims)")
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
            "MATCHER_EMBEDDINGS": os.environ.get("MATCHER_EMBEDDINGS", "false"),
            "HF_HUB_OFFLINE": "1",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

    import django

    django.setup()
    from django.db import connection
    from generate import World

    from claims import matcher_runtime
    from claims.models import Actor, Claim, Flag, Report
    from claims.services import matcher_index, rematch

    reports_total = Report.objects.count()
    world = World(args.world_seed)
    rows = world.claims(args.claims, seed=args.seed)
    actor_ids = {
        a.name: a.id for a in Actor.objects.filter(name__in=[world.name[r.perpetrator] for r in rows if r.perpetrator])
    }
    new_claims = [
        Claim.objects.create(
            title=row.title,
            text=row.text,
            kind=row.kind,
            alleged_perpetrator_id=actor_ids.get(world.name[row.perpetrator]) if row.perpetrator else None,
            status=Claim.Status.PUBLISHED,
        )
        for row in rows
        if not row.perpetrator or world.name[row.perpetrator] in actor_ids
    ]
    try:
        matcher_index.index_bump()
        started = time.perf_counter()
        matcher_runtime.current_matcher()
        build_seconds = time.perf_counter() - started

        candidate_seconds: list[float] = []
        original = rematch.report_candidates

        def timed_candidates(claim, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(claim, **kwargs)
            finally:
                candidate_seconds.append(time.perf_counter() - t0)

        rematch.report_candidates = timed_candidates
        totals, results = [], []
        for claim in new_claims:
            t0 = time.perf_counter()
            results.append(rematch.claim_rematch(claim_id=claim.pk))
            totals.append(time.perf_counter() - t0)
            print(
                f"claim {claim.pk} {claim.text!r}: {totals[-1]:.2f}s, candidates {candidate_seconds[-1]:.2f}s, "
                f"{results[-1]}",
                file=sys.stderr,
            )
        rematch.report_candidates = original

        if args.explain:
            captured: list[tuple[str, tuple]] = []

            class Captured(Exception):
                pass

            def capture(execute, sql, params, many, context):
                # Only the candidate query's text is wanted: stop before running it.
                if "to_tsvector" in sql:
                    captured.append((sql, params))
                    raise Captured
                return execute(sql, params, many, context)

            with connection.execute_wrapper(capture), contextlib.suppress(Captured):
                original(new_claims[0])
            sql, params = captured[-1]
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"candidate query for claim {new_claims[0].pk}:\n{sql % tuple(params)}\n{plan}", file=sys.stderr)
    finally:
        Flag.objects.filter(claim__in=new_claims).delete()
        Claim.objects.filter(pk__in=[c.pk for c in new_claims]).delete()
        matcher_index.index_bump()

    print(
        f"bench_archive_rematch: {len(totals)} new claims against {reports_total} reports: "
        f"median {statistics.median(totals):.1f}s max {max(totals):.1f}s per claim (target < 60s); "
        f"candidate retrieval median {statistics.median(candidate_seconds):.1f}s max {max(candidate_seconds):.1f}s; "
        f"candidates/claim {statistics.mean(r['candidates'] for r in results):.0f}, "
        f"flagged/claim {statistics.mean(r['flagged'] for r in results):.1f}; matcher build {build_seconds:.1f}s"
    )


if __name__ == "__main__":
    main()
