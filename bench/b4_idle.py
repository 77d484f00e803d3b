"""B4: 1,000 idle WebSocket connections on the production WebSocket server.

daphne runs ``config.asgi`` as docker-compose.yml's ``ws`` service does (production settings,
Redis channel layer) on CPU 0; this process holds the sockets from CPU 1. Each socket is a
signed-in benchmark person on /ws/messaging/ joined to a conversation (200 conversations of 5,
bench/ws_load.py); then nothing is sent for --idle seconds. Measured on the daphne process
(psutil): resident memory after the sockets opened and joined minus before (after one warm-up
socket), per connection; and its CPU time over the idle window, as a share of one core. The
bare Channels consumer (bench/ws_bare.py, same server and layer, sockets joined to the same
groups) is measured side by side. Clients send no pings, as browsers do not; daphne's own
pings (every 20 s) stay on.

Targets: ≤ 5 % of one core; ≤ 50 KB per connection.

    .venv/bin/python -m bench.b4_idle --scale small [--reps 3] [--idle 30]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from typing import Any

from bench import common, ws_load
from bench.ws_load import People, Traffic

CLIENTS = 1000
GROUP = 5


async def drive(
    *,
    url: str,
    origin: str,
    cookies: list[str | None],
    conversations: list[int],
    after: int,
    pid: int,
    idle: float,
) -> dict[str, Any]:
    process = ws_load.server_process(pid)
    traffic = Traffic(token="bench-ws idle ")
    # One socket first, so lazily imported code and first-use caches are not counted per socket.
    warm = await ws_load.open_clients(url, cookies[:1], traffic, origin)
    await ws_load.join_all(warm, conversations[:1], after)
    await ws_load.close_all(warm)
    await asyncio.sleep(1)
    rss_before = process.memory_info().rss
    started = time.perf_counter()
    clients = await ws_load.open_clients(url, cookies, traffic, origin)
    member_of = [conversations[i // GROUP] for i in range(len(clients))]
    await ws_load.join_all(clients, member_of, after)
    opened = time.perf_counter() - started
    await ws_load.quiet(traffic, 2.0)
    rss_after = process.memory_info().rss
    cpu_before = ws_load.cpu_seconds(process)
    begin = time.perf_counter()
    await asyncio.sleep(idle)
    cpu = ws_load.cpu_seconds(process) - cpu_before
    elapsed = time.perf_counter() - begin
    alive = sum(1 for c in clients if not c.reader.done())
    await ws_load.close_all(clients)
    return {
        "connections": len(clients),
        "alive_after_idle": alive,
        "open_and_join_s": round(opened, 2),
        "rss_before_mib": round(rss_before / 2**20, 1),
        "rss_after_mib": round(rss_after / 2**20, 1),
        "kb_per_connection": round((rss_after - rss_before) / 1000 / len(clients), 1),
        "cpu_share_idle": round(cpu / elapsed, 4),
        "idle_s": round(elapsed, 1),
        "errors": dict(traffic.errors),
    }


def run_once(
    kind: str, *, env: dict[str, str], people: People, conversations: list[int], idle: float
) -> dict[str, Any]:
    port = common.free_port()
    app, path = (
        (ws_load.PORTAL_APP, ws_load.PORTAL_PATH)
        if kind == "portal"
        else (ws_load.BARE_APP, ws_load.BARE_PATH)
    )
    cookies: list[str | None] = list(people.cookies) if kind == "portal" else [None] * CLIENTS
    after = ws_load.last_message_id()
    with common.server(
        ws_load.daphne_argv(app, port),
        env=env,
        ready_url=f"http://127.0.0.1:{port}/healthz",
        log=ws_load.log_path(f"b4-{kind}.log"),
    ) as process:
        result = asyncio.run(
            drive(
                url=f"ws://127.0.0.1:{port}{path}",
                origin=f"http://127.0.0.1:{port}",
                cookies=cookies,
                conversations=conversations,
                after=after,
                pid=process.pid,
                idle=idle,
            )
        )
    ws_load.flush_channel_layer()
    gc.collect()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=common.SCALES, default="small")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--idle", type=float, default=30.0, help="idle window, seconds")
    parser.add_argument(
        "--database", help="default: portal_bench_<scale>, else portal_bench_dev_ws"
    )
    args = parser.parse_args(argv)

    ws_load.pin_load_client()
    database = ws_load.pick_database(args.scale, args.database)
    env = ws_load.server_env(args.scale, database)
    common.setup_django(args.scale, DATABASE_URL=env["DATABASE_URL"])
    print(f"# B4 on {database}, {args.reps} reps, {args.idle:.0f} s idle", flush=True)
    runs: list[dict[str, Any]] = []
    try:
        people = ws_load.make_people(CLIENTS)
        conversations = ws_load.make_conversations("idle", CLIENTS // GROUP)
        for rep in range(1, args.reps + 1):
            for kind in ("portal", "bare"):
                result = run_once(
                    kind, env=env, people=people, conversations=conversations, idle=args.idle
                )
                runs.append({"rep": rep, "kind": kind, **result})
                print(json.dumps(runs[-1], ensure_ascii=False), flush=True)
    finally:
        ws_load.remove_people()
        ws_load.flush_channel_layer()

    figures: dict[str, Any] = {}
    for kind in ("portal", "bare"):
        group = [r for r in runs if r["kind"] == kind]
        figures[kind] = {
            key: common.spread([r[key] for r in group])
            for key in ("kb_per_connection", "cpu_share_idle", "open_and_join_s", "rss_after_mib")
        } | {"dropped": sum(r["connections"] - r["alive_after_idle"] for r in group)}
    portal = figures["portal"]
    targets = [
        common.target(
            "B4 CPU of 1,000 idle connections",
            round(portal["cpu_share_idle"]["median"] * 100, 2),
            5,
            at_most=True,
            unit="% of a core",
        ),
        common.target(
            "B4 memory per connection",
            portal["kb_per_connection"]["median"],
            50,
            at_most=True,
            unit="KB",
        ),
        common.target("B4 connections dropped while idle", portal["dropped"], 0, at_most=True),
    ]
    out = common.write_result(
        "B4",
        args.scale,
        "1,000 idle signed-in WebSocket connections (each joined to a conversation) on daphne, "
        "vs a bare Channels consumer",
        {
            "command": "python -m bench.b4_idle " + " ".join(argv or sys.argv[1:]),
            "database": database,
            "server": "daphne --proxy-headers config.asgi:application, CPU 0; client CPU 1",
            "settings": {"CHANNEL_LAYER_MAX_CONNECTIONS": ws_load.CHANNEL_LAYER_MAX_CONNECTIONS},
            "figures": figures,
            "targets": targets,
            "runs": runs,
        },
    )
    for row in targets:
        print(f"{row['target']}: {row['value']} {row['op']} {row['limit']} → {row['met']}")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
