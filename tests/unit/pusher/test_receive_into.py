"""``receive_into``: the runtime's hot path hands application events to a sink, and must
tell exactly what ``receive`` tells, frame for frame."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beacon.pusher import EventReceived, ProtocolEvent, PusherConnection


def connected() -> PusherConnection:
    conn = PusherConnection(["tickets", "pushy"])
    conn.connect(0.0)
    conn.opened(0.0)
    conn.receive(
        json.dumps({"event": "pusher:connection_established", "data": '{"socket_id": "1.1"}'}),
        0.0,
    )
    conn.data_to_send()  # the subscriptions
    return conn


def via_sink(conn: PusherConnection, text: str) -> list[ProtocolEvent]:
    got: list[ProtocolEvent] = []

    def sink(channel: str, event: str, data: Any, raw: str | None, user_id: str | None) -> None:
        got.append(EventReceived(channel, event, data, raw, user_id))

    events = conn.receive_into(text, 1.0, sink)
    if events is None:
        assert len(got) == 1  # one event went to the sink, and nothing else happened
        return got
    assert got == []
    return events


def test_an_application_event_goes_to_the_sink_and_nothing_is_returned() -> None:
    conn = connected()
    calls: list[tuple[Any, ...]] = []
    text = json.dumps({"event": "ticket.created", "channel": "tickets", "data": '{"id": 42}'})
    assert conn.receive_into(text, 1.0, lambda *fields: calls.append(fields)) is None
    assert calls == [("tickets", "ticket.created", {"id": 42}, '{"id": 42}', None)]
    assert not conn.has_data_to_send


names = st.sampled_from(
    ["ticket.created", "p", "pusher", "pusherx", "pusher:ping", "pusher_internal:x", "client-a"]
)
frames = st.one_of(
    st.builds(
        lambda event, channel, data, user_id: json.dumps(
            {"event": event, "channel": channel, "data": data}
            | ({} if user_id is None else {"user_id": user_id})
        ),
        names,
        st.sampled_from(["tickets", "pushy", "elsewhere", None]),
        st.one_of(st.text(max_size=20), st.just('{"a": [1, 2]}'), st.just("NaN")),
        st.one_of(st.none(), st.text(max_size=5), st.integers()),
    ),
    st.text(max_size=30),
)


@pytest.mark.expect_log_warnings(r"^beacon\.pusher: skipped a malformed ")
@given(st.lists(frames, max_size=8))
def test_receive_into_tells_what_receive_tells(texts: list[str]) -> None:
    plain, fast = connected(), connected()
    for text in texts:
        assert via_sink(fast, text) == plain.receive(text, 1.0)
        assert fast.data_to_send() == plain.data_to_send()
        assert fast.state == plain.state
