"""The app at a locked keyring whose unlock prompt is on screen.

It waits for the user as long as the prompt is open (no give-up: only commands have a
bounded wait), never blocking its loop, and says so in the window and the tray:
"waiting for the keyring — answer the unlock prompt", with a Cancel. Answering the prompt
connects; Cancel or a dismissed prompt shows "keyring locked" with the fix, and the
keyring is not read again until the user reconnects; a quit during the wait is prompt.

The prompt is gcr-prompter's real "Unlock Login Keyring" dialog, on a desktop of the
test's own; xdotool answers or dismisses it. Keyring reads are counted by a proxy in
front of the real ``Keyring``.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from PySide6.QtDBus import QDBusConnection
from PySide6.QtWidgets import QApplication

from beacon.app import BeaconApp
from beacon.credentials import Keyring, Secret, secrets_stamp_path
from beacon.demo import DemoServer
from beacon.services.status import ConnectionInfo, KeyringStatus, LinkState
from beacon.ui.status_chip import StatusChip
from support.demo import DemoServerProcess
from support.desktop import KEYRING_PASSWORD, HeadlessDesktop
from support.feedapp import wait_until
from support.proxy import TcpProxy
from support.running_app import running_app as started_app

from .secret_service import lock

ACCOUNT = "prompted-app"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"
WAITING_WORDS = "waiting for the keyring — answer the unlock prompt"
LOCKED_WORDS = "keyring locked — choose Try again and enter your keyring password"
TRAY_LOCKED_WORDS = "keyring locked — choose Reconnect and enter your keyring password"


@pytest.fixture
def prompting(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[dict[str, str]]:
    """This process's keyring calls go to a desktop of its own, locked, able to prompt.

    Only the keyring's: Qt connects to the session bus once per process and keeps that
    connection, so it is made here first, on the shared desktop's bus, where the tests
    after this one (the tray, notifications) need it to be.
    """
    assert QDBusConnection.sessionBus().isConnected()
    desktop = HeadlessDesktop()
    env = desktop.start()
    try:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", env["DBUS_SESSION_BUS_ADDRESS"])
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        Keyring().set_secret(ACCOUNT, Secret("demo-secret"))
        subprocess.run(
            ["dbus-update-activation-environment", f"DISPLAY={env['DISPLAY']}"],
            env=env,
            check=True,
            timeout=10,
        )
        lock(env["DBUS_SESSION_BUS_ADDRESS"])
        yield env
    finally:
        desktop.stop()


class CountingKeyring:
    """The real keyring (no timeout, as the app builds it), with its reads counted."""

    def __init__(self) -> None:
        self.keyring = Keyring(timeout=None)
        self.reads: list[float] = []  # time.monotonic() of each read

    def get_secret(self, account: str) -> Secret | None:
        self.reads.append(time.monotonic())
        return self.keyring.get_secret(account)

    def get_encryption_key(self, account: str) -> Secret | None:
        self.reads.append(time.monotonic())
        return self.keyring.get_encryption_key(account)


def write_config(path: Path, host: str, port: int, key: str) -> None:
    path.write_text(
        f'[[account]]\nname = "{ACCOUNT}"\nkey = "{key}"\nhost = "{host}"\nport = {port}\n'
        'tls = false\nchannels = ["private-desk"]\n\n[account.auth]\nmode = "sign"\n',
        encoding="utf-8",
    )


async def xdotool(env: dict[str, str], *args: str) -> str:
    """xdotool without blocking the loop (the tests measure its heartbeat)."""
    process = await asyncio.create_subprocess_exec(
        "xdotool", *args, env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(process.communicate(), 10)
    return out.decode()


async def prompt_window(env: dict[str, str], timeout: float = 30) -> str:
    """The unlock prompt's window id, once it is on screen."""
    deadline = time.monotonic() + timeout
    while True:
        found = (await xdotool(env, "search", "--name", "Unlock Login Keyring")).split()
        if found:
            return found[0]
        assert time.monotonic() < deadline, "no unlock prompt appeared"
        await asyncio.sleep(0.1)  # xdotool has no "wait for a window" that ends on its own


async def answer_prompt(env: dict[str, str]) -> None:
    window = await prompt_window(env)
    await xdotool(env, "windowfocus", "--sync", window)
    await xdotool(env, "type", "--window", window, KEYRING_PASSWORD)
    await xdotool(env, "key", "--window", window, "Return")


async def dismiss_prompt(env: dict[str, str]) -> None:
    window = await prompt_window(env)
    await xdotool(env, "windowfocus", "--sync", window)
    # To the focused window: sent to the prompt's own, the key's release would go to a
    # window that its press has already closed.
    await xdotool(env, "key", "Escape")


@asynccontextmanager
async def running_app(
    tmp_path: Path, host: str, port: int, key: str, keyring: CountingKeyring
) -> AsyncIterator[BeaconApp]:
    path = tmp_path / "config.toml"
    write_config(path, host, port, key)
    async with started_app(path, keyring, start=False) as app:
        yield app


def shown(app: BeaconApp) -> ConnectionInfo:
    return {i.account: i for i in app.service.states()}[ACCOUNT]


def chip(app: BeaconApp) -> StatusChip:
    (found,) = [c for c in app.window.findChildren(StatusChip) if c.account == ACCOUNT]
    return found


def tray_tooltip(app: BeaconApp) -> str:
    assert app.tray is not None, "the rig has a tray"
    return app.tray.tray.toolTip()


def connected(app: BeaconApp) -> bool:
    info = shown(app)
    return info.state is LinkState.CONNECTED and info.keyring is KeyringStatus.OK


async def test_the_app_shows_it_waits_for_the_prompt_and_connects_once_answered(
    prompting: dict[str, str], demo_server: DemoServer, tmp_path: Path
) -> None:
    keyring = CountingKeyring()
    async with running_app(
        tmp_path, demo_server.host, demo_server.port, demo_server.key, keyring
    ) as app:
        changes: list[tuple[float, ConnectionInfo]] = []
        app.service.statusChanged.connect(lambda info: changes.append((time.monotonic(), info)))
        # The loop keeps turning while the keyring read waits on the prompt: each beat
        # is due 50 ms after the last one. (start, end) of each beat.
        beats: list[tuple[float, float]] = []

        async def heartbeat() -> None:
            last = time.monotonic()
            while True:
                await asyncio.sleep(0.05)
                now = time.monotonic()
                beats.append((last, now))
                last = now

        await app.start()
        beat = asyncio.get_running_loop().create_task(heartbeat())

        await wait_until(lambda: shown(app).keyring is KeyringStatus.WAITING, timeout=30)
        waiting_at = next(t for t, i in changes if i.keyring is KeyringStatus.WAITING)
        # Shown after the grace (a normal read never flickers), and well within a second.
        assert 0.45 <= waiting_at - keyring.reads[0] < 1.0, waiting_at - keyring.reads[0]
        assert chip(app).label.text() == f"{ACCOUNT}: {WAITING_WORDS}"
        assert chip(app).keyring_button.isVisible()
        assert chip(app).keyring_button.text() == "Cancel"
        assert f"{ACCOUNT}: {WAITING_WORDS}" in tray_tooltip(app)
        assert app.tray is not None
        assert app.tray.accounts[ACCOUNT].cancel_wait.isVisible()
        await prompt_window(prompting)  # it is the prompt that the app waits for

        # What the user sees, for the record (the shared desktop's screen, and the window).
        ARTIFACTS.mkdir(exist_ok=True)
        shot = await asyncio.create_subprocess_exec(
            "import", "-window", "root", str(ARTIFACTS / "keyring-waiting-screen.png")
        )
        assert await asyncio.wait_for(shot.wait(), 30) == 0
        grab_start = time.monotonic()
        assert app.window.grab().toImage().save(str(ARTIFACTS / "keyring-waiting-window.png"))
        grab_end = time.monotonic()

        # Well past the commands' 5 s bound, still waiting rather than giving up.
        await asyncio.sleep(6)
        assert shown(app).keyring is KeyringStatus.WAITING
        assert not shown(app).needs_login
        beat.cancel()
        # Each beat of the wait (from the read on), but the one the window grab above
        # held up on purpose.
        late = [
            end - start - 0.05
            for start, end in beats
            if start >= keyring.reads[0] and not (start <= grab_end and end >= grab_start)
        ]
        assert len(late) > 100
        assert max(late) < 0.1, max(late)

        await answer_prompt(prompting)
        await demo_server.wait_for_subscribers("private-desk", timeout=20)
        await wait_until(lambda: connected(app))
        assert not chip(app).keyring_button.isVisible()
        assert WAITING_WORDS not in tray_tooltip(app)
        assert len(keyring.reads) == 1


async def test_cancel_stops_reading_the_keyring_until_the_user_reconnects(
    prompting: dict[str, str],
    demo_server: DemoServer,
    tcp_proxy: Callable[[str, int], Awaitable[TcpProxy]],
    tmp_path: Path,
) -> None:
    proxy = await tcp_proxy(demo_server.host, demo_server.port)
    keyring = CountingKeyring()
    async with running_app(tmp_path, proxy.host, proxy.port, demo_server.key, keyring) as app:
        await app.start()
        await wait_until(lambda: shown(app).keyring is KeyringStatus.WAITING, timeout=30)
        await prompt_window(prompting)

        chip(app).keyring_button.click()
        await wait_until(lambda: shown(app).keyring is KeyringStatus.LOCKED)
        info = shown(app)
        assert info.needs_login
        assert "you stopped waiting" in info.detail
        assert "Fix: choose Try again (Reconnect in the tray menu)" in info.detail
        assert chip(app).label.text() == f"{ACCOUNT}: {LOCKED_WORDS}"
        assert chip(app).keyring_button.text() == "Try again"
        assert f"{ACCOUNT}: {TRAY_LOCKED_WORDS}" in tray_tooltip(app)
        assert app.tray is not None
        assert not app.tray.accounts[ACCOUNT].cancel_wait.isVisible()
        assert app.tray.accounts[ACCOUNT].reconnect.isEnabled()

        # The network drops and the engine reconnects: its channel asks for the secret
        # again, and gets "locked" at once, without a read (no new prompt to pester).
        after: list[ConnectionInfo] = []
        app.service.statusChanged.connect(after.append)
        accepted = proxy.accepted
        proxy.cut()
        await proxy.wait_accepted(accepted + 1, timeout=20)
        # Connected again, then the channel's failed authorization reported.
        await wait_until(
            lambda: sum(i.state is LinkState.CONNECTED for i in after) >= 2, timeout=20
        )
        await asyncio.sleep(0.5)  # a read would have started by now; none may
        assert len(keyring.reads) == 1
        assert shown(app).keyring is KeyringStatus.LOCKED

        # The tray's Reconnect: waiting again (on the prompt still open); the tray's own
        # Cancel; the window's Try again; then the user answers, and it connects.
        app.tray.accounts[ACCOUNT].reconnect.trigger()
        await wait_until(lambda: shown(app).keyring is KeyringStatus.WAITING, timeout=10)
        assert app.tray.accounts[ACCOUNT].cancel_wait.isVisible()
        app.tray.accounts[ACCOUNT].cancel_wait.trigger()
        await wait_until(lambda: shown(app).keyring is KeyringStatus.LOCKED)
        chip(app).keyring_button.click()
        await wait_until(lambda: shown(app).keyring is KeyringStatus.WAITING, timeout=10)
        await answer_prompt(prompting)
        await demo_server.wait_for_subscribers("private-desk", timeout=20)
        await wait_until(lambda: connected(app))
        assert len(keyring.reads) == 1  # the one read, answered at last


async def test_a_dismissed_prompt_shows_the_keyring_locked_with_the_fix(
    prompting: dict[str, str], demo_server: DemoServer, tmp_path: Path
) -> None:
    keyring = CountingKeyring()
    async with running_app(
        tmp_path, demo_server.host, demo_server.port, demo_server.key, keyring
    ) as app:
        await app.start()
        await wait_until(lambda: shown(app).keyring is KeyringStatus.WAITING, timeout=30)
        await dismiss_prompt(prompting)
        await wait_until(lambda: shown(app).keyring is KeyringStatus.LOCKED, timeout=10)
        info = shown(app)
        assert info.needs_login
        assert "unlock prompt was dismissed" in info.detail
        assert "and enter your keyring password at the prompt" in info.detail
        assert "Fix: choose Try again" in info.detail
        assert chip(app).label.text() == f"{ACCOUNT}: {LOCKED_WORDS}"
        assert chip(app).toolTip() == info.detail
        ARTIFACTS.mkdir(exist_ok=True)
        assert app.window.grab().toImage().save(str(ARTIFACTS / "keyring-locked-window.png"))
        assert f"{ACCOUNT}: {TRAY_LOCKED_WORDS}" in tray_tooltip(app)
        assert len(keyring.reads) == 1

        # Secrets changed (a `beacon login`, the settings window: the stamp the app
        # watches): a new read, so a new prompt; answered, it connects.
        secrets_stamp_path().write_text(f"{time.time_ns()}\n", encoding="utf-8")
        await wait_until(lambda: shown(app).keyring is KeyringStatus.WAITING, timeout=10)
        await answer_prompt(prompting)
        await demo_server.wait_for_subscribers("private-desk", timeout=20)
        await wait_until(lambda: connected(app))
        assert len(keyring.reads) == 2
    with warnings.catch_warnings():
        # keyring's SecretService backend leaves its D-Bus socket open when the collection
        # stays locked (a leak in the library: see test_locked.py); collect it now,
        # quietly, rather than in whichever test runs next.
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def test_quit_while_waiting_for_the_prompt_is_prompt(
    prompting: dict[str, str], demo_server_process: DemoServerProcess, tmp_path: Path
) -> None:
    """The real app, as a process: SIGTERM while its keyring read waits on the prompt."""
    path = tmp_path / "config.toml"
    write_config(path, demo_server_process.host, demo_server_process.port, demo_server_process.key)
    app = subprocess.Popen(
        [sys.executable, "-m", "beacon", "-vv", "--config", str(path)],
        env=prompting,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    waiting = threading.Event()

    def read() -> None:
        assert app.stderr is not None
        with app.stderr:
            for line in app.stderr:
                lines.append(line)
                if "waits for the keyring" in line:
                    waiting.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert waiting.wait(60), "".join(lines)
        # Past the commands' bounded wait (KEYRING_TIMEOUT), the app still waits: its
        # keyring (cli.app) has no timeout.
        time.sleep(6)
        assert app.poll() is None
        assert not any("did not answer" in line for line in lines), "".join(lines)
        stopped = time.monotonic()
        app.send_signal(signal.SIGTERM)
        status = app.wait(30)
        took = time.monotonic() - stopped
        reader.join(5)
        assert status == 0, "".join(lines)
        assert took < 1.0, took
        assert "Traceback" not in "".join(lines)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


async def test_a_normal_read_never_shows_the_wait(
    demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The shared desktop's keyring is unlocked: its read takes milliseconds, inside the
    grace, so the state goes straight to connected without a flicker of "waiting"."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    keyring = CountingKeyring()
    keyring.keyring.set_secret(ACCOUNT, Secret("demo-secret"))
    try:
        async with running_app(
            tmp_path, demo_server.host, demo_server.port, demo_server.key, keyring
        ) as app:
            changes: list[ConnectionInfo] = []
            app.service.statusChanged.connect(changes.append)
            await app.start()
            await demo_server.wait_for_subscribers("private-desk", timeout=20)
            await wait_until(lambda: connected(app))
            assert len(keyring.reads) == 1
            assert [i for i in changes if i.keyring is not KeyringStatus.OK] == []
    finally:
        keyring.keyring.delete_secret(ACCOUNT)
