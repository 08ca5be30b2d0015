"""Settings: the TOML config file, validated into immutable dataclasses.

``load_config()`` reads ``$XDG_CONFIG_HOME/beacon/config.toml``; every problem in it
becomes a ``ConfigError`` naming the file, the line and the fix. This package imports no Qt.
"""

from beacon.config.errors import ConfigError
from beacon.config.load import data_dir, default_config_path, load_config
from beacon.config.model import (
    AccountSettings,
    AuthSettings,
    Config,
    FeedSettings,
    NotificationSettings,
    Rule,
)

__all__ = [
    "AccountSettings",
    "AuthSettings",
    "Config",
    "ConfigError",
    "FeedSettings",
    "NotificationSettings",
    "Rule",
    "data_dir",
    "default_config_path",
    "load_config",
]
