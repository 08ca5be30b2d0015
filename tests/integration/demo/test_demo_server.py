"""The demo server against independent peers: the official ``pusher`` library publishes
and signs, plain ``websockets`` clients and httpx speak the wire protocol."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pusher
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from beacon.demo import DemoServer
from beacon.demo.tickets import EVENTS
from beacon.pusher.auth import body_md5, request_signature
from support.publish import official_client

ServerFactory = Callable[..., Awaitable[DemoServer]]


class Peer:
    """A bare Pusher client over websockets: just enough to drive the server."""

    def __init__(self, ws: ClientConnection, socket_id: str, established: dict[str, Any]):
        self.ws = ws
        self.socket_id = socket_id
        self.established = established

    @classmethod
    async def connect(cls, server: DemoServer, key: str | None = None) -> Peer:
        ws = await websockets.connect(f"{server.ws_url()}/app/{key or server.key}?protocol=7")
        frame = json.loads(await ws.recv())
        assert frame["event"] == "pusher:connection_established"
        data = json.loads(frame["data"])
        return cls(ws, data["socket_id"], data)

    async def send(self, event: str, data: Any, channel: str | None = None) -> None:
        message: dict[str, Any] = {"event": event, "data": data}
        if channel is not None:
            message["channel"] = channel
        await self.ws.send(json.dumps(message))

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            frame: dict[str, Any] = json.loads(await self.ws.recv())
        return frame

    async def subscribe(self, channel: str, **fields: Any) -> dict[str, Any]:
        await self.send("pusher:subscribe", {"channel": channel, **fields})
        return await self.recv()

    async def closed(self, timeout: float = 5.0) -> tuple[int | None, str | None]:
        """Wait for the server to close: (code, reason)."""
        async with asyncio.timeout(timeout):
            await self.ws.wait_closed()
        rcvd = self.ws.protocol.close_rcvd
        return (rcvd.code, rcvd.reason) if rcvd else (None, None)


@pytest.fixture
async def peers(demo_server: DemoServer) -> AsyncIterator[Callable[..., Awaitable[Peer]]]:
    opened: list[Peer] = []

    async def connect(key: str | None = None) -> Peer:
        peer = await Peer.connect(demo_server, key)
        opened.append(peer)
        return peer

    yield connect
    for peer in opened:
        await peer.ws.close()


async def test_connection_established_gives_socket_id_and_activity_timeout(
    peers: Callable[..., Awaitable[Peer]],
) -> None:
    peer = await peers()
    assert re.fullmatch(r"\d+\.\d+", peer.socket_id)
    assert peer.established["activity_timeout"] == 120


async def test_official_library_publishes_and_websocket_client_receives(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    peer = await peers()
    assert (await peer.subscribe("tickets"))["event"] == "pusher_internal:subscription_succeeded"
    client = official_client(demo_server)
    result = await asyncio.to_thread(
        client.trigger, "tickets", "ticket.created", {"id": 7, "subject": "Printer on fire"}
    )
    assert result == {}
    frame = await peer.recv()
    assert frame["event"] == "ticket.created"
    assert frame["channel"] == "tickets"
    assert json.loads(frame["data"]) == {"id": 7, "subject": "Printer on fire"}


async def test_batch_events_arrive_in_order(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    peer = await peers()
    await peer.subscribe("tickets")
    await peer.subscribe("other")
    batch = [
        {"channel": "tickets", "name": "a", "data": "1"},
        {"channel": "other", "name": "b", "data": "2"},
        {"channel": "tickets", "name": "c", "data": "3"},
    ]
    result = await asyncio.to_thread(official_client(demo_server).trigger_batch, batch)
    assert result == {"batch": [{}, {}, {}]}
    got = [await peer.recv() for _ in batch]
    assert [(f["channel"], f["event"], f["data"]) for f in got] == [
        ("tickets", "a", "1"),
        ("other", "b", "2"),
        ("tickets", "c", "3"),
    ]


async def test_trigger_excludes_the_socket_id(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    sender, other = await peers(), await peers()
    for peer in (sender, other):
        await peer.subscribe("tickets")
    client = official_client(demo_server)
    await asyncio.to_thread(client.trigger, "tickets", "first", "x", sender.socket_id)
    await asyncio.to_thread(client.trigger, "tickets", "second", "y")
    assert (await other.recv())["event"] == "first"
    assert (await other.recv())["event"] == "second"
    assert (await sender.recv())["event"] == "second"  # "first" never reached the sender


async def test_bad_request_signature_is_refused_with_401(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    peer = await peers()
    await peer.subscribe("tickets")
    with pytest.raises(pusher.errors.PusherBadAuth):
        await asyncio.to_thread(
            official_client(demo_server, secret="wrong").trigger, "tickets", "evil", "x"
        )
    demo_server.publish("tickets", "probe", "p")
    assert (await peer.recv())["event"] == "probe"  # nothing was published before it


def _signed_query(server: DemoServer, body: bytes, **override: str) -> dict[str, str]:
    params = {
        "auth_key": server.key,
        "auth_timestamp": str(int(time.time())),
        "auth_version": "1.0",
        "body_md5": body_md5(body),
    }
    params.update(override)
    path = f"/apps/{server.app_id}/events"
    params["auth_signature"] = request_signature(server.secret, "POST", path, params)
    return params


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("body", "body_md5"),
        ("timestamp", "auth_timestamp"),
        ("key", "auth_key"),
    ],
)
async def test_tampered_requests_are_refused(
    demo_server: DemoServer, tamper: str, message: str
) -> None:
    body = json.dumps({"name": "e", "channels": ["tickets"], "data": "x"}).encode()
    override = {}
    if tamper == "timestamp":
        override["auth_timestamp"] = str(int(time.time()) - 3600)
    if tamper == "key":
        override["auth_key"] = "someone-else"
    params = _signed_query(demo_server, body, **override)
    sent = body.replace(b'"x"', b'"y"') if tamper == "body" else body
    async with httpx.AsyncClient(base_url=demo_server.http_url()) as http:
        response = await http.post(
            f"/apps/{demo_server.app_id}/events",
            params=params,
            content=sent,
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 401
    assert response.json()["code"] == 401
    assert message in response.json()["error"]


async def test_signed_request_by_hand_is_accepted(demo_server: DemoServer) -> None:
    body = json.dumps({"name": "e", "channel": "tickets", "data": "x"}).encode()
    async with httpx.AsyncClient(base_url=demo_server.http_url()) as http:
        response = await http.post(
            f"/apps/{demo_server.app_id}/events",
            params=_signed_query(demo_server, body),
            content=body,
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 200
    assert demo_server.published == 1


async def test_unknown_app_key_gets_4001(demo_server: DemoServer) -> None:
    peer_ws = await websockets.connect(f"{demo_server.ws_url()}/app/nope?protocol=7")
    frame = json.loads(await peer_ws.recv())
    assert frame == {
        "event": "pusher:error",
        "data": {"code": 4001, "message": "App key nope does not exist."},
    }
    async with asyncio.timeout(5):
        await peer_ws.wait_closed()
    assert peer_ws.close_code == 4001


async def test_private_channel_with_signature_from_the_official_library(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    peer = await peers()
    signed = official_client(demo_server).authenticate("private-agent-7", peer.socket_id)
    frame = await peer.subscribe("private-agent-7", auth=signed["auth"])
    assert frame["event"] == "pusher_internal:subscription_succeeded"
    assert frame["channel"] == "private-agent-7"


@pytest.mark.parametrize("channel", ["private-agent-7", "presence-support"])
async def test_bad_channel_signature_gets_subscription_error_401(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]], channel: str
) -> None:
    peer = await peers()
    other = await peers()
    # A signature for another socket is the classic mistake: it must not work here.
    custom = {"user_id": "u1"} if channel.startswith("presence-") else None
    signed = official_client(demo_server).authenticate(channel, other.socket_id, custom)
    frame = await peer.subscribe(channel, **signed)
    assert frame == {
        "event": "pusher:subscription_error",
        "channel": channel,
        "data": {"type": "AuthError", "error": "The connection is unauthorized.", "status": 401},
    }
    assert demo_server.subscribers(channel) == []


async def test_auth_endpoint_signs_private_and_presence_channels(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    peer = await peers()
    async with httpx.AsyncClient(base_url=demo_server.http_url()) as http:
        private = await http.post(
            "/pusher/auth", data={"socket_id": peer.socket_id, "channel_name": "private-agent-7"}
        )
        presence = await http.post(
            "/pusher/auth", data={"socket_id": peer.socket_id, "channel_name": "presence-support"}
        )
        public = await http.post(
            "/pusher/auth", data={"socket_id": peer.socket_id, "channel_name": "tickets"}
        )
    assert public.status_code == 403
    frame = await peer.subscribe("private-agent-7", **private.json())
    assert frame["event"] == "pusher_internal:subscription_succeeded"
    frame = await peer.subscribe("presence-support", **presence.json())
    assert frame["event"] == "pusher_internal:subscription_succeeded"
    members = json.loads(frame["data"])["presence"]
    assert members["ids"] == ["agent-7"]
    assert members["hash"]["agent-7"]["name"] == "Priya Shah"


async def test_auth_status_hook_makes_the_endpoint_refuse(demo_server: DemoServer) -> None:
    demo_server.auth_status = 403
    async with httpx.AsyncClient(base_url=demo_server.http_url()) as http:
        response = await http.post(
            "/pusher/auth", data={"socket_id": "1.2", "channel_name": "private-agent-7"}
        )
    assert response.status_code == 403
    assert demo_server.auth_requests == 1


async def _join_presence(server: DemoServer, peer: Peer, user: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.http_url()) as http:
        response = await http.post(
            "/pusher/auth",
            data={"socket_id": peer.socket_id, "channel_name": "presence-support"},
            headers={"Authorization": f"Bearer {user}"},
        )
    response.raise_for_status()
    return await peer.subscribe("presence-support", **response.json())


async def test_presence_members_added_and_removed(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    ann, bob = await peers(), await peers()
    first = await _join_presence(demo_server, ann, "ann")
    assert json.loads(first["data"])["presence"]["ids"] == ["ann"]

    second = await _join_presence(demo_server, bob, "bob")
    presence = json.loads(second["data"])["presence"]
    assert presence["ids"] == ["ann", "bob"]
    assert presence["count"] == 2
    added = await ann.recv()
    assert added["event"] == "pusher_internal:member_added"
    assert json.loads(added["data"]) == {"user_id": "bob", "user_info": {"name": "Bob"}}

    await bob.ws.close()
    removed = await ann.recv()
    assert removed["event"] == "pusher_internal:member_removed"
    assert json.loads(removed["data"]) == {"user_id": "bob"}
    assert list(demo_server.members("presence-support")) == ["ann"]


async def test_same_user_twice_is_one_member(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    ann, ann_again, watcher = await peers(), await peers(), await peers()
    await _join_presence(demo_server, watcher, "watcher")
    await _join_presence(demo_server, ann, "ann")
    assert (await watcher.recv())["event"] == "pusher_internal:member_added"
    frame = await _join_presence(demo_server, ann_again, "ann")
    assert json.loads(frame["data"])["presence"]["count"] == 2
    await ann.ws.close()
    await demo_server.wait_for(lambda: len(demo_server.subscribers("presence-support")) == 2)
    await ann_again.send("pusher:unsubscribe", {"channel": "presence-support"})
    # Only the last socket of a user leaving removes the member.
    removed = await watcher.recv()
    assert removed["event"] == "pusher_internal:member_removed"
    assert json.loads(removed["data"]) == {"user_id": "ann"}


async def test_client_events_relay_to_others_on_private_channels_only(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    ann, bob = await peers(), await peers()
    for peer, user in ((ann, "ann"), (bob, "bob")):
        await _join_presence(demo_server, peer, user)
        await peer.subscribe("tickets")
    assert (await ann.recv())["event"] == "pusher_internal:member_added"

    await ann.send("client-typing", {"ticket": 7}, channel="presence-support")
    frame = await bob.recv()
    assert frame == {
        "event": "client-typing",
        "channel": "presence-support",
        "data": {"ticket": 7},
        "user_id": "ann",
    }

    await ann.send("client-typing", {"ticket": 7}, channel="tickets")
    error = await ann.recv()
    assert error["event"] == "pusher:error"
    assert "private and presence" in error["data"]["message"]
    demo_server.publish("tickets", "probe", "p")
    assert (await bob.recv())["event"] == "probe"  # the public client event was not relayed


async def test_ping_is_answered_with_pong(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    peer = await peers()
    await peer.send("pusher:ping", {})
    assert (await peer.recv())["event"] == "pusher:pong"
    demo_server.answer_pings = False
    await peer.send("pusher:ping", {})
    frame = await peer.subscribe("tickets")
    assert frame["event"] == "pusher_internal:subscription_succeeded"  # no pong came first


async def test_silent_client_gets_a_ping_then_4201(demo_server_factory: ServerFactory) -> None:
    server = await demo_server_factory(activity_timeout=0.2, pong_timeout=0.3)
    peer = await Peer.connect(server)
    try:
        frame = await peer.recv()
        assert frame["event"] == "pusher:ping"
        # Answer once: the connection lives on and is pinged again after the next silence.
        await peer.send("pusher:pong", {})
        assert (await peer.recv())["event"] == "pusher:ping"
        assert await peer.closed() == (4201, "Pong reply not received")
    finally:
        await peer.ws.close()


async def test_disconnect_all_sends_error_then_close_code(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    peer = await peers()
    await demo_server.disconnect_all(4100, "Over capacity")
    frame = await peer.recv()
    assert frame == {"event": "pusher:error", "data": {"code": 4100, "message": "Over capacity"}}
    assert await peer.closed() == (4100, "Over capacity")
    assert demo_server.client_count == 0
    again = await peers()  # the server still accepts connections
    assert again.socket_id != peer.socket_id


async def test_drop_all_cuts_without_close_frame(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    peer = await peers()
    await demo_server.drop_all()
    assert await peer.closed() == (None, None)


async def test_inject_raw_sends_text_and_binary_frames(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    peer = await peers()
    demo_server.inject_raw("{not json")
    demo_server.inject_raw(b"\x00\xff")
    async with asyncio.timeout(5):
        assert await peer.ws.recv() == "{not json"
        assert await peer.ws.recv() == b"\x00\xff"
    await peer.send("pusher:ping", {})
    assert (await peer.recv())["event"] == "pusher:pong"


async def test_garbage_from_a_client_is_ignored(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    peer = await peers()
    await peer.ws.send("not json")
    await peer.ws.send(b"\x00")
    await peer.ws.send("[1, 2]")
    await peer.send("pusher:ping", {})
    assert (await peer.recv())["event"] == "pusher:pong"


async def test_close_sends_4200_to_clients(demo_server_factory: ServerFactory) -> None:
    server = await demo_server_factory()
    peer = await Peer.connect(server)
    await server.close()
    frame = await peer.recv()
    assert frame["data"]["code"] == 4200
    assert (await peer.closed())[0] == 4200


async def test_cache_channel_replays_the_last_event(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    first = await peers()
    await first.subscribe("cache-status")
    assert (await first.recv()) == {
        "event": "pusher:cache_miss",
        "channel": "cache-status",
        "data": None,
    }
    demo_server.publish("cache-status", "status", {"ok": True})
    assert (await first.recv())["event"] == "status"
    late = await peers()
    await late.subscribe("cache-status")
    frame = await late.recv()
    assert (frame["event"], json.loads(frame["data"])) == ("status", {"ok": True})


async def signed_in(server: DemoServer, peer: Peer, user_id: str) -> Peer:
    """Sign ``peer`` in through the server's own user-auth endpoint."""
    async with httpx.AsyncClient(base_url=server.http_url()) as http:
        form = {"socket_id": peer.socket_id, "user_id": user_id}
        response = await http.post("/pusher/user-auth", data=form)
    await peer.send("pusher:signin", response.json())
    frame = await peer.recv()
    assert frame["event"] == "pusher:signin_success"
    assert json.loads(frame["data"]["user_data"])["id"] == user_id
    return peer


async def test_send_to_user_reaches_every_socket_signed_in_as_that_user(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    first = await signed_in(demo_server, await peers(), "ann")
    second = await signed_in(demo_server, await peers(), "ann")
    bob = await signed_in(demo_server, await peers(), "bob")
    anonymous = await peers()
    # pusher-js subscribes to its user's channel after signing in; the second socket does
    # not, and is reached all the same, as on Soketi: delivery goes by sign-in.
    assert await first.subscribe("#server-to-user-ann") == {
        "event": "pusher_internal:subscription_succeeded",
        "channel": "#server-to-user-ann",
        "data": "{}",
    }
    for peer in (bob, anonymous):
        await peer.subscribe("tickets")
    client = official_client(demo_server)
    await asyncio.to_thread(client.send_to_user, "ann", "note", {"text": "hi"})
    await asyncio.to_thread(
        client.trigger_batch, [{"channel": "#server-to-user-ann", "name": "batched", "data": "x"}]
    )
    await asyncio.to_thread(client.trigger, "tickets", "after", {})
    for peer in (first, second):
        frame = await peer.recv()
        assert frame == {"event": "note", "channel": "#server-to-user-ann", "data": frame["data"]}
        assert json.loads(frame["data"]) == {"text": "hi"}
        frame = await peer.recv()
        assert frame == {"event": "batched", "channel": "#server-to-user-ann", "data": "x"}
    for peer in (bob, anonymous):
        # Events arrive in the order they were triggered: the first thing these two see
        # is the later public event, so the user's events never reached them.
        assert (await peer.recv())["event"] == "after"


async def test_user_channel_subscription_is_refused_unless_signed_in_as_that_user(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    refused = {"type": "AuthError", "error": "The connection is not signed in as this user."}
    anonymous = await peers()
    bob = await signed_in(demo_server, await peers(), "bob")
    for peer in (anonymous, bob):
        frame = await peer.subscribe("#server-to-user-ann")
        assert frame["event"] == "pusher:subscription_error"
        assert frame["channel"] == "#server-to-user-ann"
        assert frame["data"] == {**refused, "status": 401}
    assert demo_server.subscribers("#server-to-user-ann") == []


async def test_user_events_stop_with_the_socket_and_follow_a_new_sign_in(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    leaving = await signed_in(demo_server, await peers(), "ann")
    staying = await signed_in(demo_server, await peers(), "ann")
    assert sorted(demo_server.signed_in("ann")) == sorted([leaving.socket_id, staying.socket_id])
    await leaving.ws.close()
    await demo_server.wait_for(lambda: demo_server.signed_in("ann") == [staying.socket_id])
    # Signing in again as someone else moves the socket over to that user.
    await signed_in(demo_server, staying, "bob")
    assert demo_server.signed_in("ann") == []
    assert demo_server.signed_in("bob") == [staying.socket_id]
    client = official_client(demo_server)
    await asyncio.to_thread(client.send_to_user, "ann", "lost", {})
    await asyncio.to_thread(client.send_to_user, "bob", "found", {})
    assert (await staying.recv())["event"] == "found"


async def test_bad_signin_closes_with_4009(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    peer = await peers()
    await peer.send("pusher:signin", {"user_data": '{"id":"x"}', "auth": "demo-key:bad"})
    assert (await peer.recv())["data"]["code"] == 4009
    assert (await peer.closed())[0] == 4009


async def test_ready_and_unknown_paths(demo_server: DemoServer) -> None:
    async with httpx.AsyncClient(base_url=demo_server.http_url()) as http:
        assert (await http.get("/ready")).status_code == 200
        assert (await http.get("/nope")).status_code == 404
        assert (await http.get(f"/apps/{demo_server.app_id}/events")).status_code == 405
        wrong_app = await http.post("/apps/999/events", content=b"{}")
        assert wrong_app.status_code == 404


async def test_generated_tickets_are_published(demo_server_factory: ServerFactory) -> None:
    server = await demo_server_factory(ticket_rate=200.0)
    peer = await Peer.connect(server)
    try:
        await peer.subscribe("tickets")
        frames = [await peer.recv() for _ in range(5)]
        assert {f["event"] for f in frames} <= set(EVENTS)
        for frame in frames:
            data = json.loads(frame["data"])
            assert data["url"] == f"https://helpdesk.example.invalid/tickets/{data['id']}"
    finally:
        await peer.ws.close()


async def test_one_broadcast_reaches_many_clients(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    clients = [await peers() for _ in range(20)]
    for peer in clients:
        await peer.subscribe("tickets")
    assert demo_server.publish("tickets", "hello", {"n": 1}) == 20
    for peer in clients:
        assert (await peer.recv())["event"] == "hello"


MASTER_KEY = bytes(range(32))


def _open_sealed(shared_secret_b64: str, data: str) -> Any:
    import nacl.secret

    sealed = json.loads(data)
    box = nacl.secret.SecretBox(base64.b64decode(shared_secret_b64))
    plain = box.decrypt(base64.b64decode(sealed["ciphertext"]), base64.b64decode(sealed["nonce"]))
    return json.loads(plain)


async def test_encrypted_channel_end_to_end(demo_server_factory: ServerFactory) -> None:
    server = await demo_server_factory(encryption_master_key=MASTER_KEY)
    peer = await Peer.connect(server)
    channel = "private-encrypted-agent-7"
    try:
        async with httpx.AsyncClient() as http:
            response = await http.post(
                server.auth_endpoint(), data={"socket_id": peer.socket_id, "channel_name": channel}
            )
        grant = response.json()
        frame = await peer.subscribe(channel, auth=grant["auth"])
        assert frame["event"] == "pusher_internal:subscription_succeeded"

        publisher = official_client(server, master_key=MASTER_KEY)
        await asyncio.to_thread(publisher.trigger, channel, "note", {"from": "library"})
        server.publish(channel, "note", {"from": "server"})
        first, second = await peer.recv(), await peer.recv()
        assert "library" not in first["data"]  # the wire carries ciphertext only
        assert _open_sealed(grant["shared_secret"], first["data"]) == {"from": "library"}
        assert _open_sealed(grant["shared_secret"], second["data"]) == {"from": "server"}
    finally:
        await peer.ws.close()


async def test_encrypted_channel_auth_needs_a_master_key(demo_server: DemoServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            demo_server.auth_endpoint(),
            data={"socket_id": "1.2", "channel_name": "private-encrypted-x"},
        )
    assert response.status_code == 403
    with pytest.raises(ValueError, match="encryption_master_key"):
        demo_server.publish("private-encrypted-x", "e", "x")


async def test_simulated_members_come_and_go(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    demo_server.add_member("presence-support", "agent-3", {"name": "Marcus Lee"})
    peer = await peers()
    frame = await _join_presence(demo_server, peer, "ann")
    assert json.loads(frame["data"])["presence"]["ids"] == ["agent-3", "ann"]
    demo_server.add_member("presence-support", "agent-5", {"name": "Tomás García"})
    added = await peer.recv()
    assert added["event"] == "pusher_internal:member_added"
    assert json.loads(added["data"]) == {
        "user_id": "agent-5",
        "user_info": {"name": "Tomás García"},
    }
    demo_server.remove_member("presence-support", "agent-3")
    removed = await peer.recv()
    assert removed["event"] == "pusher_internal:member_removed"
    assert json.loads(removed["data"]) == {"user_id": "agent-3"}
    assert list(demo_server.members("presence-support")) == ["ann", "agent-5"]


async def test_ticket_activity_has_colleagues_on_the_presence_channel(
    demo_server_factory: ServerFactory,
) -> None:
    server = await demo_server_factory(ticket_rate=0.01)
    peer = await Peer.connect(server)
    try:
        frame = await _join_presence(server, peer, "agent-7")
        ids = json.loads(frame["data"])["presence"]["ids"]
        assert len(ids) == 3 and ids[-1] == "agent-7"
    finally:
        await peer.ws.close()


async def test_channel_information_for_the_official_library(
    demo_server: DemoServer, peers: Callable[..., Awaitable[Peer]]
) -> None:
    ann, bob = await peers(), await peers()
    await _join_presence(demo_server, ann, "ann")
    await _join_presence(demo_server, bob, "bob")
    await ann.subscribe("tickets")
    client = official_client(demo_server)
    everything = await asyncio.to_thread(client.channels_info)
    assert everything == {"channels": {"presence-support": {}, "tickets": {}}}
    presence = await asyncio.to_thread(client.channels_info, "presence-", ["user_count"])
    assert presence == {"channels": {"presence-support": {"user_count": 2}}}
    one = await asyncio.to_thread(
        client.channel_info, "presence-support", ["user_count", "subscription_count"]
    )
    assert one == {"occupied": True, "user_count": 2, "subscription_count": 2}
    empty = await asyncio.to_thread(client.channel_info, "nobody-here")
    assert empty == {"occupied": False}
    users = await asyncio.to_thread(client.users_info, "presence-support")
    assert users == {"users": [{"id": "ann"}, {"id": "bob"}]}
    with pytest.raises(pusher.errors.PusherBadAuth):
        await asyncio.to_thread(official_client(demo_server, secret="no").channels_info)


async def test_restart_listens_on_the_same_port(demo_server_factory: ServerFactory) -> None:
    server = await demo_server_factory()
    port = server.port
    peer = await Peer.connect(server)
    await server.close()
    assert (await peer.closed())[0] == 4200
    await server.start()
    assert server.port == port
    again = await Peer.connect(server)
    try:
        assert (await again.subscribe("tickets"))["event"].endswith("subscription_succeeded")
    finally:
        await again.ws.close()


async def test_reject_connections_turns_every_socket_away(demo_server: DemoServer) -> None:
    demo_server.reject_connections = (4100, "Over capacity")
    for attempt in (1, 2):
        async with websockets.connect(f"{demo_server.ws_url()}/app/{demo_server.key}") as ws:
            frame = json.loads(await ws.recv())
            assert frame == {
                "event": "pusher:error",
                "data": {"code": 4100, "message": "Over capacity"},
            }
            async with asyncio.timeout(5):
                await ws.wait_closed()
            assert ws.close_code == 4100
        assert demo_server.connection_attempts == attempt
    assert demo_server.client_count == 0
    demo_server.reject_connections = None
    async with websockets.connect(f"{demo_server.ws_url()}/app/{demo_server.key}") as ws:
        frame = json.loads(await ws.recv())
        assert frame["event"] == "pusher:connection_established"
