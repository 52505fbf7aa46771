"""A stored tsvector of each report's text, kept by a trigger (so bulk loads
with COPY fill it too) and indexed with GIN, replacing the expression index of
0002: ranking the archive for a claim then reads the stored vectors instead of
parsing every matching report's text again. PostgreSQL only; on SQLite the
column exists and stays empty."""

import django.contrib.postgres.search
from django.db import migrations

CREATE = [
    """
    CREATE OR REPLACE FUNCTION claims_report_search_vector() RETURNS trigger AS $$
    BEGIN
        NEW.search_vector := to_tsvector('english'::regconfig, COALESCE(NEW.text, ''));
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER claims_report_search_vector_update
    BEFORE INSERT OR UPDATE OF text ON claims_report
    FOR EACH ROW EXECUTE FUNCTION claims_report_search_vector()
    """,
    "UPDATE claims_report SET search_vector = to_tsvector('english'::regconfig, COALESCE(text, ''))",
    "CREATE INDEX IF NOT EXISTS report_search_vector ON claims_report USING gin (search_vector)",
    "DROP INDEX IF EXISTS report_text_search",
]
DROP = [
    "DROP INDEX IF EXISTS report_search_vector",
    "DROP TRIGGER IF EXISTS claims_report_search_vector_update ON claims_report",
    "DROP FUNCTION IF EXISTS claims_report_search_vector()",
    "CREATE INDEX IF NOT EXISTS report_text_search ON claims_report "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_report_text_search_index")]

    operations = [
        migrations.AddField(
            model_name="report",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
