"""B8: Celery with Redis, as in production (``celery -A config worker``, the portal's settings,
``REDIS_URL`` as the broker).

(a) **Enqueue to start.** A no-op task (``bench.b8.noop``, bench/celery_tasks.py) records when it
starts; the producer (this process, on the load CPU) sends ``--tasks`` of them at ``--rate``
per second and records when it called ``apply_async``. Latency = start − send, over the same
clock. The worker runs on the server CPU with the production command's defaults (prefork,
concurrency = cores). Repeated ``--reps`` times against one warm worker.

(b) **SIGKILL mid-task.** Each trial enqueues ``bench.b8.effect`` (attempt recorded, sleep,
side effect guarded by a primary key, sleep) and SIGKILLs it at a random moment of its run:

- ``--kill child``: the pool process running the task (what the OOM killer does); the worker's
  main process survives and starts a new child;
- ``--kill worker``: the whole worker's process group (``docker kill``, a host crash); the
  benchmark starts a new worker. Redis gives the unacknowledged task back only once the
  broker's ``visibility_timeout`` has passed since delivery (an hour by default), so this mode
  runs its worker with ``CELERY_VISIBILITY_TIMEOUT`` = ``--visibility-timeout`` (3 s) — the
  benchmark's only departure from the production settings — and starts the new worker after
  it has passed.

A trial is settled when the task has finished once and nothing is left in the queue or in
Redis's unacknowledged set. Lost = no side effect; repeated = the side effect more than once.
The unguarded counter beside the guarded insert shows what a naive side effect would have
done.

    python -m bench.b8_celery --scale small --reps 5 --tasks 1000 --trials 100
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import redis

from bench.common import (
    LOAD_CPUS,
    REPO,
    RESULTS,
    SERVER_CPUS,
    django_env,
    percentile,
    pinned,
    setup_django,
    spread,
    target,
    write_result,
)
from bench.misc_db import MISC_DATABASE, ensure_misc_database

# Its own Redis database: a worker on the benchmarks' shared database 5 would take the portal
# tasks other benchmarks' servers enqueue there.
B8_REDIS_URL = os.environ.get("BENCH_B8_REDIS_URL", "redis://127.0.0.1:6379/8")
QUEUE = "celery"


class Worker:
    """One ``celery -A config worker`` in its own process group, pinned to the server CPU."""

    def __init__(self, env: dict[str, str], name: str, log: Path) -> None:
        self.env = env
        self.name = name
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [
            str(REPO / ".venv" / "bin" / "celery"),
            "-A",
            "config",
            "worker",
            "-I",
            "bench.celery_tasks",
            "-n",
            f"{self.name}@%h",
            "--loglevel=WARNING",
        ]
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                pinned(argv, SERVER_CPUS),
                env=self.env,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def cpu_seconds(self) -> float:
        """User + system CPU seconds of the worker's processes so far (children that ended
        included through the main process's children times)."""
        import psutil

        assert self.process is not None
        main = psutil.Process(self.process.pid)
        total = 0.0
        for proc in [main, *main.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
        return total

    def kill(self) -> None:
        """SIGKILL the whole process group (main process and pool children)."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None


def wait_ready(r: redis.Redis, noop: Any, timeout: float = 60.0) -> float:
    """Send no-op probes until the worker runs one; return the seconds it took."""
    from bench.celery_tasks import STARTED_KEY

    t0 = time.monotonic()
    r.delete(STARTED_KEY)
    noop.apply_async((-1,))
    while r.llen(STARTED_KEY) == 0:
        if time.monotonic() - t0 > timeout:
            raise RuntimeError("the Celery worker ran no task")
        time.sleep(0.02)
    r.delete(STARTED_KEY)
    return time.monotonic() - t0


def pending(r: redis.Redis) -> int:
    """Messages waiting in the queue (every priority list) or taken and not acknowledged."""
    queued = sum(int(r.llen(key)) for key in r.scan_iter(f"{QUEUE}*") if r.type(key) == b"list")
    return queued + int(r.hlen("unacked"))


def latency_run(
    r: redis.Redis, noop: Any, tasks: int, rate: float, worker: Worker
) -> dict[str, Any]:
    from bench.celery_tasks import STARTED_KEY

    r.delete(STARTED_KEY)
    cpu0 = worker.cpu_seconds()
    sent = [0.0] * tasks
    publish = []
    t0 = time.time() + 0.1
    for i in range(tasks):
        delay = t0 + i / rate - time.time()
        if delay > 0:
            time.sleep(delay)
        sent[i] = time.time()
        noop.apply_async((i,))
        publish.append(time.time() - sent[i])
    deadline = time.monotonic() + 60
    while r.llen(STARTED_KEY) < tasks and time.monotonic() < deadline:
        time.sleep(0.05)
    started = {seq: at for seq, at in (json.loads(x) for x in r.lrange(STARTED_KEY, 0, -1))}
    cpu = worker.cpu_seconds() - cpu0
    latencies = [(started[i] - sent[i]) * 1000 for i in range(tasks) if i in started]
    return {
        "tasks": tasks,
        "started": len(started),
        "rate_per_s": rate,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies) if latencies else float("nan"),
        "publish_p50_ms": percentile([p * 1000 for p in publish], 50),
        # What the worker spends per task whatever else runs on the machine.
        "worker_cpu_ms_per_task": cpu * 1000 / tasks,
    }


def sql(query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return list(cursor.fetchall()) if cursor.description else []


def run_trials(
    r: redis.Redis,
    worker: Worker,
    effect: Any,
    *,
    mode: str,
    trials: int,
    before: float,
    after: float,
    visibility_timeout: float,
    first_trial: int,
    settle_timeout: float,
) -> dict[str, Any]:
    rng = random.Random(8)
    rows = []
    started = time.monotonic()
    for n in range(trials):
        trial = first_trial + n
        effect.apply_async((trial, before, after))
        deadline = time.monotonic() + 30
        attempt: list[tuple[Any, ...]] = []
        while not attempt:
            attempt = sql(
                "SELECT pid, started_at FROM bench_b8_attempt WHERE trial = %s ORDER BY id",
                [trial],
            )
            if time.monotonic() > deadline:
                raise RuntimeError(f"trial {trial}: the task never started")
            time.sleep(0.005)
        pid, started_at = attempt[0]
        # A moment inside the run: before the side effect or after it (before the ack).
        time.sleep(max(0.0, started_at + rng.uniform(0.05, before + after - 0.05) - time.time()))
        killed_at = time.time()
        if mode == "child":
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        else:
            worker.kill()
            # Redis restores a message once visibility_timeout has passed since delivery; the
            # new worker looks at start-up, then only every unacked_restore_interval ×
            # unacked_restore_throttle (100 s).
            time.sleep(max(0.0, started_at + visibility_timeout + 0.2 - time.time()))
            worker.start()
        deadline = time.monotonic() + settle_timeout
        settled = False
        while time.monotonic() < deadline:
            done = sql(
                "SELECT count(*) FROM bench_b8_attempt WHERE trial = %s AND finished_at IS NOT NULL",
                [trial],
            )[0][0]
            if done and pending(r) == 0:
                settled = True
                break
            time.sleep(0.02)
        attempts = sql(
            "SELECT effect_inserted, finished_at FROM bench_b8_attempt WHERE trial = %s "
            "ORDER BY id",
            [trial],
        )
        effect_rows = sql("SELECT pid FROM bench_b8_effect WHERE trial = %s", [trial])
        effects = len(effect_rows)
        naive = sql("SELECT times FROM bench_b8_naive WHERE trial = %s", [trial])
        finished = [a[1] for a in attempts if a[1] is not None]
        rows.append(
            {
                "trial": trial,
                "settled": settled,
                "attempts": len(attempts),
                "effects": effects,
                "naive_times": naive[0][0] if naive else 0,
                "completed": bool(finished),
                "finished": len(finished),
                # The killed attempt had made the side effect (the redelivery found it done).
                "killed_after_effect": bool(effect_rows) and effect_rows[0][0] == pid,
                "recovery_s": (min(finished) - killed_at) if finished else None,
            }
        )
    elapsed = time.monotonic() - started
    recoveries = [row["recovery_s"] for row in rows if row["recovery_s"] is not None]
    return {
        "mode": mode,
        "trials": len(rows),
        "seconds": round(elapsed, 1),
        "trials_per_minute": round(len(rows) / elapsed * 60, 1),
        # Lost: the task never ran to its end (acknowledged as failed, or never redelivered).
        "lost": sum(1 for row in rows if not row["completed"] or row["effects"] == 0),
        # Repeated: the task ran to its end twice (a second delivery beyond the one the kill
        # called for), or the guarded side effect is not there exactly once.
        "repeated": sum(
            1 for row in rows if row["finished"] > 1 or (row["completed"] and row["effects"] != 1)
        ),
        "unsettled": sum(1 for row in rows if not row["settled"]),
        "killed_after_effect": sum(1 for row in rows if row["killed_after_effect"]),
        "redelivered": sum(1 for row in rows if row["attempts"] > 1),
        "naive_repeats": sum(max(0, row["naive_times"] - 1) for row in rows),
        "guard_absorbed": sum(
            1 for row in rows if row["killed_after_effect"] and row["attempts"] > 1
        ),
        "recovery_s": {
            "p50": percentile(recoveries, 50),
            "max": max(recoveries) if recoveries else None,
        },
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="small", help="recorded with the result")
    parser.add_argument("--reps", type=int, default=5, help="latency runs")
    parser.add_argument("--tasks", type=int, default=1000, help="no-op tasks per latency run")
    parser.add_argument("--rate", type=float, default=100.0, help="no-op tasks sent per second")
    parser.add_argument("--trials", type=int, default=100, help="trials killing a child")
    parser.add_argument(
        "--worker-trials",
        type=int,
        default=25,
        help="trials killing the whole worker (each starts a new one: ~5–13 s a trial)",
    )
    parser.add_argument("--kill", default="child,worker", help="child, worker or both")
    parser.add_argument("--before", type=float, default=0.3, help="s before the side effect")
    parser.add_argument("--after", type=float, default=0.3, help="s after it, before the ack")
    parser.add_argument("--visibility-timeout", type=float, default=3.0)
    parser.add_argument("--database", default=MISC_DATABASE)
    parser.add_argument("--redis-url", default=B8_REDIS_URL)
    args = parser.parse_args(argv)

    url = ensure_misc_database(args.database)
    setup_django(args.scale, DATABASE_URL=url, REDIS_URL=args.redis_url)
    from django.conf import settings

    from bench.celery_tasks import SCHEMA, effect_task, noop_task
    from config.celery import app

    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {int(c) for c in LOAD_CPUS.split(",")})
    r = redis.Redis.from_url(args.redis_url)
    r.flushdb()  # the benchmark's own database: stale messages would skew the trials
    sql(SCHEMA)
    sql("TRUNCATE bench_b8_attempt, bench_b8_effect, bench_b8_naive")

    conf = app.conf
    in_effect = {
        "broker": settings.CELERY_BROKER_URL,
        "task_acks_late": conf.task_acks_late,
        "task_reject_on_worker_lost": conf.task_reject_on_worker_lost,
        "worker_prefetch_multiplier": conf.worker_prefetch_multiplier,
        "broker_transport_options": dict(conf.broker_transport_options or {}),
        "worker_concurrency": conf.worker_concurrency or os.cpu_count(),
        "pool": conf.worker_pool,
        "task_ignore_result": conf.task_ignore_result,
    }
    print("settings in effect:", json.dumps(in_effect, default=str))
    log_dir = RESULTS / args.scale
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "b8_worker.log"
    log.write_bytes(b"")
    base_env = django_env(
        args.scale, DATABASE_URL=url, REDIS_URL=args.redis_url, LOG_LEVEL="WARNING"
    )
    base_env.pop("CELERY_BROKER_URL", None)

    figures: dict[str, Any] = {"settings": in_effect}
    targets = []
    worker = Worker(base_env, "b8", log)
    try:
        # (a) enqueue to start, one warm worker with the production settings.
        latency: list[dict[str, Any]] = []
        if args.reps > 0:
            worker.start()
            figures["worker_start_s"] = round(wait_ready(r, noop_task), 2)
            latency_run(r, noop_task, min(200, args.tasks), args.rate, worker)  # warm-up
            for rep in range(args.reps):
                run = latency_run(r, noop_task, args.tasks, args.rate, worker)
                run["load_average_1m"] = os.getloadavg()[0]
                latency.append(run)
                print(
                    f"latency rep {rep + 1}: p50 {run['p50_ms']:.1f} ms, p99 "
                    f"{run['p99_ms']:.1f} ms, max {run['max_ms']:.1f} ms, "
                    f"{run['started']}/{run['tasks']} started, worker CPU "
                    f"{run['worker_cpu_ms_per_task']:.2f} ms/task, load "
                    f"{run['load_average_1m']:.1f}"
                )
            worker.stop()
            figures["latency"] = {
                "runs": latency,
                "p50_ms": spread([run["p50_ms"] for run in latency]),
                "p99_ms": spread([run["p99_ms"] for run in latency]),
                "worker_cpu_ms_per_task": spread(
                    [run["worker_cpu_ms_per_task"] for run in latency]
                ),
            }
            p50 = float(figures["latency"]["p50_ms"]["median"])
            p99 = float(figures["latency"]["p99_ms"]["median"])
            missing = sum(run["tasks"] - run["started"] for run in latency)
            targets += [
                target("enqueue→start p50", round(p50, 2), 10, at_most=True, unit="ms"),
                target("enqueue→start p99", round(p99, 2), 50, at_most=True, unit="ms"),
                target("no-op tasks not started", missing, 0, at_most=True),
            ]

        # (b) SIGKILL mid-task.
        first = 0
        kills = 0
        for mode in [m for m in args.kill.split(",") if m]:
            env = dict(base_env)
            if mode == "worker":
                env["CELERY_VISIBILITY_TIMEOUT"] = str(args.visibility_timeout)
            worker = Worker(env, f"b8{mode}", log)
            worker.start()
            wait_ready(r, noop_task)
            result = run_trials(
                r,
                worker,
                effect_task,
                mode=mode,
                trials=args.trials if mode == "child" else args.worker_trials,
                before=args.before,
                after=args.after,
                visibility_timeout=args.visibility_timeout,
                first_trial=first,
                settle_timeout=30 + (args.visibility_timeout if mode == "worker" else 0),
            )
            worker.stop()
            first += 100_000
            rows = result.pop("rows")
            figures[f"sigkill_{mode}"] = result
            print(f"SIGKILL {mode}: {json.dumps(result)}")
            (log_dir / f"b8_trials_{mode}.json").write_text(json.dumps(rows, indent=1) + "\n")
            targets += [
                target(f"SIGKILL {mode}: tasks lost", result["lost"], 0, at_most=True),
                target(
                    f"SIGKILL {mode}: side effects repeated", result["repeated"], 0, at_most=True
                ),
            ]
            kills += result["trials"]
        if kills:
            targets.append(target("SIGKILL trials in all", kills, 100, at_most=False))
    finally:
        worker.stop()

    out = write_result(
        "B8",
        args.scale,
        "Celery with Redis: enqueue-to-start latency; SIGKILL mid-task",
        {"figures": figures, "targets": targets},
    )
    for row in targets:
        print(f"{row['target']}: {row['value']} {row['op']} {row['limit']} — met {row['met']}")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
