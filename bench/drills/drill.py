"""The course every kiosk drill follows: the portal started on the drill's Redis and database,
completed filings prepared, submitted at a bounded rate while the fault is made, the visitors
whose submit failed pressing it again, and the ledger: filings lost and duplicated, new-case
notices missing and sent twice, and whether the worker is still there."""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench import common
from bench.drills import sockets
from bench.drills import topology as t


def arguments(doc: str, *, outage: float) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0, help="length of the submit load")
    parser.add_argument("--rate", type=float, default=8.0, help="kiosk submits a second")
    parser.add_argument("--outage", type=float, default=outage, help="seconds the fault lasts")
    parser.add_argument("--fault-at", type=float, default=None, help="seconds into the load")
    parser.add_argument("--notice-timeout", type=float, default=150.0)
    parser.add_argument("--pg", default=common.PG_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--redis-port", type=int, default=t.REDIS_PORT)
    parser.add_argument("--sockets", type=int, default=10, help="WebSocket pages (0: none)")
    parser.add_argument(
        "--keep-db", action="store_true", help="use and keep an existing portal_drill (smoke)"
    )
    return parser


@dataclass
class Portal:
    """The running portal: gunicorn's port, the worker (with beat), their environment."""

    env: dict[str, str]
    port: int
    redis: t.Redis
    started: float
    args: argparse.Namespace
    worker: subprocess.Popen[bytes] | None = None
    workers_started: int = 0
    notes: list[str] = field(default_factory=list)

    def worker_start(self) -> None:
        self.workers_started += 1
        out = open(t.LOGS / f"worker-{self.workers_started}.log", "wb")  # noqa: SIM115
        self.worker = subprocess.Popen(
            common.pinned(t.worker_argv(), common.SERVER_CPUS),
            env=self.env,
            cwd=common.REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def worker_signal(self, sig: int) -> None:
        if self.worker is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.worker.pid, sig)
        try:
            self.worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait()

    def worker_logs(self) -> str:
        return "".join(
            (t.LOGS / f"worker-{n}.log").read_text(errors="replace")
            for n in range(1, self.workers_started + 1)
        )

    def log(self, message: str) -> None:
        t.log(message, self.started)


def main(
    name: str,
    args: argparse.Namespace,
    fault: Callable[[Portal], None],
    *,
    pg: str | None = None,
) -> int:
    """Run the drill `name`: `fault(portal)` is called `--fault-at` seconds into the load and
    returns when the fault is over. Writes bench/results/drills/<name>.json; 0 when no filing
    was lost or duplicated, no notice is missing and the worker runs."""
    started = time.monotonic()
    t.LOGS.mkdir(parents=True, exist_ok=True)
    server = pg or args.pg
    redis = t.Redis(args.redis_port)
    redis.start()
    env = t.drill_env(server, redis)
    try:
        t.log("making the drill's database", started)
        t.database_make(server, env, keep=args.keep_db)
        common.collectstatic(env)
        os.environ.update(env)
        import django

        django.setup()
        with t.web(env) as port:
            portal = Portal(env=env, port=port, redis=redis, started=started, args=args)
            portal.worker_start()
            try:
                with sockets.pages(env, args.sockets) as pages:
                    figures = run(portal, fault)
                if pages:
                    figures.update(pages.figures())
                    portal.log(f"sockets: {pages.figures()}")
            finally:
                portal.worker_signal(signal.SIGTERM)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            t.database_drop(server)
        redis.remove()
    # A shorter run than the documented one (a smoke run) does not replace its figures.
    short = args.seconds < 40 or args.rate < 8
    out = t.write(f"{name}-short" if short else name, {"seconds": args.seconds, **figures})
    t.log(f"written {out}", started)
    ok = figures["filings_lost"] == 0 and figures["filings_duplicated"] == 0
    ok = ok and figures["notices_missing"] == 0 and figures["notices_duplicated"] == 0
    ok = ok and not figures.get("ws_messages_lost") and not figures.get("ws_messages_duplicated")
    return 0 if ok and figures["worker_running_after"] else 1


def tasks_done(logs: str) -> tuple[int, int]:
    """Tasks that succeeded in the workers' logs, and the task ids that succeeded twice."""
    done = collections.Counter(re.findall(r"Task [\w.]+\[([\w-]+)\] succeeded", logs))
    return len(done), sum(1 for n in done.values() if n > 1)


def run(portal: Portal, fault: Callable[[Portal], None]) -> dict[str, Any]:
    args = portal.args
    fault_at = args.fault_at if args.fault_at is not None else args.seconds / 3
    count = int(args.seconds * args.rate)
    portal.log(f"preparing {count} completed filings")
    filings = t.filings_prepare(portal.port, count)
    outbox_after = t.outbox_last()
    window = t.Window()

    def faulting() -> None:
        time.sleep(fault_at)
        window.start = time.monotonic() - portal.started
        portal.log("fault begins")
        fault(portal)
        window.end = time.monotonic() - portal.started
        portal.log("fault over")

    portal.log(f"submitting at {args.rate}/s for {args.seconds} s")
    thread = threading.Thread(target=faulting)
    thread.start()
    t.submit_load(portal.port, filings, rate=args.rate, started=portal.started)
    thread.join()
    from django.db import connections

    connections.close_all()  # this process's own connection, broken if the fault was the database's
    figures: dict[str, Any] = {"outage_s": args.outage, "rate": args.rate}
    figures.update(t.submit_figures(filings, window))
    portal.log(f"submits: {figures}")
    figures["resubmitted_and_receipted"] = t.resubmit_failed(portal.port, filings)
    waited = t.wait_for(
        lambda: t.ledger(filings, outbox_after)["notices_missing"] == 0,
        timeout=args.notice_timeout,
    )
    now = time.monotonic() - portal.started
    figures["notices_all_there_s_after_fault"] = (
        round(now - window.end, 1) if waited is not None else None
    )
    figures.update(t.ledger(filings, outbox_after))
    worker = portal.worker
    figures["worker_running_after"] = worker is not None and worker.poll() is None
    logs = portal.worker_logs()
    lost = logs.rfind("Cannot connect to redis")
    figures["worker_lost_broker"] = lost >= 0
    figures["worker_reconnected"] = lost >= 0 and logs.find("Connected to redis", lost) > 0
    figures["worker_tasks_failed"] = logs.count("ERROR/ForkPoolWorker")
    figures["tasks_succeeded"], figures["tasks_run_twice"] = tasks_done(logs)
    figures["notes"] = portal.notes
    portal.log(f"figures: {figures}")
    return figures
