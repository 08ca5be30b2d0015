"""Rule matching: account exact, channel and event globs, first match wins."""

from __future__ import annotations

from beacon.config.model import Rule
from beacon.feed.rules import first_match, rule_matches


def test_globs_and_account() -> None:
    rule = Rule(account="support", channel="private-agent-*", event="ticket.*")
    assert rule_matches(rule, "support", "private-agent-7", "ticket.created")
    assert not rule_matches(rule, "sales", "private-agent-7", "ticket.created")
    assert not rule_matches(rule, "support", "tickets", "ticket.created")
    assert not rule_matches(rule, "support", "private-agent-7", "invoice.paid")


def test_defaults_match_everything() -> None:
    assert rule_matches(Rule(), "any", "channel", "event")


def test_case_sensitive() -> None:
    assert not rule_matches(Rule(channel="Tickets"), "a", "tickets", "e")
    assert not rule_matches(Rule(event="Ticket.*"), "a", "c", "ticket.created")
    assert not rule_matches(Rule(account="Support"), "support", "c", "e")


def test_glob_classes() -> None:
    rule = Rule(event="ticket.[ac]*")
    assert rule_matches(rule, "a", "c", "ticket.assigned")
    assert rule_matches(rule, "a", "c", "ticket.closed")
    assert not rule_matches(rule, "a", "c", "ticket.reopened")


def test_first_match_wins() -> None:
    specific = Rule(channel="tickets", event="ticket.created", priority="high")
    general = Rule(channel="tickets", priority="low")
    assert first_match([specific, general], "a", "tickets", "ticket.created") is specific
    assert first_match([general, specific], "a", "tickets", "ticket.created") is general
    assert first_match([specific, general], "a", "tickets", "ticket.closed") is general
    assert first_match([specific, general], "a", "other", "x") is None
    assert first_match([], "a", "tickets", "x") is None
