"""B3: WebSocket messaging on the production WebSocket server, messages stored.

daphne runs ``config.asgi`` as docker-compose.yml's ``ws`` service does (production settings,
Redis channel layer at bench.common.REDIS_URL, prefix ``bench-ws``, a pool of
CHANNEL_LAYER_MAX_CONNECTIONS=1000) on CPU 0; this process, the `websockets` load client, runs on
CPU 1. Clients are signed-in benchmark staff (bench/ws_load.py) who join liaison conversations
through the portal's /ws/messaging/ and send ``send`` frames; a send is stored (and audited)
before it is broadcast.

(a) 1,000 clients in 200 conversations of 5; 50 messages/s in all, sent on a fixed schedule by
    every client in turn (one message per client per 20 s: well inside the portal's token bucket
    of 20 and 5/s, which is left as it is). Latency is from the send to the arrival at each of the
    4 other members. Targets: p99 ≤ 50 ms, 0 lost, 0 duplicated, every message in the database.
(b) 200 clients in one conversation; 10 messages/s, senders in turn. Target: p99 ≤ 1.3× that of
    a bare Channels broadcast consumer (bench/ws_bare.py) on the same daphne and Redis layer in
    the same run; 0 lost.

Each repetition runs portal and bare side by side (a fresh daphne each), for (a) and (b).

    .venv/bin/python -m bench.b3_ws --scale small [--reps 3] [--seconds 20] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench import common, ws_load
from bench.ws_load import Client, People, Traffic


@dataclass
class Scenario:
    name: str
    clients: int
    group: int  # members per conversation
    rate: float  # messages per second, in all


SCENARIOS = {
    "a": Scenario("a", clients=1000, group=5, rate=50),
    "b": Scenario("b", clients=200, group=200, rate=10),
}


def sender_order(scenario: Scenario) -> list[int]:
    """Client indexes in sending order: one per conversation in turn, then the next member."""
    conversations = scenario.clients // scenario.group
    return [c * scenario.group + m for m in range(scenario.group) for c in range(conversations)]


async def drive(
    *,
    url: str,
    origin: str,
    scenario: Scenario,
    cookies: Sequence[str | None],
    conversations: Sequence[int],
    after: int,
    token: str,
    seconds: float,
    pid: int,
    profile: str | None,
) -> dict[str, Any]:
    traffic = Traffic(token=token)
    process = ws_load.server_process(pid)
    started = time.perf_counter()
    clients = await ws_load.open_clients(url, cookies, traffic, origin)
    connected = time.perf_counter()
    member_of = [conversations[i // scenario.group] for i in range(scenario.clients)]
    await ws_load.join_all(clients, member_of, after)
    joined = time.perf_counter()
    settle = await ws_load.quiet(traffic, 1.0)
    members: dict[int, list[int]] = {}
    for index, conversation in enumerate(member_of):
        members.setdefault(conversation, []).append(index)

    spy = None
    if profile:
        spy = subprocess.Popen(
            [
                str(common.VENV_BIN / "py-spy"),
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(int(seconds)),
                "--rate",
                "200",
                "--nonblocking",
                "-o",
                profile,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    order = sender_order(scenario)
    sender_of: dict[int, int] = {}
    total = int(scenario.rate * seconds)
    cpu_before = ws_load.cpu_seconds(process)
    begin = time.perf_counter()
    for seq in range(total):
        delay = begin + seq / scenario.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sender: Client = clients[order[seq % len(order)]]
        conversation = member_of[sender.index]
        traffic.expected[seq] = [i for i in members[conversation] if i != sender.index]
        sender_of[seq] = sender.index
        traffic.sent_at[seq] = time.perf_counter()
        await sender.socket.send(
            json.dumps(
                {"type": "send", "conversation": conversation, "body": f"{token}{seq}"},
            )
        )
    sending = time.perf_counter() - begin
    expected = sum(len(r) for r in traffic.expected.values())
    deadline = time.perf_counter() + 15
    while time.perf_counter() < deadline:
        arrived = sum(1 for s, c in traffic.arrivals if c != sender_of.get(s, c))
        if arrived >= expected and traffic.acks + sum(traffic.errors.values()) >= total:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)  # late duplicates
    cpu = ws_load.cpu_seconds(process) - cpu_before
    elapsed = time.perf_counter() - begin
    if spy is not None:
        spy.wait()
    await ws_load.close_all(clients)
    return {
        **traffic.summary(),
        "sending_s": round(sending, 2),
        "connect_s": round(connected - started, 2),
        "join_s": round(joined - connected, 2),
        "settle_s": round(settle, 2),
        "server_cpu_share": round(cpu / elapsed, 3),
        "server_cpu_ms_per_message": round(cpu * 1000 / max(total, 1), 2),
    }


def run_once(
    kind: str,
    scenario: Scenario,
    *,
    env: dict[str, str],
    people: People,
    conversations: list[int],
    seconds: float,
    tag: str,
    profile: str | None,
) -> dict[str, Any]:
    port = common.free_port()
    app, path = (
        (ws_load.PORTAL_APP, ws_load.PORTAL_PATH)
        if kind == "portal"
        else (ws_load.BARE_APP, ws_load.BARE_PATH)
    )
    cookies: list[str | None] = (
        list(people.cookies[: scenario.clients]) if kind == "portal" else [None] * scenario.clients
    )
    token = f"{tag}{kind}-{scenario.name} #"
    after = ws_load.last_message_id()
    with common.server(
        ws_load.daphne_argv(app, port),
        env=env,
        ready_url=f"http://127.0.0.1:{port}/healthz",
        log=ws_load.log_path(f"b3-{kind}-{scenario.name}.log"),
    ) as process:
        result = asyncio.run(
            drive(
                url=f"ws://127.0.0.1:{port}{path}",
                origin=f"http://127.0.0.1:{port}",
                scenario=scenario,
                cookies=cookies,
                conversations=conversations,
                after=after,
                token=token,
                seconds=seconds,
                pid=process.pid,
                profile=profile,
            )
        )
    if kind == "portal":
        result["stored"] = ws_load.stored_messages(token)
    ws_load.flush_channel_layer()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=common.SCALES, default="small")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0, help="sending time per run")
    parser.add_argument(
        "--database", help="default: portal_bench_<scale>, else portal_bench_dev_ws"
    )
    parser.add_argument("--only", choices=sorted(SCENARIOS), action="append")
    parser.add_argument(
        "--kinds", nargs="+", choices=("portal", "bare"), default=["portal", "bare"]
    )
    parser.add_argument(
        "--profile", action="store_true", help="py-spy record the portal server in repetition 1"
    )
    args = parser.parse_args(argv)

    ws_load.pin_load_client()
    database = ws_load.pick_database(args.scale, args.database)
    env = ws_load.server_env(args.scale, database)
    common.setup_django(args.scale, DATABASE_URL=env["DATABASE_URL"])
    scenarios = [SCENARIOS[name] for name in (args.only or sorted(SCENARIOS))]
    print(f"# B3 on {database}, {args.reps} reps of {args.seconds:.0f} s", flush=True)

    runs: list[dict[str, Any]] = []
    tag = f"bench-ws {uuid.uuid4().hex[:6]} "
    try:
        people = ws_load.make_people(max(s.clients for s in scenarios))
        conversations = {
            s.name: ws_load.make_conversations(s.name, s.clients // s.group) for s in scenarios
        }
        for rep in range(1, args.reps + 1):
            for scenario in scenarios:
                for kind in args.kinds:
                    profile = None
                    if args.profile and rep == 1 and kind == "portal":
                        profile = str(ws_load.log_path(f"b3-{scenario.name}-{args.scale}.svg"))
                    result = run_once(
                        kind,
                        scenario,
                        env=env,
                        people=people,
                        conversations=conversations[scenario.name],
                        seconds=args.seconds,
                        tag=f"{tag}r{rep} ",
                        profile=profile,
                    )
                    runs.append({"rep": rep, "scenario": scenario.name, "kind": kind, **result})
                    print(json.dumps(runs[-1], ensure_ascii=False), flush=True)
    finally:
        ws_load.remove_people()
        ws_load.flush_channel_layer()

    figures, targets = summarise(runs, scenarios, args.kinds)
    out = common.write_result(
        "B3",
        args.scale,
        "WebSocket messaging on daphne + Redis layer, messages stored: (a) 1,000 clients in 200 "
        "conversations of 5 at 50 msg/s; (b) 200 clients in one conversation at 10 msg/s vs a bare "
        "Channels broadcast consumer",
        {
            "command": "python -m bench.b3_ws " + " ".join(argv or sys.argv[1:]),
            "database": database,
            "server": "daphne --proxy-headers config.asgi:application, CPU 0; client CPU 1",
            "settings": {
                "CHANNEL_LAYER_MAX_CONNECTIONS": ws_load.CHANNEL_LAYER_MAX_CONNECTIONS,
                "token bucket": "unchanged (20, 5/s); each client sends once per 20 s",
                "ulimit -n": _nofile(),
            },
            "figures": figures,
            "targets": targets,
            "runs": runs,
        },
    )
    for row in targets:
        print(f"{row['target']}: {row['value']} {row['op']} {row['limit']} → {row['met']}")
    print(out)
    return 0


def _nofile() -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def summarise(
    runs: list[dict[str, Any]], scenarios: list[Scenario], kinds: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    figures: dict[str, Any] = {}
    for scenario in scenarios:
        for kind in kinds:
            group = [r for r in runs if r["scenario"] == scenario.name and r["kind"] == kind]
            if not group:
                continue
            figures[f"{scenario.name}_{kind}"] = {
                key: common.spread([r[key] for r in group])
                for key in ("p50_ms", "p99_ms", "max_ms", "server_cpu_share", "join_s")
            } | {
                "lost": sum(r["lost"] for r in group),
                "duplicated": sum(r["duplicated"] for r in group),
                "deliveries": sum(r["deliveries"] for r in group),
                "messages": sum(r["messages"] for r in group),
                "stored": sum(r.get("stored", 0) for r in group) if kind == "portal" else None,
                "errors": sum(sum(r["errors"].values()) for r in group),
            }
    targets = []
    a = figures.get("a_portal")
    if a:
        targets += [
            common.target(
                "B3a p99 send→receive", a["p99_ms"]["median"], 50, at_most=True, unit="ms"
            ),
            common.target("B3a lost", a["lost"], 0, at_most=True),
            common.target("B3a duplicated", a["duplicated"], 0, at_most=True),
            common.target("B3a messages not stored", a["messages"] - a["stored"], 0, at_most=True),
        ]
    b = figures.get("b_portal")
    if b and "b_bare" in figures:
        ratios = []
        for rep in sorted({r["rep"] for r in runs}):
            pair = {r["kind"]: r for r in runs if r["rep"] == rep and r["scenario"] == "b"}
            if "portal" in pair and "bare" in pair:
                ratios.append(pair["portal"]["p99_ms"] / pair["bare"]["p99_ms"])
        figures["b_p99_ratio"] = common.spread(ratios)
        targets += [
            common.target(
                "B3b p99 portal / bare consumer",
                round(statistics.median(ratios), 2),
                1.3,
                at_most=True,
            ),
            common.target("B3b lost", b["lost"], 0, at_most=True),
            common.target("B3b messages not stored", b["messages"] - b["stored"], 0, at_most=True),
        ]
    return figures, targets


if __name__ == "__main__":
    sys.exit(main())
