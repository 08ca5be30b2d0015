"""Credentials over plain ws:// to a host that is not loopback (issue 10), on a real
network: the demo server runs inside a network namespace, on its end of a veth pair, and
a recording relay on this end shows every byte a client sent.

- refused when the config loads (``listen`` and ``check`` exit 2 with file:line and fix),
  and nothing reaches the server;
- with ``allow_insecure = true`` it connects (``check`` says WARNING), and the relay sees
  the auth signature cross in clear: exactly what the warning is about;
- a host that passes the load check because it is ``localhost``, but resolves (in the
  namespace's own /etc/hosts) to an address that is not loopback, is refused when the
  engine connects, before a single byte: the relay sees no connection at all, while the
  same setup with ``allow_insecure`` shows the signature arriving;
- the same for a private channel given on the command line (``listen --channel``).
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from support.cli import account_toml, profile_env, run_beacon, run_until_stderr_says
from support.netns import (
    Namespace,
    NsDemoServer,
    RecordingProxy,
    network_namespace,
    ns_demo_server,
    recording_relay,
)

PRIVATE = "private-agent-7"


@pytest.fixture
def ns() -> Iterator[Namespace]:
    with network_namespace() as space:
        yield space


@pytest.fixture
def server(ns: Namespace) -> Iterator[NsDemoServer]:
    with ns_demo_server(ns) as running:
        yield running


@pytest.fixture
async def relay(ns: Namespace, server: NsDemoServer) -> AsyncIterator[RecordingProxy]:
    async with recording_relay(ns, server) as proxy:
        yield proxy


def config(server: NsDemoServer, host: str, port: int, *, allow: bool = False,
           channels: tuple[str, ...] = ("tickets", PRIVATE)) -> str:  # fmt: skip
    """One account over plain ws://; the auth endpoint needs no secret (so no keyring)."""
    extra = {"allow_insecure": True} if allow else {}
    return account_toml(
        name="ops",
        key=server.key,
        host=host,
        port=port,
        tls=False,
        **extra,
        channels=list(channels),
        auth={"mode": "endpoint", "endpoint": server.auth_endpoint()},
    )


def signature_sent(relay: RecordingProxy, server: NsDemoServer) -> bool:
    """Whether a client sent the private channel's auth signature through ``relay``."""
    return any(
        '"pusher:subscribe"' in m and PRIVATE in m and f'"auth":"{server.key}:' in m
        for m in relay.messages()
    )


def tls_line(text: str) -> int:
    return text.splitlines().index("tls = false") + 1


async def beacon(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    done = await asyncio.to_thread(run_beacon, env, *args)
    return done.returncode, done.stdout, done.stderr


async def beacon_in(ns: Namespace, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    done = await asyncio.to_thread(ns.run, sys.executable, "-m", "beacon", *args, env=env)
    return done.returncode, done.stdout, done.stderr


async def listen_until_subscribed(command: list[str], env: dict[str, str]) -> str:
    """Run ``beacon listen`` until it says it subscribed the private channel, then stop it
    with SIGTERM (exit 0); its stderr."""
    return await run_until_stderr_says(command, env, f"subscribed to {PRIVATE}")


async def test_refused_at_load_and_nothing_reaches_the_server(
    tmp_path: Path, server: NsDemoServer, relay: RecordingProxy
) -> None:
    text = config(server, relay.host, relay.port)
    env = profile_env(tmp_path, text)
    path = tmp_path / "config" / "beacon" / "config.toml"
    where = f"{path}:{tls_line(text)}: "

    code, _, err = await beacon(env, "listen", "--timeout", "10")
    assert code == 2, err
    assert where in err
    assert f'channel "{PRIVATE}"' in err and f"plain ws:// to {relay.host}" in err
    assert "Fix: set tls = true" in err and "allow_insecure = true" in err

    code, out, _ = await beacon(env, "check")
    assert code == 2, out
    assert "Config:  PROBLEM" in out and where in out and "allow_insecure = true" in out
    assert relay.sent == []  # not even a TCP connection


async def test_allow_insecure_connects_and_check_warns(
    tmp_path: Path, server: NsDemoServer, relay: RecordingProxy
) -> None:
    env = profile_env(tmp_path, config(server, relay.host, relay.port, allow=True))

    code, out, _ = await beacon(env, "check")
    assert code == 0, out
    assert re.search(
        r"security: WARNING: credentials sent without encryption: over plain ws:// to "
        rf"{re.escape(relay.host)}: channel \"{PRIVATE}\" \(allow_insecure = true\)",
        out,
    ), out
    assert f"{PRIVATE} authorized by {server.auth_endpoint()} and subscribed" in out
    assert 'All good, with 1 warning (account "ops").' in out
    # What the warning is about: the channel's signature crossed the wire in clear.
    assert signature_sent(relay, server)

    err = await listen_until_subscribed([sys.executable, "-m", "beacon", "listen"], env)
    assert "[ops] connected" in err


async def test_a_localhost_that_resolves_elsewhere_is_refused_before_any_byte(
    tmp_path: Path, ns: Namespace, server: NsDemoServer, relay: RecordingProxy
) -> None:
    # Inside the namespace, "localhost" is the relay's address: not this machine's
    # loopback. The config passes the load check (localhost is loopback by name).
    ns.set_hosts(f"{relay.host} localhost\n")
    env = profile_env(tmp_path, config(server, "localhost", relay.port))

    code, _, err = await beacon_in(ns, env, "listen", "--timeout", "20")
    assert code == 4, err
    assert (
        f"refused to send credentials over plain ws:// to localhost: it resolves to "
        f"{relay.host}, not only to this machine (loopback)" in err
    )
    assert "Fix: set tls = true" in err

    code, out, _ = await beacon_in(ns, env, "check")
    assert code == 1, out
    assert "server:  PROBLEM: refused to send credentials over plain ws:// to localhost" in out
    assert relay.sent == []  # no connection at all, so no credential on the wire

    # The same path with the risk accepted: the signature does arrive, so the refusal
    # above is what kept it off the wire.
    allowed = profile_env(tmp_path / "allowed", config(server, "localhost", relay.port, allow=True))
    await listen_until_subscribed(ns.command(sys.executable, "-m", "beacon", "listen"), allowed)
    assert signature_sent(relay, server)


async def test_a_private_channel_from_the_command_line_is_refused_when_connecting(
    tmp_path: Path, server: NsDemoServer, relay: RecordingProxy
) -> None:
    # Public channels only: nothing to refuse at load.
    env = profile_env(tmp_path, config(server, relay.host, relay.port, channels=("tickets",)))
    code, _, err = await beacon(env, "listen", "--channel", PRIVATE, "--timeout", "20")
    assert code == 4, err
    assert f"refused to send credentials over plain ws:// to {relay.host}" in err
    assert relay.sent == []
