"""Which server should hold the portal's WebSockets? daphne or uvicorn, measured.

The shape of the portal's real traffic: many open pages that mostly wait, and a Celery worker
pushing a notification count to one user's group through the Redis channel layer
(portal.core.realtime.push_unread_count). For each server and repetition this script:

1. starts the server on bench.serving.asgi (the portal's NotificationConsumer relay path);
2. opens --clients WebSockets, each joined to its own user group, and notes the time taken
   and the server's resident memory before and after;
3. sends --rounds rounds of one notification.count event to every group through Redis, as the
   worker would, and measures delivery latency and the server's CPU time per delivery.

Clients connect 100 at a time, like pages reconnecting after a restart of the WebSocket
process; with BENCH_REDIS_MAX_CONNECTIONS=100 (redis-py 8's default async pool) the server
answers some of them HTTP 500, which is why config/settings/base.py sets a larger pool.

Needs Redis (--redis, a database the script may write to; keys carry a unique prefix and
expire on their own).

    .venv/bin/python bench/serving/ws.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import websockets
from channels_redis.core import RedisChannelLayer

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.serving.run import (
    REPO,
    VENV_BIN,
    free_port,
    group_cpu_seconds,
    group_rss_mib,
    loadavg,
    machine,
    stop,
    taskset,
    wait_until_up,
)
from portal.core.realtime import user_group

SERVERS: dict[str, list[str]] = {
    "daphne-1": ["daphne", "-b", "127.0.0.1", "-p", "{port}", "bench.serving.asgi:application"],
    "uvicorn-1": [
        "uvicorn",
        "bench.serving.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--no-access-log",
        "--lifespan",
        "off",
    ],
}


@dataclass
class WsRun:
    mode: str
    server: str
    rep: int
    clients: int
    connect_seconds: float
    rss_idle_mib: float
    rss_connected_mib: float
    deliveries: int
    lost: int
    deliveries_per_second: float
    latency_p50_ms: float
    latency_p99_ms: float
    server_cpu_ms_per_delivery: float
    loadavg_1min: float


async def drive(port: int, pgid: int, args: argparse.Namespace, prefix: str) -> dict:
    url = f"ws://127.0.0.1:{port}/ws/bench/"
    layer = RedisChannelLayer(hosts=[args.redis], prefix=prefix, capacity=5000)
    received: list[dict[int, float]] = [{} for _ in range(args.rounds)]
    sent: list[dict[int, float]] = [{} for _ in range(args.rounds)]
    limit = asyncio.Semaphore(100)

    async def connect(index: int) -> websockets.ClientConnection:
        async with limit:
            return await websockets.connect(f"{url}?u={index}", max_queue=None, open_timeout=30)

    async def listen(index: int, socket: websockets.ClientConnection) -> None:
        async for message in socket:
            data = json.loads(message)
            received[data["unread"]][index] = time.perf_counter()

    rss_idle = group_rss_mib(pgid)
    started = time.perf_counter()
    sockets = await asyncio.gather(*(connect(i) for i in range(args.clients)))
    connect_seconds = time.perf_counter() - started
    listeners = [asyncio.create_task(listen(i, s)) for i, s in enumerate(sockets)]
    await asyncio.sleep(1)
    rss_connected = group_rss_mib(pgid)

    async def push(round_: int, index: int) -> None:
        async with limit:
            sent[round_][index] = time.perf_counter()
            await layer.group_send(
                user_group(index), {"type": "notification.count", "unread": round_}
            )

    cpu_before = group_cpu_seconds(pgid)
    load = loadavg()
    started = time.perf_counter()
    for round_ in range(args.rounds):
        await asyncio.gather(*(push(round_, i) for i in range(args.clients)))
        deadline = time.perf_counter() + 10
        while len(received[round_]) < args.clients and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - started
    cpu_ms = (group_cpu_seconds(pgid) - cpu_before) * 1000

    latencies = [
        (received[r][i] - sent[r][i]) * 1000 for r in range(args.rounds) for i in received[r]
    ]
    deliveries = len(latencies)
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    await layer.flush()
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "clients": args.clients,
        "connect_seconds": round(connect_seconds, 3),
        "rss_idle_mib": rss_idle,
        "rss_connected_mib": rss_connected,
        "deliveries": deliveries,
        "lost": args.clients * args.rounds - deliveries,
        "deliveries_per_second": round(deliveries / elapsed, 1),
        "latency_p50_ms": round(quantiles[49], 2),
        "latency_p99_ms": round(quantiles[98], 2),
        "server_cpu_ms_per_delivery": round(cpu_ms / max(deliveries, 1), 3),
        "loadavg_1min": load,
    }


def measure(args: argparse.Namespace, mode: str, server: str, rep: int, work: Path) -> WsRun:
    port = free_port()
    prefix = f"benchws-{uuid.uuid4().hex[:8]}"
    argv = [part.format(port=port) for part in SERVERS[server]]
    argv[0] = str(VENV_BIN / argv[0])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.serving.settings",
        "BENCH_DIR": str(work),
        "BENCH_REDIS_URL": args.redis,
        "BENCH_CHANNEL_PREFIX": prefix,
    }
    log = (work / f"ws-{server}.log").open("ab")
    proc = subprocess.Popen(
        [*taskset("0" if mode == "pinned" else None), *argv],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/hello/", proc)
        result = asyncio.run(drive(port, proc.pid, args, prefix))
    finally:
        stop(proc)
        log.close()
    run = WsRun(mode=mode, server=server, rep=rep, **result)
    print(
        f"  {mode:6} {server:10} rep {rep}: connect {run.connect_seconds:.2f} s, "
        f"RSS {run.rss_idle_mib:.0f} → {run.rss_connected_mib:.0f} MiB, "
        f"{run.deliveries_per_second:.0f} deliveries/s, p50 {run.latency_p50_ms} ms, "
        f"p99 {run.latency_p99_ms} ms, cpu {run.server_cpu_ms_per_delivery} ms/delivery, "
        f"lost {run.lost}, load {run.loadavg_1min}",
        flush=True,
    )
    return run


def summarise(runs: list[WsRun]) -> str:
    lines = [
        "| mode | server | connect s | RSS idle → open MiB | deliveries/s | p50 ms | p99 ms "
        "| server CPU ms/delivery | lost |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in dict.fromkeys(r.mode for r in runs):
        for server in SERVERS:
            group = [r for r in runs if (r.mode, r.server) == (mode, server)]
            if not group:
                continue

            def med(field: str, group: list[WsRun] = group) -> float:
                return statistics.median(getattr(r, field) for r in group)

            rate = [r.deliveries_per_second for r in group]
            lines.append(
                f"| {mode} | {server} | {med('connect_seconds'):.2f} | "
                f"{med('rss_idle_mib'):.0f} → {med('rss_connected_mib'):.0f} | "
                f"{med('deliveries_per_second'):,.0f} ({min(rate):,.0f}–{max(rate):,.0f}) | "
                f"{med('latency_p50_ms'):.1f} | {med('latency_p99_ms'):.1f} | "
                f"{med('server_cpu_ms_per_delivery'):.3f} | {sum(r.lost for r in group)} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--modes", nargs="+", choices=("pinned", "shared"), default=["pinned"])
    parser.add_argument("--servers", nargs="+", choices=list(SERVERS), default=list(SERVERS))
    parser.add_argument("--out", type=Path, default=None, help="raw results (JSON)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="portal-bench-ws-"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.serving.settings", "BENCH_DIR": str(work)}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True
    )
    info = machine()
    command = " ".join(["bench/serving/ws.py", *sys.argv[1:]])
    print(f"# {command}\n# " + ", ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    runs: list[WsRun] = []
    for rep in range(1, args.reps + 1):
        for mode in args.modes:
            # The client (connections and the pushing "worker") stays off the server's core.
            os.sched_setaffinity(0, {1} if mode == "pinned" else set(range(os.cpu_count() or 1)))
            for server in args.servers:
                runs.append(measure(args, mode, server, rep, work))
    print()
    print(summarise(runs))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        payload = {"command": command, "machine": info, "runs": [asdict(r) for r in runs]}
        args.out.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
