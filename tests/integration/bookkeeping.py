"""Queue-checker bookkeeping for the fault tests: what went in must come out,
exactly once. Runs in the test process or, for a database of its own, in a
``manage.py shell`` against it (``python manage.py shell -c "from
tests.integration.bookkeeping import main; main()"`` prints one JSON line)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.conf import settings


def count(ids: Iterable[int] | None = None) -> dict[str, int]:
    """Reports in (``ids``, or every report with text), processed, and their
    flags against the matcher's proposals for the same reports computed here,
    in-process: none missing, none extra, none twice; no flag on a report
    that is not processed (a half-written result)."""
    from claims import matcher_runtime
    from claims.models import Flag, Report

    reports_qs = Report.objects.exclude(status=Report.Status.CITED)
    if ids is not None:
        reports_qs = reports_qs.filter(pk__in=list(ids))
    reports = list(reports_qs)
    ids = [r.pk for r in reports]
    settings.MATCHER_EMBEDDINGS = False
    matcher = matcher_runtime.build()
    expected = {(r.pk, p.claim_id, p.tier) for r in reports for p in matcher_runtime.report_proposals(matcher, r)}
    flags = Flag.objects.filter(report_id__in=ids)
    rows = list(flags.values_list("report_id", "claim_id", "tier"))
    stored = set(rows)
    processed = sum(r.status == Report.Status.PROCESSED for r in reports)
    return {
        "reports_in": len(ids),
        "processed": processed,
        "lost": len(ids) - processed,
        "flags": len(rows),
        "expected_flags": len(expected),
        "duplicates": len(rows) - len({(r, c) for r, c, _ in rows}),
        "missing_flags": len(expected - stored),
        "extra_flags": len(stored - expected),
        "flags_on_unprocessed": flags.exclude(report__status=Report.Status.PROCESSED).count(),
        "retried": sum(r.attempts > 1 for r in reports),
    }


def assert_exactly_once(counts: dict[str, int]) -> None:
    assert counts["processed"] == counts["reports_in"], counts
    assert counts["lost"] == 0, counts
    assert counts["duplicates"] == 0, counts
    assert counts["missing_flags"] == 0 and counts["extra_flags"] == 0, counts
    assert counts["flags"] == counts["expected_flags"], counts
    assert counts["flags_on_unprocessed"] == 0, counts


def main() -> None:
    """Every report of the database, plus the rows a half-written request or
    task could leave: submissions without reports, claims and stances."""
    from claims.models import Claim, Stance, Submission

    counts = count()
    counts["submissions"] = Submission.objects.count()
    counts["submissions_without_reports"] = Submission.objects.filter(reports__isnull=True).count()
    counts["claims"] = Claim.objects.count()
    counts["stances"] = Stance.objects.count()
    counts["idempotency_keys_twice"] = (
        Submission.objects.exclude(idempotency_key=None).count()
        - Submission.objects.exclude(idempotency_key=None).values("team", "idempotency_key").distinct().count()
    )
    print("BOOKKEEPING=" + json.dumps(counts), flush=True)
