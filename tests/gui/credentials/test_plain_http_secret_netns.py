"""The keyring secret over plain http:// (issue 10): the loader lets an auth endpoint on
``localhost`` have it, and the engine, when it posts, checks what localhost resolves to.

Inside a network namespace whose own /etc/hosts maps localhost to an address that is not
loopback (a recording relay on the other end of a veth pair), ``beacon check`` with the
real keyring reports the channel refused, and the relay sees no connection at all; the
same run with ``allow_insecure = true`` shows the secret arriving there in clear.

The WebSocket itself goes to the demo server on the namespace's loopback, so the only
thing that leaves the machine is the auth request.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from support.cli import account_toml, profile_env, run_until_stderr_says
from support.netns import Namespace, NsDemoServer, RecordingProxy

PRIVATE = "private-agent-7"


def config(name: str, server: NsDemoServer, relay: RecordingProxy, *, allow: bool) -> str:
    extra = {"allow_insecure": True} if allow else {}
    return account_toml(
        name=name,
        key=server.key,
        host="127.0.0.1",  # the namespace's own loopback: the socket is fine
        port=server.port,
        tls=False,
        **extra,
        channels=[PRIVATE],
        auth={
            "mode": "endpoint",
            "endpoint": f"http://localhost:{relay.port}/pusher/auth",
            "headers": {"Authorization": "Bearer {secret}"},
        },
    )


async def check_in(ns: Namespace, env: dict[str, str]) -> tuple[int, str]:
    env.pop("PYTHON_KEYRING_BACKEND", None)  # the real keyring, over the session bus
    done = await asyncio.to_thread(ns.run, sys.executable, "-m", "beacon", "check", env=env)
    return done.returncode, done.stdout + done.stderr


async def test_a_localhost_endpoint_that_resolves_elsewhere_gets_no_secret(
    tmp_path: Path,
    netns: Namespace,
    netns_server: NsDemoServer,
    netns_relay: RecordingProxy,
    netns_account: str,
    netns_canary: str,
) -> None:
    env = profile_env(tmp_path, config(netns_account, netns_server, netns_relay, allow=False))
    code, out = await check_in(netns, env)
    assert code == 1, out
    assert (
        f"channel: PROBLEM: {PRIVATE}: refused to send the keyring secret over plain http:// "
        f"to localhost: it resolves to {netns_relay.host}, not only to this machine (loopback). "
        "Fix: use an https:// endpoint" in out
    ), out
    assert netns_relay.sent == []  # no connection, so not one byte of the secret
    assert netns_canary not in out

    # With the risk accepted, the very same request does reach the relay, secret and all:
    # the refusal above is what kept it home.
    env = profile_env(
        tmp_path / "allowed", config(netns_account, netns_server, netns_relay, allow=True)
    )
    code, out = await check_in(netns, env)
    assert code == 0, out
    assert f"{PRIVATE} authorized by http://localhost:{netns_relay.port}/pusher/auth" in out
    assert f"Authorization: Bearer {netns_canary}".encode() in b"".join(netns_relay.sent)


def catchup_config(name: str, server: NsDemoServer, relay: RecordingProxy, *, allow: bool) -> str:
    extra = {"allow_insecure": True} if allow else {}
    return account_toml(
        name=name, key=server.key, host="127.0.0.1", port=server.port, tls=False, **extra,
        channels=["tickets"],
    ) + (
        "[account.catchup]\n"
        f'url = "http://localhost:{relay.port}/pusher/missed"\n'
        'headers = { Authorization = "Bearer {secret}" }\n'
    )  # fmt: skip


async def listen_in_until(ns: Namespace, env: dict[str, str], words: str) -> str:
    """``beacon listen --catch-up`` inside ``ns`` until stderr says ``words``; then SIGTERM."""
    env.pop("PYTHON_KEYRING_BACKEND", None)
    command = ns.command(sys.executable, "-m", "beacon", "listen", "--catch-up")
    return await run_until_stderr_says(command, env, words)


async def test_a_localhost_catchup_url_that_resolves_elsewhere_gets_no_secret(
    tmp_path: Path,
    netns: Namespace,
    netns_server: NsDemoServer,
    netns_relay: RecordingProxy,
    netns_account: str,
    netns_canary: str,
) -> None:
    env = profile_env(
        tmp_path, catchup_config(netns_account, netns_server, netns_relay, allow=False)
    )
    err = await listen_in_until(netns, env, f"[{netns_account}] catch-up failed")
    assert (
        f"[{netns_account}] catch-up failed: refused to send the keyring secret over plain http:// "
        f"to localhost: it resolves to {netns_relay.host}, not only to this machine (loopback). "
        "Fix: use an https:// url" in err
    ), err
    assert netns_relay.sent == []

    env = profile_env(
        tmp_path / "allowed", catchup_config(netns_account, netns_server, netns_relay, allow=True)
    )
    await listen_in_until(netns, env, f"[{netns_account}] caught up")
    assert f"Authorization: Bearer {netns_canary}".encode() in b"".join(netns_relay.sent)
