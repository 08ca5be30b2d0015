"""Config files for the settings tests: accounts on the demo server, editor-style saves."""

from __future__ import annotations

import os
from pathlib import Path

from beacon.demo import DemoServer

HEAD = "# two accounts on the demo server\n"


def account_toml(name: str, server: DemoServer, channels: list[str], auth: str = "") -> str:
    listed = ", ".join(f'"{c}"' for c in channels)
    text = (
        f'[[account]]\nname = "{name}"\nkey = "{server.key}"\nhost = "{server.host}"\n'
        f"port = {server.port}\ntls = false\nchannels = [{listed}]\n"
    )
    return text + (f"\n[account.auth]\n{auth}\n" if auth else "") + "\n"


def replace_file(path: Path, text: str) -> None:
    """Save the way vim and most editors do: a new file renamed over the old one."""
    tmp = path.with_name(path.name + ".swp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
