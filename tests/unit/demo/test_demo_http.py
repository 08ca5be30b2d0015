"""The demo server's small HTTP/1.1 reader and writer."""

from __future__ import annotations

import json

import pytest

from beacon.demo.http import HttpError, error_response, parse_head, response


def test_parse_head_splits_path_query_and_headers() -> None:
    head = (
        b"POST /apps/1/events?auth_key=k&body_md5=abc HTTP/1.1\r\n"
        b"Host: x\r\nContent-Length: 12\r\nCONTENT-TYPE: application/json\r\n\r\n"
    )
    request = parse_head(head)
    assert (request.method, request.path) == ("POST", "/apps/1/events")
    assert request.query == {"auth_key": "k", "body_md5": "abc"}
    assert request.headers["content-type"] == "application/json"
    assert request.content_length == 12
    assert request.keep_alive
    assert not request.is_upgrade
    assert request.head == head


@pytest.mark.parametrize(
    ("version", "connection", "keep_alive"),
    [
        ("HTTP/1.1", "", True),
        ("HTTP/1.1", "close", False),
        ("HTTP/1.0", "", False),
        ("HTTP/1.0", "keep-alive", True),
    ],
)
def test_keep_alive_follows_version_and_connection(
    version: str, connection: str, keep_alive: bool
) -> None:
    extra = f"Connection: {connection}\r\n" if connection else ""
    request = parse_head(f"GET / {version}\r\n{extra}\r\n".encode())
    assert request.keep_alive is keep_alive


def test_upgrade_is_recognized() -> None:
    request = parse_head(
        b"GET /app/k HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\r\n"
    )
    assert request.is_upgrade


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET / HTTP/2\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", 400),
    ],
)
def test_bad_heads_are_http_errors(head: bytes, status: int) -> None:
    with pytest.raises(HttpError) as caught:
        parse_head(head)
    assert caught.value.status == status


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (b"Content-Length: -1\r\n", 400),
        (b"Content-Length: many\r\n", 400),
        (b"Content-Length: 99999999\r\n", 413),
        (b"Transfer-Encoding: chunked\r\n", 411),
    ],
)
def test_bad_lengths_are_http_errors(headers: bytes, status: int) -> None:
    request = parse_head(b"POST / HTTP/1.1\r\n" + headers + b"\r\n")
    with pytest.raises(HttpError) as caught:
        _ = request.content_length
    assert caught.value.status == status


def test_form_reads_urlencoded_and_json_bodies() -> None:
    form = parse_head(b"POST /pusher/auth?x=1 HTTP/1.1\r\n\r\n")
    form.body = b"socket_id=1.2&channel_name=private-a%2Bb"
    assert form.form() == {"x": "1", "socket_id": "1.2", "channel_name": "private-a+b"}
    as_json = parse_head(b"POST /pusher/auth HTTP/1.1\r\nContent-Type: application/json\r\n\r\n")
    as_json.body = b'{"socket_id": "1.2", "channel_name": "private-a"}'
    assert as_json.form() == {"socket_id": "1.2", "channel_name": "private-a"}
    as_json.body = b"{nope"
    with pytest.raises(HttpError):
        as_json.form()


def test_responses_carry_length_type_and_connection() -> None:
    raw = response(200, {"a": 1}, keep_alive=False)
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Type: application/json" in head
    assert b"Content-Length: 7" in head
    assert b"Connection: close" in head
    assert json.loads(body) == {"a": 1}
    text = response(200, "OK")
    assert text.endswith(b"\r\n\r\nOK") and b"text/plain" in text


def test_error_response_is_json_with_code() -> None:
    raw = error_response(HttpError(401, "Invalid signature"))
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 401 Unauthorized")
    assert json.loads(body) == {"error": "Invalid signature", "code": 401}
