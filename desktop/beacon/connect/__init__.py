"""The asyncio runtime: WebSockets, auth HTTP, timers and backoff around ``beacon.pusher``.

Nothing here imports Qt; ``services/`` brings these callbacks into the UI thread.
"""

from beacon.connect.engine import Engine
from beacon.connect.errors import CaFileError, ConnectError
from beacon.connect.events import AccountStatus, ReceivedEvent
from beacon.connect.secrets import SecretSource, StaticSecrets

__all__ = [
    "AccountStatus",
    "CaFileError",
    "ConnectError",
    "Engine",
    "ReceivedEvent",
    "SecretSource",
    "StaticSecrets",
]
