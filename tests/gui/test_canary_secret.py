"""A canary secret, used for a whole run of the app, is found nowhere it must not be.

One unique secret (``canary-<uuid4 hex>``) is the app secret of a demo server and goes
into the real Secret Service with ``beacon login --stdin`` and through the settings
window's secret field. Its account signs a private and a presence channel and its sign-in
with it (mode ``sign``), and the server checks those signatures, so the run proves the
secret was really used; a second account sends it as an auth endpoint's and a catch-up
endpoint's header. A second canary, the encryption master key (``canarykey`` and random
bytes, stored with ``beacon login --encryption-key``), decrypts a private-encrypted
channel, and is looked for as bytes, as Python prints them, and as base64 and hex. On the
way come the errors: no secret yet, a third account whose wrong secret the server
refuses, a fourth whose secret was stored with a space at the end (no HTTP header can
carry it), and the secret pasted into the config file (the loader refuses it) and taken
out again while the app runs (live reload). ``beacon check``, ``listen`` and ``history``
run beside the app.

``test_the_secret_appears_nowhere_after_a_full_run`` runs the app as people start it, a
separate process with debug logging, driven from outside only: ``beacon login``, an
edited config file, ``beacon settings``, the settings window through the accessibility
bus (as assistive technology uses it), "Test connection", and Quit in the tray menu.
Afterwards the secret, in any of the forms of ``support.canary.forms`` (UTF-8, UTF-16,
hex, base64 ...), must be in none of: the config, data, state, cache and temporary
directories and the desktop's home (SQLite files and WAL read as raw bytes, while the app
runs and after it quit), stdout and stderr of every command, the argv and environment of
the app and of every process under it (sampled all along, the settings window's
``beacon check`` included), the X properties (titles ...) of every window, the accessible
names, descriptions and texts of every window, the tray's tooltip and menu, and the popups.

``test_no_widget_or_log_record_of_the_app_holds_the_secret`` makes the same run inside
the test's process, to read what the bus does not show: every widget, hidden ones too
(tooltips, texts, actions, model rows), and every log record at debug level.

``test_a_secret_a_header_cannot_carry_is_never_quoted`` checks the three requests that
carry the secret in a header with the secrets that no header can carry.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from beacon.app import BeaconApp
from beacon.config import load_config
from beacon.config.load import parse_config
from beacon.connect.auth import AuthError, Authorizer
from beacon.connect.catchup import CatchupError, fetch_missed
from beacon.connect.secrets import StaticSecrets
from beacon.credentials import Keyring
from beacon.demo import DemoServer
from beacon.services.actions import Actions
from beacon.store.history import History
from support import atspi_driver, sni
from support.canary import (
    AppProcess,
    ProcessWatch,
    ThreadedDemoServer,
    files_under,
    find,
    forms,
    scan_tree,
)
from support.feedapp import wait_until

#: The canary's account, the refused one, the endpoint one, the pasted one.
Accounts = tuple[str, str, str, str]


@pytest.fixture
def accounts() -> Iterator[Accounts]:
    """The canary's account, one whose stored secret the server refuses, one in endpoint
    mode with the canary in a header, and one like it whose secret was pasted with a
    space at the end. Their names are not derived from the canary: a name is shown
    everywhere, as it should be."""
    names = (
        f"canary-test-{uuid.uuid4().hex[:8]}",
        f"wrong-test-{uuid.uuid4().hex[:8]}",
        f"endpoint-test-{uuid.uuid4().hex[:8]}",
        f"pasted-test-{uuid.uuid4().hex[:8]}",
    )
    yield names
    for name in names:
        Keyring().delete_secret(name)
        Keyring().delete_encryption_key(name)


@pytest.fixture
def canary() -> str:
    return f"canary-{uuid.uuid4().hex}"


@pytest.fixture
def master_key() -> bytes:
    """The canary account's other secret: the encryption master key, 32 bytes."""
    return b"canarykey" + os.urandom(23)


def needles_for(canary: str, master_key: bytes) -> dict[str, bytes]:
    """Both secrets in every form: the key as bytes, and as the base64 text typed in."""
    text = base64.b64encode(master_key).decode()
    return {
        **forms(canary),
        **{f"encryption key, {name}": form for name, form in forms(master_key).items()},
        **{f"encryption key text, {name}": form for name, form in forms(text).items()},
    }


@pytest.fixture
def server(canary: str, master_key: bytes) -> Iterator[ThreadedDemoServer]:
    threaded = ThreadedDemoServer(port=0, seed=0, secret=canary, encryption_master_key=master_key)
    threaded.start()
    try:
        yield threaded
    finally:
        threaded.close()


SIGN = 'mode = "sign"\nuser = { id = "agent-sign", info = { name = "Ann" } }\n'


def account_text(
    name: str,
    port: int,
    channels: list[str],
    auth: str = SIGN,
    signin: bool = False,
    catchup: bool = False,
) -> str:
    listed = ", ".join(f'"{c}"' for c in channels)
    return (
        "[[account]]\n"
        f'name = "{name}"\n'
        'key = "demo-key"\n'
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        "tls = false\n" + ("signin = true\n" if signin else "") + f"channels = [{listed}]\n"
        "\n"
        "[account.auth]\n"
        f"{auth}"
        "\n"
        + (
            "[account.catchup]\n"
            f'url = "http://127.0.0.1:{port}/pusher/missed"\n'
            'headers = { X-Auth-Token = "{secret}" }\n\n'
            if catchup
            else ""
        )
    )


#: What Qt shows of a password field, one per character.
MASK = "\u25cf"
CHANNELS = ["tickets", "private-agent-7", "presence-support", "private-encrypted-tickets"]


def accounts_toml(accounts: Accounts, port: int, extra_channel: str = "", in_auth: str = "") -> str:
    """The config of ``accounts`` (see the fixture); ``in_auth`` goes into the canary
    account's ``[account.auth]``."""
    account, refused, endpoint, pasted = accounts
    channels = [*CHANNELS, extra_channel] if extra_channel else CHANNELS
    # Not Authorization: the demo endpoint takes a bearer token for the user id.
    endpoint_auth = (
        'mode = "endpoint"\n'
        f'endpoint = "http://127.0.0.1:{port}/pusher/auth"\n'
        'headers = { X-Auth-Token = "{secret}" }\n'
    )
    return (
        "# written by the canary test\n"
        + account_text(account, port, channels, SIGN + in_auth, signin=True)
        + account_text(refused, port, ["private-refused"])
        # Its sign-in user comes from the endpoint: the demo's agent-7.
        + account_text(
            endpoint, port, ["private-endpoint"], endpoint_auth, signin=True, catchup=True
        )
        + account_text(pasted, port, ["private-pasted"], endpoint_auth, catchup=True)
    )


def private_dirs(tmp_path: Path) -> dict[str, Path]:
    """Empty config, data, state, cache and temporary directories, by variable."""
    dirs = {
        name: tmp_path / name.lower()
        for name in (
            "XDG_CONFIG_HOME",
            "XDG_DATA_HOME",
            "XDG_STATE_HOME",
            "XDG_CACHE_HOME",
            "TMPDIR",
        )
    }
    for path in dirs.values():
        path.mkdir()
    return dirs


def replace_file(path: Path, text: str) -> None:
    """Save as an editor does: a new file renamed over the old one."""
    tmp = path.with_name(path.name + ".swp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def beacon(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[bytes]:
    """``beacon -vv ARGS``, to its end: debug logging, as all of this run has."""
    return subprocess.run(
        [sys.executable, "-m", "beacon", "-vv", *args],
        input=stdin.encode(),
        capture_output=True,
        env=env,
        timeout=90,
        check=False,
    )


def login(
    env: dict[str, str], account: str, secret: str, *options: str
) -> subprocess.CompletedProcess[bytes]:
    done = beacon(env, "login", account, "--stdin", *options, stdin=f"{secret}\n")
    assert done.returncode == 0, done.stderr.decode()
    return done


def store_padded(env: dict[str, str], account: str, secret: str) -> bytes:
    """``secret``, which has a space at one end, in the keyring: ``beacon login`` refuses it
    (checked here), so it is stored as an older Beacon or another keyring tool stores what
    was pasted. Through stdin, never an argv. What ``login`` said, for the search."""
    refused = beacon(env, "login", account, "--stdin", stdin=f"{secret}\n")
    assert refused.returncode == 1, refused.stderr.decode()
    code = (
        "import sys\n"
        "from beacon.credentials.secret import Secret\n"
        "from beacon.credentials.store import Keyring\n"
        f"Keyring().set_secret({account!r}, Secret(sys.stdin.read()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=secret.encode(),
        capture_output=True,
        env=env,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return refused.stdout + refused.stderr + done.stdout + done.stderr


def _run(*argv: str, env: dict[str, str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=30, check=False)
    return done.stdout


def window_properties(pid: int, env: dict[str, str]) -> list[str]:
    """Every X property (title, class, command, ...) of every X window of ``pid``, shown
    or not: what any other client of the X server can read."""
    return [
        f"X window {window}: {_run('xprop', '-id', window, env=env)}"
        for window in _run("xdotool", "search", "--pid", str(pid), env=env).split()
    ]


def notifications(env: dict[str, str]) -> str:
    """Every popup the notification server showed (its history lists closed ones only)."""
    _run("dunstctl", "close-all", env=env)
    return _run("dunstctl", "history", env=env)


def tray_texts(pid: int) -> tuple[sni.TrayItem, list[str]]:
    with sni.session() as connection:
        item = sni.item_of_pid(connection, pid)
        assert item is not None, "no tray icon"
        tooltip = item.get(connection, "ToolTip")
        entries = sni.menu_entries(connection, item.menu(connection))
    return item, [str(part) for part in tooltip[2:]] + list(entries)


def shown_texts(pid: int, env: dict[str, str]) -> list[str]:
    """Everything the app's windows say: their X properties (titles included), and per
    accessible object its role, name, description and text."""
    texts = window_properties(pid, env)
    for entry in atspi_driver.run("dump", pid):
        texts.append(
            f"{entry['role']} {entry['name']!r} ({entry['description']!r}): {entry['text']!r}"
        )
    return texts


@pytest.mark.timeout(420)
def test_the_secret_appears_nowhere_after_a_full_run(
    tmp_path: Path,
    accounts: Accounts,
    canary: str,
    master_key: bytes,
    server: ThreadedDemoServer,
) -> None:
    account, refused, endpoint, pasted = accounts
    needles = needles_for(canary, master_key)
    demo = server.server
    dirs = private_dirs(tmp_path)
    env = {**os.environ, **{name: str(path) for name, path in dirs.items()}}
    env.pop("PYTHON_KEYRING_BACKEND", None)  # the real Secret Service
    # Qt's bridge to the accessibility bus, which the test uses to drive the windows.
    env["QT_LINUX_ACCESSIBILITY_ALWAYS_ON"] = "1"
    env.pop("NO_AT_BRIDGE", None)
    assert not find("\0".join(f"{k}={v}" for k, v in env.items()).encode(), needles)
    outputs: dict[str, bytes] = {}
    texts: list[str] = []

    config = dirs["XDG_CONFIG_HOME"] / "beacon" / "config.toml"
    config.parent.mkdir()

    def config_text(extra_channel: str = "", in_auth: str = "") -> str:
        return accounts_toml(accounts, demo.port, extra_channel, in_auth)

    config.write_text(config_text(), encoding="utf-8")
    # The other account's secret is wrong: the server will refuse its signature.
    done = login(env, refused, f"wrong-{uuid.uuid4().hex}")
    outputs["beacon login (wrong secret)"] = done.stdout + done.stderr
    done = login(env, endpoint, canary)
    outputs["beacon login (endpoint)"] = done.stdout + done.stderr
    # A space at the end, which HTTP does not allow at the end of a header value.
    outputs["beacon login (pasted)"] = store_padded(env, pasted, f"{canary} ")

    app = AppProcess(["-vv"], env)
    watch = ProcessWatch(app.pid, needles)
    watch.start()
    try:
        # No secret yet: the private channels wait for a login; the other account's
        # signature is refused by the server.
        mark = app.wait_for(f"no secret for account '{account}' in the keyring")
        app.wait_for("subscription to private-refused refused")
        app.wait_for("cannot authorize private-pasted")
        # Catch-up, with the canary in a header (and the pasted one's refused).
        app.wait_for(f"catch-up of {endpoint}: ")
        app.wait_for(f"{pasted}: catch-up failed: a header value")

        # The right one, through the real Secret Service; the app picks it up running.
        done = login(env, account, canary)
        outputs["beacon login"] = done.stdout + done.stderr
        key = base64.b64encode(master_key).decode()
        done = login(env, account, key, "--encryption-key")
        outputs["beacon login --encryption-key"] = done.stdout + done.stderr
        for channel in (*CHANNELS, "private-endpoint"):
            server.run(demo.wait_for_subscribers(channel, timeout=45))
        assert "agent-sign" in server.call(lambda: demo.members("presence-support"))
        # The endpoint account signed in (with the secret in the header) when it started.
        server.run(demo.wait_for(lambda: bool(demo.signed_in("agent-7")), timeout=45))
        for channel in CHANNELS:
            data = {"id": 1, "subject": f"On {channel}", "preview": "hello"}
            server.call(functools.partial(demo.publish, channel, "ticket.created", data))
        mark = app.wait_for("committed", after=mark)

        # The secret pasted into the config file: refused, with the file and the line.
        replace_file(
            config,
            config_text(in_auth=f'secret = "{canary}"\n'),
        )
        mark = app.wait_for("puts a secret in the config file", after=mark)
        texts += [f"tray: {text}" for text in tray_texts(app.pid)[1]]
        texts += shown_texts(app.pid, env)
        # Taken out again, with one more channel: the running app picks that up.
        replace_file(config, config_text(extra_channel="tickets-2"))
        mark = app.wait_for("loads again", after=mark)
        server.run(demo.wait_for_subscribers("tickets-2", timeout=45))

        # The commands beside the app: check (1: the refused and the pasted accounts),
        # listen on the canary's private channel, and the stored history.
        done = beacon(env, "check")
        outputs["beacon check"] = done.stdout + done.stderr
        assert done.returncode == 1, outputs["beacon check"].decode()
        assert b"presence-support authorized by the keyring secret" in done.stdout
        listen = AppProcess(["-vv", "listen", "--account", account, "--count", "1"], env)
        try:
            # Its own word, not the server's count: the app's sockets on the same channel
            # come and go with the reload just made (a full run once counted one too many).
            listen.wait_for("subscribed to private-agent-7", timeout=45)
            data = {"id": 3, "subject": "For listen"}
            server.call(functools.partial(demo.publish, "private-agent-7", "ticket.created", data))
            assert listen.wait(60) == 0, listen.text()
        finally:
            listen.kill()
        outputs["beacon listen"] = bytes(listen.stdout + listen.stderr)
        assert b"For listen" in listen.stdout
        done = beacon(env, "history", "--json")
        outputs["beacon history"] = done.stdout + done.stderr
        assert done.returncode == 0 and b"On private-agent-7" in done.stdout

        # `beacon settings` opens the window in the running app.
        settings = AppProcess(["-vv", "settings"], env)
        assert settings.wait(60) == 0, settings.text()
        outputs["beacon settings"] = bytes(settings.stdout + settings.stderr)
        # Once the window has read the file and asked the keyring, it says a secret is
        # stored (by the login above) and never what it is.
        atspi_driver.run("find", app.pid, "A secret is stored for this account.")
        # The secret typed into the window's field, stored (again) in the keyring.
        assert atspi_driver.run("set-text", app.pid, "New secret", stdin=f"{canary}\n")
        # While it is in the field, the bus (which any program of the session can read)
        # shows only how long it is.
        typed = shown_texts(app.pid, env)
        masked = [t for t in typed if t.startswith("password text 'New secret'")]
        assert masked and masked[0].endswith(f": {MASK * len(canary)!r}"), masked
        texts += typed
        assert atspi_driver.run("press", app.pid, "Store in keyring")
        mark = app.wait_for(f"stored the secret of account {account}", after=mark)
        # "Test connection": a `beacon check` child signs with the secret from the keyring.
        assert atspi_driver.run("press", app.pid, "Test connection")
        report = ""
        deadline = time.monotonic() + 90
        while not report.startswith(f"{account} "):
            # Each look through the bus takes a while: that is the pace of this poll.
            report = atspi_driver.run("text", app.pid, "Connection test report")
            assert app.process.poll() is None, app.text()
            assert time.monotonic() < deadline, report
        assert report.startswith(f"{account} works."), report
        assert "presence-support authorized by the keyring secret (mode sign)" in report
        assert "private-encrypted-tickets authorized" in report
        checks = [argv for argv in watch.argvs.values() if "check" in argv]
        assert checks, f"the test's `beacon check` was never sampled: {watch.argvs}"

        texts += shown_texts(app.pid, env)
        item, tray = tray_texts(app.pid)
        texts += [f"tray: {text}" for text in tray]
        # While the app runs: the history's WAL and anything not yet cleaned up.
        running_leaks = [leak for path in dirs.values() for leak in scan_tree(path, needles)]
        assert "history.sqlite3-wal" in " ".join(files_under(dirs["XDG_DATA_HOME"]))

        with sni.session() as connection:
            menu = item.menu(connection)
            sni.click_menu_entry(
                connection, menu, sni.menu_entries(connection, menu)["Quit Beacon"]
            )
        assert app.wait(30) == 0, app.text()
        texts.append(f"notifications: {notifications(env)}")
    finally:
        watch.stop()
        app.kill()
    outputs["app stdout"] = bytes(app.stdout)
    outputs["app stderr"] = bytes(app.stderr)

    # The run did what it says: the secret is the stored one, and it was used.
    stored = Keyring().get_secret(account)
    assert stored is not None and stored.reveal() == canary
    log = app.text()
    assert "DEBUG" in log
    assert "Traceback" not in log
    assert watch.samples > 20

    leaks = list(running_leaks)
    leaks += [leak for path in dirs.values() for leak in scan_tree(path, needles)]
    # The desktop's home: nothing may be written past the XDG dirs either (the keyring's
    # own files there are encrypted).
    leaks += scan_tree(Path(os.environ["HOME"]), needles)
    leaks += [
        f"{name}: {form}: {line!r}"
        for name, data in outputs.items()
        for line in data.splitlines()
        for form in find(line, needles)
    ]
    leaks += sorted(watch.leaks)
    leaks += [f"shown: {text}: {form}" for text in texts for form in find(text.encode(), needles)]
    assert leaks == [], "\n".join(leaks)
    # What was searched, so a run that searched nothing cannot pass.
    assert files_under(dirs["XDG_DATA_HOME"]), "no data was written"
    assert any("Beacon settings" in text for text in texts), texts
    assert any("New secret" in text for text in texts), texts
    # The accessible text of a field is read too: the test report is there, in full.
    assert any("presence-support authorized by the keyring" in text for text in texts)
    assert any("On private-agent-7" in text for text in texts if "notifications" in text)


def test_the_search_finds_each_form(tmp_path: Path, canary: str, master_key: bytes) -> None:
    """The net catches what it is meant to: each form, inside other bytes, in a nested
    file, as UTF-16, base64 at any alignment, hex, and in a file name; the key as raw
    bytes, as hex and as base64."""
    needles = needles_for(canary, master_key)
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    for shift in range(3):
        blob = base64.b64encode(b"x" * shift + canary.encode() + b"tail")
        (nested / f"b64-{shift}").write_bytes(b"head " + blob + b" end")
        blob = base64.b64encode(b"y" * shift + master_key + b"tail")
        (nested / f"key-b64-{shift}").write_bytes(b"head " + blob + b" end")
    (nested / "utf16").write_bytes(b"\xff\xfe" + f"[{canary}]".encode("utf-16-le"))
    (nested / "hex").write_text(canary.encode().hex(), encoding="ascii")
    (nested / "key-raw").write_bytes(b"\0" + master_key + b"\0")
    (nested / "key-hex").write_text(master_key.hex().upper(), encoding="ascii")
    (nested / f"named-{canary}").write_bytes(b"")
    leaks = scan_tree(tmp_path, needles)
    for name in ("b64-0", "b64-1", "b64-2", "key-b64-0", "key-b64-1", "key-b64-2"):
        assert any(f"/{name}: " in leak and "base64" in leak for leak in leaks), (name, leaks)
    assert any("utf16: utf-16-le" in leak for leak in leaks), leaks
    assert any("/hex: hex" in leak for leak in leaks), leaks
    assert any("key-raw: encryption key, raw" in leak for leak in leaks), leaks
    assert any("key-hex: encryption key, HEX" in leak for leak in leaks), leaks
    assert any("(its name)" in leak for leak in leaks), leaks
    others = needles_for(f"canary-{uuid.uuid4().hex}", b"canarykey" + os.urandom(23))
    assert scan_tree(tmp_path / "a", others) == []


# -- in-process: every widget, shown or hidden, and every log record -------------------------


def widget_texts() -> list[str]:
    """What every widget of the process says or holds, shown or not: titles, accessible
    name, description and value (as a screen reader gets them), tooltips, status tips,
    texts and placeholders, its actions' words, and the first rows of its model."""
    texts: list[str] = []
    roles = (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.StatusTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
        Qt.ItemDataRole.AccessibleDescriptionRole,
    )
    for widget in QApplication.allWidgets():
        parts = [
            widget.windowTitle(),
            widget.accessibleName(),
            widget.accessibleDescription(),
            widget.toolTip(),
            widget.statusTip(),
            widget.whatsThis(),
        ]
        interface = QAccessible.queryAccessibleInterface(widget)
        if interface is not None and interface.isValid():
            parts += [
                interface.text(kind)
                for kind in (
                    QAccessible.Text.Name,
                    QAccessible.Text.Description,
                    QAccessible.Text.Value,
                    QAccessible.Text.Help,
                )
            ]
        for getter in ("text", "toPlainText", "placeholderText", "currentText"):
            method = getattr(widget, getter, None)
            if callable(method):
                try:
                    value = method()
                except TypeError:  # a text(int) of another kind of widget
                    continue
                if isinstance(value, str):
                    parts.append(value)
        for action in widget.actions():
            parts += [action.text(), action.toolTip(), action.statusTip()]
        model = getattr(widget, "model", None)
        if callable(model) and isinstance(model(), QAbstractItemModel):
            items = model()
            for row in range(min(items.rowCount(), 200)):
                for role in roles:
                    value = items.data(items.index(row, 0), role)
                    if isinstance(value, str):
                        parts.append(value)
        texts.append(f"{type(widget).__name__} {widget.objectName()!r}: " + " | ".join(parts))
    return texts


def tray_icon_texts(app: BeaconApp) -> list[str]:
    icons = app.findChildren(QSystemTrayIcon)
    assert icons, "no tray icon"
    texts = []
    for icon in icons:
        texts.append(f"tray tooltip: {icon.toolTip()}")
        menu = icon.contextMenu()
        if menu is not None:
            texts += [f"tray menu: {action.text()} {action.toolTip()}" for action in menu.actions()]
    return texts


async def _login(env: dict[str, str], account: str, secret: str, *options: str) -> bytes:
    # Off the loop: the app in this process must go on answering meanwhile.
    done = await asyncio.to_thread(login, env, account, secret, *options)
    return done.stdout + done.stderr


@pytest.mark.timeout(300)
@pytest.mark.expect_log_warnings(
    r"beacon\.services: .*puts a secret in the config file",
    r"beacon\.connect: pasted-test-\w+: catch-up failed: a header value",
)
async def test_no_widget_or_log_record_of_the_app_holds_the_secret(
    tmp_path: Path,
    accounts: Accounts,
    canary: str,
    master_key: bytes,
    demo_server_factory: Callable[..., Awaitable[DemoServer]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    qtbot: QtBot,
) -> None:
    """The same run inside the test's process, where hidden widgets and every log record
    (at debug, tracebacks included) can be read: login, signing, a refused account, the
    secret pasted into the file and taken out, the settings window storing the secret,
    a save from it, and Test connection."""
    caplog.set_level(logging.DEBUG, logger="beacon")
    account, refused, endpoint, pasted = accounts
    needles = needles_for(canary, master_key)
    demo = await demo_server_factory(port=0, secret=canary, encryption_master_key=master_key)
    dirs = private_dirs(tmp_path)
    for name, path in dirs.items():
        monkeypatch.setenv(name, str(path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR afresh
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    env = dict(os.environ)
    outputs: dict[str, bytes] = {}
    texts: list[str] = []

    config = dirs["XDG_CONFIG_HOME"] / "beacon" / "config.toml"
    config.parent.mkdir()
    config.write_text(accounts_toml(accounts, demo.port), encoding="utf-8")
    outputs["login (wrong secret)"] = await _login(env, refused, f"wrong-{uuid.uuid4().hex}")
    outputs["login"] = await _login(env, account, canary)
    key = base64.b64encode(master_key).decode()
    outputs["login --encryption-key"] = await _login(env, account, key, "--encryption-key")
    outputs["login (endpoint)"] = await _login(env, endpoint, canary)
    outputs["login (pasted)"] = await asyncio.to_thread(store_padded, env, pasted, f"{canary} ")

    history = History(dirs["XDG_DATA_HOME"] / "beacon" / "history.sqlite3")
    app = BeaconApp(load_config(config), history, Keyring())
    watch = ProcessWatch(os.getpid(), needles)
    watch.start()
    try:
        app.window.show()
        await app.start()
        for channel in (*CHANNELS, "private-endpoint"):
            await demo.wait_for_subscribers(channel, timeout=30)
        for user in ("agent-sign", "agent-7"):  # signed by the canary, and by the endpoint
            await demo.wait_for(lambda u=user: bool(demo.signed_in(u)), timeout=30)
        for channel in CHANNELS:
            demo.publish(channel, "ticket.created", {"id": 2, "subject": f"On {channel}"})
        await wait_until(lambda: app.window.model.rowCount() == len(CHANNELS), timeout=30)

        # Pasted into the file, refused, shown in the window's banner; then taken out.
        replace_file(config, accounts_toml(accounts, demo.port, in_auth=f'secret = "{canary}"\n'))
        await wait_until(lambda: app.window.error_banner.isVisible(), timeout=30)
        assert "puts a secret in the config file" in app.window.error_banner.text()
        texts += widget_texts() + tray_icon_texts(app)
        replace_file(config, accounts_toml(accounts, demo.port))
        await wait_until(lambda: not app.window.error_banner.isVisible(), timeout=30)

        # The settings window: the secret typed into its field and stored; a save.
        window = app.open_settings()
        await wait_until(lambda: window.account_list.count() == 4, timeout=30)
        stored: list[str] = []
        window.service.secretStored.connect(stored.append)
        qtbot.keyClicks(window.form.secret, canary)
        # Typed in, the secret is in the widget (that is how it gets to the keyring); what
        # it tells assistive technology is masked.
        assert window.form.secret.text() == canary
        field = QAccessible.queryAccessibleInterface(window.form.secret)
        assert field is not None
        heard = [field.text(QAccessible.Text.Value), field.text(QAccessible.Text.Name)]
        text = field.textInterface()
        if text is not None:
            heard.append(text.text(0, text.characterCount()))
        assert heard[0] == MASK * len(canary), heard
        texts += [f"typed secret field: {words}" for words in heard]
        qtbot.mouseClick(window.form.store_secret, Qt.MouseButton.LeftButton)
        await wait_until(lambda: stored == [account], timeout=30)
        assert window.form.secret.text() == ""
        saved: list[object] = []
        window.service.saved.connect(saved.append)
        window.form.channels.setPlainText("\n".join([*CHANNELS, "tickets-3"]))
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: bool(saved), timeout=30)
        await demo.wait_for_subscribers("tickets-3", timeout=30)

        # Test connection: a `beacon check` child, sampled while it runs.
        tested: list[tuple[str, int, str]] = []
        window.service.tested.connect(lambda *args: tested.append(args))
        qtbot.mouseClick(window.form.test, Qt.MouseButton.LeftButton)
        await wait_until(lambda: bool(tested), timeout=90)
        assert tested[0][1] == 0, tested
        assert "presence-support authorized by the keyring secret" in tested[0][2]
        assert [argv for argv in watch.argvs.values() if "check" in argv], watch.argvs

        texts += widget_texts() + tray_icon_texts(app)
        running_leaks = [leak for path in dirs.values() for leak in scan_tree(path, needles)]
    finally:
        watch.stop()
        await app.close()
        app.window.close()
        app.window.deleteLater()
        history.close()

    out, err = capfd.readouterr()
    outputs["stdout"], outputs["stderr"] = out.encode(), err.encode()
    formatter = logging.Formatter("%(name)s: %(message)s")
    records = [formatter.format(record) for record in caplog.records]
    assert any("DEBUG" == record.levelname for record in caplog.records)
    assert watch.samples > 10
    stored_secret = Keyring().get_secret(account)
    assert stored_secret is not None and stored_secret.reveal() == canary

    leaks = list(running_leaks)
    leaks += [leak for path in dirs.values() for leak in scan_tree(path, needles)]
    leaks += [
        f"{name}: {form}: {line!r}"
        for name, data in outputs.items()
        for line in data.splitlines()
        for form in find(line, needles)
    ]
    leaks += sorted(watch.leaks)
    leaks += [
        f"log record: {text}: {form}" for text in records for form in find(text.encode(), needles)
    ]
    leaks += [f"widget: {text}: {form}" for text in texts for form in find(text.encode(), needles)]
    assert leaks == [], "\n".join(leaks)
    # What was searched: the settings window's own widgets, hidden ones too, and the report.
    assert any("Beacon settings" in text for text in texts)
    assert any("Connection test report" in text and "presence-support" in text for text in texts)
    assert any("tray menu: Quit Beacon" in text for text in texts), texts


# -- a secret HTTP cannot carry ------------------------------------------------------------


@pytest.mark.expect_log_warnings(r"beacon\.services: action 'Claim' failed")
@pytest.mark.parametrize("stored", ["{} ", " {}", "{}\t", "{}é", "{}\x7f"])
async def test_a_secret_a_header_cannot_carry_is_never_quoted(
    demo_server: DemoServer, canary: str, tmp_path: Path, stored: str
) -> None:
    """A secret stored with a space at an end (pasted, or ``echo "$TOKEN " | beacon
    login``), a letter that is not ASCII or a control character cannot go into an HTTP
    header; httpx's error quotes the header's value (or is not one of its errors at all).
    None of the three requests that carry ``{secret}`` headers (auth endpoint, catch-up
    and an action's post) may put the secret in its error: they reach the log, the tray,
    the window and, for an action, the history. Each says what is wrong instead."""
    base = f"http://127.0.0.1:{demo_server.port}"
    header = '{ X-Auth-Token = "{secret}" }'
    config = parse_config(
        "[[account]]\n"
        'name = "pasted"\nkey = "demo-key"\nhost = "127.0.0.1"\n'
        f'port = {demo_server.port}\ntls = false\nchannels = ["tickets"]\n'
        "[account.auth]\n"
        f'mode = "endpoint"\nendpoint = "{base}/pusher/auth"\nheaders = {header}\n'
        "[account.catchup]\n"
        f'url = "{base}/missed"\nheaders = {header}\n'
        "[[rule]]\n"
        'channel = "tickets"\n'
        f'actions = [{{ label = "Claim", post = "{base}/claim", headers = {header} }}]\n',
        tmp_path / "config.toml",
    )
    account = config.accounts[0]
    assert account.catchup is not None
    secrets = StaticSecrets({"pasted": stored.format(canary)})
    needles = forms(canary)
    async with httpx.AsyncClient() as client:
        authorizer = Authorizer(account, secrets, lambda: client)
        with pytest.raises(AuthError) as refused:
            await authorizer.channel("1.2", "private-tickets")
        # As the catch-up service asks: its headers rendered, then the request.
        with pytest.raises((AuthError, CatchupError)) as missed:
            headers = await authorizer.render_headers(account.catchup.headers)
            await fetch_missed(
                client, account.catchup, headers, "pasted", datetime.now(UTC), ["tickets"]
            )
    actions = Actions(config.accounts, secrets, lambda *args: None)
    try:
        pressed = await actions.run("pasted", config.rules[0].actions[0], "tickets", "e", {})
    finally:
        await actions.close()
    words = {"auth": str(refused.value), "catch-up": str(missed.value), "action": pressed.text}
    assert not pressed.ok
    for what, text in words.items():
        assert "not valid in HTTP" in text, (what, text)
        assert find(text.encode(), needles) == [], (what, text)
