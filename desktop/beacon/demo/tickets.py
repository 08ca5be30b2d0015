"""Realistic support-ticket activity for the demo: a small helpdesk that never sleeps.

:class:`TicketGenerator` keeps a consistent lifecycle: ticket ids only grow; only open
tickets are assigned, commented on, escalated or resolved; only assigned tickets are
commented on by agents or resolved; escalation only raises the priority. Events about the
tickets of agent 7 (the demo user of ``DemoServer``'s auth endpoint) go to
``private-agent-7``; all others go to the public channel ``tickets``. Someone subscribed to
both sees every event once: "my tickets" and "the team's tickets".

The event data is small and flat enough for rule templates (DESIGN.md's example rule uses
``{subject}``, ``{requester.name}: {preview}`` and ``.../tickets/{id}``)::

    {"id": 1042, "subject": "Printer on fire", "requester": {"name": ..., "email": ...},
     "agent": {"id": "agent-7", "name": "Priya Shah"} | null, "priority": "high",
     "status": "open", "preview": "...", "url": "https://helpdesk.example.invalid/tickets/1042",
     "updated_at": "2026-11-27T21:04:05Z"}

``id`` is the ticket's id, so every event about one ticket carries the same ``id``.
The generator is pure (no I/O, no clock unless given one), and seeded for tests.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

PUBLIC_CHANNEL = "tickets"
AGENT_CHANNEL = "private-agent-7"
PRESENCE_CHANNEL = "presence-support"
MY_AGENT_ID = "agent-7"
BASE_URL = "https://helpdesk.example.invalid/tickets"
PRIORITIES = ("low", "normal", "high", "urgent")
EVENTS = (
    "ticket.created",
    "ticket.assigned",
    "ticket.commented",
    "ticket.escalated",
    "ticket.resolved",
)

AGENTS: tuple[tuple[str, str], ...] = (
    ("agent-7", "Priya Shah"),
    ("agent-3", "Marcus Lee"),
    ("agent-12", "Sofia Rossi"),
    ("agent-5", "Tomás García"),
    ("agent-9", "Hannah Okafor"),
)

REQUESTERS: tuple[tuple[str, str], ...] = (
    ("Dana Whitfield", "dana.whitfield@northwind.example"),
    ("Kenji Watanabe", "k.watanabe@fabrikam.example"),
    ("Amara Nwosu", "amara@contoso.example"),
    ("Lukas Becker", "lukas.becker@tailspin.example"),
    ("Isabel Ferreira", "isabel.ferreira@adventure-works.example"),
    ("Omar Haddad", "omar.haddad@litware.example"),
    ("Grace Kim", "grace.kim@proseware.example"),
    ("Noah Schmidt", "noah@wingtip.example"),
    ("Chloé Martin", "chloe.martin@fourthcoffee.example"),
    ("Ravi Iyer", "ravi.iyer@woodgrove.example"),
)

# (subject, first message, usual priority)
SUBJECTS: tuple[tuple[str, str, str], ...] = (
    ("Printer on fire", "The 3rd floor printer is smoking after the last print job.", "urgent"),
    (
        "Cannot log in after password reset",
        "The reset link worked, but login says the password is wrong.",
        "high",
    ),
    ("Invoice #88231 shows the wrong VAT rate", "We were charged 21% instead of 19%.", "normal"),
    ("Export to CSV times out", "Exporting last quarter's orders fails after a minute.", "normal"),
    (
        "Dashboard outage for the EU team",
        "Nobody in Berlin can load the dashboard since 09:10.",
        "urgent",
    ),
    ("Request: add a second admin", "Please make Lukas an admin for our workspace.", "low"),
    ("Webhook deliveries delayed", "Order webhooks arrive 10-15 minutes late today.", "high"),
    ("Typo on the pricing page", "'Anual' should be 'Annual' in the plan table.", "low"),
    ("2FA codes not arriving by SMS", "Codes never arrive on my Vodafone number.", "high"),
    ("Refund for a duplicate charge", "Our card was charged twice for November.", "normal"),
    ("API returns 502 intermittently", "About 1 in 20 calls to /v2/orders fail with 502.", "high"),
    ("How do I change our billing email?", "Finance moved to a shared inbox.", "low"),
    ("Mobile app crashes on start", "Since the update the Android app closes at once.", "high"),
    (
        "SSO login loops back to the start page",
        "Okta sign-in succeeds, then we are sent back to the login page.",
        "urgent",
    ),
    ("Search misses recent tickets", "Tickets from today do not show up in search.", "normal"),
    ("Please delete my account data", "Under GDPR I ask you to erase my personal data.", "normal"),
)

AGENT_COMMENTS: tuple[str, ...] = (
    "Thanks, I can reproduce this. Looking into it now.",
    "Could you send a screenshot of the error?",
    "I've asked the platform team to check the logs.",
    "A fix is being deployed; I'll confirm once it's live.",
    "Which browser and version are you using?",
    "I've applied a workaround on our side, please try again.",
)
REQUESTER_COMMENTS: tuple[str, ...] = (
    "Still happening on our side, unfortunately.",
    "Screenshot attached. It started this morning.",
    "That worked, thank you!",
    "Any update? The team is blocked.",
    "We're on Chrome 131 on Windows 11.",
)
ESCALATIONS: tuple[str, ...] = (
    "Customer is blocked and the SLA ends in 30 minutes.",
    "Affects several customers: possible outage.",
    "Requester is on the enterprise plan.",
    "No reply within the first-response target.",
)
RESOLUTIONS: tuple[str, ...] = (
    "Fixed in today's release.",
    "Workaround confirmed by the requester.",
    "Answered: see the help-center article.",
    "Refund issued; it shows up in 3-5 days.",
    "Duplicate of an earlier ticket; merged.",
)


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """One event to publish: ``data`` is a JSON-ready dict."""

    channel: str
    event: str
    data: dict[str, Any]


@dataclass(slots=True)
class Ticket:
    id: int
    subject: str
    requester: tuple[str, str]
    priority: str
    agent: tuple[str, str] | None = None
    status: str = "open"


class TicketGenerator:
    """An endless, seeded stream of consistent ticket events; call :meth:`next_event`."""

    def __init__(
        self,
        seed: int | None = None,
        *,
        first_id: int = 1042,
        clock: Callable[[], datetime] | None = None,
        max_open: int = 30,
    ) -> None:
        self._random = random.Random(seed)
        self._next_id = first_id
        self._clock = clock or (lambda: datetime.now(UTC))
        self._max_open = max_open
        self.open: dict[int, Ticket] = {}  # open tickets by id, oldest first

    def __iter__(self) -> Iterator[TicketEvent]:
        while True:
            yield self.next_event()

    def next_event(self) -> TicketEvent:
        """The next event: on ``private-agent-7`` when it is about agent 7's ticket, else on
        ``tickets``. A client subscribed to both sees each event once."""
        action = self._choose()
        ticket, event, extra = getattr(self, f"_{action}")()
        mine = ticket.agent is not None and ticket.agent[0] == MY_AGENT_ID
        return TicketEvent(
            AGENT_CHANNEL if mine else PUBLIC_CHANNEL, event, self._data(ticket, extra)
        )

    def _choose(self) -> str:
        unassigned = [t for t in self.open.values() if t.agent is None]
        assigned = [t for t in self.open.values() if t.agent is not None]
        weights = {
            "create": 3.0 if len(self.open) < 5 else 1.5 if len(self.open) < self._max_open else 0,
            "assign": 3.0 if unassigned else 0,
            "comment": 3.0 if assigned else 0,
            "escalate": 1.0 if any(t.priority != "urgent" for t in self.open.values()) else 0,
            "resolve": (2.0 + len(assigned) / 5) if assigned else 0,
        }
        names = list(weights)
        return self._random.choices(names, [weights[n] for n in names])[0]

    def _pick(self, tickets: list[Ticket]) -> Ticket:
        return self._random.choice(tickets)

    def _create(self) -> tuple[Ticket, str, dict[str, Any]]:
        subject, message, usual = self._random.choice(SUBJECTS)
        priority = usual
        if self._random.random() < 0.3:  # people do not always pick the obvious priority
            priority = self._random.choice(PRIORITIES)
        ticket = Ticket(self._next_id, subject, self._random.choice(REQUESTERS), priority)
        self._next_id += 1
        self.open[ticket.id] = ticket
        return ticket, "ticket.created", {"preview": message}

    def _assign(self) -> tuple[Ticket, str, dict[str, Any]]:
        ticket = self._pick([t for t in self.open.values() if t.agent is None])
        ticket.agent = self._random.choice(AGENTS)
        return ticket, "ticket.assigned", {"preview": f"Assigned to {ticket.agent[1]}"}

    def _comment(self) -> tuple[Ticket, str, dict[str, Any]]:
        ticket = self._pick([t for t in self.open.values() if t.agent is not None])
        assert ticket.agent is not None
        if self._random.random() < 0.5:
            author, text = ticket.agent[1], self._random.choice(AGENT_COMMENTS)
            ticket.status = "pending"
        else:
            author, text = ticket.requester[0], self._random.choice(REQUESTER_COMMENTS)
            ticket.status = "open"
        return ticket, "ticket.commented", {"preview": text, "author": author}

    def _escalate(self) -> tuple[Ticket, str, dict[str, Any]]:
        ticket = self._pick([t for t in self.open.values() if t.priority != "urgent"])
        previous = ticket.priority
        ticket.priority = PRIORITIES[PRIORITIES.index(previous) + 1]
        reason = self._random.choice(ESCALATIONS)
        return ticket, "ticket.escalated", {"preview": reason, "previous_priority": previous}

    def _resolve(self) -> tuple[Ticket, str, dict[str, Any]]:
        ticket = self._pick([t for t in self.open.values() if t.agent is not None])
        ticket.status = "resolved"
        del self.open[ticket.id]
        return ticket, "ticket.resolved", {"preview": self._random.choice(RESOLUTIONS)}

    def _data(self, ticket: Ticket, extra: dict[str, Any]) -> dict[str, Any]:
        agent = None if ticket.agent is None else {"id": ticket.agent[0], "name": ticket.agent[1]}
        data: dict[str, Any] = {
            "id": ticket.id,
            "subject": ticket.subject,
            "requester": {"name": ticket.requester[0], "email": ticket.requester[1]},
            "agent": agent,
            "priority": ticket.priority,
            "status": ticket.status,
            "url": f"{BASE_URL}/{ticket.id}",
            "updated_at": self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        data.update(extra)
        return data


class ActionRefused(Exception):
    """A Claim or Resolve that the helpdesk turns down: HTTP 409 with this message."""


class TicketDesk:
    """What the demo's "Claim" and "Resolve" action buttons do to a ticket.

    The button posts the event it was pressed on (DESIGN.md "Actions and signals"); the
    desk answers with the event that the change publishes (``ticket.assigned`` to the demo
    user, agent 7, or ``ticket.resolved``), so the feed shows the effect. It remembers what
    it changed, and keeps the running :class:`TicketGenerator` (when there is one) in step,
    so that generated activity never assigns a claimed ticket to someone else.
    """

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self.generator: TicketGenerator | None = None
        self._agents: dict[int, dict[str, str]] = {}
        self._resolved: set[int] = set()

    def claim(self, data: Any) -> TicketEvent:
        """Assign the ticket to the demo user; raises :class:`ActionRefused` when it is
        resolved or already someone's."""
        ticket_id, current = self._ticket(data)
        agent = self._agents.get(ticket_id) or current.get("agent")
        if isinstance(agent, dict) and agent.get("id"):
            if agent.get("id") == MY_AGENT_ID:
                raise ActionRefused("already claimed by you")
            raise ActionRefused(f"already claimed by {agent.get('name') or agent['id']}")
        me = {"id": MY_AGENT_ID, "name": dict(AGENTS)[MY_AGENT_ID]}
        self._agents[ticket_id] = me
        if self.generator is not None and ticket_id in self.generator.open:
            self.generator.open[ticket_id].agent = (me["id"], me["name"])
        return self._event(
            current, "ticket.assigned", agent=me, status="open", preview=f"Claimed by {me['name']}"
        )

    def resolve(self, data: Any) -> TicketEvent:
        """Resolve the ticket; raises :class:`ActionRefused` when it is resolved already."""
        ticket_id, current = self._ticket(data)
        agent = self._agents.get(ticket_id) or current.get("agent")
        self._resolved.add(ticket_id)
        if self.generator is not None:
            self.generator.open.pop(ticket_id, None)
        who = dict(AGENTS)[MY_AGENT_ID]
        return self._event(
            current, "ticket.resolved", agent=agent, status="resolved", preview=f"Resolved by {who}"
        )

    def _ticket(self, data: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            raise ValueError("expected the event's data, with the ticket's numeric id")
        ticket_id: int = data["id"]
        if ticket_id in self._resolved or data.get("status") == "resolved":
            raise ActionRefused("already resolved")
        return ticket_id, data

    def _event(self, current: dict[str, Any], event: str, **changes: Any) -> TicketEvent:
        data = {k: v for k, v in current.items() if k not in ("author", "previous_priority")}
        data.update(changes)
        data["updated_at"] = self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        agent = data.get("agent")
        mine = isinstance(agent, dict) and agent.get("id") == MY_AGENT_ID
        return TicketEvent(AGENT_CHANNEL if mine else PUBLIC_CHANNEL, event, data)
