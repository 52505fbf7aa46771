"""Full-text index over report text, for matching a new claim against the
archive (claims.rematch). PostgreSQL only; SQLite scans instead."""

from django.db import migrations

INDEX = "report_text_search"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON claims_report "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial_record")]

    operations = [migrations.RunPython(create_index, drop_index)]
