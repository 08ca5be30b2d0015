"""``signin = true`` with no secret in the keyring: the running app signs in once
``beacon login`` stores one, without a restart (and without even a new socket).

Real components only: the app as ``beacon`` builds it (its secret source is the desktop's
Secret Service, gnome-keyring), the demo server, which checks the sign-in's signature
against its app secret and answers ``pusher:signin_success``, and the real ``beacon
login --stdin`` in a separate process, which tells the app through the secrets-changed
stamp under ``$XDG_STATE_HOME``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.app import BeaconApp
from beacon.cli.app import _secret_source
from beacon.credentials import Keyring
from beacon.demo import DemoServer
from beacon.services.status import ConnectionInfo, LinkState
from support.cli import account_toml
from support.feedapp import wait_until
from support.running_app import running_app


@pytest.fixture
def account() -> Iterator[str]:
    name = f"signin-{uuid.uuid4().hex[:12]}"
    yield name
    Keyring().delete_secret(name)


def shown(app: BeaconApp, account: str) -> ConnectionInfo:
    (info,) = [i for i in app.service.states() if i.account == account]
    return info


def login(path: Path, account: str, secret: str) -> subprocess.CompletedProcess[str]:
    """``beacon login ACCOUNT --stdin``, as a script stores a secret."""
    return subprocess.run(
        [sys.executable, "-m", "beacon", "--config", str(path), "login", account, "--stdin"],
        input=f"{secret}\n",
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )


@pytest.mark.expect_log_warnings(r"beacon\.pusher: cannot sign in: no secret for account")
async def test_a_signin_that_needed_a_login_signs_in_after_beacon_login(
    demo_server: DemoServer, account: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The app and `beacon login` share the stamp; the real keyring for both.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    user = f"agent-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "config.toml"
    # Only a public channel: the sign-in is the one thing that needs the secret, so
    # nothing else can make the account look recovered.
    path.write_text(
        account_toml(
            name=account,
            key=demo_server.key,
            host=demo_server.host,
            port=demo_server.port,
            tls=False,
            signin=True,
            channels=["tickets"],
            auth={"mode": "sign", "user": {"id": user}},
        ),
        encoding="utf-8",
    )
    async with running_app(path, _secret_source(), show=False) as app:
        # No secret: connected, the channel subscribed, the sign-in needs a login.
        await demo_server.wait_for_subscribers("tickets", timeout=20)
        await wait_until(lambda: shown(app, account).needs_login, timeout=20)
        info = shown(app, account)
        assert info.state is LinkState.CONNECTED
        assert "sign-in needs login: no secret for account" in info.detail, info.detail
        assert demo_server.signed_in(user) == []
        (socket_id,) = demo_server.socket_ids()

        done = await asyncio.to_thread(login, path, account, demo_server.secret)
        assert done.returncode == 0, done.stderr

        # The server checked the signature and confirmed with pusher:signin_success; the
        # app, having read it, subscribes to the user's own channel (as pusher-js does).
        await demo_server.wait_for(lambda: demo_server.signed_in(user) != [], timeout=20)
        await demo_server.wait_for_subscribers(f"#server-to-user-{user}", timeout=20)
        # The same socket: no restart, not even a reconnect.
        assert demo_server.signed_in(user) == [socket_id]
        assert demo_server.socket_ids() == [socket_id]
        await wait_until(
            lambda: (
                not shown(app, account).needs_login and "sign-in" not in shown(app, account).detail
            ),
            timeout=20,
        )
        assert shown(app, account).state is LinkState.CONNECTED

        # And what the sign-in is for: a send-to-user event reaches the app.
        assert app.service.received == 0
        assert demo_server.publish(f"#server-to-user-{user}", "note", {"title": "for you"}) == 1
        await wait_until(lambda: app.service.received >= 1, timeout=20)
