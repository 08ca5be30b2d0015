"""AccountSettings.url and AuthSettings.needs_secret."""

from __future__ import annotations

import pytest

from beacon.config.model import AccountSettings, AuthSettings

pytestmark = pytest.mark.unit

QUERY = "protocol=7&client=beacon&version=1.2.3"


def test_cluster_url() -> None:
    account = AccountSettings(name="a", key="app-key", cluster="eu")
    assert account.url("1.2.3") == f"wss://ws-eu.pusher.com/app/app-key?{QUERY}"


def test_default_cluster_is_mt1() -> None:
    assert AccountSettings(name="a", key="k").url("1.2.3").startswith("wss://ws-mt1.pusher.com/")


def test_self_hosted_urls() -> None:
    plain = AccountSettings(name="a", key="k", host="127.0.0.1", port=6001, tls=False)
    assert plain.url("1.2.3") == f"ws://127.0.0.1:6001/app/k?{QUERY}"
    secure = AccountSettings(name="a", key="k", host="push.example.com")
    assert secure.url("1.2.3") == f"wss://push.example.com:443/app/k?{QUERY}"
    default_plain = AccountSettings(name="a", key="k", host="h", tls=False)
    assert default_plain.url("1.2.3") == f"ws://h:80/app/k?{QUERY}"
    ipv6 = AccountSettings(name="a", key="k", host="::1", port=6001, tls=False)
    assert ipv6.url("1.2.3") == f"ws://[::1]:6001/app/k?{QUERY}"


def test_needs_secret() -> None:
    assert AuthSettings(mode="sign").needs_secret
    assert not AuthSettings(mode="endpoint", endpoint="https://x/a").needs_secret
    assert AuthSettings(
        mode="endpoint", endpoint="https://x/a", headers={"Authorization": "Bearer {secret}"}
    ).needs_secret
