"""A real headless desktop for tray, notification and keyring tests.

Xvfb, a private D-Bus session bus, gnome-keyring's Secret Service (unlocked), dunst as the
notification server and an xfce4-panel that holds only the systray plugin. Every process is
started here, tracked by PID and stopped by :meth:`HeadlessDesktop.stop`.

Traps handled here, all from FACTS.md:
- services that D-Bus activates inherit the *bus's* environment, so the private HOME and
  XDG dirs are made before the bus starts;
- DISPLAY is hidden from the bus, so a locked keyring fails instead of opening a dialog;
- the panel needs a config that holds only the systray, or it asks how to set itself up.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

KEYRING_PASSWORD = "beacon-test-keyring"

PANEL_XML = """<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="28"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray"/>
  </property>
</channel>
"""

DUNSTRC = """[global]
    monitor = 0
    follow = none
    width = 360
    origin = top-right
    offset = 10x40
    font = DejaVu Sans 10
    show_indicators = no
    # Tests read what was shown through dunstctl history; keep plenty of it.
    history_length = 200
    idle_threshold = 0
    mouse_left_click = close_current
    mouse_middle_click = do_action, close_current

[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
"""


class DesktopError(RuntimeError):
    pass


class HeadlessDesktop:
    """Start with :meth:`start`; :attr:`env` is what a client of the desktop needs."""

    def __init__(
        self, root: Path | None = None, *, screen: str = "1280x800x24", tray: bool = True
    ) -> None:
        """``tray=False``: no xfce4-panel, so no tray host at all (neither XEmbed nor
        StatusNotifier), like GNOME without an extension."""
        self._own_root = root is None
        self.tray = tray
        self.root = Path(tempfile.mkdtemp(prefix="beacon-desktop-")) if root is None else root
        self.screen = screen
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.env: dict[str, str] = {}

    # -- paths -------------------------------------------------------------------------

    @property
    def home(self) -> Path:
        return self.root / "home"

    def _make_dirs(self) -> dict[str, str]:
        dirs = {
            "HOME": self.home,
            "XDG_CONFIG_HOME": self.home / ".config",
            "XDG_DATA_HOME": self.home / ".local" / "share",
            "XDG_CACHE_HOME": self.home / ".cache",
            "XDG_STATE_HOME": self.home / ".local" / "state",
            "XDG_RUNTIME_DIR": self.root / "runtime",
        }
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        (self.root / "runtime").chmod(0o700)
        panel = dirs["XDG_CONFIG_HOME"] / "xfce4" / "xfconf" / "xfce-perchannel-xml"
        panel.mkdir(parents=True, exist_ok=True)
        (panel / "xfce4-panel.xml").write_text(PANEL_XML)
        dunst = dirs["XDG_CONFIG_HOME"] / "dunst"
        dunst.mkdir(parents=True, exist_ok=True)
        (dunst / "dunstrc").write_text(DUNSTRC)
        return {name: str(path) for name, path in dirs.items()}

    # -- processes ---------------------------------------------------------------------

    def _spawn(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        *,
        stdin: int | None = subprocess.DEVNULL,
        stdout: int | None = None,
        pass_fds: tuple[int, ...] = (),
    ) -> subprocess.Popen[bytes]:
        # The child keeps its own copy of the log's descriptor; ours closes at once.
        with open(self.root / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                argv,
                env=env,
                stdin=stdin,
                stdout=log if stdout is None else stdout,
                stderr=log,
                pass_fds=pass_fds,
                start_new_session=True,
            )
        self.processes.append((name, process))
        return process

    def _spawn_and_read(
        self, name: str, argv: Callable[[int], list[str]], env: dict[str, str]
    ) -> str:
        """Start ``argv(fd)`` and return the first line it writes to ``fd``.

        Xvfb reports the display it picked and dbus-daemon its address this way, so
        neither needs a port or a name chosen in advance.
        """
        read_fd, write_fd = os.pipe()
        try:
            self._spawn(name, argv(write_fd), env, pass_fds=(write_fd,))
        finally:
            os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            line = pipe.readline().strip()
        if not line:
            raise DesktopError(f"{name} reported nothing; see {self.root / (name + '.log')}")
        return line

    def _start_xvfb(self, base: dict[str, str]) -> str:
        number = self._spawn_and_read(
            "xvfb",
            lambda fd: [
                "Xvfb",
                "-displayfd",
                str(fd),
                "-screen",
                "0",
                self.screen,
                "-nolisten",
                "tcp",
                "-noreset",
            ],
            base,
        )
        return f":{number}"

    def _start_bus(self, base: dict[str, str]) -> str:
        return self._spawn_and_read(
            "dbus",
            lambda fd: ["dbus-daemon", "--session", "--nofork", f"--print-address={fd}"],
            base,
        )

    def _name_has_owner(self, name: str) -> bool:
        result = subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                f"string:{name}",
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return "boolean true" in result.stdout

    def wait_for_name(self, name: str, what: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not self._name_has_owner(name):
            for proc_name, process in self.processes:
                if process.poll() is not None:
                    raise DesktopError(
                        f"{proc_name} exited with {process.returncode} while waiting for "
                        f"{what}; see {self.root / (proc_name + '.log')}"
                    )
            if time.monotonic() > deadline:
                raise DesktopError(f"{what} did not appear on the session bus ({name})")
            time.sleep(0.02)  # the bus has no "name appeared" we can block on from here

    def start(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        base.update(self._make_dirs())
        base.pop("DBUS_SESSION_BUS_ADDRESS", None)
        base["NO_AT_BRIDGE"] = "1"  # no accessibility bus: nothing here would answer it
        try:
            display = self._start_xvfb(base)
            # The bus, and everything it activates, must not see DISPLAY (keyring dialogs).
            address = self._start_bus(base)
            self.env = {**base, "DBUS_SESSION_BUS_ADDRESS": address}

            keyring = self._spawn(
                "gnome-keyring",
                ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
                self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
            )
            assert keyring.stdin is not None
            keyring.stdin.write(KEYRING_PASSWORD.encode())
            keyring.stdin.close()
            self.wait_for_name("org.freedesktop.secrets", "gnome-keyring's Secret Service")

            self.env["DISPLAY"] = display
            self._spawn("dunst", ["dunst"], self.env)
            self.wait_for_name("org.freedesktop.Notifications", "dunst")
            if self.tray:
                self._spawn("xfce4-panel", ["xfce4-panel", "--disable-wm-check"], self.env)
                self.wait_for_name("org.kde.StatusNotifierWatcher", "the xfce4-panel tray")
        except BaseException:
            self.stop()
            raise
        return self.env

    def stop(self) -> None:
        """Stop everything started, newest first, by process group; then remove the root."""
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for _name, process in reversed(self.processes):
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)
