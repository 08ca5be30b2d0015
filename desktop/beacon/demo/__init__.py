"""The embedded demo server and its generated support-ticket activity.

Only ``beacon.cli``, ``beacon.app`` and the tests import this package.
"""

from beacon.demo.server import DemoServer

__all__ = ["DemoServer"]
