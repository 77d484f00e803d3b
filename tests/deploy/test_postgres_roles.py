"""deploy/postgres-init.sh: the portal's processes write rows but cannot undo the audit trail.

The script runs against a scratch database with the real append-only trigger of
core.0004_audit_append_only on a stand-in audit table, then the application role tries what
an attacker with the web process's credentials would try.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

pytestmark = pytest.mark.postgres

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "postgres-init.sh"
AUDIT_TRIGGER = importlib.import_module("portal.core.migrations.0004_audit_append_only").CREATE


def server() -> dict[str, str]:
    settings = connection.settings_dict
    return {
        "host": settings["HOST"] or "127.0.0.1",
        "port": str(settings["PORT"] or 5432),
        "user": settings["USER"] or "postgres",
        "password": settings["PASSWORD"] or "",
    }


@pytest.fixture
def scratch(require_tool) -> Iterator[dict[str, str]]:
    """A new database with a stand-in audit table, set up by deploy/postgres-init.sh."""
    psql = require_tool("psql")
    conn = server()
    suffix = uuid.uuid4().hex[:10]
    dbname, app_user = f"roles_{suffix}", f"portal_app_{suffix}"
    admin = psycopg.connect(dbname="postgres", autocommit=True, **conn)
    admin.execute(f'CREATE DATABASE "{dbname}"')
    try:
        with psycopg.connect(dbname=dbname, autocommit=True, **conn) as owner:
            owner.execute("CREATE TABLE core_auditevent (id bigserial PRIMARY KEY, note text)")
            owner.execute(AUDIT_TRIGGER)
        env = {
            **os.environ,
            "PATH": f"{Path(psql).parent}:{os.environ.get('PATH', '')}",
            "PGHOST": conn["host"],
            "PGPORT": conn["port"],
            "PGPASSWORD": conn["password"],
            "POSTGRES_USER": conn["user"],
            "POSTGRES_DB": dbname,
            "POSTGRES_APP_PASSWORD": "app-secret",
            "PORTAL_APP_USER": app_user,
        }
        for _ in range(2):  # the second run proves it can be re-run on an existing database
            result = subprocess.run(
                ["sh", str(SCRIPT)], env=env, capture_output=True, text=True, check=False
            )
            assert result.returncode == 0, result.stderr
        yield {**conn, "dbname": dbname, "user": app_user, "password": "app-secret"}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        admin.execute(f'DROP ROLE IF EXISTS "{app_user}"')
        admin.close()


def refused(app: psycopg.Connection, sql: str) -> str:
    with pytest.raises(psycopg.Error) as error, app.transaction():
        app.execute(sql)
    return str(error.value)


def test_the_application_role_writes_audit_rows(scratch):
    with psycopg.connect(autocommit=True, **scratch) as app:
        app.execute("INSERT INTO core_auditevent (note) VALUES ('case.create')")
        assert app.execute("SELECT count(*) FROM core_auditevent").fetchone() == (1,)


def test_the_application_role_cannot_change_or_remove_audit_rows(scratch):
    with psycopg.connect(autocommit=True, **scratch) as app:
        app.execute("INSERT INTO core_auditevent (note) VALUES ('case.create')")
        assert "append-only" in refused(app, "UPDATE core_auditevent SET note = 'forged'")
        assert "append-only" in refused(app, "DELETE FROM core_auditevent")
        assert "permission denied" in refused(app, "TRUNCATE core_auditevent")
        assert "must be owner" in refused(
            app, "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
        )
        assert "must be owner" in refused(app, "DROP TABLE core_auditevent")
        assert app.execute("SELECT note FROM core_auditevent").fetchall() == [("case.create",)]


def test_the_application_role_gets_tables_that_later_migrations_create(scratch):
    owner = {**scratch, "user": server()["user"], "password": server()["password"]}
    with psycopg.connect(autocommit=True, **owner) as conn:
        conn.execute("CREATE TABLE cases_case (id bigserial PRIMARY KEY, number text)")
    with psycopg.connect(autocommit=True, **scratch) as app:
        app.execute("INSERT INTO cases_case (number) VALUES ('2026-1')")
        app.execute("UPDATE cases_case SET number = '2026-2'")
        assert app.execute("SELECT number FROM cases_case").fetchall() == [("2026-2",)]
        assert "must be owner" in refused(app, "DROP TABLE cases_case")
