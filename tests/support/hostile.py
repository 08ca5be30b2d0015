"""Hypothesis strategies for hostile Pusher frames: the protocol's own event names,
channels a client knows, data that is nearly right, then sometimes cut, spliced or sent as
binary. Shared by the core's fuzz tests and the malicious server's."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from support.strategies import json_values

CHANNELS = (
    "tickets", "private-a", "presence-p", "private-encrypted-x", "private-cache-c",
    "cache-news", "#server-to-user-ann",
)  # fmt: skip
EVENTS = (
    "pusher:connection_established", "pusher:error", "pusher:ping", "pusher:pong",
    "pusher_internal:subscription_succeeded", "pusher_internal:subscription_count",
    "pusher:subscription_error", "pusher_internal:member_added",
    "pusher_internal:member_removed", "pusher:cache_miss", "pusher:signin_success",
    "pusher:subscription_succeeded", "e", "client-x", "pusher:unknown",
)  # fmt: skip

numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),  # JSON has no NaN; Infinity is json.dumps' own extension
    st.sampled_from([0, -1, 1e12, 10**12, 1e308, 0.001, True, "120", None]),
)

# Data that is close to what each protocol event carries, with every field fair game.
shaped_data = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "socket_id": st.one_of(st.text(max_size=8), json_values(3)),
            "activity_timeout": numbers,
        },
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "presence": st.one_of(
                json_values(4),
                st.fixed_dictionaries(
                    {},
                    optional={
                        "ids": st.lists(st.one_of(st.text(max_size=4), numbers), max_size=3),
                        "hash": st.dictionaries(st.text(max_size=4), json_values(3), max_size=3),
                        "count": numbers,
                    },
                ),
            ),
            "user_id": st.one_of(st.text(max_size=4), numbers),
            "user_info": json_values(3),
            "code": numbers,
            "message": st.one_of(st.text(max_size=20), json_values(2)),
            "subscription_count": numbers,
            "user_data": st.one_of(st.text(max_size=20), json_values(3)),
            "ciphertext": st.one_of(st.text(max_size=40), numbers),
            "nonce": st.one_of(st.text(max_size=40), numbers),
            "type": st.text(max_size=10),
            "error": st.text(max_size=10),
            "status": numbers,
        },
    ),
    json_values(6),
)


# A text frame is UTF-8 on the wire: a lone surrogate cannot be sent as text at all (the
# test's websockets server failed to encode one), so mutations draw encodable characters.
_SENDABLE = st.characters(codec="utf-8")


@st.composite
def frames(draw: st.DrawFn) -> str | bytes:
    message: dict[str, Any] = {}
    if draw(st.integers(0, 9)) > 0:  # mostly with an event name
        message["event"] = draw(st.one_of(st.sampled_from(EVENTS), st.text(max_size=12)))
    if draw(st.booleans()):
        message["channel"] = draw(
            st.one_of(st.sampled_from(CHANNELS), st.text(max_size=8), json_values(2))
        )
    if draw(st.booleans()):
        data = draw(shaped_data)
        # Pusher double-encodes data as a JSON string; servers do not always.
        message["data"] = json.dumps(data) if draw(st.booleans()) else data
    if draw(st.booleans()):
        message["user_id"] = draw(st.one_of(st.text(max_size=4), json_values(2)))
    text = json.dumps(message)
    mutation = draw(st.sampled_from(["none", "none", "cut", "insert", "flip", "binary"]))
    if mutation == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif mutation == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(_SENDABLE, min_size=1, max_size=3)) + text[at:]
    elif mutation == "flip":
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + draw(_SENDABLE) + text[at + 1 :]
    elif mutation == "binary":
        return text.encode("utf-8", "surrogatepass") + draw(st.binary(max_size=4))
    return text
