"""Work sent to the workers, only once the current transaction commits.

Services ask for work here; the tasks (``claims.tasks``, an entry point above
the services) do it by calling services. So that the services never import
the tasks, a task is named here by its registered name and looked up in the
Celery app's registry when sent (``claims.apps`` imports the tasks at start-up,
so every process has them; ``tests/test_dispatch.py`` checks each name).

The queue only carries ids. A message that cannot be sent (broker down) is
logged with how the work will be recovered, not raised: the row the work is
recorded in stays as it was and a sweep sends it again."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence

from celery import current_app
from django.db import transaction
from django.utils import timezone

from claims.models import Report

logger = logging.getLogger(__name__)

MATCH_REPORT = "claims.tasks.match_report"
REMATCH_CLAIM = "claims.tasks.rematch_claim"
DELIVER_WEBHOOK = "claims.tasks.deliver_webhook"


def task(name: str):
    """The registered task ``name`` (its ``apply_async`` runs it in-process
    when tasks are eager)."""
    return current_app.tasks[name]


def _after_commit(send: Callable[[list[int]], object], ids: Iterable[int]) -> None:
    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: send(ids))


def _send(name: str, ids: Iterable[int], *, recovery: str, kwargs: dict | None = None) -> list[int]:
    """Send task ``name`` for each id; returns the ids sent."""
    sent = []
    for item_id in ids:
        try:
            if kwargs:
                task(name).apply_async((item_id,), kwargs=kwargs)
            else:
                task(name).apply_async((item_id,))
        except Exception:
            logger.exception("could not enqueue %s(%s); %s", name, item_id, recovery)
            continue
        sent.append(item_id)
    return sent


# --- reports ---------------------------------------------------------------------------


def reports_match(report_ids: Iterable[int]) -> None:
    """After commit, send a matching task for each report: a rolled-back
    report is never matched. One not sent stays PENDING for the sweep."""
    _after_commit(reports_match_now, report_ids)


def reports_match_now(report_ids: Sequence[int]) -> list[int]:
    """Send a matching task for each report now (the sweep; after commit) and
    note when each was sent, so the sweep does not send it again at once."""
    sent = _send(MATCH_REPORT, report_ids, recovery="the sweep will resend it")
    if sent:
        # Queue bookkeeping, not an edit of the report: no history row.
        Report.objects.filter(pk__in=sent).update(enqueued_at=timezone.now())
    return sent


# --- claims ----------------------------------------------------------------------------


REMATCH_RECOVERY = "re-save the claim or use the admin's archive re-match action"


def claims_rematch(claim_ids: Iterable[int]) -> None:
    """After commit, send the archive re-match of each claim (``services.rematch``)."""
    _after_commit(lambda ids: _send(REMATCH_CLAIM, ids, recovery=REMATCH_RECOVERY), claim_ids)


def claim_rematch_continue(claim_id: int, *, start: int) -> None:
    """After commit, send the rest of one claim's archive re-match, from its
    candidate number ``start``: a run that reached its time budget (to the
    back of the archive queue)."""
    send = functools.partial(_send, REMATCH_CLAIM, recovery=REMATCH_RECOVERY, kwargs={"start": start})
    _after_commit(send, [claim_id])


# --- webhooks --------------------------------------------------------------------------


def webhook_deliveries_send(delivery_ids: Iterable[int], *, replay: bool = False) -> None:
    """After commit, send a delivery task for each id. One not sent stays
    PENDING for the webhook sweep, or a replay."""
    recovery = "the webhook sweep will resend it"
    kwargs = {"replay": True} if replay else None
    _after_commit(lambda ids: _send(DELIVER_WEBHOOK, ids, recovery=recovery, kwargs=kwargs), delivery_ids)
