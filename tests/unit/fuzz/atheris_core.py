"""Coverage-guided fuzzing of the sans-I/O core and the config loader with atheris.

Not a pytest test (the suite runs the hypothesis versions in this folder); run by hand
for as long as you like, after ``.venv/bin/pip install atheris``:

    .venv/bin/python tests/unit/fuzz/atheris_core.py frames -runs=200000
    .venv/bin/python tests/unit/fuzz/atheris_core.py config -runs=20000

``frames``: the input, split on NUL bytes, is fed as frames to a core that is connected
and subscribed to every kind of channel, with a timer tick between frames. ``config``: the
input is written as a config file and loaded. A crash is any exception other than the
ones the code promises (none for frames; ConfigError for configs).
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from beacon.config import ConfigError, load_config
    from beacon.pusher import PusherConnection

ESTABLISHED = (
    '{"event":"pusher:connection_established",'
    '"data":"{\\"socket_id\\":\\"1.1\\",\\"activity_timeout\\":120}"}'
)
CHANNELS = ("tickets", "private-a", "presence-p", "private-encrypted-x", "private-cache-c")
CONFIG = Path(tempfile.mkdtemp(prefix="beacon-atheris-")) / "config.toml"


def frames(data: bytes) -> None:
    conn = PusherConnection(CHANNELS, signin=True)
    conn.connect(0.0)
    conn.opened(0.0)
    conn.receive(ESTABLISHED, 0.0)
    now = 0.0
    for part in data.split(b"\0"):
        now += 1.0
        text = part.decode("utf-8", "replace")
        conn.receive(text if len(part) % 2 else part, now)
        conn.tick(now)
        conn.data_to_send()


def config(data: bytes) -> None:
    CONFIG.write_bytes(data)
    try:
        load_config(CONFIG)
    except ConfigError:
        pass


def main() -> None:
    # Skipped frames are logged as warnings; at thousands of runs a second that is noise.
    logging.disable(logging.CRITICAL)
    targets = {"frames": frames, "config": config}
    if len(sys.argv) < 2 or sys.argv[1] not in targets:
        print(__doc__)
        sys.exit(2)
    target = targets[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
