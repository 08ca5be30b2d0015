"""The exceptions of the protocol core.

``ProtocolError`` is the one error a decoder raises for a malformed frame; callers log it
and skip the frame. ``ClientEventError`` refuses a client event that the protocol does not
allow, before anything is sent.
"""

from __future__ import annotations


class PusherError(Exception):
    """Base class of every error the protocol core raises on purpose."""


class ProtocolError(PusherError):
    """A frame that is not a Pusher protocol message: bad JSON, wrong shape, wrong types."""


class ClientEventError(PusherError, ValueError):
    """A client event that cannot be sent: wrong name, wrong channel kind, not subscribed."""
