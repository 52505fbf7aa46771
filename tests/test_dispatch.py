"""Services send work by task name (claims.services.dispatch), so they never
import the tasks: each name must be a registered task, and work is sent only
once the transaction commits."""

import pytest
from celery import current_app
from django.db import transaction

from claims import tasks
from claims.services import dispatch


@pytest.mark.parametrize("name", [dispatch.MATCH_REPORT, dispatch.REMATCH_CLAIM, dispatch.DELIVER_WEBHOOK])
def test_every_task_dispatch_names_is_registered(name):
    assert name in current_app.tasks
    assert dispatch.task(name).run is getattr(tasks, name.rsplit(".", 1)[1]).run


@pytest.mark.django_db
def test_nothing_is_sent_before_commit_or_after_a_rollback(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(tasks.match_report, "apply_async", lambda args, **kw: sent.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            dispatch.reports_match([1])
            raise RuntimeError
        assert callbacks == [] and sent == []
        dispatch.reports_match([2])
        assert sent == []
    assert sent == [2]
