"""Presence member data, as the engine and ``beacon check`` both sign it."""

from __future__ import annotations

import json

from beacon.pusher.auth import presence_channel_data


def test_presence_channel_data_is_compact_with_a_string_user_id() -> None:
    text = presence_channel_data({"id": 7, "info": {"name": "Ann"}})
    assert text == '{"user_id":"7","user_info":{"name":"Ann"}}'


def test_presence_channel_data_without_info_has_an_empty_object() -> None:
    assert json.loads(presence_channel_data({"id": "agent-7"})) == {
        "user_id": "agent-7",
        "user_info": {},
    }
