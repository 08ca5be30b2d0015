"""The sans-I/O Pusher Channels protocol 7 core.

Text frames and the current time go in; protocol events, frames to send and deadlines
come out. Nothing here imports asyncio, Qt or a socket library, so every behaviour is
tested with strings in and events out.
"""

from beacon.pusher.channels import ChannelKind, channel_kind, channel_name_problem
from beacon.pusher.connection import ChannelInfo, ChannelStatus, PusherConnection
from beacon.pusher.errors import ClientEventError, ProtocolError, PusherError
from beacon.pusher.events import (
    AuthNeeded,
    CacheMiss,
    DropTransport,
    EventDropped,
    EventReceived,
    FrameSkipped,
    MemberAdded,
    MemberRemoved,
    OpenTransport,
    ProtocolEvent,
    ServerError,
    SignedIn,
    SigninFailed,
    SigninNeeded,
    StateChanged,
    Subscribed,
    SubscriptionFailed,
)
from beacon.pusher.frames import Frame, decode, encode
from beacon.pusher.policy import CloseAction, CloseDecision, backoff, close_decision
from beacon.pusher.states import ConnectionState

__all__ = [
    "AuthNeeded",
    "CacheMiss",
    "ChannelInfo",
    "ChannelKind",
    "ChannelStatus",
    "ClientEventError",
    "CloseAction",
    "CloseDecision",
    "ConnectionState",
    "DropTransport",
    "EventDropped",
    "EventReceived",
    "Frame",
    "FrameSkipped",
    "MemberAdded",
    "MemberRemoved",
    "OpenTransport",
    "ProtocolError",
    "ProtocolEvent",
    "PusherConnection",
    "PusherError",
    "ServerError",
    "SignedIn",
    "SigninFailed",
    "SigninNeeded",
    "StateChanged",
    "Subscribed",
    "SubscriptionFailed",
    "backoff",
    "channel_kind",
    "channel_name_problem",
    "close_decision",
    "decode",
    "encode",
]
