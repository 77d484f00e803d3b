"""Start-up checks of the deployment (`manage.py check --deploy`, and every web and socket
process as it starts in production: config/wsgi.py, config/asgi.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.db import DatabaseError, connection

DATABASE_ROLE = "portal_database_role"


@register(DATABASE_ROLE, deploy=True)
def app_does_not_own_its_tables(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """On PostgreSQL the processes connect as a role that owns no table (portal_app), so they
    cannot drop the audit trigger, alter or truncate a table; only `migrate` connects as the
    owner, and says so (PORTAL_SCHEMA_OWNER=1)."""
    if connection.vendor != "postgresql" or getattr(settings, "PORTAL_SCHEMA_OWNER", False):
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
                "AND tableowner = current_user"
            )
            owned = cursor.fetchone()[0]
    except DatabaseError as exc:  # the database is away: this is no reason not to start
        return [Warning(f"The database role could not be checked: {exc}", id="portal.W001")]
    if not owned:
        return []
    return [
        Error(
            f"The portal connects to PostgreSQL as the owner of {owned} of its tables.",
            hint="Connect as the application role (portal_app, deploy/postgres-init.sh); "
            "only `migrate` connects as the owner, with PORTAL_SCHEMA_OWNER=1.",
            id="portal.E001",
        )
    ]


def fail_on_deployment_errors() -> None:
    """Run the deployment's own checks as a process starts; refuse to start on an error."""
    from django.core import checks
    from django.core.exceptions import ImproperlyConfigured

    errors = [
        message
        for message in checks.run_checks(include_deployment_checks=True, tags=[DATABASE_ROLE])
        if message.is_serious()
    ]
    connection.close()  # opened for the check, in the thread that imports the application
    if errors:
        raise ImproperlyConfigured("; ".join(str(error) for error in errors))
