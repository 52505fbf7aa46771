"""Worker bookkeeping: the heartbeat each queue's workers record (``/healthz``)."""

from __future__ import annotations

from django.utils import timezone

from claims.models import WorkerHeartbeat


def heartbeat_record(*, queue: str, hostname: str) -> None:
    """A worker consuming ``queue`` is alive now. Bookkeeping, not the record:
    one row per queue, overwritten, no history."""
    WorkerHeartbeat.objects.update_or_create(queue=queue, defaults={"beat_at": timezone.now(), "hostname": hostname})
