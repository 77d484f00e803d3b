"""On PostgreSQL, a trigram GIN index serves the substring search of message text.

Chinese has no spaces between words, so search is "contains", which a B-tree cannot serve.
Django's icontains is UPPER(body) LIKE UPPER(%s): the index is on UPPER(body) to match it. SQLite
has no pg_trgm; there the same query scans, which is fine at its scale."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS messaging_message_body_trgm
    ON messaging_message USING gin (UPPER(body) gin_trgm_ops);
"""

DROP = "DROP INDEX IF EXISTS messaging_message_body_trgm;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
