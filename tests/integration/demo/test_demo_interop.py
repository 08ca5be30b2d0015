"""Third-party clients against the demo server: asyncpusher (aiohttp) subscribes through
the demo's auth endpoint and receives what the official ``pusher`` library publishes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from asyncpusher.pusher import Pusher as AsyncPusher

from beacon.demo import DemoServer
from support.publish import official_client


async def test_asyncpusher_receives_on_public_private_and_presence(
    demo_server: DemoServer,
) -> None:
    async def authenticate(form: dict[str, str]) -> Any:
        async with httpx.AsyncClient() as http:
            response = await http.post(demo_server.auth_endpoint(), data=form)
            response.raise_for_status()
            return response.json()

    received: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    client = AsyncPusher(
        demo_server.key,
        secure=False,
        custom_host=demo_server.host,
        custom_port=demo_server.port,
        channel_authenticator=authenticate,
    )
    await client.connect()
    try:
        await demo_server.wait_for_clients(1)
        await demo_server.wait_for(lambda: client.connection.socket_id is not None)
        channels = ("tickets", "private-agent-7", "presence-support")
        for name in channels:
            channel = await client.subscribe(name)

            async def on_event(data: Any, name: str = name) -> None:
                await received.put((name, data))

            channel.bind("ticket.created", on_event)
        for name in channels:
            await demo_server.wait_for_subscribers(name)
        assert list(demo_server.members("presence-support")) == ["agent-7"]

        publisher = official_client(demo_server)
        for name in channels:
            await asyncio.to_thread(publisher.trigger, name, "ticket.created", {"on": name})
        async with asyncio.timeout(10):
            got = [await received.get() for _ in channels]
        # asyncpusher decodes the data itself.
        assert sorted((name, data) for name, data in got) == sorted(
            (name, {"on": name}) for name in channels
        )
    finally:
        await client.disconnect()
