"""Which ``[[rule]]`` applies to an event: the first one that matches wins."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from beacon.config.model import Rule


def rule_matches(rule: Rule, account: str, channel: str, event: str) -> bool:
    """Whether ``rule`` applies: account exact (when set), channel and event as globs.

    Globs are case-sensitive on every OS (``fnmatchcase``), because channel and event
    names are case-sensitive in the protocol.
    """
    if rule.account is not None and rule.account != account:
        return False
    return fnmatchcase(channel, rule.channel) and fnmatchcase(event, rule.event)


def first_match(rules: Sequence[Rule], account: str, channel: str, event: str) -> Rule | None:
    """The first rule in config order that applies, or ``None``."""
    for rule in rules:
        if rule_matches(rule, account, channel, event):
            return rule
    return None
