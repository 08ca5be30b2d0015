"""The keyring canary that the network-namespace tests try to leak: a secret in the real
keyring, and inside the namespace a ``localhost`` that resolves to the recording relay
(``support.netns``'s fixtures), not to loopback."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from beacon.credentials import Keyring, Secret
from support.netns import Namespace, RecordingProxy


@pytest.fixture
def netns_account() -> Iterator[str]:
    """An account name of this test's own; its keyring secret is removed afterwards."""
    name = f"netns-{uuid.uuid4().hex[:12]}"
    yield name
    Keyring().delete_secret(name)


@pytest.fixture
def netns_canary(netns_account: str, netns: Namespace, netns_relay: RecordingProxy) -> str:
    """A canary in the real keyring as ``netns_account``'s secret; and inside ``netns``, a
    ``localhost`` that resolves to the relay, not to loopback."""
    canary = f"canary-{uuid.uuid4().hex}"
    Keyring().set_secret(netns_account, Secret(canary))
    netns.set_hosts(f"{netns_relay.host} localhost\n")
    return canary
