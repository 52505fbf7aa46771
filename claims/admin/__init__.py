"""The researchers' admin: the record's curation screens.

Thin by design: every changelist joins or annotates what its columns show (no
N+1), foreign keys use autocomplete, and every write goes through a service
(``WritesThroughServices``: new stances, evidence, aliases, reports and keys
through their own; rows edited whole through ``services.rows``; reviews of
flags and team submissions). Every page has a history view
(django-simple-history); a claim's history also lists the changes made to its
stances and evidence (``selectors.history``).

Split by subject; importing the package registers every page on the site
(``claims.admin_site.TrackerAdminSite``, installed by ``claims.apps.TrackerAdminConfig``).
"""

from claims.admin import access, bookkeeping, record, reports, review

__all__ = ["access", "bookkeeping", "record", "reports", "review"]
