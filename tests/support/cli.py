"""Running ``beacon`` as a user does: a throwaway profile and ``python -m beacon``.

A profile is the environment of a subprocess whose XDG config and data directories lie
under a test's ``tmp_path``, so that the command finds only the config a test wrote and
keeps its history there.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def profile_env(tmp_path: Path, config: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a throwaway profile under ``tmp_path``, plus ``extra`` variables.

    With ``config``, that text is written as the profile's ``beacon/config.toml``.
    """
    config_home = tmp_path / "config"
    if config is not None:
        path = config_home / "beacon" / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(config, encoding="utf-8")
    return {
        **os.environ,
        "XDG_CONFIG_HOME": str(config_home),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        **extra,
    }


def run_beacon(
    env: dict[str, str] | None, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m beacon ARGS`` to its end, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "beacon", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


async def run_until_stderr_says(
    command: Sequence[str], env: dict[str, str], words: str, timeout: float = 30
) -> str:
    """Run ``command`` (a long-running one such as ``beacon listen``) until its stderr says
    ``words``, then stop it with SIGTERM; its stderr up to there. Fails if it ends before
    saying them or does not exit 0 on SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(timeout):
            while words not in "".join(seen):
                line = await process.stderr.readline()
                assert line, "".join(seen)
                seen.append(line.decode())
        process.send_signal(signal.SIGTERM)
        rest = await process.stderr.read()
        assert await process.wait() == 0, "".join(seen) + rest.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return "".join(seen)


def account_toml(**settings: object) -> str:
    """One ``[[account]]`` table with ``settings`` in order; an ``auth`` dict becomes its
    ``[account.auth]`` table (a dict value there, such as headers, an inline table)."""
    auth = settings.pop("auth", None)
    lines = ["[[account]]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    if isinstance(auth, dict):
        lines.append("[account.auth]")
        for k, v in auth.items():
            if isinstance(v, dict):
                inner = ", ".join(f"{hk} = {json.dumps(hv)}" for hk, hv in v.items())
                lines.append(f"{k} = {{ {inner} }}")
            else:
                lines.append(f"{k} = {json.dumps(v)}")
    return "\n".join(lines) + "\n\n"
