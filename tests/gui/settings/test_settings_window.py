"""The settings window in the running app: an account added by clicking is saved with the
user's comments and order kept, validated with the loader's messages, and connected; a
secret goes only to the keyring."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from beacon.app import BeaconApp
from beacon.config import ConfigError, load_config
from beacon.config.load import parse_config
from beacon.credentials import Keyring
from beacon.demo import DemoServer
from beacon.ui.settings import SettingsWindow
from support.feedapp import wait_until


class Recorder:
    """Collects a signal's emissions; async tests wait on them with ``wait_until``.

    (``qtbot.waitSignal`` runs a nested Qt loop, inside which qasync cannot step the
    very task that would emit.)"""

    def __init__(self, signal: Any) -> None:
        self.calls: list[tuple[Any, ...]] = []
        signal.connect(lambda *args: self.calls.append(args))

    async def next(self, count: int = 1) -> tuple[Any, ...]:
        await wait_until(lambda: len(self.calls) >= count)
        return self.calls[count - 1]


async def opened(app: BeaconApp) -> SettingsWindow:
    window = app.open_settings()
    await wait_until(lambda: window.account_list.count() == len(app.config.accounts))
    return window


def fill_account(window: SettingsWindow, qtbot: QtBot, server: DemoServer, name: str) -> None:
    qtbot.mouseClick(window.add_button, Qt.MouseButton.LeftButton)
    form = window.form
    form.name.clear()
    qtbot.keyClicks(form.name, name)
    qtbot.keyClicks(form.key, server.key)
    qtbot.keyClicks(form.host, server.host)
    form.port.setValue(server.port)
    form.tls.setChecked(False)
    qtbot.keyClicks(form.channels, "three")


async def test_add_an_account_keeps_comments_and_order_and_connects(
    running: tuple[BeaconApp, Path], demo_server: DemoServer, qtbot: QtBot
) -> None:
    app, path = running
    # The user's own words, which a save must keep.
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'name = "beta"', 'name = "beta"  # the second desk'
        ),
        encoding="utf-8",
    )
    await wait_until(lambda: app.config_watch is not None and app.config_watch._seen is not None)
    window = await opened(app)
    assert [window.account_list.item(i).text() for i in range(2)] == ["alpha", "beta"]
    alpha_socket = demo_server.subscribers("one")

    saved = Recorder(window.service.saved)
    fill_account(window, qtbot, demo_server, "gamma")
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    await saved.next()

    text = path.read_text(encoding="utf-8")
    assert text.startswith("# two accounts on the demo server\n")
    assert 'name = "beta"  # the second desk' in text
    assert text.index('"alpha"') < text.index('"beta"') < text.index('"gamma"')
    config = load_config(path)
    assert [a.name for a in config.accounts] == ["alpha", "beta", "gamma"]
    gamma = config.account("gamma")
    assert gamma is not None and gamma.channels == ("three",) and not gamma.tls
    assert "Saved" in window.message.text()

    # The live reload connects the new account; the others keep their sockets.
    await demo_server.wait_for_subscribers("three", timeout=15)
    assert demo_server.subscribers("one") == alpha_socket
    # No temporary file is left beside the config.
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]


async def test_an_invalid_account_is_refused_with_the_loaders_message(
    running: tuple[BeaconApp, Path], demo_server: DemoServer, qtbot: QtBot
) -> None:
    app, path = running
    before = path.read_bytes()
    window = await opened(app)
    fill_account(window, qtbot, demo_server, "delta")
    window.form.host.clear()  # neither a cluster nor a host
    failed = Recorder(window.service.saveFailed)
    saved = Recorder(window.service.saved)
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    message = str((await failed.next())[0])
    assert path.read_bytes() == before  # nothing written
    # Exactly what the loader says for the same text (the file, the line and the fix).
    rendered = path.read_text(encoding="utf-8") + (
        f'[[account]]\nname = "delta"\nkey = "{demo_server.key}"\nport = {demo_server.port}\n'
        'tls = false\nchannels = ["three"]\n'
    )
    with pytest.raises(ConfigError) as expected:
        parse_config(rendered, path)
    assert message == expected.value.report()
    assert "Fix:" in message
    assert message in window.message.text()

    # Remove an account instead: saved, and its connection closes.
    window.remove_account()  # delta, the one just added
    window.account_list.setCurrentRow(1)
    qtbot.mouseClick(window.remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    await saved.next()
    assert [a.name for a in load_config(path).accounts] == ["alpha"]
    assert path.read_text(encoding="utf-8").startswith("# two accounts")
    await wait_until(lambda: not demo_server.subscribers("two"), timeout=15)


@pytest.fixture
def stored_name() -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    Keyring().delete_secret(name)


async def test_a_secret_goes_only_to_the_keyring(
    running: tuple[BeaconApp, Path],
    demo_server: DemoServer,
    qtbot: QtBot,
    stored_name: str,
    tmp_path: Path,
) -> None:
    app, _path = running
    window = await opened(app)
    saved = Recorder(window.service.saved)
    stored = Recorder(window.service.secretStored)
    fill_account(window, qtbot, demo_server, stored_name)
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    await saved.next()
    await wait_until(lambda: "No secret is stored" in window.form.secret_state.text())

    # Only spaces is no secret: nothing is stored (it used to be, as the secret).
    qtbot.keyClicks(window.form.secret, "   ")
    qtbot.mouseClick(window.form.store_secret, Qt.MouseButton.LeftButton)
    assert window.form.secret.text() == ""
    assert "No secret is stored" in window.form.secret_state.text()

    # A space pasted along with it is refused, in words that do not quote it.
    padded = f"padded-{uuid.uuid4().hex}"
    qtbot.keyClicks(window.form.secret, f"{padded} ")
    qtbot.mouseClick(window.form.store_secret, Qt.MouseButton.LeftButton)
    assert window.form.secret.text() == ""
    words = window.form.secret_state.text()
    assert "begins or ends with a space or tab" in words and padded not in words
    assert Keyring().get_secret(stored_name) is None

    canary = f"canary-{uuid.uuid4().hex}"
    qtbot.keyClicks(window.form.secret, canary)
    qtbot.mouseClick(window.form.store_secret, Qt.MouseButton.LeftButton)
    await stored.next()
    assert window.form.secret.text() == ""
    await wait_until(lambda: "A secret is stored" in window.form.secret_state.text())
    secret = Keyring().get_secret(stored_name)
    assert secret is not None and secret.reveal() == canary
    # Nowhere else: not in the profile's files, nor in any title or accessible name.
    for file in tmp_path.rglob("*"):
        if file.is_file():
            assert canary.encode() not in file.read_bytes(), file
    for widget in window.findChildren(QWidget):
        assert canary not in widget.windowTitle()
        assert canary not in widget.accessibleName()
        assert canary not in widget.toolTip()


async def test_test_connection_reports_each_channel_in_words(
    running: tuple[BeaconApp, Path], demo_server: DemoServer, qtbot: QtBot
) -> None:
    app, path = running
    before = path.read_bytes()
    window = await opened(app)
    tested = Recorder(window.service.tested)
    # Unsaved: the test uses the fields as they are.
    fill_account(window, qtbot, demo_server, "epsilon")
    qtbot.mouseClick(window.form.test, Qt.MouseButton.LeftButton)
    account, status, report = await tested.next()
    assert (account, status) == ("epsilon", 0), report
    assert "three" in report and "All good" in report
    assert "epsilon works" in window.form.test_report.toPlainText()

    # Nothing listens on port 9: unreachable, said in words.
    window.form.port.setValue(9)
    qtbot.mouseClick(window.form.test, Qt.MouseButton.LeftButton)
    account, status, report = await tested.next(2)
    assert status == 1, report
    assert "unreachable: connection refused" in report
    assert "epsilon has a problem" in window.form.test_report.toPlainText()
    assert path.read_bytes() == before  # a test saves nothing


async def test_notification_settings_round_trip(
    running: tuple[BeaconApp, Path], qtbot: QtBot
) -> None:
    app, path = running
    window = await opened(app)
    saved = Recorder(window.service.saved)
    window.tabs.setCurrentIndex(1)
    qtbot.keyClicks(window.quiet_hours, "22:00-07:00")
    qtbot.keyClicks(window.keywords, "outage, urgent")
    window.coalesce_count.setValue(3)
    window.coalesce_seconds.setValue(20)
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    await saved.next()
    notifications = load_config(path).notifications
    assert notifications.quiet_hours == ("22:00", "07:00")
    assert notifications.keywords == ("outage", "urgent")
    assert (notifications.coalesce_count, notifications.coalesce_seconds) == (3, 20.0)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# two accounts on the demo server\n")
    assert text.index("[[account]]") < text.index("[notifications]")
    # The live reload hands the new keywords to the running app.
    await wait_until(lambda: app.service._config.notifications.keywords == ("outage", "urgent"))

    # A bad value is refused with the loader's words, and nothing is written.
    before = path.read_bytes()
    failed = Recorder(window.service.saveFailed)
    window.quiet_hours.setText("late")
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    message = str((await failed.next())[0])
    assert "quiet_hours" in message and "Fix:" in message
    assert path.read_bytes() == before


async def test_needs_login_opens_the_secret_field(running: tuple[BeaconApp, Path]) -> None:
    app, _path = running
    window = app.open_settings("beta")
    await wait_until(lambda: window.account_list.count() == 2)
    assert window.account_list.currentRow() == 1
    assert window.form.name.text() == "beta"
    await wait_until(window.form.secret.hasFocus)


async def test_start_at_login_writes_the_autostart_entry(
    running: tuple[BeaconApp, Path],
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, _path = running
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    entry = tmp_path / "xdg-config" / "autostart" / "beacon.desktop"
    window = app.open_settings()
    changed = Recorder(window.service.autostartChanged)  # before the first check reports
    assert await changed.next() == (False, "")
    window.tabs.setCurrentIndex(1)
    window.autostart.click()  # its centre, where mouseClick aims, is past the label
    assert await changed.next(2) == (True, "")
    text = entry.read_text(encoding="utf-8")
    assert text.startswith("[Desktop Entry]\nType=Application\n")
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert "beacon" in exec_line
    window.autostart.click()
    assert await changed.next(3) == (False, "")
    assert not entry.exists()
    assert not window.autostart.isChecked()
