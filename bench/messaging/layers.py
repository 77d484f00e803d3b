"""RedisChannelLayer against RedisPubSubChannelLayer, for the portal's messaging traffic.

The traffic that matters is a group fan-out: one message to the sockets joined to a
conversation (a handful) or to a user's pages, and a burst of joins after a restart. For each
backend this measures, against a local Redis only (127.0.0.1), with a bounded size:

- fan-out latency: one group_send to GROUP_SIZE receivers, time until the last has it
  (p50/p99 over ROUNDS);
- throughput: MESSAGES group_sends in a row to the same group, time until every receiver has
  every message, and how many were lost;
- join: GROUP_SIZE group_adds at once.

Run: .venv/bin/python -m bench.messaging.layers [--out bench/messaging/results/layers.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from typing import Any

REDIS = "redis://127.0.0.1:6379/0"
GROUP_SIZES = (5, 50)
ROUNDS = 200
MESSAGES = 500
RECEIVE_TIMEOUT = 5.0


def make_layer(backend: str, prefix: str) -> Any:
    if backend == "RedisChannelLayer":
        from channels_redis.core import RedisChannelLayer

        return RedisChannelLayer(hosts=[REDIS], prefix=prefix, capacity=MESSAGES * 2, expiry=10)
    from channels_redis.pubsub import RedisPubSubChannelLayer

    return RedisPubSubChannelLayer(hosts=[REDIS], prefix=prefix)


async def drain(layer: Any, channel: str, count: int) -> int:
    got = 0
    try:
        while got < count:
            await asyncio.wait_for(layer.receive(channel), RECEIVE_TIMEOUT)
            got += 1
    except TimeoutError:
        pass
    return got


async def measure(backend: str, group_size: int) -> dict[str, Any]:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    layer = make_layer(backend, prefix)
    group = "conversation.bench"
    channels = [await layer.new_channel("bench.") for _ in range(group_size)]
    started = time.perf_counter()
    await asyncio.gather(*(layer.group_add(group, name) for name in channels))
    join_ms = (time.perf_counter() - started) * 1000
    if backend != "RedisChannelLayer":
        # Pub/sub delivers only to a subscribed reader: start listening before sending.
        await asyncio.gather(
            *(asyncio.wait_for(layer.receive(name), 0.05) for name in channels),
            return_exceptions=True,
        )

    latencies = []
    for _ in range(ROUNDS):
        receivers = [asyncio.create_task(drain(layer, name, 1)) for name in channels]
        await asyncio.sleep(0)
        sent = time.perf_counter()
        await layer.group_send(group, {"type": "conversation.event", "event": {"x": 1}})
        await asyncio.gather(*receivers)
        latencies.append((time.perf_counter() - sent) * 1000)

    receivers = [asyncio.create_task(drain(layer, name, MESSAGES)) for name in channels]
    await asyncio.sleep(0)
    started = time.perf_counter()
    for number in range(MESSAGES):
        await layer.group_send(group, {"type": "conversation.event", "n": number})
    received = await asyncio.gather(*receivers)
    elapsed = time.perf_counter() - started

    await asyncio.gather(*(layer.group_discard(group, name) for name in channels))
    if hasattr(layer, "flush"):
        await layer.flush()
    close = getattr(layer, "close_pools", None)
    if close is not None:
        await close()
    latencies.sort()
    return {
        "backend": backend,
        "group_size": group_size,
        "join_all_ms": round(join_ms, 1),
        "fanout_p50_ms": round(statistics.median(latencies), 2),
        "fanout_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
        "burst_messages": MESSAGES,
        "burst_deliveries_per_s": round(sum(received) / elapsed),
        "burst_lost": MESSAGES * group_size - sum(received),
    }


async def main() -> list[dict[str, Any]]:
    results = []
    for group_size in GROUP_SIZES:
        for backend in ("RedisChannelLayer", "RedisPubSubChannelLayer"):
            results.append(await measure(backend, group_size))
            print(json.dumps(results[-1]))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    outcome = asyncio.run(main())
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(outcome, handle, indent=2)
            handle.write("\n")
