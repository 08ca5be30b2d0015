"""Auth mode "sign": local signatures, presence data, encrypted-channel keys, sign-in."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from beacon.config.model import AccountSettings, AuthSettings
from beacon.connect import StaticSecrets
from beacon.connect.auth import AuthError, Authorizer, user_auth_endpoint
from beacon.pusher import auth as signatures

MASTER = bytes(range(32))


def authorizer(
    user: dict[str, object] | None = None,
    secrets: StaticSecrets | None = None,
    mode: str = "sign",
) -> Authorizer:
    settings = AccountSettings(
        name="acct",
        key="app-key",
        host="h",
        auth=AuthSettings(mode=mode, user=user),  # type: ignore[arg-type]
    )
    if secrets is None:
        secrets = StaticSecrets({"acct": "s3cret"}, {"acct": base64.b64encode(MASTER).decode()})

    def no_http() -> httpx.AsyncClient:
        raise AssertionError("mode sign never uses HTTP")

    return Authorizer(settings, secrets, no_http)


async def test_private_channel_is_signed_with_the_secret() -> None:
    answer = await authorizer().channel("1.2", "private-a")
    assert answer.auth == signatures.channel_auth("app-key", "s3cret", "1.2", "private-a")
    assert answer.channel_data is None and answer.shared_secret is None


async def test_presence_channel_carries_the_user() -> None:
    answer = await authorizer({"id": 7, "info": {"name": "Ann"}}).channel("1.2", "presence-a")
    assert json.loads(answer.channel_data or "") == {"user_id": "7", "user_info": {"name": "Ann"}}
    assert answer.auth == signatures.channel_auth(
        "app-key", "s3cret", "1.2", "presence-a", answer.channel_data
    )


async def test_presence_without_user_is_a_clear_error() -> None:
    with pytest.raises(AuthError, match=r"auth.user"):
        await authorizer().channel("1.2", "presence-a")


async def test_encrypted_channel_key_comes_from_the_master_key() -> None:
    answer = await authorizer().channel("1.2", "private-encrypted-a")
    assert answer.shared_secret == signatures.shared_secret("private-encrypted-a", MASTER)


async def test_missing_secret_needs_login_and_names_the_command() -> None:
    with pytest.raises(AuthError, match="beacon login acct") as info:
        await authorizer(secrets=StaticSecrets()).channel("1.2", "private-a")
    assert info.value.needs_login


async def test_missing_master_key_needs_login() -> None:
    with pytest.raises(AuthError, match="--encryption-key") as info:
        await authorizer(secrets=StaticSecrets({"acct": "s"})).channel("1.2", "private-encrypted-a")
    assert info.value.needs_login


async def test_bad_master_key_is_refused() -> None:
    secrets = StaticSecrets({"acct": "s"}, {"acct": "not base64!"})
    with pytest.raises(AuthError, match="32 bytes"):
        await authorizer(secrets=secrets).channel("1.2", "private-encrypted-a")


async def test_signin_signs_the_user_data() -> None:
    answer = await authorizer({"id": "ann", "info": {"n": 1}}).signin("3.4")
    assert json.loads(answer.user_data) == {"id": "ann", "user_info": {"n": 1}}
    assert answer.auth == signatures.user_auth("app-key", "s3cret", "3.4", answer.user_data)


async def test_keyring_failure_needs_login() -> None:
    class Broken:
        def get_secret(self, account: str) -> None:
            raise OSError("no D-Bus")

        def get_encryption_key(self, account: str) -> None:
            raise OSError("no D-Bus")

    with pytest.raises(AuthError, match="cannot read the keyring: no D-Bus") as info:
        await authorizer(secrets=Broken()).channel("1.2", "private-a")  # type: ignore[arg-type]
    assert info.value.needs_login


def test_static_secrets_never_show_themselves() -> None:
    secrets = StaticSecrets({"acct": "s3cret"})
    assert "s3cret" not in repr(secrets)
    assert repr(secrets.get_secret("acct")) == "***"


@pytest.mark.parametrize(
    ("channel_endpoint", "user_endpoint"),
    [
        ("https://h/pusher/auth", "https://h/pusher/user-auth"),
        ("https://h/broadcasting/auth", "https://h/broadcasting/user-auth"),
        ("https://h/api/sign", "https://h/api/sign"),
    ],
)
def test_user_auth_endpoint(channel_endpoint: str, user_endpoint: str) -> None:
    assert user_auth_endpoint(channel_endpoint) == user_endpoint
