#!/bin/sh
# Creates the role the portal's processes connect as. The postgres image runs this once, when
# the database volume is initialised (/docker-entrypoint-initdb.d); it can be re-run by hand.
#
# POSTGRES_USER owns the schema and runs the migrations (the `migrate` service). The web, ws,
# worker and beat services connect as PORTAL_APP_USER, which may read and write rows but owns
# nothing: it cannot TRUNCATE, ALTER or DROP a table, nor disable the trigger that keeps the
# audit table append-only (core.0004_audit_append_only).
set -eu

: "${POSTGRES_APP_PASSWORD:?set POSTGRES_APP_PASSWORD}"
app_user="${PORTAL_APP_USER:-portal_app}"

psql -v ON_ERROR_STOP=1 \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_user="$app_user" -v app_password="$POSTGRES_APP_PASSWORD" \
  -v owner="$POSTGRES_USER" -v dbname="$POSTGRES_DB" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app_user', :'app_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \gexec
GRANT CONNECT ON DATABASE :"dbname" TO :"app_user";
GRANT USAGE ON SCHEMA public TO :"app_user";
-- Tables and sequences the owner creates from now on (every migration)...
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"app_user";
-- ...and those that exist already, when the script is run on a migrated database.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_user";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_user";
SQL
