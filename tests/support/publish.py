"""The official ``pusher`` library, pointed at a test server: how tests publish."""

from __future__ import annotations

import base64
from typing import Any

import pusher


def official_client(
    server: Any, *, secret: str | None = None, master_key: bytes | None = None
) -> pusher.Pusher:
    """A publisher for ``server`` (anything with host, port, app_id, key and secret).

    ``secret`` overrides the server's, to sign wrongly on purpose; ``master_key`` lets
    the library encrypt for ``private-encrypted-`` channels.
    """
    options: dict[str, Any] = {}
    if master_key is not None:
        options["encryption_master_key_base64"] = base64.b64encode(master_key).decode()
    return pusher.Pusher(
        app_id=server.app_id,
        key=server.key,
        secret=secret or server.secret,
        host=server.host,
        port=server.port,
        ssl=False,
        **options,
    )
