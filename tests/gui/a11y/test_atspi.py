"""Beacon as a screen reader sees it: the real app on the AT-SPI bus, read with pyatspi.

The app runs as people start it (``beacon demo``, ``beacon settings``), with Qt's bridge
to the accessibility bus switched on; ``atspi_probe.py`` reads its tree and follows its
focus events under the system Python, where Debian's ``python3-pyatspi`` is.

Outside Qt: the tray menu is drawn by the panel's systray plugin (GTK, from Beacon's
dbusmenu), so it is read in a desktop whose panel is on the bus (support/a11y.py). The
plugin's widgets sometimes miss the panel's tree (an xfce4-panel race, see
``atspi_probe._tray_target``); its menu does not, and is then opened where the icon is.
The popups are dunst's, so what Beacon sends there is read off the session bus and out
of dunst's history.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support.a11y import AccessibleDesktop, Notify, NotifyCalls
from support.demo import DemoServerProcess
from support.launcher import BeaconProcess
from support.publish import official_client

PROBE = Path(__file__).with_name("atspi_probe.py")
SYSTEM_PYTHON = "/usr/bin/python3"

#: Roles a user acts on: each needs a name and a description.
INTERACTIVE = {
    "push button",
    "text",
    "password text",
    "combo box",
    "check box",
    "radio button",
    "spin button",
    "list",
    "page tab",
    "toggle button",
}


class App(BeaconProcess):
    """``python -m beacon ARGS`` on the accessibility bus, read by ``atspi_probe.py``."""

    def __init__(self, tmp_path: Path, *args: str, **kwargs: Any) -> None:
        super().__init__(tmp_path, *args, accessible=True, **kwargs)

    def probe(self, *args: str, timeout: float = 120) -> Any:
        return run_probe(args[0], str(self.pid), *args[1:], timeout=timeout, env=self.env)


def run_probe(*args: str, timeout: float = 120, env: dict[str, str] | None = None) -> Any:
    """``atspi_probe.py ARGS`` under the system Python; what it printed, parsed."""
    done = subprocess.run(
        [SYSTEM_PYTHON, str(PROBE), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def apps() -> Iterator[list[App]]:
    started: list[App] = []
    yield started
    for app in started:
        app.kill()


def unnamed(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Focusable objects on screen that a screen reader could not name or describe."""
    bad = []
    for entry in tree:
        if not (entry["focusable"] and entry["showing"]):
            continue
        if entry["role"] in ("unknown", ""):
            bad.append(entry)
        elif not entry["name"].strip():
            # A label's name is its text: an empty one (a status with nothing to say, which
            # takes a click focus to let its text be selected) still says what it is for.
            if entry["role"] != "label" or not entry["description"].strip():
                bad.append(entry)
        elif entry["role"] in INTERACTIVE and not entry["description"].strip():
            bad.append(entry)
        elif entry["role"] == "combo box" and not any(n.strip() for n in entry["labelled_by"]):
            # On Linux a combo box's name is its current value: without a label, nobody
            # hears what it chooses.
            bad.append(entry)
    return bad


def test_feed_window_names_every_control(tmp_path: Path, apps: list[App]) -> None:
    app = App(tmp_path, "demo")
    apps.append(app)
    app.wait_for("committed")  # the first burst is in the list
    tree = app.probe("tree")

    assert [e["name"] for e in tree if e["role"] == "frame"] == ["Beacon feed"]
    assert [(e["role"], e["name"], e["parent"]) for e in unnamed(tree)] == []
    combos = {e["labelled_by"][0]: e for e in tree if e["role"] == "combo box"}
    assert set(combos) == {"Account", "Channel", "Priority"}
    # "All channels", or "All channels  (burst)" while the demo's first burst is charted.
    assert combos["Channel"]["name"].startswith("All channels")
    rows = [e for e in tree if e["role"] == "list item" and e["parent"] == "Feed"]
    assert rows, "no rows of the feed on the bus"
    # A row says, in words, whether it is read (and its priority, when not normal).
    assert all(re.match(r"(Unread|Read)\. ", row["name"]) for row in rows), rows
    assert app.stop() == 0


def test_focus_order_and_the_update_bar_announcement(tmp_path: Path, apps: list[App]) -> None:
    app = App(tmp_path, "demo")
    apps.append(app)
    app.wait_for("committed")
    app.focus_window("Beacon")
    heard = app.probe(
        "keys",
        *["Tab"] * 8,
        "Down",  # opens the second row: new items now wait behind the bar
        "announcement",
        "alt+u",  # shows them, on the newest item
        timeout=240,
    )
    focus = heard["focus"]
    order = [(f["role"], f["name"]) if f else None for f in focus[:8]]
    # The channel box's name carries "(burst)" while the demo's first burst is charted.
    order[1] = (order[1][0], order[1][1].split("  (")[0]) if order[1] else None
    assert order == [
        ("combo box", "All accounts"),
        ("combo box", "All channels"),
        ("combo box", "Any priority"),
        ("check box", "Show unread items only"),
        ("check box", "Show muted items too, dimmed"),
        ("push button", "Show the activity chart"),
        ("push button", "Mark all shown items read"),
        ("list", "Feed"),
    ], focus
    opened = focus[8]
    assert opened is not None and opened["role"] == "list item", focus
    announced = [a["text"] for a in heard["announcements"]]
    assert any(re.fullmatch(r"\d+ new updates?", text) for text in announced), heard
    revealed = focus[10]
    assert revealed is not None and revealed["role"] == "list item", focus

    # The details pane speaks the open item's title and meta line, not "Title".
    tree = app.probe("tree")
    details = [e for e in tree if e["description"] == "Title of the open item"]
    assert details and details[0]["showing"], details
    title = details[0]["name"]
    assert title and title != "Title"
    assert title in revealed["name"]
    meta = [e for e in tree if e["description"] == "Account, channel, event and time"]
    assert meta and "demo" in meta[0]["name"], meta
    assert app.stop() == 0


def _settings_window(app: App, *others: str) -> list[dict[str, Any]]:
    """The settings window's tree, once it is shown (after the file is read), and the
    windows named ``others`` too."""
    deadline = time.monotonic() + 60
    while True:
        tree: list[dict[str, Any]] = app.probe("tree")
        windows = [e["name"] for e in tree if e["depth"] == 0 and e["showing"]]
        if any(name.startswith("Beacon settings") for name in windows) and all(
            any(name.startswith(other) for name in windows) for other in others
        ):
            return tree
        assert time.monotonic() < deadline, windows


def test_settings_window_names_every_control(tmp_path: Path, apps: list[App]) -> None:
    app = App(tmp_path, "settings")
    apps.append(app)
    tree = _settings_window(app)
    assert [(e["role"], e["name"], e["parent"]) for e in unnamed(tree)] == []
    names = {e["name"] for e in tree if e["showing"]}
    assert {"Add account", "Accounts", "Save"} <= names, names
    assert app.stop() == 0


#: Tab and Right move the focus with one event each: no burst to wait out.
QUICK = "--settle=120"


def _tab_round(focus: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """The focus stops of one Tab round: from the first until it comes round again."""
    stops = [f for f in focus if f is not None]
    assert stops, "no focus event at all"
    key = [(f["role"], f["name"]) for f in stops]
    assert key[0] in key[1:], f"Tab never came round to {key[0]} again: {key}"
    return stops[: key.index(key[0], 1)]


def test_settings_every_focusable_control_on_every_tab_has_a_name_and_role(
    tmp_path: Path, apps: list[App]
) -> None:
    """Tab round each tab of the settings window, following the focus events as Orca
    does: every stop has a role and a name, and the controls a user acts on say what they
    are for."""
    config = tmp_path / "xdg_config_home" / "beacon" / "config.toml"
    config.parent.mkdir(parents=True)
    # A port nothing listens on: the app started by `beacon settings` fails to connect.
    config.write_text(
        '[[account]]\nname = "support"\nkey = "app-key"\nhost = "127.0.0.1"\nport = 9\n'
        'tls = false\nchannels = ["tickets"]\n'
    )
    app = App(tmp_path, "settings")
    apps.append(app)
    # With an account, the feed window opens too: once it is there, the settings window
    # can have the keyboard.
    _settings_window(app, "Beacon feed")
    app.focus_window("Beacon settings")
    # 24 Tabs go round the accounts tab (19 stops) ...
    walk = app.probe("keys", QUICK, *["Tab"] * 24, timeout=240)["focus"]
    accounts = _tab_round(walk)
    # ... then on to its tab bar, the shorter way round, where Right turns to the
    # notifications tab, and 12 Tabs go round that one (9 stops).
    stops = [(stop["role"], stop["name"]) for stop in accounts]
    assert walk[-1] is not None
    ahead = (stops.index(("page tab list", "Accounts")) - stops.index(
        (walk[-1]["role"], walk[-1]["name"])
    )) % len(stops)  # fmt: skip
    back = len(stops) - ahead
    to_tab_bar = ["Tab"] * ahead if ahead <= back else ["shift+Tab"] * back
    focus = app.probe("keys", QUICK, *to_tab_bar, "Right", *["Tab"] * 12, timeout=240)
    focus = focus["focus"]
    turned = focus[len(to_tab_bar)]
    assert turned is not None and "Notifications" in turned["name"], focus
    notifications = _tab_round(focus[len(to_tab_bar) + 1 :])
    # A role and a name, a description for what a user acts on, and a label for a combo
    # box (whose name is its current value).
    assert [(e["role"], e["name"]) for e in unnamed([*accounts, *notifications])] == []
    names = {stop["name"] for stop in accounts} | {n for s in accounts for n in s["labelled_by"]}
    assert {
        "Accounts", "Add account", "Remove account", "Account name", "App key", "Port",
        "Use TLS", "Channels", "Authorization", "New secret", "Store in keyring",
        "Test connection", "Save",
    } <= names, names  # fmt: skip
    names = {stop["name"] for stop in notifications}
    names |= {n for s in notifications for n in s["labelled_by"]}
    assert {
        "Quiet hours", "Keywords", "Popups before a summary", "Summary window in seconds",
        "Save",
    } <= names, names  # fmt: skip
    assert app.stop() == 0


@pytest.fixture(scope="module")
def accessible_desktop() -> Iterator[AccessibleDesktop]:
    desktop = AccessibleDesktop()
    desktop.start()
    try:
        yield desktop
    finally:
        desktop.stop()


@pytest.mark.parametrize("click", ["button", "plugin"])
def test_tray_menu_entries_have_names_and_roles(
    tmp_path: Path, apps: list[App], accessible_desktop: AccessibleDesktop, click: str
) -> None:
    """The menu the panel draws from Beacon's tray menu, opened with a right click on the
    icon and walked with Down as a keyboard user walks it; then its whole tree. The click
    lands on the icon's button as the bus shows it, or where the panel's systray plugin
    is (the way taken when the plugin's widgets are missing from the bus)."""
    env = accessible_desktop.env
    app = App(tmp_path, "demo", env=env)
    apps.append(app)
    app.wait_for("tray icon shown")
    # Without a window manager the window opens at the top left, over the panel.
    window = app.focus_window("Beacon")
    subprocess.run(["xdotool", "windowmove", "--sync", window, "100", "100"], env=env, check=True)

    at = ["--at-plugin"] if click == "plugin" else []
    heard = run_probe("menu", str(accessible_desktop.panel_pid), *at, env=env)
    if click == "plugin":
        assert heard["button"] is None
    tree = heard["tree"]
    assert tree[0]["role"] == "menu"
    entries = tree[1:]
    assert all(e["role"] not in ("", "unknown") for e in entries), entries
    # Only separators go without a name.
    assert [e for e in entries if e["role"] != "separator" and not e["name"].strip()] == []
    walked = [(f["role"], f["name"]) for f in heard["focus"]]
    assert len(walked) == 5 and re.fullmatch(r"demo: \w[\w ]*", walked[2][1]), walked
    assert walked[:2] + walked[3:] == [
        ("menu item", "Open feed"),
        ("menu", "Do not disturb"),
        ("menu item", "Settings…"),
        ("menu item", "Quit Beacon"),
    ]
    assert walked[2][0] == "menu"  # the account's submenu
    names = {e["name"] for e in entries}
    assert {"For 1 hour", "Off", "Sign in…", "Reconnect"} <= names, names
    assert app.stop() == 0


def _dunst_history(env: dict[str, str]) -> list[dict[str, Any]]:
    """Every popup dunst has shown, newest first (those on screen are closed first: only
    closed ones are in its history)."""
    subprocess.run(["dunstctl", "close-all"], env=env, check=True, timeout=10)
    history = subprocess.run(
        ["dunstctl", "history"], env=env, capture_output=True, text=True, check=True, timeout=10
    ).stdout
    return [{k: v["data"] for k, v in e.items()} for e in json.loads(history)["data"][0]]


_MARKUP = re.compile(r"</?[A-Za-z][^>]*>|&(?:[A-Za-z]+|#\d+|#x[0-9a-fA-F]+);")


def _popups_of(
    app_args: tuple[str, ...],
    tmp_path: Path,
    apps: list[App],
    desktop: AccessibleDesktop,
    enough: Callable[[list[Notify]], bool],
    publish: Callable[[App], None] = lambda app: None,
) -> list[Notify]:
    """Beacon started with ``app_args`` until the popups it has sent are ``enough``
    (``publish`` makes the events, given the running app); what it sent, after checking
    that dunst showed exactly that."""
    env = desktop.env
    earlier = {entry["id"] for entry in _dunst_history(env)}  # an earlier test's popups
    monitor = NotifyCalls(env["DBUS_SESSION_BUS_ADDRESS"])
    try:
        app = App(tmp_path, *app_args, env=env)
        apps.append(app)
        publish(app)
        deadline = time.monotonic() + 60
        while not enough(list(monitor.calls)):  # nothing to await but another process's D-Bus
            assert time.monotonic() < deadline, app.log
            time.sleep(0.1)
        assert app.stop() == 0
    finally:
        monitor.close()
    calls = monitor.calls
    assert {call.app_name for call in calls} == {"Beacon"}
    shown = [e for e in _dunst_history(env) if e["id"] not in earlier]
    assert len(shown) == len(calls) and {e["appname"] for e in shown} == {"Beacon"}
    for entry in shown:
        # dunst's own format is "<b>%s</b>\n%b": read as plain text, that is the summary
        # and the body, nothing else.
        seen = html.unescape(re.sub(r"</?b>", "", entry["message"]))
        assert seen == f"{entry['summary']}\n{html.unescape(entry['body'])}", entry
    return calls


def _assert_reads_well(call: Notify) -> None:
    """A short one-line summary, a body that is plain text once the server has read its
    markup, and words on every button."""
    summary = call.summary
    assert summary.strip() == summary and summary and "\n" not in summary, call
    assert len(summary) <= 100 and not _MARKUP.search(summary), call
    # The body is markup to the server: what it reads out must be plain text.
    text = html.unescape(call.body)
    assert text.strip() and not _MARKUP.search(text), call
    assert all(line.strip() for line in text.splitlines()), call
    assert not re.search(r"\{|\}|\bNone\b|\\n", summary + text), call
    buttons = call.buttons
    assert buttons[0][0] == "default", call
    labels = [label for _key, label in buttons]
    assert all(label.strip() and label[0].isupper() for label in labels), call
    assert len(set(labels)) == len(labels), call
    # A label is words, never the action's key ("mark-read").
    assert all(label != key for key, label in buttons[1:]), call


def test_popups_read_well_as_text_and_their_buttons_have_labels(
    tmp_path: Path, apps: list[App], accessible_desktop: AccessibleDesktop
) -> None:
    """What ``beacon demo`` sends to dunst up to the summary popup of its first burst (on
    a busy machine the burst's first events may come slowly enough to pop up one by one)."""

    def summary(call: Notify) -> bool:
        return re.fullmatch(r"\d+ new updates", call.summary) is not None

    calls = _popups_of(
        ("demo",), tmp_path, apps, accessible_desktop, lambda calls: any(map(summary, calls))
    )
    for call in calls:
        _assert_reads_well(call)
    summaries = [call for call in calls if summary(call)]
    assert summaries, calls
    for call in summaries:
        assert [label for _key, label in call.buttons] == ["Open", "Mark all read"], call


def test_a_single_event_popup_reads_well_with_its_rule_buttons(
    tmp_path: Path,
    apps: list[App],
    accessible_desktop: AccessibleDesktop,
    demo_server_process: DemoServerProcess,
) -> None:
    """One event's popup: its rule's title and body, a link, the rule's own button; and
    an event no rule describes, whose body lists its fields as text, not JSON."""
    server = demo_server_process
    config = tmp_path / "xdg_config_home" / "beacon" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'[[account]]\nname = "support"\nkey = "{server.key}"\nhost = "127.0.0.1"\n'
        f'port = {server.port}\ntls = false\nchannels = ["tickets"]\n\n'
        '[[rule]]\nevent = "ticket.created"\ntitle = "{subject}"\n'
        'body = "{requester}: {preview}"\nurl = "https://helpdesk.example.invalid/t/{id}"\n'
        'actions = [{ label = "Claim", post = "https://helpdesk.example.invalid/c/{id}" }]\n'
    )
    client = official_client(server)

    def publish(app: App) -> None:
        app.wait_for("-> connected")
        # Until the subscription holds, an event is lost; the same one again is stored
        # once (same id and data), so it is sent until it lands.
        deadline = time.monotonic() + 30
        ticket = {"id": 7, "subject": "Printer on fire & smoke", "requester": "Dana",
                  "preview": "It's smoking & beeping"}  # fmt: skip
        while not any("committed 1 of 1" in line for line in app.lines):
            assert time.monotonic() < deadline, app.log
            client.trigger("tickets", "ticket.created", ticket)
            time.sleep(0.2)
        client.trigger("tickets", "deploy.finished", {"service": "api", "version": "1.2"})

    calls = _popups_of(
        ("--config", str(config)),
        tmp_path,
        apps,
        accessible_desktop,
        lambda calls: len(calls) >= 2,
        publish,
    )
    for call in calls:
        _assert_reads_well(call)
    by_summary = {call.summary: call for call in calls}
    ticket = by_summary["Printer on fire & smoke"]
    assert html.unescape(ticket.body) == "Dana: It's smoking & beeping"
    assert [label for _key, label in ticket.buttons] == ["Open", "Open link", "Mark read", "Claim"]
    (other,) = [call for call in calls if call is not ticket]
    assert sorted(html.unescape(other.body).splitlines()) == ["service: api", "version: 1.2"]
