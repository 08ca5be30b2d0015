"""Live reload: the config file and the secrets stamp, watched without polling.

``ConfigWatcher`` watches the config file and the directory that holds it with a
``QFileSystemWatcher``. Editors save in different ways: some write the file in place (the
file's watch fires), others write a temporary file and rename it over the old one (vim,
``sed -i``, the settings window); a rename drops the file's inotify watch, so the directory
is watched too and the file's watch is added again after every change. A change starts a
short single-shot timer, so an editor's burst of events (truncate, write, chmod) is read
once; nothing runs while nothing changes.

The file is loaded with ``config.load_config`` in a worker thread (it may read CA files),
and the result is ``configChanged(Config)`` or ``configError(str)``, the loader's message.

Secrets are not in the file. ``credentials.Keyring`` touches a stamp file
(``credentials.secrets_stamp_path()``) whenever a secret is stored or removed, from this
process or another one (``beacon login``); a change of that file is ``secretsChanged()``.
The keyring itself offers no change notification that works across its backends.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from beacon.config.errors import ConfigError
from beacon.config.load import load_config
from beacon.config.model import Config
from beacon.services.loop import qt_loop

log = logging.getLogger("beacon.services")

#: Milliseconds to let an editor finish a save before the file is read.
SETTLE_MS = 60

Signature = tuple[int, int, int] | None


def _signature(path: Path) -> Signature:
    """What tells one version of a file from the next: inode, size and mtime."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class ConfigWatcher(QObject):
    """Emits the reloaded config, or the loader's error, when the file changes.

    Signals:
        configChanged(Config): the file changed and loads; also after an error is fixed.
        configError(str): the file changed and does not load: ``PATH:LINE: ... Fix: ...``.
        secretsChanged(): a secret was stored or removed (``beacon login``, settings).
    """

    configChanged = Signal(object)
    configError = Signal(str)
    secretsChanged = Signal()

    def __init__(
        self,
        path: Path,
        *,
        stamp: Path | None = None,
        loader: Callable[[Path], Config] = load_config,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self.stamp = stamp
        self._loader = loader
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._changed)
        self._watcher.directoryChanged.connect(self._changed)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._check)
        self._seen: Signature = None
        self._stamp_seen: Signature = None
        self._reload: asyncio.Task[None] | None = None
        self._again = False
        #: The last result: the error text, or None when the file loaded.
        self.error: str | None = None

    def start(self, *, current_error: str | None = None) -> None:
        """Watch from now on; the file as it is now counts as already loaded."""
        self.error = current_error
        self._seen = _signature(self.path)
        # Only an existing directory can be watched: made now, a config file written
        # into it later (by hand or by the settings window) is seen.
        for directory in [p.parent for p in (self.path, self.stamp) if p is not None]:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                log.warning("cannot watch %s: %s", directory, exc.strerror or exc)
        if self.stamp is not None:
            self._stamp_seen = _signature(self.stamp)
        self._rewatch()

    def stop(self) -> None:
        self._settle.stop()
        paths = self._watcher.files() + self._watcher.directories()
        if paths:
            self._watcher.removePaths(paths)
        if self._reload is not None:
            self._reload.cancel()

    def _wanted(self) -> list[Path]:
        wanted = [self.path.parent, self.path]
        if self.stamp is not None:
            wanted += [self.stamp.parent, self.stamp]
        return wanted

    def _rewatch(self) -> None:
        # A file replaced by a rename is a new inode: its old watch is gone. Paths that do
        # not exist (yet) cannot be watched; their directory's watch covers them.
        # Qt may still list a file whose inode was replaced, so files are always watched
        # afresh.
        files = [str(p) for p in self._wanted()[1::2]]
        stale = [f for f in files if f in self._watcher.files()]
        if stale:
            self._watcher.removePaths(stale)
        watched = set(self._watcher.files()) | set(self._watcher.directories())
        missing = [str(p) for p in self._wanted() if str(p) not in watched and p.exists()]
        if missing:
            self._watcher.addPaths(missing)

    def _changed(self, _path: str) -> None:
        self._settle.start()

    def _check(self) -> None:
        self._rewatch()
        if self.stamp is not None:
            stamp = _signature(self.stamp)
            if stamp != self._stamp_seen:
                self._stamp_seen = stamp
                if stamp is not None:
                    log.info("secrets changed")
                    self.secretsChanged.emit()
        current = _signature(self.path)
        if current == self._seen:
            return
        self._seen = current
        self.reload()

    def reload(self) -> None:
        """Read the file again now (also for a ``reload`` request from another process)."""
        if self._reload is not None and not self._reload.done():
            self._again = True  # changed while being read: read once more after
            return
        # Called from the settle timer, which Qt may fire while the loop is not running.
        self._reload = qt_loop().create_task(self._run_reload())

    async def _run_reload(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._again = False
            try:
                config = await loop.run_in_executor(None, self._loader, self.path)
            except ConfigError as exc:
                result: Config | str = str(exc)
            except Exception as exc:  # the file vanished mid-read, a permission race
                result = f"{self.path}: could not be read: {exc}"
            else:
                result = config
            if self._again:
                continue  # a newer version is on disk: report that one
            break
        if isinstance(result, str):
            log.error("%s", result)
            self.error = result
            self.configError.emit(result)
        else:
            if self.error is not None:
                log.info("config fixed: %s loads again", self.path)
            else:
                log.info("config reloaded from %s", self.path)
            self.error = None
            self.configChanged.emit(result)
