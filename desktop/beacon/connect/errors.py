"""The exceptions ``beacon.connect`` raises for problems of the environment.

Callers turn these into messages for people (with the fix where there is one); only bugs
escape as other exceptions (STYLE.md habit 9).
"""

from __future__ import annotations

__all__ = ["CaFileError", "ConnectError", "PlainTextRefused"]


class ConnectError(Exception):
    """Base class: something outside Beacon (a file, a server, the network) is wrong.

    ``str()`` of one is a complete sentence for a person.
    """


class CaFileError(ConnectError):
    """An account's ``ca_file`` cannot be used: missing, a directory, unreadable, or not
    PEM certificates."""

    def __init__(self, message: str, path: object) -> None:
        super().__init__(message)
        self.path = path


class PlainTextRefused(ConnectError):
    """An account would send credentials over plain ws:// to a host whose name resolved
    to an address that is not loopback (config/transport.py). Raised after the lookup
    and before any connection is opened: not one byte went out."""

    def __init__(self, host: str, addresses: list[str]) -> None:
        from beacon.config.transport import INSECURE_FIX

        shown = ", ".join(addresses) if addresses else "no address"
        super().__init__(
            f"refused to send credentials over plain ws:// to {host}: it resolves to "
            f"{shown}, not only to this machine (loopback). Fix: {INSECURE_FIX}"
        )
        self.host = host
        self.addresses = addresses
