"""The link between a submission and a report keeps everything that
submission gave the report (its url, symbol, source, date, and when), not
only its title: a team that reaches a report through its own submission of a
text another team stored privately is shown the report as it sent it.

Existing links: the storing one (the first) takes the report's metadata and
creation time; a later one the time and url of its submission, and, where
0006 left it no title, the first sentence of the text (a fresh submission of
it without a title gets that). A cited report (no text) is found by its
outlet and title, so every link of one gave those."""

import re

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

PRECISIONS = [("day", "day"), ("month", "month"), ("year", "year"), ("approx", "approximate")]


def _first_sentence(text):
    # As claims.ingest.split.derive_title did when this migration was written.
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    return sentence if len(sentence) <= 120 else sentence[:117].rsplit(" ", 1)[0] + "…"


def what_each_submission_gave(apps, schema_editor):
    Link = apps.get_model("claims", "SubmissionReport")
    links = Link.objects.select_related("report", "submission").order_by("report_id", "pk")
    batch, report_seen = [], None
    for link in links.iterator(chunk_size=500):
        report, storing = link.report, link.report_id != report_seen
        report_seen = link.report_id
        link.created_at = report.created_at if storing else link.submission.created_at
        if storing or not report.text:
            link.title = link.title or report.title
            link.source_id = report.source_id
        if storing:
            link.url, link.document_symbol = report.url, report.document_symbol
            link.published_on, link.published_precision = report.published_on, report.published_precision
        else:
            link.url = link.submission.url
            link.title = link.title or _first_sentence(report.text)[:500]
        batch.append(link)
        if len(batch) == 500:
            Link.objects.bulk_update(batch, FIELDS)
            batch = []
    Link.objects.bulk_update(batch, FIELDS)


FIELDS = ["created_at", "title", "source", "url", "document_symbol", "published_on", "published_precision"]


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_report_match_progress"),
    ]

    operations = [
        migrations.AddField(
            model_name="submissionreport",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="submissionreport",
            name="document_symbol",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="submissionreport",
            name="published_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="submissionreport",
            name="published_precision",
            field=models.CharField(choices=PRECISIONS, default="day", max_length=8),
        ),
        migrations.AddField(
            model_name="submissionreport",
            name="source",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="claims.source",
            ),
        ),
        migrations.AddField(
            model_name="submissionreport",
            name="url",
            field=models.URLField(blank=True, max_length=2000),
        ),
        migrations.RunPython(what_each_submission_gave, migrations.RunPython.noop),
    ]
