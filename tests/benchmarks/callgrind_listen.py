"""Instructions per event of ``beacon listen``, for A/B comparisons on a noisy machine.

A tiny WebSocket server, in this process's child, plays a fixed recording: the handshake,
``pusher:connection_established``, the subscription's success, then ``--events``
ticket-sized events (bench_engine.py's payload) in one go. ``beacon listen --count N``
runs under ``valgrind --tool=callgrind`` twice, with ``--events`` and with ``--base``
events; the difference in instructions over the difference in events is the cost of one
event, start-up excluded. Instruction counts barely move with the machine's load, unlike
CPU time.

    .venv/bin/python tests/benchmarks/callgrind_listen.py --events 2000 --base 200

Prints ``instructions/event``; ``--keep DIR`` keeps the callgrind.out files for
``callgrind_annotate``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_engine import payload

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "bench"
EVENT = "ticket.created"
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(text: str) -> bytes:
    data = text.encode()
    n = len(data)
    if n < 126:
        head = bytes([0x81, n])
    elif n < 65536:
        head = bytes([0x81, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x81, 127]) + n.to_bytes(8, "big")
    return head + data


def event_frames(count: int) -> bytes:
    return b"".join(
        frame(
            json.dumps(
                {"event": EVENT, "channel": CHANNEL, "data": payload(i, "1.5")},
                separators=(",", ":"),
            )
        )
        for i in range(count)
    )


async def serve(port_file: Path, count: int) -> None:
    events = event_frames(count)
    done = asyncio.Event()

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        key = re.search(rb"(?i)sec-websocket-key:\s*(\S+)", request)
        assert key is not None
        accept = base64.b64encode(hashlib.sha1(key.group(1) + GUID.encode()).digest())
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        established = json.dumps({"socket_id": "1.1", "activity_timeout": 120})
        writer.write(
            frame(json.dumps({"event": "pusher:connection_established", "data": established}))
        )
        await reader.read(1024)  # the subscribe frame
        writer.write(
            frame(
                json.dumps(
                    {"event": "pusher_internal:subscription_succeeded", "channel": CHANNEL,
                     "data": "{}"}
                )
            )
        )  # fmt: skip
        writer.write(events)
        await writer.drain()
        with_timeout = reader.read(1024)
        try:
            while await asyncio.wait_for(with_timeout, 600):
                with_timeout = reader.read(1024)
        except (TimeoutError, ConnectionError):
            pass
        writer.close()
        done.set()

    server = await asyncio.start_server(client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    port_file.write_text(str(port))
    await done.wait()
    server.close()


def measure(events: int, tmp: Path, beacon: list[str], keep: Path | None) -> int:
    port_file = tmp / f"port-{events}"
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port_file), "--events", str(events)]
    )
    try:
        while not port_file.exists() or not port_file.read_text():
            server.poll()
            if server.returncode is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        port = int(port_file.read_text())
        config = tmp / f"config-{events}" / "beacon"
        config.mkdir(parents=True)
        (config / "config.toml").write_text(
            f'[[account]]\nname = "bench"\nkey = "k"\nhost = "127.0.0.1"\nport = {port}\n'
            f'tls = false\nchannels = ["{CHANNEL}"]\n'
        )
        out_file = (keep or tmp) / f"callgrind.out.{events}"
        env = dict(os.environ) | {
            "XDG_CONFIG_HOME": str(config.parent),
            "XDG_DATA_HOME": str(tmp / "data"),
            "PYTHONHASHSEED": "0",
        }
        with open(tmp / f"stdout-{events}", "wb") as out:
            subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
                 *beacon, "listen", "--count", str(events)],
                env=env, stdout=out, stderr=subprocess.DEVNULL, check=True,
            )  # fmt: skip
        lines = (tmp / f"stdout-{events}").read_bytes().count(b"\n")
        if lines != events:
            raise RuntimeError(f"listen printed {lines} lines, not {events}")
        summary = subprocess.run(
            ["callgrind_annotate", str(out_file)], capture_output=True, text=True, check=True
        ).stdout
        match = re.search(r"([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS", summary)
        assert match is not None, summary[:2000]
        return int(match.group(1).replace(",", ""))
    finally:
        server.kill()
        server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--base", type=int, default=200)
    parser.add_argument("--beacon", default=str(ROOT / ".venv" / "bin" / "beacon"))
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.events))
        return 0
    with tempfile.TemporaryDirectory(prefix="beacon-callgrind-") as name:
        tmp = Path(name)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
        big = measure(args.events, tmp, [args.beacon], args.keep)
        small = measure(args.base, tmp, [args.beacon], args.keep)
    per_event = (big - small) / (args.events - args.base)
    print(
        f"{per_event:,.0f} instructions/event "
        f"({big:,} for {args.events}, {small:,} for {args.base})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
