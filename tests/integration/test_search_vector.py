"""PostgreSQL keeps each report's search vector with a trigger (migration 0003)."""

import pytest
from django.contrib.postgres.search import SearchQuery

from claims import services
from claims.models import Report, Submission

pytestmark = pytest.mark.integration


def test_trigger_fills_and_refreshes_the_search_vector():
    submission = services.submission_create(channel=Submission.Channel.API, raw=b"x")
    report, _ = services.report_store(submission=submission, title="t", text="Helicopters dropped chlorine barrels.")
    assert Report.objects.filter(pk=report.pk, search_vector=SearchQuery("chlorine", config="english")).exists()
    report.text = "Sarin was found in the samples."
    report.save()
    assert not Report.objects.filter(pk=report.pk, search_vector=SearchQuery("chlorine", config="english")).exists()
    assert Report.objects.filter(pk=report.pk, search_vector=SearchQuery("sarin", config="english")).exists()
    # Status bookkeeping does not touch the text, nor the vector.
    Report.objects.filter(pk=report.pk).update(status=Report.Status.PROCESSED)
    assert Report.objects.filter(pk=report.pk, search_vector=SearchQuery("sarin", config="english")).exists()
