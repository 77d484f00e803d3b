"""On SQLite (the embedded default) too, the audit table refuses UPDATE and DELETE: triggers
like PostgreSQL's (0004). A statement is let through only while `portal_audit_unlocked()`
answers 1 on that connection (portal.core.audit_lock: never in the portal; the test suite's
emptying of every table between tests). A connection that has not registered the function
(the sqlite3 shell) fails on it, which refuses the change too."""

from django.db import migrations

TRIGGERS = {
    "UPDATE": "core_auditevent_no_update",
    "DELETE": "core_auditevent_no_delete",
}

CREATE = """
CREATE TRIGGER IF NOT EXISTS {name} BEFORE {operation} ON core_auditevent
WHEN portal_audit_unlocked() = 0
BEGIN
    SELECT RAISE(ABORT, 'core_auditevent is append-only: {operation} refused');
END;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for operation, name in TRIGGERS.items():
        schema_editor.execute(CREATE.format(name=name, operation=operation), params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in TRIGGERS.values():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};", params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_agency_mediation_statement_number_format")]
    operations = [migrations.RunPython(create, drop)]
