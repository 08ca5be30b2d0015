"""The demo server's ticket API for the demo's Claim and Resolve buttons: each change is
published as the event that follows it; a change that cannot be made is a 409 in words."""

from __future__ import annotations

from typing import Any

import httpx

from beacon.demo import DemoServer


def _event(data: dict[str, Any]) -> dict[str, Any]:
    """The body an action button posts (DESIGN.md "Actions and signals")."""
    return {"account": "demo", "channel": "tickets", "event": "ticket.created", "data": data}


def _published(server: DemoServer, event: str, ticket_id: int) -> list[tuple[str, Any]]:
    # What the server published, as its catch-up endpoint serves it.
    everything = server.missed.answer("/pusher/missed?since=2000-01-01T00:00:00Z")
    return [
        (e["channel"], e["data"])
        for e in everything
        if e["event"] == event and e["data"].get("id") == ticket_id
    ]


async def test_claim_then_resolve(demo_server: DemoServer) -> None:
    data = {"id": 901, "subject": "Printer on fire", "agent": None, "status": "open"}
    base = f"{demo_server.http_url()}/api/tickets/901"
    async with httpx.AsyncClient() as http:
        claimed = await http.post(f"{base}/claim", json=_event(data))
        assert claimed.status_code == 200
        assert claimed.json() == {"event": "ticket.assigned", "channel": "private-agent-7"}
        ((channel, assigned),) = _published(demo_server, "ticket.assigned", 901)
        assert channel == "private-agent-7"
        assert assigned["agent"] == {"id": "agent-7", "name": "Priya Shah"}
        assert assigned["subject"] == "Printer on fire"

        again = await http.post(f"{base}/claim", json=_event(data))
        assert (again.status_code, again.text) == (409, "already claimed by you")

        resolved = await http.post(f"{base}/resolve", json=_event(data))
        assert resolved.status_code == 200
        ((_channel, done),) = _published(demo_server, "ticket.resolved", 901)
        assert done["status"] == "resolved"

        late = await http.post(f"{base}/claim", json=_event(data))
        assert (late.status_code, late.text) == (409, "already resolved")


async def test_someone_elses_ticket_is_refused(demo_server: DemoServer) -> None:
    data = {"id": 902, "agent": {"id": "agent-3", "name": "Marcus Lee"}}
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{demo_server.http_url()}/api/tickets/902/claim", json=_event(data)
        )
    assert (answer.status_code, answer.text) == (409, "already claimed by Marcus Lee")
    assert not _published(demo_server, "ticket.assigned", 902)


async def test_a_body_for_another_ticket_or_no_json_is_a_bad_request(
    demo_server: DemoServer,
) -> None:
    url = f"{demo_server.http_url()}/api/tickets/903/claim"
    async with httpx.AsyncClient() as http:
        other = await http.post(url, json=_event({"id": 904}))
        garbage = await http.post(url, content=b"not json")
        wrong_method = await http.get(url)
    assert other.status_code == 400
    assert garbage.status_code == 400
    assert wrong_method.status_code == 405
