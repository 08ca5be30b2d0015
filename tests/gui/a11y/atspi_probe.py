"""A small screen reader for the tests: what one app shows on the AT-SPI bus.

It runs under Debian's system Python (``/usr/bin/python3``), where ``python3-pyatspi``
lives, never in Beacon's venv; the tests start it as a subprocess and read the JSON it
prints. Two commands:

``tree PID``
    Every object of the app's windows, depth first: role, name, description, states and
    the names of the labels it is labelled by.

``menu PID [--at-plugin]``
    For a panel (PID: the xfce4-panel): right-click its first tray icon, as a user opens
    an icon's menu (``--at-plugin``: where the panel's systray plugin is, not on the
    icon's button as the bus shows it; see ``_tray_target``), then walk the menu with
    Down as a keyboard user does, writing down each entry that takes the focus (or, for
    a submenu entry, the selection, which is what Orca follows in GTK menus) until the
    first comes round again; then the menu's whole tree, submenus included, and Escape.
    Also the icon's button itself (null when the click was not on it).

``keys PID [--settle=MS] KEY...``
    Press each key with xdotool, and after each one write down the object that took the
    focus (as Orca does: from the focus events, not by asking which object is focused),
    and every announcement the app sent meanwhile. The word ``announcement`` instead of
    a key waits for the next announcement (its focus entry is null). ``--settle``: how
    long after a key's focus event its burst may still go on (default 400 ms); Tab's
    single focus event needs less.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyatspi
from gi.repository import GLib

#: How long the app has to appear on the bus, and to answer a key.
APPEAR_SECONDS = 30.0
#: Right clicks on the tray button before the menu is declared missing.
CLICKS = 3
KEY_SECONDS = 5.0
#: ``announcement`` in the keys waits this long for the app to announce something.
ANNOUNCE_SECONDS = 30.0
#: After a key, events of the same burst (the focus, then an announcement) still count.
SETTLE_MS = 400
MAX_OBJECTS = 3000


def find_app(pid: int) -> object:
    deadline = time.monotonic() + APPEAR_SECONDS
    while True:
        desktop = pyatspi.Registry.getDesktop(0)
        for app in desktop:
            try:
                if app is not None and app.get_process_id() == pid and app.childCount > 0:
                    return app
            except Exception:  # an app that went away while listed
                continue
        if time.monotonic() > deadline:
            raise SystemExit(f"no application with pid {pid} on the accessibility bus")
        time.sleep(0.2)


def describe(obj: object) -> dict[str, object]:
    states = obj.getState()
    labelled_by: list[str] = []
    for relation in obj.getRelationSet():
        if relation.getRelationType() == pyatspi.RELATION_LABELLED_BY:
            for i in range(relation.getNTargets()):
                labelled_by.append(relation.getTarget(i).name or "")
    return {
        "role": obj.getRoleName(),
        "name": obj.name or "",
        "description": obj.description or "",
        "focusable": states.contains(pyatspi.STATE_FOCUSABLE),
        "showing": states.contains(pyatspi.STATE_SHOWING),
        "focused": states.contains(pyatspi.STATE_FOCUSED),
        "labelled_by": labelled_by,
    }


def tree(pid: int) -> list[dict[str, object]]:
    return subtree(*find_app(pid))


def keys(pid: int, names: list[str], settle_ms: int = SETTLE_MS) -> dict[str, object]:
    find_app(pid)
    focus: list[dict[str, object] | None] = []
    announcements: list[dict[str, str]] = []
    latest: list[dict[str, object] | None] = [None]

    def from_app(event: object) -> bool:
        try:
            return event.host_application.get_process_id() == pid
        except Exception:
            return False

    def on_event(event: object) -> None:
        if not from_app(event):
            return
        if event.type.startswith("object:state-changed:focused"):
            if event.detail1:
                latest[0] = describe(event.source)
        elif event.type.startswith("object:announcement"):
            source = event.source
            announcements.append(
                {
                    "text": str(event.any_data),
                    "source": (source.name or "") if source is not None else "",
                }
            )

    pyatspi.Registry.registerEventListener(
        on_event,
        "object:state-changed:focused",
        "object:announcement",
    )
    pending = list(names)
    pressed_at = [0.0]
    focused_at = [0.0]

    awaited = [-1]  # while >= 0: the number of announcements heard before the wait

    def press_next() -> None:
        latest[0] = None
        focused_at[0] = 0.0
        pressed_at[0] = time.monotonic()
        key = pending.pop(0)
        if key == "announcement":
            awaited[0] = len(announcements)
        else:
            subprocess.run(["xdotool", "key", "--clearmodifiers", key], check=True)

    def poll() -> bool:
        now = time.monotonic()
        if awaited[0] >= 0:
            if len(announcements) == awaited[0] and now - pressed_at[0] < ANNOUNCE_SECONDS:
                return True
            awaited[0] = -1
            latest[0] = None
            focused_at[0] = now - 1  # recorded below as "no focus change"
        if latest[0] is not None and not focused_at[0]:
            focused_at[0] = now
        settled = focused_at[0] and now - focused_at[0] >= settle_ms / 1000
        if not settled and now - pressed_at[0] < KEY_SECONDS:
            return True  # still waiting for this key's focus event
        focus.append(latest[0])
        if not pending:
            pyatspi.Registry.stop()
            return False
        press_next()
        return True

    press_next()
    GLib.timeout_add(50, poll)
    pyatspi.Registry.start()
    return {"focus": focus, "announcements": announcements}


def pump_until(done: object, seconds: float) -> bool:
    """Run the event loop (which delivers AT-SPI events) until ``done()`` or the time."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        context.iteration(False)
        time.sleep(0.01)
    return True


def subtree(*roots: object) -> list[dict[str, object]]:
    """Every object under each of ``roots``, depth first, each with its depth and its
    parent's name."""
    found: list[dict[str, object]] = []

    def walk(obj: object, depth: int, parent: str) -> None:
        if obj is None or len(found) >= MAX_OBJECTS:
            return
        entry = describe(obj)
        entry["depth"] = depth
        entry["parent"] = parent
        found.append(entry)
        # A list's rows are many and alike: the first few say enough.
        limit = 5 if entry["role"] in ("list", "list box", "table", "tree table") else None
        for i, child in enumerate(obj):
            if limit is not None and i >= limit:
                break
            walk(child, depth + 1, str(entry["name"]))

    for root in roots:
        walk(root, 0, "")
    return found


def place(obj: object) -> tuple[object, ...]:
    """What tells two entries of one menu apart, whichever proxy object stands for them."""
    return (obj.getRoleName(), obj.name, obj.getIndexInParent())


MENU_ROLES = ("menu item", "check menu item", "radio menu item", "menu", "tearoff menu item")


def tray_buttons(panel: object) -> list[object]:
    return [
        obj
        for obj in pyatspi.findAllDescendants(panel, lambda o: o.getRoleName() == "push button")
        if obj.getState().contains(pyatspi.STATE_SHOWING)
        and obj.queryComponent().getExtents(pyatspi.DESKTOP_COORDS).width > 1
    ]


def panel_pids(pid: int) -> set[int]:
    """The panel and its plugin processes (xfce4-panel runs the systray plugin in a
    ``wrapper-2.0`` child, whose widgets join the panel's tree through an AT-SPI socket)."""
    pids = {pid}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            pids.add(int(stat.parent.name))
    return pids


def _plugin_place(app: object) -> object | None:
    """The panel's box for its systray plugin: the outer end of the plugin's XEmbed socket
    (a filler), whose place on screen the icon fills when it is the only one."""
    for obj in pyatspi.findAllDescendants(app, lambda o: o.getRoleName() == "filler"):
        if obj.queryComponent().getExtents(pyatspi.DESKTOP_COORDS).width > 1:
            return obj
    return None


def _tray_target(pid: int, at_plugin: bool) -> tuple[object, bool, set[int]]:
    """What to right-click to open the tray icon's menu: the icon's button, once it shows;
    whether that is the button; and the panel's processes.

    The panel makes the icon's button a moment after the icon registers, and the plugin's
    process may come up later still: look afresh each time, its process too.

    The plugin's widgets join the panel's tree through an XEmbed socket, which xfce4-panel
    4.18 sometimes leaves empty on the bus (about 1 start in 5 under load: the plugin's
    process is on the bus, with no window). The icon is on screen all the same, and its
    menu, a window of the plugin's process, still reaches the bus; so after half the wait
    the plugin's place on the panel is clicked instead, as a sighted user would. With
    ``at_plugin`` it is clicked at once, so that this way is tried on every run.
    """
    deadline = time.monotonic() + APPEAR_SECONDS
    while True:
        pids = panel_pids(pid)
        buttons = []
        place = None
        for app in pyatspi.Registry.getDesktop(0):
            try:
                if app is None or app.get_process_id() not in pids:
                    continue
                app.clear_cache()  # what was read of its tree is cached
                buttons += tray_buttons(app)
                if app.get_process_id() == pid:
                    place = _plugin_place(app)
            except Exception:  # an app that went away while listed
                continue
        if buttons and not at_plugin:
            return buttons[0], True, pids
        if place is not None and (at_plugin or time.monotonic() > deadline - APPEAR_SECONDS / 2):
            return place, False, pids
        if time.monotonic() > deadline:
            raise SystemExit(f"no tray icon button in the panel: {subtree(find_app(pid))}")
        pump_until(lambda: False, 0.2)


def menu(pid: int, at_plugin: bool = False) -> dict[str, object]:
    find_app(pid)
    button, is_button, pids = _tray_target(pid, at_plugin)
    entered: list[object] = []
    shown: list[object] = []

    def on_event(event: object) -> None:
        try:
            if event.host_application.get_process_id() not in pids or not event.detail1:
                return
            if event.source.getRoleName() not in MENU_ROLES or event.source.name is None:
                return
            if event.type.startswith("object:state-changed:showing"):
                shown.append(event.source)
            else:
                entered.append(event.source)
        except Exception:  # an object gone meanwhile
            return

    pyatspi.Registry.registerEventListener(
        on_event,
        "object:state-changed:focused",
        "object:state-changed:selected",
        "object:state-changed:showing",
    )
    # A click that lands while the panel still lays out its new button opens nothing
    # (seen in full runs): the button is found again, where it is now, and clicked again.
    for _ in range(CLICKS):
        box = button.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
        x, y = box.x + box.width // 2, box.y + box.height // 2
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "3"], check=True)
        # Keys go to the menu once it is up (it grabs the keyboard as it shows).
        if pump_until(lambda: bool(shown), APPEAR_SECONDS / CLICKS):
            break
        button, is_button, pids = _tray_target(pid, at_plugin)
    else:
        raise SystemExit("a right click on the tray icon showed no menu")
    pump_until(lambda: False, SETTLE_MS / 1000)
    focus: list[dict[str, object]] = []
    first: object = None
    for _ in range(40):
        before = len(entered)
        subprocess.run(["xdotool", "key", "Down"], check=True)
        if not pump_until(lambda before=before: len(entered) > before, KEY_SECONDS):
            raise SystemExit(f"no menu entry took the focus; so far {focus}")
        pump_until(lambda: False, SETTLE_MS / 1000)  # the rest of this key's events
        current = entered[-1]
        if first is not None and place(current) == place(first):
            break
        first = first if first is not None else current
        focus.append(describe(current))
    else:
        raise SystemExit(f"Down never came back to the first entry: {focus}")
    items = subtree(first.parent) if first is not None else []
    subprocess.run(["xdotool", "key", "Escape"], check=True)
    return {"button": describe(button) if is_button else None, "focus": focus, "tree": items}


def main() -> None:
    command, pid = sys.argv[1], int(sys.argv[2])
    if command == "tree":
        result: object = tree(pid)
    elif command == "menu":
        result = menu(pid, at_plugin=sys.argv[3:] == ["--at-plugin"])
    elif command == "keys":
        names = sys.argv[3:]
        if names and names[0].startswith("--settle="):
            result = keys(pid, names[1:], int(names[0].removeprefix("--settle=")))
        else:
            result = keys(pid, names)
    else:
        raise SystemExit(f"unknown command {command!r}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
