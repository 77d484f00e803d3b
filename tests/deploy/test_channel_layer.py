"""The Redis channel layer survives a burst of WebSocket joins (pages reconnecting at once)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from channels.layers import channel_layers, get_channel_layer

pytestmark = pytest.mark.redis

BURST = 300  # more than redis-py's default async pool of 100 connections


def test_a_burst_of_group_joins_larger_than_redis_py_default_pool_succeeds():
    channel_layers.backends.clear()
    layer = get_channel_layer()
    group = f"burst-{uuid.uuid4().hex}"

    async def burst() -> None:
        channels = [await layer.new_channel("burst.") for _ in range(BURST)]
        try:
            await asyncio.gather(*(layer.group_add(group, name) for name in channels))
        finally:
            await asyncio.gather(*(layer.group_discard(group, name) for name in channels))
            await layer.close_pools()

    try:
        asyncio.run(burst())
    finally:
        channel_layers.backends.clear()
