"""Beacon in German: no English left in any window, menu, tooltip or popup, the window
fits a 1280x800 screen with nothing cut off, and screenshots to look at.

"Untranslated" is measured against the catalogue itself: a text shown that equals an
English source string (or fits an English template, "{channel} muted until {time}", "3 new
updates") whose German translation is different fails. Payload text (ticket subjects,
channel names) is the user's data and stays as it came.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from beacon.app import BeaconApp, NoSecrets
from beacon.config.load import load_config
from beacon.demo import DemoServer
from beacon.feed.away import AwayDigest, AwayGroup
from beacon.feed.notify_policy import Popup
from beacon.store.history import History
from beacon.tray.notify import popup_actions
from beacon.ui import i18n
from beacon.ui.feed_view import MUTE_HOUR, FeedView
from support.feedapp import stop_feed_app, ticket, wait_until
from support.palettes import high_contrast

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
GERMAN = ROOT / "resources" / "translations" / "beacon_de.ts"
SCREEN = (1280, 800)

Shown = tuple[str, str]  # (where, text)


# -- the catalogue as a checker ---------------------------------------------------------------


def _template(source: str) -> re.Pattern[str] | None:
    """A pattern for what ``source`` looks like filled in, when it has enough words of its
    own to be told apart from data ("{what}  (on {where})" has, "{count}/h" has not)."""
    parts = re.split(r"(\{\w*\}|%L?n|\(s\))", source)
    literal = "".join(p for i, p in enumerate(parts) if i % 2 == 0)
    if sum(c.isalpha() for c in literal) < 2:
        return None
    fill = {"(s)": "s?"}
    pattern = "".join(
        re.escape(p) if i % 2 == 0 else fill.get(p, r"[\d.,]+" if "%" in p else ".+")
        for i, p in enumerate(parts)
    )
    return re.compile(pattern, re.DOTALL)


class Catalogue:
    """The English texts that must not be seen in German: those whose German differs."""

    def __init__(self, ts: Path) -> None:
        self.exact: set[str] = set()
        self.templates: list[re.Pattern[str]] = []
        for message in ET.parse(ts).getroot().iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            assert translation is not None
            forms = [f.text or "" for f in translation.iter("numerusform")] or [
                translation.text or ""
            ]
            if all(form == source for form in forms):
                continue  # the same in German ("Cluster", "Port"): nothing to tell apart
            if message.get("numerus") == "yes" or "{" in source:
                template = _template(source)
                if template is not None:
                    self.templates.append(template)
            else:
                self.exact.add(source)
                # As a screen reader hears it: without the accelerator's "&".
                if source.replace("&", "") != forms[0].replace("&", ""):
                    self.exact.add(source.replace("&", ""))

    def english(self, text: str) -> bool:
        text = text.strip()
        return bool(text) and (text in self.exact or any(t.fullmatch(text) for t in self.templates))

    def untranslated(self, shown: Iterable[Shown]) -> list[Shown]:
        return sorted({(where, text) for where, text in shown if self.english(text)})


# -- what a window shows ------------------------------------------------------------------------


def _menu_texts(menu: QMenu, where: str) -> Iterator[Shown]:
    yield where, menu.title()
    for action in menu.actions():
        yield f"{where} > action", action.text()
        yield f"{where} > action tooltip", action.toolTip()
        if action.menu() is not None:
            yield from _menu_texts(action.menu(), f"{where} > {action.text()}")


def _view_texts(view: QAbstractItemView, where: str) -> Iterator[Shown]:
    model = view.model()
    if model is None:
        return
    roles = (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
    )
    for row in range(min(model.rowCount(QModelIndex()), 40)):
        index = model.index(row, 0)
        for role in roles:
            value = index.data(role)
            if isinstance(value, str):
                yield f"{where} row {row}", value
                # A row's spoken text is sentences: "Unread. Title. high priority. ..."
                for part in value.split(". "):
                    yield f"{where} row {row} part", part


def texts(widget: QWidget) -> Iterator[Shown]:
    """Every text ``widget`` and its descendants show or tell a screen reader."""
    for w in [widget, *widget.findChildren(QWidget)]:
        where = f"{type(w).__name__}#{w.objectName()}" if w.objectName() else type(w).__name__
        for getter in ("windowTitle", "toolTip", "accessibleName", "accessibleDescription"):
            yield f"{where}.{getter}", getattr(w, getter)()
        if isinstance(w, QLabel | QAbstractButton):
            yield f"{where}.text", w.text()
        if isinstance(w, QLineEdit):
            yield f"{where}.text", w.text()
            yield f"{where}.placeholder", w.placeholderText()
        if isinstance(w, QPlainTextEdit | QTextEdit):
            yield f"{where}.placeholder", w.placeholderText()
            for line in w.toPlainText().splitlines():  # the signals, a test report
                yield f"{where}.line", line
        if isinstance(w, QAbstractSpinBox):
            yield f"{where}.specialValue", w.specialValueText()
        if isinstance(w, QComboBox):
            for i in range(w.count()):
                yield f"{where}.item", w.itemText(i)
                tip = w.itemData(i, Qt.ItemDataRole.ToolTipRole)
                if isinstance(tip, str):
                    yield f"{where}.item tooltip", tip
        if isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield f"{where}.tab", w.tabText(i)
                yield f"{where}.tab tooltip", w.tabToolTip(i)
        if isinstance(w, QGroupBox):
            yield f"{where}.title", w.title()
        if isinstance(w, FeedView):
            yield f"{where}.empty", w.empty_text()
        if isinstance(w, QAbstractItemView) and not isinstance(w, QComboBox):
            yield from _view_texts(w, where)
        if isinstance(w, QMenu):
            yield from _menu_texts(w, where)
        for action in w.actions():
            yield f"{where} action", action.text()
            yield f"{where} action tooltip", action.toolTip()


def _lines(where: str, text: str) -> Iterator[Shown]:
    yield where, text
    for line in text.splitlines():
        yield f"{where} line", line


# -- the desktop's dunst (as tests/gui/notify reads it) ------------------------------------------


class Dunst:
    def __init__(self) -> None:
        self.before: set[int] = set()

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["dunstctl", *args], capture_output=True, text=True, check=True, timeout=10
        ).stdout

    def displayed(self) -> int:
        return int(self.run("count", "displayed").strip())

    def history(self, appname: str) -> list[dict[str, Any]]:
        """Closed notifications of ``appname`` (history lists only closed ones), but
        those closed before this test."""
        entries = json.loads(self.run("history"))["data"][0]
        plain = [{key: value["data"] for key, value in entry.items()} for entry in entries]
        return [
            entry
            for entry in plain
            if entry["appname"] == appname and entry["id"] not in self.before
        ]


@pytest.fixture
def dunst() -> Iterator[Dunst]:
    ctl = Dunst()
    ctl.run("close-all")
    ctl.before = {entry["id"] for entry in ctl.history("Beacon")}  # earlier tests' popups
    yield ctl
    ctl.run("close-all")


# -- the app, in German by its setting ------------------------------------------------------


def _config_file(path: Path, server: DemoServer) -> Path:
    path.write_text(
        f"""
[[account]]
name = "demo"
key = "{server.key}"
host = "{server.host}"
port = {server.port}
tls = false
channels = ["tickets", "private-agent-7", "presence-support"]

[account.auth]
mode = "endpoint"
endpoint = "{server.auth_endpoint()}"

[[rule]]
channel = "tickets"
event = "ticket.*"
title = "{{subject}}"
body = "{{preview}}"
url = "{{url}}"
actions = [{{ label = "Annehmen", post = "https://helpdesk.example.invalid/{{id}}/claim" }}]

[[signal]]
channel = "tickets"
event = "ticket.escalated"
run = ["true", "{{id}}"]

[interface]
language = "de"
"""
    )
    return path


@pytest.fixture
async def german_app(demo_server: DemoServer, tmp_path: Path) -> AsyncIterator[BeaconApp]:
    config = load_config(_config_file(tmp_path / "config.toml", demo_server))
    app = BeaconApp(config, History(tmp_path / "history.sqlite3"), NoSecrets())
    try:
        await app.start()
        for channel in ("tickets", "private-agent-7"):
            await demo_server.wait_for_subscribers(channel, timeout=15)
        yield app
    finally:
        await stop_feed_app(app)
        for window in QApplication.topLevelWidgets():
            if window.isVisible():
                window.close()
        i18n.install("")  # the rest of the suite is in English


def _cut_off(window: QWidget) -> list[str]:
    """Visible labels, buttons and boxes narrower than their text needs, or reaching out of
    the window."""
    found = []
    bounds = window.rect()
    for w in window.findChildren(QLabel) + window.findChildren(QAbstractButton):
        if not w.isVisibleTo(window) or w.width() == 0:
            continue
        if isinstance(w, QLabel) and (w.wordWrap() or not w.text()):
            continue
        if w.objectName() == "updateBar" or not w.text():
            continue  # the bar places itself in its strip; icon buttons have no text
        top_left = w.mapTo(window, w.rect().topLeft())
        if not bounds.contains(top_left) or not bounds.contains(
            w.mapTo(window, w.rect().bottomRight())
        ):
            found.append(f"{type(w).__name__} {w.text()!r} outside the window")
        elif w.width() < w.sizeHint().width():
            found.append(f"{type(w).__name__} {w.text()!r}: {w.width()} < {w.sizeHint().width()}")
    return found


async def test_the_app_in_german_shows_no_english(
    german_app: BeaconApp, demo_server: DemoServer, dunst: Dunst, tmp_path: Path
) -> None:
    app = german_app
    catalogue = Catalogue(GERMAN)
    shown: list[Shown] = []

    # Popups, with the window closed (a window in front would make them needless): a
    # storm becomes one summary, said in German by Beacon around the tickets' own titles.
    popups: list[Popup] = []
    app.notifications.popupShown.connect(popups.append)
    for n in range(12):
        demo_server.publish("tickets", "ticket.created", ticket(subject=f"Drucker {n} brennt"))
    # However the tickets arrive (at once, or some shown alone first), a summary of more
    # than three comes: at once, or gathered at the end of the storm's window.
    await wait_until(lambda: any(p.summary and len(p.item_ids) > 3 for p in popups), timeout=30)
    digest = AwayDigest(
        since=datetime.now(UTC) - timedelta(hours=2),
        until=datetime.now(UTC),
        groups=(AwayGroup("demo", "tickets", "ticket.created", (1, 2, 3)),),
        total=3,
        important=1,
        keyword_hits=1,
    )
    app.away.digestReady.emit(digest)
    await wait_until(lambda: sum(p.summary for p in popups) >= 2, timeout=20)
    sent: list[dict[str, Any]] = []
    # Popups wait for the presenter, picked in the background when the app starts.
    await wait_until(lambda: app.notifier.presenter is not None, timeout=20)
    asked = [0.0]

    def arrived() -> bool:
        # Asking dunst takes two processes: not at every turn of the loop, which the
        # presenter needs to talk to dunst at all.
        if time.monotonic() - asked[0] < 0.25:
            return False
        asked[0] = time.monotonic()
        # dunst shows a few at once and queues the rest; its history lists closed ones.
        dunst.run("close-all")
        sent[:] = dunst.history("Beacon")
        summaries = [e["summary"] for e in sent]
        return "Während Ihrer Abwesenheit" in summaries and any(
            re.fullmatch(r"\d+ neue Meldungen", s) and int(s.split()[0]) > 3 for s in summaries
        )

    try:
        await wait_until(arrived, timeout=30)
    except AssertionError:
        raise AssertionError(f"popups: {popups}\ndunst: {sent}") from None
    assert any("und " in e["body"] and "weitere" in e["body"] for e in sent), sent
    for entry in sent:
        shown += _lines("popup summary", entry["summary"])
        shown += _lines("popup body", entry["body"])
    for popup in popups:
        shown += [("popup action", label) for _key, label in popup_actions(popup)]

    # The window, with an item open, two more waiting behind the bar, a channel muted.
    window = app.window
    window.show()
    await wait_until(lambda: window.model.rowCount() >= 12)
    window.open_row(0)
    for n in range(2):
        demo_server.publish("tickets", "ticket.created", ticket(subject=f"Später {n}"))
    await wait_until(lambda: window.update_bar.count == 2)
    assert window.update_bar.text() == "2 neue Meldungen"
    menu = window.view.context_menu(window.model.index(0))
    assert menu is not None
    shown += _menu_texts(menu, "row menu")
    window.mute_channel("demo", "private-agent-7", MUTE_HOUR)
    shown.append(("status bar", window.statusBar().currentMessage()))
    assert "stummgeschaltet bis" in window.statusBar().currentMessage()
    window.presence_dock.show()
    window.show_activity()
    settings = app.open_settings()
    tabs = settings.tabs
    assert tabs.count() == 4  # accounts, notifications, rules, signals
    await wait_until(lambda: not settings.message.text().endswith("…"))
    ARTIFACTS.mkdir(exist_ok=True)
    for i in range(tabs.count()):
        tabs.setCurrentIndex(i)
        await wait_until(lambda i=i: tabs.currentWidget().isVisible())  # type: ignore[misc]
        if tabs.currentWidget() is settings.rules_editor:  # its preview of the rule, in German
            await wait_until(lambda: settings.rules_editor.last_check is not None)
        assert _cut_off(settings) == []
        settings.grab().save(str(ARTIFACTS / f"settings-window-de-{i + 1}.png"))

    # The rule's buttons dialog (the Rules tab's "Schaltflächen…"), walked with the windows.
    tabs.setCurrentWidget(settings.rules_editor)
    settings.rules_editor.edit_buttons()
    buttons = settings.rules_editor.actions_dialog
    assert buttons is not None
    await wait_until(buttons.isVisible)
    assert _cut_off(buttons) == []
    buttons.grab().save(str(ARTIFACTS / "rule-buttons-de.png"))

    windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert {type(w).__name__ for w in windows} >= {
        "AppWindow",
        "PulseWindow",
        "SettingsWindow",
        "ActionsDialog",
    }
    for w in windows:
        shown += texts(w)
    tray = app.tray
    assert tray is not None
    shown += _menu_texts(tray.menu, "tray menu")
    shown += _lines("tray tooltip", tray.tray.toolTip())
    assert "Feed öffnen" in [a.text() for a in tray.menu.actions()]

    english = catalogue.untranslated(shown)
    assert not english, "\n".join(map(repr, english))
    # The check itself: the same walk over an English window finds English.
    i18n.install("en")
    assert catalogue.untranslated([("probe", window.tr("Search"))])

    # Fits a 1280x800 screen at its default size, nothing cut off; screenshots to look at.
    i18n.install("de")
    assert (window.width(), window.height()) == (
        window.sizeHint().width(),
        window.sizeHint().height(),
    )
    frame = window.frameGeometry()
    assert frame.width() <= SCREEN[0] and frame.height() <= SCREEN[1], frame
    assert window.minimumSizeHint().width() <= SCREEN[0]
    assert _cut_off(window) == []
    window.grab().save(str(ARTIFACTS / "feed-window-de.png"))
    window.setPalette(high_contrast())
    await wait_until(
        lambda: window.view.palette().color(QPalette.ColorRole.Base) == Qt.GlobalColor.black
    )
    shot = window.grab().toImage()
    assert shot.save(str(ARTIFACTS / "feed-window-de-high-contrast.png"))
    assert shot.format() != QImage.Format.Format_Invalid


# -- the system's language -----------------------------------------------------------------------

_PROBE = """
import sys
from PySide6.QtWidgets import QApplication, QDialogButtonBox
app = QApplication([])
from beacon.app import install_language
from beacon.feed import notify_policy
from beacon.ui.update_bar import updates_text
install_language(sys.argv[1])
save = QDialogButtonBox.StandardButton.Save  # Qt's own words: the same language as ours
box = QDialogButtonBox(save)
qt = box.button(save).text().replace("&", "")
print(updates_text(3), notify_policy.WORDING.and_more(2), qt, sep="|")
"""


@pytest.mark.parametrize(
    ("env", "setting", "expected"),
    [
        ({"LANGUAGE": "de"}, "", "3 neue Meldungen|und 2 weitere|Speichern"),
        ({"LANGUAGE": "", "LANG": "de_DE.UTF-8"}, "", "3 neue Meldungen|und 2 weitere|Speichern"),
        ({"LANGUAGE": "", "LC_ALL": "de_AT.UTF-8"}, "", "3 neue Meldungen|und 2 weitere|Speichern"),
        ({"LANGUAGE": "de", "LANG": "de_DE.UTF-8"}, "en", "3 new updates|and 2 more|Save"),
        ({"LANGUAGE": "", "LANG": "C.UTF-8"}, "de", "3 neue Meldungen|und 2 weitere|Speichern"),
        ({"LANGUAGE": "", "LANG": "fr_FR.UTF-8"}, "", "3 new updates|and 2 more|Save"),
    ],
    ids=["LANGUAGE", "LANG", "LC_ALL", "setting-over-system", "setting", "no-catalogue"],
)
def test_the_language_follows_the_system_unless_the_setting_names_one(
    env: dict[str, str], setting: str, expected: str
) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    environment.update({"QT_QPA_PLATFORM": "offscreen", **env})
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, setting],
        env=environment, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == expected
