"""Command line entry point: ``beacon`` and ``python -m beacon``.

The parser is the stable contract of DESIGN.md's "Command line" table. Each command's
work lives in ``beacon.cli.<command>`` and is imported only when that command runs, so
``beacon --version`` and ``beacon listen`` never pay for Qt.
"""

from __future__ import annotations

import argparse
import importlib
import math
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from beacon import __version__
from beacon.logs import setup_logging

# command name -> module under beacon.cli that defines ``run(args) -> int``
_COMMANDS = {
    "listen": "listen",
    "login": "login",
    "logout": "login",
    "check": "check",
    "history": "history",
    "demo": "app",
    "settings": "app",
    "demo-server": "demo_server",
}


#: The commands that run the app. It installs its SIGINT and SIGTERM handlers once Qt and
#: its modules are imported (about a second, more on a busy machine); until then the
#: signals wait, blocked, rather than kill it half-started (beacon.app unblocks them).
_APP_COMMANDS = frozenset({"app", "demo", "settings"})
STARTUP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


# argparse reports a ValueError from a type function as "invalid _positive_int value", the
# function's own name; ArgumentTypeError carries a message in words instead.
def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    # float() takes "nan" and "inf": neither is a duration or a rate anyone means.
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _iso_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO time such as 2026-11-27T21:00:00Z"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _seconds(text: str) -> float:
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def _rate(text: str) -> float:
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more events a second, not {text}")
    return value


def _port(text: str) -> int:
    value = _int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, not {value}")
    return value


def _common_options(*, suppress: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after the command name.

    The copies on the subcommands default to SUPPRESS, so that ``beacon --config X listen``
    is not overwritten by the subparser's own default.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        default=argparse.SUPPRESS if suppress else None,
        help="config file (default: $XDG_CONFIG_HOME/beacon/config.toml)",
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS if suppress else 0,
        help="more logging (-vv: debug)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options(suppress=True)
    parser = argparse.ArgumentParser(
        prog="beacon",
        description=(
            "Desktop client for Pusher Channels: a tray icon with your unread count, popup "
            "notifications, a searchable feed window of the events on your channels, and "
            "commands to listen, check and search from scripts."
        ),
        parents=[_common_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"beacon {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "listen", parents=[common], help="print received events as JSON lines on stdout"
    )
    p.add_argument("--account", metavar="A", help="only this account (default: all)")
    p.add_argument(
        "--channel",
        action="append",
        default=[],
        metavar="C",
        help="subscribe to C instead of the configured channels (repeatable)",
    )
    p.add_argument("--count", type=_positive_int, metavar="N", help="exit 0 after N events")
    p.add_argument(
        "--timeout",
        type=_seconds,
        metavar="S",
        help="exit 4 if no account is connected within S seconds",
    )
    p.add_argument(
        "--signals",
        action="store_true",
        help="also run the config's [[signal]] commands and webhooks for received events; "
        "the flag is your confirmation of the exact commands the config holds",
    )
    p.add_argument(
        "--catch-up",
        action="store_true",
        help='also print what [account.catchup] says was missed, with "catchup": true; '
        "resumes where the last --catch-up run of the account stopped (first run: an hour back)",
    )
    p.add_argument(
        "--since",
        type=_iso_time,
        metavar="T",
        help="with --catch-up: catch up from this ISO time (e.g. 2026-11-27T21:00:00Z)",
    )

    p = sub.add_parser("login", parents=[common], help="store account A's secret in the keyring")
    p.add_argument("account", metavar="A")
    p.add_argument("--stdin", action="store_true", help="read one line from standard input")
    p.add_argument(
        "--encryption-key",
        action="store_true",
        help="store the encryption master key (base64, 32 bytes) instead of the secret",
    )

    p = sub.add_parser("logout", parents=[common], help="remove account A's secrets")
    p.add_argument("account", metavar="A")

    sub.add_parser(
        "check", parents=[common], help="validate the config, the keyring and reachability"
    )

    p = sub.add_parser("history", parents=[common], help="print the stored feed, newest first")
    p.add_argument("--search", metavar="TEXT", help="full-text search")
    p.add_argument("--channel", metavar="C", help="only this channel")
    p.add_argument("--limit", type=_positive_int, default=50, metavar="N")
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    sub.add_parser(
        "demo", parents=[common], help="the app on a throwaway profile with the demo server"
    )
    sub.add_parser(
        "settings",
        parents=[common],
        help="the settings window: in the running app, or the app starts with it open",
    )

    p = sub.add_parser("demo-server", parents=[common], help="run only the embedded demo server")
    p.add_argument("--port", type=_port, default=0, metavar="P", help="0 picks a free port")
    p.add_argument(
        "--rate",
        type=_rate,
        default=0.5,
        metavar="R",
        help="generated ticket events per second (0: none)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    command = args.command or "app"
    if command in _APP_COMMANDS and hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, STARTUP_SIGNALS)
    module = importlib.import_module(f"beacon.cli.{_COMMANDS.get(command, command)}")
    result: int = module.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
