"""``[[rule]]`` drafts written back into the user's TOML: edits in place, removals, new
rules and a new order, with the comments kept and moved with their rule."""

from __future__ import annotations

from pathlib import Path

from beacon.config.load import parse_config
from beacon.config.model import Config
from beacon.services.rule_drafts import ActionDraft, RuleDraft
from beacon.services.settings import drafts_of, render
from support.rule_files import USER_FILE

PATH = Path("/home/ann/.config/beacon/config.toml")


def load(text: str) -> Config:
    return parse_config(text, PATH)


def apply(rules: list[RuleDraft], text: str = USER_FILE) -> str:
    drafts = drafts_of(load(text))
    return render(text, drafts.accounts, drafts.notifications, rules)


def rule_drafts(text: str = USER_FILE) -> list[RuleDraft]:
    return drafts_of(load(text)).rules


def summary(text: str) -> list[tuple[str, str, str | None]]:
    return [(r.channel, r.event, r.title) for r in load(text).rules]


def test_drafts_read_every_rule_with_its_place_in_the_file() -> None:
    drafts = rule_drafts()
    assert [(d.channel, d.original) for d in drafts] == [
        ("*", 0),
        ("orders", 1),
        ("deploys", 2),
    ]
    assert drafts[0].priority == "high"
    assert drafts[0].body is None  # left out: the default body
    assert [a.label for a in drafts[1].actions] == ["Claim"]


def test_unchanged_rules_leave_the_file_byte_for_byte() -> None:
    assert apply(rule_drafts()) == USER_FILE


def test_no_rules_argument_leaves_the_rules_alone() -> None:
    drafts = drafts_of(load(USER_FILE))
    assert render(USER_FILE, drafts.accounts, drafts.notifications) == USER_FILE


def test_an_edit_touches_only_the_changed_keys() -> None:
    drafts = rule_drafts()
    drafts[0].title = "Ticket {id}: {subject}"
    drafts[0].body = "{requester.name}"
    drafts[0].priority = "normal"  # the default, written since the user had set one
    text = apply(drafts)
    assert 'event = "ticket.*"   # every ticket event\n' in text
    rule = load(text).rules[0]
    assert (rule.title, rule.body, rule.priority) == (
        "Ticket {id}: {subject}",
        "{requester.name}",
        "normal",
    )
    # Changed in place, the new key after them; everything else is as it was.
    changed = 'title = "Ticket {id}: {subject}"\npriority = "normal"\nbody = "{requester.name}"\n'
    assert text.replace(changed, 'title = "{subject}"\npriority = "high"\n') == USER_FILE


def test_a_key_that_spells_out_the_default_is_kept() -> None:
    text = USER_FILE.replace('channel = "deploys"\n', 'channel = "deploys"\nevent = "*"\n')
    assert apply(rule_drafts(text), text) == text


def test_reorder_moves_the_tables_and_their_comments() -> None:
    drafts = rule_drafts()
    text = apply([drafts[2], drafts[0], drafts[1]])
    assert summary(text) == [
        ("deploys", "*", None),
        ("*", "ticket.*", "{subject}"),
        ("orders", "order.created", "Order {id}"),
    ]
    # Each comment block stays right above its own rule; the comment above what follows
    # the rules stays there, and the actions stay with their rule.
    assert '# deploys are noise\n# (two lines of comment)\n[[rule]]\nchannel = "deploys"\n' in text
    assert '# tickets first: they matter most\n[[rule]]\nevent = "ticket.*"   # every' in text
    assert (
        '# orders, with a button\n[[rule]]\nchannel = "orders"\n' in text
        and '[[rule.actions]]\nlabel = "Claim"\n' in text
    )
    assert text.endswith(
        'post = "https://shop.example.com/orders/{id}/claim"\n\n'
        '# what follows the rules\n[notifications]\nkeywords = ["outage"]\n'
    )
    assert [a.label for a in load(text).rules[2].actions] == ["Claim"]
    # Every line of the user's file is still there, once.
    assert sorted(text.splitlines()) == sorted(USER_FILE.splitlines())


def test_moving_back_gives_the_original_file() -> None:
    drafts = rule_drafts()
    moved = apply([drafts[1], drafts[0], drafts[2]])
    again = rule_drafts(moved)
    assert apply([again[1], again[0], again[2]], moved) == USER_FILE


def test_delete_takes_the_rule_and_its_comments() -> None:
    drafts = rule_drafts()
    text = apply([drafts[0], drafts[2]])
    assert summary(text) == [("*", "ticket.*", "{subject}"), ("deploys", "*", None)]
    # (The account's channels still name "orders".)
    assert 'channel = "orders"' not in text and "order.created" not in text
    assert "Claim" not in text and "# orders, with a button" not in text
    assert "# deploys are noise\n" in text and "# what follows the rules\n" in text


def test_delete_every_rule_keeps_what_follows() -> None:
    text = apply([])
    assert "[[rule]]" not in text
    assert load(text).rules == ()
    assert text == (
        '# Beacon at the shop\n[[account]]\nname = "shop"\nkey = "k1"\nhost = "127.0.0.1"\n'
        'port = 9\ntls = false\nchannels = ["orders", "tickets"]\n\n'
        '# what follows the rules\n[notifications]\nkeywords = ["outage"]\n'
    )


def test_a_new_rule_goes_where_the_window_puts_it() -> None:
    drafts = rule_drafts()
    new = RuleDraft(
        channel="billing",
        event="invoice.*",
        title="Invoice {number}",
        url="https://billing.example.com/{number}",
    )
    text = apply([drafts[0], new, drafts[1], drafts[2]])
    assert summary(text)[1] == ("billing", "invoice.*", "Invoice {number}")
    assert load(text).rules[1].url == "https://billing.example.com/{number}"
    # Separated from its neighbours by a blank line, with no key for a default.
    assert (
        '\n\n[[rule]]\nchannel = "billing"\nevent = "invoice.*"\n'
        'title = "Invoice {number}"\nurl = "https://billing.example.com/{number}"\n\n'
        "# orders, with a button\n"
    ) in text


def test_the_first_rule_in_a_file_with_none() -> None:
    text = USER_FILE.split("# tickets first")[0] + "# what follows\n[feed]\nalways_hold = true\n"
    out = apply([RuleDraft(account="shop", title="{subject}")], text)
    rules = load(out).rules
    assert [(r.account, r.channel, r.title) for r in rules] == [("shop", "*", "{subject}")]
    assert out.startswith(text)


def test_clearing_a_template_removes_its_key() -> None:
    drafts = rule_drafts()
    drafts[1].title = None
    text = apply(drafts)
    assert "Order {id}" not in text
    assert load(text).rules[1].title is None


def test_buttons_edited_added_and_removed() -> None:
    drafts = rule_drafts()
    drafts[1].actions[0].label = "Take it"
    drafts[1].actions.append(
        ActionDraft(label="Refund", post="https://shop.example.com/orders/{id}/refund",
                    headers={"Authorization": "Bearer {secret}"})
    )  # fmt: skip
    drafts[0].actions = [ActionDraft(label="Ack", client_event="client-ack", channel="private-a")]
    drafts[2].actions = []
    text = apply([drafts[1], drafts[0], drafts[2]])
    rules = load(text).rules
    assert [(a.label, a.post, a.headers) for a in rules[0].actions] == [
        ("Take it", "https://shop.example.com/orders/{id}/claim", {}),
        ("Refund", "https://shop.example.com/orders/{id}/refund",
         {"Authorization": "Bearer {secret}"}),
    ]  # fmt: skip
    assert [(a.label, a.client_event, a.channel) for a in rules[1].actions] == [
        ("Ack", "client-ack", "private-a")
    ]
    assert rules[2].actions == ()
    # The comments still sit above their rules, after the rewritten buttons too.
    assert '# tickets first: they matter most\n[[rule]]\nevent = "ticket.*"   # every' in text
    assert 'label = "Ack"\nclient_event = "client-ack"\nchannel = "private-a"\n\n# deploys' in text
    assert text.endswith('\n# what follows the rules\n[notifications]\nkeywords = ["outage"]\n')


def test_buttons_removed_from_the_last_rule_keep_what_follows() -> None:
    drafts = rule_drafts()
    drafts[1].actions = []
    text = apply([drafts[0], drafts[2], drafts[1]])
    assert "[[rule.actions]]" not in text
    assert text.endswith(
        'url = "https://shop.example.com/orders/{id}"\n\n'
        '# what follows the rules\n[notifications]\nkeywords = ["outage"]\n'
    )
    assert load(text).rules[2].actions == ()
