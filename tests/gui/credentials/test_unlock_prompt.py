"""A locked keyring whose unlock prompt IS on screen: commands wait a bounded time.

The shared rig hides DISPLAY from D-Bus so that a locked keyring fails at once. Here a
desktop of its own (Xvfb, bus, gnome-keyring) is given DISPLAY, so that locking it and
asking for a secret opens gcr-prompter's "Unlock Login Keyring" dialog, which nobody
answers: before the keyring timeout, `beacon login` blocked for over 90 s and `beacon
listen` survived SIGTERM. Measured here: the prompt case ends at the 5 s timeout (about
5.3 s for the whole command); the no-prompt case fails in 0.2-0.5 s.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.demo import DemoServerProcess
from support.desktop import HeadlessDesktop

from .secret_service import lock

ACCOUNT = "prompted"


@pytest.fixture
def prompting() -> Iterator[dict[str, str]]:
    """The environment of a desktop whose keyring is locked and may prompt."""
    desktop = HeadlessDesktop()
    env = desktop.start()
    try:
        bus = env["DBUS_SESSION_BUS_ADDRESS"]
        subprocess.run(
            ["dbus-update-activation-environment", f"DISPLAY={env['DISPLAY']}"],
            env=env,
            check=True,
            timeout=10,
        )
        lock(bus)
        yield env
    finally:
        desktop.stop()


def write_config(env: dict[str, str], server: DemoServerProcess | None) -> None:
    host, port = (server.host, server.port) if server else ("127.0.0.1", 9)
    key = server.key if server else "k"
    path = Path(env["XDG_CONFIG_HOME"]) / "beacon" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[[account]]\nname = "{ACCOUNT}"\nkey = "{key}"\nhost = "{host}"\nport = {port}\n'
        'tls = false\nchannels = ["private-desk"]\n\n[account.auth]\nmode = "sign"\n',
        encoding="utf-8",
    )


def prompt_on_screen(env: dict[str, str]) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--name", "Unlock Login Keyring"],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return bool(found.stdout.strip())


def test_login_gives_up_after_the_timeout_with_advice(prompting: dict[str, str]) -> None:
    write_config(prompting, None)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "beacon", "login", ACCOUNT, "--stdin"],
        input="value\n",
        env=prompting,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    took = time.monotonic() - started
    assert result.returncode == 3, result.stdout + result.stderr
    assert "did not answer within 5 s" in result.stderr
    assert "answer the unlock prompt" in result.stderr
    assert 5 <= took < 15, took
    assert prompt_on_screen(prompting)  # it was the prompt case, not a quick failure


def test_listen_ends_on_sigterm_while_the_prompt_waits(
    prompting: dict[str, str], demo_server_process: DemoServerProcess
) -> None:
    write_config(prompting, demo_server_process)
    listen = subprocess.Popen(
        [sys.executable, "-m", "beacon", "listen"],
        env=prompting,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Connected, so the private channel's auth is now reading the keyring.
        deadline = time.monotonic() + 30
        while not prompt_on_screen(prompting):
            assert listen.poll() is None
            assert time.monotonic() < deadline, "no unlock prompt appeared"
            time.sleep(0.1)  # xdotool has no "wait for a window" that ends on its own
        stopped = time.monotonic()
        listen.send_signal(signal.SIGTERM)
        status = listen.wait(30)
        took = time.monotonic() - stopped
        assert status == 0
        assert took < 8, took  # at most the keyring timeout, not forever
    finally:
        if listen.poll() is None:
            listen.kill()
            listen.wait()
        assert listen.stderr is not None
        listen.stderr.close()
