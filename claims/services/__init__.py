"""Writes. Every change to the record goes through one of these functions,
whether it comes from the admin, the API, a task or a management command.
Each runs in one transaction and leaves a history record naming the user.

The package is split by subject; callers use the names re-exported here
(``from claims import services; services.report_submit(...)``), and the
workers' and webhooks' machinery by module (``services.report_matching``):

- ``record``: actors, incidents, claims, aliases, stances, evidence, and the review of stances, evidence and flags;
- ``rows``: rows saved or deleted as a form edited them (the admin), with each kind's side effects;
- ``follows``: a team following a claim;
- ``reports``: submissions, reports, their retry, feeds;
- ``report_matching``: a report's matching bookkeeping (lease, progress, flags);
- ``suggestions``: stances suggested from a flag's passages, and their acceptance or rejection;
- ``rematch``: the archive of past reports matched against one claim;
- ``webhooks``: registering webhooks, recording and attempting deliveries;
- ``api_keys``: issuing, checking and revoking API keys;
- ``matcher_index``: the index version every worker rebuilds on;
- ``dispatch``: work sent to the workers after commit;
- ``history``, ``workers``: history rows for conditional updates; heartbeats.
"""

from claims.services.follows import follow_add, follow_remove
from claims.services.record import (
    actor_alias_add,
    actor_create,
    claim_create,
    evidence_add,
    evidence_file_prepare,
    evidence_review,
    flag_review,
    flags_review,
    incident_create,
    stance_record,
    stances_review,
)
from claims.services.reports import (
    IdempotencyConflict,
    ReportDraft,
    Submitted,
    feed_poll,
    report_store,
    report_submit,
    source_for_outlet,
    submission_create,
    submission_retry,
)
from claims.services.rows import row_delete, row_save, rows_delete
from claims.services.suggestions import suggestion_accept, suggestion_reject

__all__ = [
    "IdempotencyConflict",
    "ReportDraft",
    "Submitted",
    "actor_alias_add",
    "actor_create",
    "claim_create",
    "evidence_add",
    "evidence_file_prepare",
    "evidence_review",
    "feed_poll",
    "flag_review",
    "flags_review",
    "follow_add",
    "follow_remove",
    "incident_create",
    "report_store",
    "report_submit",
    "row_delete",
    "row_save",
    "rows_delete",
    "source_for_outlet",
    "stance_record",
    "stances_review",
    "submission_create",
    "submission_retry",
    "suggestion_accept",
    "suggestion_reject",
]
