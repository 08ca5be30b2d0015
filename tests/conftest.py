"""Suite-wide configuration. Fixtures live in ``tests/support`` modules, loaded here."""

pytest_plugins = [
    "support.soketi",
    "support.proxy",
]
