"""A Celery app for fault tests: the project's app, with the matcher wrapped
so that a report whose text contains ``POISON_MARKER`` kills the process
matching it (SIGKILL of itself, as a parser crash or the OOM killer would).

Started as ``celery -A tests.integration.faulty_worker worker``; the product
code has no hook for this. Pool children are forked after this import, so
they inherit the wrapper."""

import os
import signal

import django

from tracker.celery import app

django.setup()  # before the models are imported; Celery's own setup later is a no-op

from claims import matcher_runtime  # noqa: E402

__all__ = ["app"]

POISON_MARKER = "POISON-9f3c"

_match_report = matcher_runtime.match_report


def _crashing_match_report(report, **options):
    if POISON_MARKER in report.text:
        os.kill(os.getpid(), signal.SIGKILL)
    return _match_report(report, **options)


matcher_runtime.match_report = _crashing_match_report
