"""The exceptions ``beacon.connect`` raises for problems of the environment.

Callers turn these into messages for people (with the fix where there is one); only bugs
escape as other exceptions (STYLE.md habit 9).
"""

from __future__ import annotations

__all__ = ["CaFileError", "ConnectError"]


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
