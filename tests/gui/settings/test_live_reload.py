"""Live reload in the running app: a fixed file clears the error, only changed accounts
reconnect, and a `beacon login` clears "needs login" without a restart."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.app import BeaconApp, NoSecrets
from beacon.config import Config, ConfigError, load_config
from beacon.credentials import Keyring
from beacon.demo import DemoServer
from beacon.services.status import LinkState
from beacon.store.history import History
from support.feedapp import wait_until

from .configfiles import account_toml, replace_file


@pytest.mark.expect_log_warnings(r"beacon\.services: .*config\.toml:\d+: ")
async def test_a_fixed_file_clears_the_error_and_only_changed_accounts_reconnect(
    running: tuple[BeaconApp, Path], demo_server: DemoServer
) -> None:
    app, path = running
    alpha_socket = demo_server.subscribers("one")
    good = path.read_text(encoding="utf-8")

    # A mistake, saved by rename: the error shows, with the file, the line and a fix.
    replace_file(path, good.replace("channels", "chanels", 1))
    banner = app.window.error_banner
    await wait_until(banner.isVisible)
    assert f"{path}:" in banner.text()
    assert 'did you mean "channels"' in banner.text()
    assert demo_server.subscribers("one") == alpha_socket  # nothing was torn down

    # Fixed, with beta's channels changed, written in place this time.
    path.write_text(good.replace('["two"]', '["three"]'), encoding="utf-8")
    await wait_until(lambda: not banner.isVisible())
    await demo_server.wait_for_subscribers("three", timeout=15)
    await wait_until(lambda: not demo_server.subscribers("two"))
    # alpha did not change, so it kept its socket.
    assert demo_server.subscribers("one") == alpha_socket
    assert app.service._config.account("beta") is not None
    assert app.service._config.account("beta").channels == ("three",)  # type: ignore[union-attr]

    # beta removed, gamma added: alpha still untouched.
    replace_file(path, good.replace('name = "beta"', 'name = "gamma"'))
    await wait_until(lambda: {i.account for i in app.service.states()} == {"alpha", "gamma"})
    await demo_server.wait_for_subscribers("two", timeout=15)
    assert demo_server.subscribers("one") == alpha_socket


@pytest.fixture
def login_name() -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    Keyring().delete_secret(name)


async def test_beacon_login_clears_needs_login(
    running: tuple[BeaconApp, Path], demo_server: DemoServer, login_name: str
) -> None:
    app, path = running
    # A private channel signed locally with the app secret, which is not stored yet.
    path.write_text(
        path.read_text(encoding="utf-8")
        + account_toml(login_name, demo_server, ["private-desk"], auth='mode = "sign"'),
        encoding="utf-8",
    )

    def needs_login() -> bool:
        return any(i.account == login_name and i.needs_login for i in app.service.states())

    await wait_until(needs_login, timeout=15)

    env = dict(os.environ)
    env["XDG_CONFIG_HOME"] = str(path.parent.parent)
    login = subprocess.run(
        [sys.executable, "-m", "beacon", "login", login_name, "--stdin"],
        input=demo_server.secret + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert login.returncode == 0, login.stderr
    await demo_server.wait_for_subscribers("private-desk", timeout=15)
    await wait_until(lambda: not needs_login())
    state = {i.account: i for i in app.service.states()}[login_name]
    assert state.state is LinkState.CONNECTED


async def test_a_bad_file_at_start_then_fixed_connects(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    good = account_toml("alpha", demo_server, ["one"])
    path.write_text(good.replace("key =", "kee ="), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    history = History(tmp_path / "history.sqlite3")
    # As `beacon` starts on a bad file: no accounts, the error in the window.
    app = BeaconApp(Config(path=path), history, NoSecrets(), config_error=str(error.value))
    app.window.show()
    await app.start()
    try:
        assert app.window.error_banner.isVisible()
        path.write_text(good, encoding="utf-8")
        await demo_server.wait_for_subscribers("one", timeout=15)
        await wait_until(lambda: not app.window.error_banner.isVisible())
    finally:
        await app.close()
        app.window.close()
        app.window.deleteLater()
        history.close()
