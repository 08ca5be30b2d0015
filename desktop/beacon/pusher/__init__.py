"""The sans-I/O Pusher Channels protocol 7 core.

Text frames and the current time go in; protocol events, frames to send and deadlines
come out. Nothing here imports asyncio, Qt or a socket library, so every behaviour is
tested with strings in and events out.
"""
