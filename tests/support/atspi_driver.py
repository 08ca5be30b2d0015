"""Use one app's windows from outside, as assistive technology does: AT-SPI, with pyatspi.

It runs under Debian's system Python (``/usr/bin/python3``), where ``python3-pyatspi``
lives, never in Beacon's venv; tests start it as a subprocess (``run()`` below, from the
venv) and read the JSON it prints. Driving the app this way keeps the app a real process,
with its real argv, environment, stdout and stderr, while a test types into a field and
presses buttons in its windows. Commands (PID is the app's process):

``dump PID``
    Every object of every window the app has, depth first: role, name, description,
    and the text an object shows (its Text interface), each window's title first.

``set-text PID NAME``
    Replace the text of the editable object named NAME with one line read from stdin (so
    the text is in no argv), through its EditableText interface.

``press PID NAME``
    The first action ("Press") of the object named NAME.

``text PID NAME``
    The text the object named NAME shows, as a JSON string.

``find PID NAME``
    Wait for an object named NAME to show; its role, and whether it is enabled.

Objects are looked for among those showing; a name that matches none waits, up to
``FIND_SECONDS``, for the app to show it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

SYSTEM_PYTHON = "/usr/bin/python3"
#: How long an app, or an object in it, has to appear on the bus.
FIND_SECONDS = 30.0
MAX_OBJECTS = 5000
#: Enough of a long text (the feed's rows, a report) to find a secret in it.
MAX_TEXT = 20000


def run(command: str, pid: int, *args: str, stdin: str = "", timeout: float = 120) -> Any:
    """Run this driver from the test's interpreter: its JSON answer."""
    done = subprocess.run(
        [SYSTEM_PYTHON, __file__, command, str(pid), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"atspi_driver {command} {args}: {done.stderr.strip()}")
    return json.loads(done.stdout)


# -- what runs under the system Python --------------------------------------------------


def _find_app(pid: int) -> Any:
    import pyatspi

    deadline = time.monotonic() + FIND_SECONDS
    while True:
        for app in pyatspi.Registry.getDesktop(0):
            try:
                if app is not None and app.get_process_id() == pid and app.childCount > 0:
                    return app
            except Exception:  # an app that went away while listed
                continue
        if time.monotonic() > deadline:
            raise SystemExit(f"no application with pid {pid} on the accessibility bus")
        time.sleep(0.2)


def _text_of(obj: Any) -> str:
    try:
        text = obj.queryText()
    except NotImplementedError:
        return ""
    except Exception:
        return ""
    count = text.characterCount
    return str(text.getText(0, min(count, MAX_TEXT)) if count else "")


def _walk(app: Any) -> list[tuple[Any, int]]:
    found: list[tuple[Any, int]] = []

    def visit(obj: Any, depth: int) -> None:
        if obj is None or len(found) >= MAX_OBJECTS:
            return
        found.append((obj, depth))
        for child in obj:
            visit(child, depth + 1)

    for window in app:
        visit(window, 0)
    return found


def _showing(obj: Any) -> bool:
    import pyatspi

    return bool(obj.getState().contains(pyatspi.STATE_SHOWING))


def _enabled(obj: Any) -> bool:
    import pyatspi

    return bool(obj.getState().contains(pyatspi.STATE_ENABLED))


def _named(pid: int, name: str) -> Any:
    deadline = time.monotonic() + FIND_SECONDS
    while True:
        for obj, _depth in _walk(_find_app(pid)):
            if (obj.name or "") == name and _showing(obj):
                return obj
        if time.monotonic() > deadline:
            raise SystemExit(f"nothing named {name!r} is showing in the app of pid {pid}")
        time.sleep(0.2)


def dump(pid: int) -> list[dict[str, object]]:
    return [
        {
            "depth": depth,
            "role": obj.getRoleName(),
            "name": obj.name or "",
            "description": obj.description or "",
            "text": _text_of(obj),
            "showing": _showing(obj),
        }
        for obj, depth in _walk(_find_app(pid))
    ]


def set_text(pid: int, name: str, value: str) -> bool:
    editable = _named(pid, name).queryEditableText()
    return bool(editable.setTextContents(value))


def press(pid: int, name: str) -> bool:
    action = _named(pid, name).queryAction()
    return bool(action.doAction(0))


def main() -> None:
    command, pid = sys.argv[1], int(sys.argv[2])
    result: object
    if command == "dump":
        result = dump(pid)
    elif command == "set-text":
        result = set_text(pid, sys.argv[3], sys.stdin.readline().rstrip("\n"))
    elif command == "press":
        result = press(pid, sys.argv[3])
    elif command == "find":
        found = _named(pid, sys.argv[3])
        result = {"role": found.getRoleName(), "enabled": _enabled(found)}
    elif command == "text":
        result = _text_of(_named(pid, sys.argv[3]))
    else:
        raise SystemExit(f"unknown command {command!r}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
