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
from pathlib import Path

from support.cli import account_toml, profile_env, run_beacon, run_until_stderr_says
from support.netns import Namespace, NsDemoServer, RecordingProxy

PRIVATE = "private-agent-7"


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
    tmp_path: Path, netns_server: NsDemoServer, netns_relay: RecordingProxy
) -> None:
    text = config(netns_server, netns_relay.host, netns_relay.port)
    env = profile_env(tmp_path, text)
    path = tmp_path / "config" / "beacon" / "config.toml"
    where = f"{path}:{tls_line(text)}: "

    code, _, err = await beacon(env, "listen", "--timeout", "10")
    assert code == 2, err
    assert where in err
    assert f'channel "{PRIVATE}"' in err and f"plain ws:// to {netns_relay.host}" in err
    assert "Fix: set tls = true" in err and "allow_insecure = true" in err

    code, out, _ = await beacon(env, "check")
    assert code == 2, out
    assert "Config:  PROBLEM" in out and where in out and "allow_insecure = true" in out
    assert netns_relay.sent == []  # not even a TCP connection


async def test_allow_insecure_connects_and_check_warns(
    tmp_path: Path, netns_server: NsDemoServer, netns_relay: RecordingProxy
) -> None:
    env = profile_env(
        tmp_path, config(netns_server, netns_relay.host, netns_relay.port, allow=True)
    )

    code, out, _ = await beacon(env, "check")
    assert code == 0, out
    assert re.search(
        r"security: WARNING: credentials sent without encryption: over plain ws:// to "
        rf"{re.escape(netns_relay.host)}: channel \"{PRIVATE}\" \(allow_insecure = true\)",
        out,
    ), out
    assert f"{PRIVATE} authorized by {netns_server.auth_endpoint()} and subscribed" in out
    assert 'All good, with 1 warning (account "ops").' in out
    # What the warning is about: the channel's signature crossed the wire in clear.
    assert signature_sent(netns_relay, netns_server)

    err = await listen_until_subscribed([sys.executable, "-m", "beacon", "listen"], env)
    assert "[ops] connected" in err


async def test_a_localhost_that_resolves_elsewhere_is_refused_before_any_byte(
    tmp_path: Path, netns: Namespace, netns_server: NsDemoServer, netns_relay: RecordingProxy
) -> None:
    # Inside the namespace, "localhost" is the relay's address: not this machine's
    # loopback. The config passes the load check (localhost is loopback by name).
    netns.set_hosts(f"{netns_relay.host} localhost\n")
    env = profile_env(tmp_path, config(netns_server, "localhost", netns_relay.port))

    code, _, err = await beacon_in(netns, env, "listen", "--timeout", "20")
    assert code == 4, err
    assert (
        f"refused to send credentials over plain ws:// to localhost: it resolves to "
        f"{netns_relay.host}, not only to this machine (loopback)" in err
    )
    assert "Fix: set tls = true" in err

    code, out, _ = await beacon_in(netns, env, "check")
    assert code == 1, out
    assert "server:  PROBLEM: refused to send credentials over plain ws:// to localhost" in out
    assert netns_relay.sent == []  # no connection at all, so no credential on the wire

    # The same path with the risk accepted: the signature does arrive, so the refusal
    # above is what kept it off the wire.
    allowed = profile_env(
        tmp_path / "allowed", config(netns_server, "localhost", netns_relay.port, allow=True)
    )
    await listen_until_subscribed(netns.command(sys.executable, "-m", "beacon", "listen"), allowed)
    assert signature_sent(netns_relay, netns_server)


async def test_a_private_channel_from_the_command_line_is_refused_when_connecting(
    tmp_path: Path, netns_server: NsDemoServer, netns_relay: RecordingProxy
) -> None:
    # Public channels only: nothing to refuse at load.
    env = profile_env(
        tmp_path, config(netns_server, netns_relay.host, netns_relay.port, channels=("tickets",))
    )
    code, _, err = await beacon(env, "listen", "--channel", PRIVATE, "--timeout", "20")
    assert code == 4, err
    assert f"refused to send credentials over plain ws:// to {netns_relay.host}" in err
    assert netns_relay.sent == []
