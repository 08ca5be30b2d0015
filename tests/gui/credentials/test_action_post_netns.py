"""A rule action's ``post`` that carries the keyring secret over plain http:// to
``localhost`` (which the loader allows) is checked when it is pressed: every address
localhost resolves to must be loopback, as for the auth endpoint and catch-up.

Inside a network namespace whose own /etc/hosts maps localhost to an address that is not
loopback (a recording relay on this end of a veth pair, in front of the demo server in
the namespace), a press of the real ``Actions`` with the secret from the real keyring is
refused with the reason and the fix, and the relay sees no connection at all; the same
press with ``allow_insecure = true`` shows the secret arriving there in clear.

Signals (``[[signal]] post``) have no headers, so they never carry the secret: there is
nothing of theirs to check.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from support.cli import account_toml
from support.netns import Namespace, NsDemoServer, RecordingProxy

# One press of the config's one action, as the app's ActionService makes it, in a process
# that runs inside the namespace (its resolver reads the namespace's /etc/hosts).
_PRESS = """
import asyncio, json, sys
from pathlib import Path
from beacon.config import load_config
from beacon.credentials import Keyring
from beacon.services.actions import Actions

async def main():
    config = load_config(Path(sys.argv[1]))
    (account,) = config.accounts
    (rule,) = config.rules
    (action,) = rule.actions
    actions = Actions(config.accounts, Keyring(), lambda *args: None)
    try:
        result = await actions.run(account.name, action, "tickets", "ticket.created", {"id": 42})
    finally:
        await actions.close()
    print(json.dumps({"ok": result.ok, "text": result.text}))

asyncio.run(main())
"""


def config(name: str, server: NsDemoServer, port: int, *, allow: bool) -> str:
    """One account on the server (public channel, no secret on the socket) and a rule
    whose Claim button posts with the secret to http://localhost:PORT."""
    extra = {"allow_insecure": True} if allow else {}
    return account_toml(
        name=name,
        key=server.key,
        host=server.host,
        port=server.port,
        tls=False,
        **extra,
        channels=["tickets"],
    ) + (
        "[[rule]]\n"
        f'account = "{name}"\n'
        'channel = "tickets"\n'
        "actions = [\n"
        f'  {{ label = "Claim", post = "http://localhost:{port}/api/tickets/{{id}}/claim", '
        'headers = { Authorization = "Bearer {secret}" } },\n'
        "]\n"
    )


async def press_in(ns: Namespace, path: Path, text: str) -> dict[str, Any]:
    path.write_text(text, encoding="utf-8")
    # The real keyring, over the session bus.
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    done = await asyncio.to_thread(ns.run, sys.executable, "-c", _PRESS, str(path), env=env)
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return answer


async def test_a_localhost_action_post_that_resolves_elsewhere_gets_no_secret(
    tmp_path: Path,
    netns: Namespace,
    netns_server: NsDemoServer,
    netns_relay: RecordingProxy,
    netns_account: str,
    netns_canary: str,
) -> None:
    result = await press_in(
        netns,
        tmp_path / "refused.toml",
        config(netns_account, netns_server, netns_relay.port, allow=False),
    )
    assert result["ok"] is False
    assert result["text"] == (
        "Claim failed: refused to send the keyring secret over plain http:// to localhost: "
        f"it resolves to {netns_relay.host}, not only to this machine (loopback). Fix: use an "
        "https:// post URL, or, if you accept that anyone on the network path can read it, "
        "add allow_insecure = true to the account"
    ), result
    assert netns_relay.sent == []  # no connection, so not one byte of the secret
    assert netns_canary not in result["text"]

    # With the risk accepted, the very same press does reach the relay, secret and all:
    # the refusal above is what kept it home.
    allowed = await press_in(
        netns,
        tmp_path / "allowed.toml",
        config(netns_account, netns_server, netns_relay.port, allow=True),
    )
    assert allowed["ok"] is True, allowed  # the demo server's claim endpoint took it
    sent = b"".join(netns_relay.sent)
    assert b"POST /api/tickets/42/claim " in sent
    assert f"Authorization: Bearer {netns_canary}".encode() in sent
