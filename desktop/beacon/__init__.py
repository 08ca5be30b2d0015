"""Beacon: a desktop tray client for Pusher Channels protocol servers."""

__version__ = "0.1.0"
