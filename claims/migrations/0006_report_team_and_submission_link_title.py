"""Who reads a report is decided by the team whose submission stored it
(``Report.team``), no longer by every submission linked to it; the link
between a submission and a report keeps the title that submission gave.

The many-to-many table Django created is kept as the explicit model's table
(its columns are the same); the title column is added to it. Existing
reports take the team of their first linked submission, and that link the
report's title."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

TEAM_HELP = (
    "The team whose submission stored it: a fact-checking team's report is read by that team and researchers only. "
    "Empty (no team) or the research team: every team reads it."
)


def first_submission_stored_it(apps, schema_editor):
    Report = apps.get_model("claims", "Report")
    Link = apps.get_model("claims", "SubmissionReport")
    first = Link.objects.filter(report=OuterRef("pk")).order_by("id")
    Report.objects.update(team=Subquery(first.values("submission__team")[:1]))
    first_links = Report.objects.annotate(link=Subquery(first.values("id")[:1])).values("link")
    Link.objects.filter(id__in=first_links).update(
        title=Subquery(Report.objects.filter(pk=OuterRef("report")).values("title")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0005_webhook_delivery_next_attempt_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalreport",
            name="team",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text=TEAM_HELP,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="claims.team",
            ),
        ),
        migrations.AddField(
            model_name="report",
            name="team",
            field=models.ForeignKey(
                blank=True,
                help_text=TEAM_HELP,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="claims.team",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SubmissionReport",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        (
                            "report",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="submission_links",
                                to="claims.report",
                            ),
                        ),
                        (
                            "submission",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="report_links",
                                to="claims.submission",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "claims_submission_reports",
                        "unique_together": {("submission", "report")},
                    },
                ),
                migrations.AlterField(
                    model_name="submission",
                    name="reports",
                    field=models.ManyToManyField(
                        blank=True, related_name="submissions", through="claims.SubmissionReport", to="claims.report"
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="submissionreport",
            name="title",
            field=models.CharField(blank=True, default="", max_length=500),
            preserve_default=False,
        ),
        migrations.RunPython(first_submission_stored_it, migrations.RunPython.noop),
    ]
