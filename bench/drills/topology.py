"""What the fault drills share: their own Redis, their own database, the portal's processes
started as production starts them (bench/common.py's gunicorn command, daphne, a Celery worker
with beat), a bounded kiosk submit load, and the checks that count filings and notices.

Everything listens on loopback. The drills never touch the shared PostgreSQL cluster's other
databases or the shared Redis: Redis is a server of the drill's own (port 6390 by default, its
append-only file in a temporary directory, as production's compose file runs Redis), and the
database is ``portal_drill`` (dropped and made again by each run) on the server the drill is
given (``--pg``; the PostgreSQL drill starts a cluster of its own).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import common
from bench.b6_kiosk import SUBMIT_FORM, Client, IdNumbers, credit_code, fill

DRILL_DB = "portal_drill"
REDIS_PORT = 6390
LOGS = common.REPO / "var" / "drills"
# The kiosk's limits are raised (every client is 127.0.0.1 and fills in milliseconds); the
# counters are still read and written on every submit, so the fault still reaches them.
KIOSK_LIMITS = {
    "KIOSK_SUBMITS_PER_IP_HOUR": "100000000",
    "KIOSK_SUBMITS_PER_ID_DAY": "100000000",
    "KIOSK_LOOKUP_FAILURES_PER_CLIENT_HOUR": "100000000",
    "KIOSK_MIN_FILL_SECONDS": "0",
}


def log(message: str, started: float) -> None:
    print(f"[{time.monotonic() - started:7.1f} s] {message}", flush=True)


# --- Redis of the drill's own ---------------------------------------------------------------


class Redis:
    """redis-server on a loopback port, its append-only file in a temporary directory."""

    def __init__(self, port: int = REDIS_PORT) -> None:
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="drill-redis-"))

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--maxmemory-policy",
                "noeviction",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.dir / "redis.pid"),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while self.cli("PING") != "PONG":
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis on {self.port} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """SHUTDOWN (the append-only file is synced first, as a restart does in production)."""
        self.cli("SHUTDOWN")
        deadline = time.monotonic() + 10
        while self.cli("PING") == "PONG" and time.monotonic() < deadline:
            time.sleep(0.05)

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True
        )
        return done.stdout.strip()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- PostgreSQL of the drill's own (the drill that restarts it) ---------------------------


class Postgres:
    """A throw-away cluster (initdb, trust on loopback only) on its own port, run as the
    postgres user when the drill runs as root (PostgreSQL refuses root)."""

    def __init__(self, port: int = 5440) -> None:
        import glob
        import os

        self.port = port
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="drill-pg-"))
        self.data = self.dir / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def _run(self, *argv: str) -> None:
        subprocess.run(
            [*self.as_postgres, *argv], check=True, stdout=subprocess.DEVNULL, cwd=self.dir
        )

    def create(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust")
        self.start()

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off "
            "-c max_connections=200"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w",
            "-l", str(self.dir / "log"), "start",
        )  # fmt: skip

    def stop(self) -> None:
        """A fast shutdown (every connection ended, as a restart does)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the database ---------------------------------------------------------------------------


def psql(server: str, sql: str, database: str = "postgres") -> str:
    done = subprocess.run(
        ["psql", f"{server}/{database}", "-v", "ON_ERROR_STOP=1", "-Atc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def database_make(server: str, env: dict[str, str], *, keep: bool = False) -> None:
    """portal_drill, made again: migrations and the demo's agencies and people (about a
    minute). With `keep`, an existing portal_drill is used as it is (a smoke run)."""
    if keep and psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{DRILL_DB}'"):
        return
    database_drop(server)
    psql(server, f"CREATE DATABASE {DRILL_DB}")
    python = str(common.VENV_BIN / "python")
    for argv in (
        ["manage.py", "migrate", "--noinput", "-v0"],
        ["manage.py", "seed_demo", "--force"],
    ):
        subprocess.run(
            [python, *argv],
            env=env,
            cwd=common.REPO,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def database_drop(server: str) -> None:
    psql(server, f"DROP DATABASE IF EXISTS {DRILL_DB} WITH (FORCE)")


def drill_env(pg: str, redis: Redis, **extra: str) -> dict[str, str]:
    return common.django_env(
        "small",
        DJANGO_SETTINGS_MODULE=common.PRODUCTION_BENCH_SETTINGS,
        DATABASE_URL=f"{pg}/{DRILL_DB}",
        REDIS_URL=redis.url,
        CELERY_BROKER_URL=redis.url,
        PORTAL_PRIVATE_ROOT=str(common.REPO / "var" / "drill-private"),
        LOG_LEVEL="INFO",
        **KIOSK_LIMITS,
        **extra,
    )


# --- the portal's processes -----------------------------------------------------------------


def worker_argv() -> list[str]:
    """docker-compose.yml's worker (concurrency 2) with beat in the same process (-B)."""
    return [
        str(common.VENV_BIN / "celery"),
        "--app=config",
        "worker",
        "--concurrency=2",
        "--loglevel=INFO",
        "-B",
        f"--schedule={LOGS / 'celerybeat-schedule'}",
    ]


def daphne_argv(port: int) -> list[str]:
    return [
        str(common.VENV_BIN / "daphne"),
        "--bind=127.0.0.1",
        f"--port={port}",
        "--proxy-headers",
        "config.asgi:application",
    ]


@contextlib.contextmanager
def web(env: dict[str, str]) -> Iterator[int]:
    """gunicorn as production runs it (bench/common.py), on a free loopback port."""
    port = common.free_port()
    with common.server(
        common.gunicorn_argv(port),
        env=env,
        ready_url=f"http://127.0.0.1:{port}/healthz",
        log=LOGS / "gunicorn.log",
    ):
        yield port


# --- the kiosk's submit load ----------------------------------------------------------------


@dataclass
class Filing:
    """A completed draft in a session of its own, ready to submit."""

    session: str
    csrftoken: str
    review: str
    token: str
    sent_at: float = 0.0
    status: int = 0
    receipt: bool = False
    error: str = ""


def filings_prepare(port: int, count: int) -> list[Filing]:
    """One filing through the wizard, its session then copied `count` times, each with its
    own draft token, filing secret and claimant ID number (bench/b6_kiosk.py's pools, with the
    token and secret that the submit is now idempotent by)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from portal.cases.services.intake import secret_new

    ids = IdNumbers()
    client = Client("127.0.0.1", port)
    review = fill(client, ids.take(), credit_code())
    client.conn.close()
    data = SessionStore(session_key=client.cookies["sessionid"]).load()
    ((token, draft),) = data["kiosk.drafts"].items()
    expires = timezone.now() + datetime.timedelta(hours=1)
    filings: list[Filing] = []
    rows: list[Session] = []
    for _ in range(count):
        copy = json.loads(json.dumps(data))
        new = json.loads(json.dumps(draft))
        new["token"] = secrets.token_urlsafe(16)
        new["secret"] = secret_new()
        new["answers"]["claimants"]["c0-id_number"] = ids.take()
        copy["kiosk.drafts"] = {new["token"]: new}
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        rows.append(
            Session(session_key=key, session_data=SessionStore().encode(copy), expire_date=expires)
        )
        filings.append(
            Filing(
                session=key,
                csrftoken=client.cookies["csrftoken"],
                review=review.replace(token, new["token"]),
                token=new["token"],
            )
        )
    Session.objects.bulk_create(rows, batch_size=500)
    return filings


def submit_one(port: int, filing: Filing) -> None:
    client = Client("127.0.0.1", port)
    client.cookies.update({"sessionid": filing.session, "csrftoken": filing.csrftoken})
    try:
        status, location = client.request("POST", filing.review, SUBMIT_FORM)
        filing.status = status
        filing.receipt = status == 302 and location.endswith("/kiosk/receipt/")
        if not filing.receipt:
            filing.error = f"{status} {urllib.parse.urlsplit(location).path}"
    except Exception as error:  # the connection refused or reset: the visitor sees an error
        filing.error = f"{type(error).__name__}: {error}"[:200]
    finally:
        client.conn.close()


def submit_load(port: int, filings: list[Filing], *, rate: float, started: float) -> None:
    """Submit `filings` at `rate` a second (each on its own connection, as many visitors),
    each one at its time whatever the others' answers take; returns when all have answered."""
    threads: list[threading.Thread] = []
    begin = time.monotonic()
    for index, filing in enumerate(filings):
        delay = begin + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        filing.sent_at = time.monotonic() - started
        thread = threading.Thread(target=submit_one, args=(port, filing))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()


@dataclass
class Window:
    """When the fault began and ended, in seconds since the drill started."""

    start: float = 0.0
    end: float = 0.0
    notes: list[str] = field(default_factory=list)


def submit_figures(filings: list[Filing], window: Window) -> dict[str, Any]:
    """Submits answered with the receipt, failed during the fault and outside it."""
    during = [f for f in filings if window.start - 0.5 <= f.sent_at <= window.end + 0.5]
    outside = [f for f in filings if f not in during]
    failed_after = [f.sent_at - window.end for f in filings if not f.receipt and f.sent_at > 0]
    last_failure = max(failed_after, default=None)
    return {
        "submits": len(filings),
        "receipts": sum(f.receipt for f in filings),
        "submits_during_fault": len(during),
        "failed_during_fault": sum(not f.receipt for f in during),
        "failed_outside_fault": sum(not f.receipt for f in outside),
        "recovery_s": round(max(0.0, last_failure), 2) if last_failure is not None else 0.0,
        "error_samples": sorted({f.error for f in filings if f.error})[:5],
    }


def outbox_last() -> int:
    from portal.core.models import OutboxTask

    return OutboxTask.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def ledger(filings: list[Filing], outbox_after: int = 0) -> dict[str, Any]:
    """Filings lost (a receipt with no case) and duplicated (a draft filed as two cases), and
    the new-case notices and outbox rows still not done."""
    from django.db.models import Count

    from portal.cases.models import Case
    from portal.core.models import Notification, OutboxTask
    from portal.kiosk.models import Submission

    tokens = [f.token for f in filings]
    filed = dict(
        Submission.objects.filter(draft_token__in=tokens).values_list("draft_token", "case")
    )
    cases = set(filed.values())
    by_token = Submission.objects.filter(draft_token__in=tokens).values("draft_token")
    twice = by_token.annotate(n=Count("pk")).filter(n__gt=1).count()
    noticed = {
        int(key.split(":")[1])
        for key in Notification.objects.filter(dedupe_key__startswith="case.new:")
        .values_list("dedupe_key", flat=True)
        .distinct()
    }
    per_case_recipient = (
        Notification.objects.filter(dedupe_key__startswith="case.new:")
        .values("dedupe_key", "recipient")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "cases": Case.objects.filter(pk__in=cases).count(),
        "filings_lost": sum(f.receipt and f.token not in filed for f in filings),
        "filings_duplicated": twice,
        "filed_though_answered_an_error": sum(not f.receipt and f.token in filed for f in filings),
        "notices_missing": len(cases - noticed),
        "notices_duplicated": per_case_recipient,
        "outbox_not_done": OutboxTask.objects.filter(
            pk__gt=outbox_after, done_at__isnull=True
        ).count(),
    }


def resubmit_failed(port: int, filings: list[Filing]) -> int:
    """Each visitor whose submit failed presses it again once the fault is over; how many then
    got their receipt."""
    failed = [f for f in filings if not f.receipt]
    for filing in failed:
        submit_one(port, filing)
    return sum(f.receipt for f in failed)


def wait_for(check: Any, timeout: float, step: float = 1.0) -> float | None:
    """Seconds until `check()` is true, or None after `timeout`."""
    begin = time.monotonic()
    while time.monotonic() - begin < timeout:
        if check():
            return time.monotonic() - begin
        time.sleep(step)
    return None


def write(name: str, figures: dict[str, Any]) -> Path:
    out = common.RESULTS / "drills" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "drill": name,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": common.machine(),
        **figures,
    }
    out.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return out
