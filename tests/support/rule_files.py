"""A config file with ``[[rule]]`` tables as a user writes them, comments and all: what the
rule drafts (``services.rule_drafts``) and the settings window's Rules page edit and save.

What the tests lean on:

- a comment block above each rule, one of two lines, and one above what follows the rules
  (``[notifications]``): each must move, or go, with its own table;
- a first rule with no ``channel`` (any channel) and a priority;
- a second rule with body and url templates and a button (``[[rule.actions]]``);
- a third, muted, rule with no event (any event);
- an account ``shop`` on this machine, not on a real cluster.
"""

from __future__ import annotations

USER_FILE = """\
# Beacon at the shop
[[account]]
name = "shop"
key = "k1"
host = "127.0.0.1"
port = 9
tls = false
channels = ["orders", "tickets"]

# tickets first: they matter most
[[rule]]
event = "ticket.*"   # every ticket event
title = "{subject}"
priority = "high"

# orders, with a button
[[rule]]
channel = "orders"
event = "order.created"
title = "Order {id}"
body = "{customer.name}: {note}"
url = "https://shop.example.com/orders/{id}"
[[rule.actions]]
label = "Claim"
post = "https://shop.example.com/orders/{id}/claim"

# deploys are noise
# (two lines of comment)
[[rule]]
channel = "deploys"
notify = "mute"

# what follows the rules
[notifications]
keywords = ["outage"]
"""
