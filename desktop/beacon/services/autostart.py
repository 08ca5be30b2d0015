"""Start Beacon at login: the XDG autostart entry, written when the setting is on and
removed when it is off.

The entry is ``resources/autostart/beacon.desktop`` with its ``Exec`` line pointing at the
Beacon that is running now (a bundle's executable, a venv's console script): the bare
``beacon`` of the template is only right for the .deb, and a login session's ``PATH``
rarely holds a venv. Desktops that follow the XDG autostart spec (GNOME, KDE, Xfce,
Cinnamon, MATE, LXQt) start every entry in ``$XDG_CONFIG_HOME/autostart``.

No Qt here, and quick file work only: the settings window may call it from its slot.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from beacon.resources import resource

__all__ = [
    "ENTRY_NAME",
    "autostart_entry",
    "autostart_path",
    "exec_line",
    "is_enabled",
    "launch_command",
    "set_autostart",
]

#: The file's name: the same desktop id as the app's own entry, so that a session
#: manager that matches them knows they are one app.
ENTRY_NAME = "beacon.desktop"
TEMPLATE = "autostart/beacon.desktop"

# Characters that make the desktop entry spec's Exec parser need the argument quoted.
_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


def autostart_path(config_home: Path | None = None) -> Path:
    """``$XDG_CONFIG_HOME/autostart/beacon.desktop`` (``~/.config`` when unset or empty,
    as the basedir spec says)."""
    if config_home is None:
        configured = os.environ.get("XDG_CONFIG_HOME", "")
        # The spec ignores a relative value as invalid.
        config_home = Path(configured) if os.path.isabs(configured) else Path.home() / ".config"
    return config_home / "autostart" / ENTRY_NAME


def launch_command() -> list[str]:
    """How to start this same Beacon again, at the next login."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: its executable is Beacon
        return [sys.executable]
    script = Path(sys.executable).with_name("beacon")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "beacon"]


def _quote(argument: str) -> str:
    if argument and not (_RESERVED & set(argument)):
        return argument
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    return f'"{escaped}"'


def exec_line(argv: Sequence[str]) -> str:
    """``argv`` as the value of an ``Exec`` key: quoted where the spec's parser needs it,
    ``%`` doubled (it starts a field code), and then the key file's own escaping, under
    which each backslash of the quoting is written twice."""
    if not argv:
        raise ValueError("an empty command line")
    value = " ".join(_quote(a).replace("%", "%%") for a in argv)
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def autostart_entry(template: str, argv: Sequence[str]) -> str:
    """The template's text with its ``Exec`` line (in the main group) running ``argv``."""
    lines = template.splitlines()
    group = ""
    for index, line in enumerate(lines):
        if line.startswith("["):
            group = line.strip()
        elif group == "[Desktop Entry]" and line.split("=", 1)[0].strip() == "Exec":
            lines[index] = "Exec=" + exec_line(argv)
            return "\n".join(lines) + "\n"
    raise ValueError("the autostart template has no Exec line in [Desktop Entry]")


def is_enabled(config_home: Path | None = None) -> bool:
    return autostart_path(config_home).is_file()


def set_autostart(
    enabled: bool, *, argv: Sequence[str] | None = None, config_home: Path | None = None
) -> Path:
    """Write the entry (``enabled``) or remove it; returns its path either way.

    Writing replaces the file in one step, so a session that starts meanwhile never reads
    half an entry. Removing an entry that is not there is not an error: the setting is
    off, which is what was asked.
    """
    path = autostart_path(config_home)
    if not enabled:
        path.unlink(missing_ok=True)
        return path
    text = autostart_entry(
        resource(TEMPLATE).read_text(encoding="utf-8"),
        launch_command() if argv is None else argv,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{ENTRY_NAME}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path
