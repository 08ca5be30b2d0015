"""The Soketi test server works end to end, with no Beacon code in the path."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import connect

from support.publish import official_client
from support.soketi import PusherServer


async def test_event_published_with_official_library_reaches_plain_websocket(
    soketi: PusherServer,
) -> None:
    url = f"{soketi.ws_url()}/app/{soketi.key}?protocol=7&client=beacon-test&version=0"
    async with connect(url, compression=None) as ws:
        established = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert established["event"] == "pusher:connection_established"
        assert json.loads(established["data"])["socket_id"]

        await ws.send(json.dumps({"event": "pusher:subscribe", "data": {"channel": "rig-check"}}))
        succeeded = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert succeeded["event"] == "pusher_internal:subscription_succeeded"
        assert succeeded["channel"] == "rig-check"

        client = official_client(soketi)
        # The library blocks on HTTP; keep the loop free to read the socket meanwhile.
        await asyncio.to_thread(
            client.trigger, "rig-check", "ticket.created", {"id": 42, "subject": "Printer on fire"}
        )

        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert frame["event"] == "ticket.created"
        assert frame["channel"] == "rig-check"
        assert json.loads(frame["data"]) == {"id": 42, "subject": "Printer on fire"}
