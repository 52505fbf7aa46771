"""Measure the product on a labelled in-domain set (the contract:
``../shared/eval/domain-syria/README.md``).

    python manage.py evaluate_domain --articles A.jsonl[.gz] --claims C.jsonl --actors ACT.jsonl \\
        --labels L.tsv [--flags-out F.jsonl] [--order claims-first|reports-first] [--embeddings|--no-embeddings]

Runs the product's whole path on a scratch database of its own
(``claims.evaluation.domain``), writes the flags, and prints the figures of
the set's ``score.py`` (``claims.evaluation.metrics``), with the same names
and values, then ``seconds <wall time>``. What else is worth knowing (the
matcher's mode, how the reports ended) goes to stderr. Fails when a report
was not matched (failed, or left pending).
"""

from __future__ import annotations

import argparse
import json
import signal
import time
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.evaluation import domain, metrics
from claims.matching import semantic_available
from claims.models import Report


@contextmanager
def _sigterm_exits():
    """SIGTERM ends the run as Ctrl-C does, through the clean-ups (the scratch database is dropped)."""

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Command(BaseCommand):
    help = "Run the product on a labelled in-domain set (scratch database) and print score.py's figures."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--articles", required=True, help="articles .jsonl or .jsonl.gz")
        parser.add_argument("--claims", required=True, help="claims .jsonl")
        parser.add_argument("--actors", required=True, help="actors .jsonl")
        parser.add_argument("--labels", required=True, help="labels .tsv")
        parser.add_argument("--flags-out", help="write the flags here, one JSON object a line")
        parser.add_argument("--order", choices=domain.ORDERS, default="claims-first")
        parser.add_argument(
            "--embeddings",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="semantic scoring on/off (default: what the product uses as installed, MATCHER_EMBEDDINGS)",
        )

    def handle(self, *args, **opts):
        started = time.perf_counter()
        embeddings = opts["embeddings"]
        if embeddings and not semantic_available():
            raise CommandError("--embeddings: the semantic extra is not installed (requirements-semantic.txt)")
        try:
            data = domain.DomainSet.read(
                articles=opts["articles"], claims=opts["claims"], actors=opts["actors"], labels=opts["labels"]
            )
            with _sigterm_exits():
                outcome = domain.run(data, order=opts["order"], embeddings=embeddings)
        except domain.DomainError as exc:
            raise CommandError(str(exc)) from exc
        if opts["flags_out"]:
            with open(opts["flags_out"], "w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(flag) + "\n" for flag in outcome.flags)
        scores = metrics.score(flags=outcome.flags, labels=data.labels, claims=data.claims, articles=data.articles)
        for line in scores.lines():
            self.stdout.write(line)
        self.stdout.write(f"seconds {time.perf_counter() - started:.1f}")

        chosen = settings.MATCHER_EMBEDDINGS if embeddings is None else embeddings
        mode = "semantic" if chosen or (chosen is None and semantic_available()) else "lexical"
        ended = ", ".join(f"{n} {Report.Status(status).label}" for status, n in sorted(outcome.reports.items()))
        self.stderr.write(
            f"evaluate_domain: {opts['order']}, {mode} matcher, on the scratch database {outcome.database} "
            f"(dropped); reports: {ended or 'none'}"
        )
        for note in outcome.notes:
            self.stderr.write(f"evaluate_domain: {note}")
        unmatched = sum(n for status, n in outcome.reports.items() if status not in _MATCHED)
        if unmatched or outcome.failed_submissions:
            raise CommandError(
                f"{unmatched} report(s) not matched and {outcome.failed_submissions} submission(s) failed: "
                "the figures above are not the matcher's"
            )


# How a matched report ends: matched, or set aside for its language (a figure of its own).
_MATCHED = {Report.Status.PROCESSED, Report.Status.UNSUPPORTED_LANGUAGE}
