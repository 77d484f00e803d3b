"""The small database of the benchmarks whose figures hardly depend on the data's size (B5 the
PDF pipeline, B8 Celery): ``portal_bench_dev_misc``, migrated and filled with ``seed_demo``,
made once and kept, so these benchmarks do not wait for ``bench/data.py``."""

from __future__ import annotations

import subprocess
import sys

from bench.common import PG_SERVER, REPO, django_env

MISC_DATABASE = "portal_bench_dev_misc"


def misc_database_url(name: str = MISC_DATABASE) -> str:
    return f"{PG_SERVER}/{name}"


def ensure_misc_database(name: str = MISC_DATABASE) -> str:
    """Create and seed the database `name` unless it is there, and migrate it to the code's
    schema every time (a database kept from an earlier run may lack the newest migration);
    return its URL."""
    url = misc_database_url(name)
    env = django_env("small", DATABASE_URL=url)
    exists = subprocess.run(
        [sys.executable, "-c", _EXISTS, url], capture_output=True, text=True, env=env
    )
    manage = [sys.executable, str(REPO / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], check=True, cwd=REPO, env=env)
    if exists.stdout.strip() == "yes":
        return url
    subprocess.run(
        [*manage, "seed_demo", "--force"],
        check=True,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return url


# Creates the database if it is missing and says whether it already holds the seeded data.
_EXISTS = """
import sys
import psycopg
url = sys.argv[1]
server, name = url.rsplit("/", 1)
with psycopg.connect(server + "/postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
with psycopg.connect(url) as conn:
    row = conn.execute("SELECT to_regclass('referrals_referral')").fetchone()
    seeded = row[0] is not None and conn.execute(
        "SELECT EXISTS (SELECT 1 FROM referrals_referral)"
    ).fetchone()[0]
print("yes" if seeded else "no")
"""
