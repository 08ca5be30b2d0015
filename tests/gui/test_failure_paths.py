"""Each failure path of issue 10, through the running app: the window's status chip (or its
error banner) and the tray (its tooltip and the account's menu entry) say what is wrong in
words a user understands, with the fix, and the app recovers once the cause is fixed,
without a restart.

Real components only: the demo server (behind a real TLS front for the TLS cases), a
scripted HTTP auth endpoint, real keyring backends picked by ``PYTHON_KEYRING_BACKEND``,
and the config file on disk, reloaded live by the app's watcher.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from beacon.app import BeaconApp
from beacon.cli.app import _secret_source
from beacon.credentials import Keyring, Secret
from beacon.demo import DemoServer
from beacon.services.status import ConnectionInfo, LinkState
from beacon.ui.status_chip import StatusChip
from support.authserver import Answer, AuthServer
from support.cli import account_toml
from support.feedapp import wait_until
from support.running_app import running_app
from support.tls import TlsFront, make_certificate

ACCOUNT = "desk"


# -- the app and what it shows ----------------------------------------------------------------


def chip(app: BeaconApp, account: str = ACCOUNT) -> StatusChip:
    (found,) = [c for c in app.window.findChildren(StatusChip) if c.account == account]
    return found


def shown(app: BeaconApp, account: str = ACCOUNT) -> ConnectionInfo:
    return chip(app, account).info


def tray_tooltip(app: BeaconApp) -> str:
    assert app.tray is not None, "the rig has a tray"
    return app.tray.tray.toolTip()


def tray_entry(app: BeaconApp, account: str = ACCOUNT) -> tuple[str, str]:
    """The account's submenu title and its detail line, as the tray menu shows them."""
    assert app.tray is not None
    entry = app.tray.accounts[account]
    return entry.menu.title(), entry.detail.text()


def window_words(app: BeaconApp, account: str = ACCOUNT) -> str:
    """Everything the window says about the account: the chip's text and its tooltip."""
    found = chip(app, account)
    return f"{found.label.text()}\n{found.toolTip()}"


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and 'File "' not in text, text


def connected(app: BeaconApp, account: str = ACCOUNT) -> bool:
    info = shown(app, account)
    return (
        info.state is LinkState.CONNECTED
        and not info.needs_login
        and "refused" not in (info.detail)
    )


def write(path: Path, text: str) -> None:
    """Replace the file as an editor that saves to a temporary file and renames does."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# -- 1. TLS -----------------------------------------------------------------------------------


@pytest.fixture
def tls_fronts(demo_server: DemoServer, tmp_path: Path) -> Iterator[dict[str, object]]:
    """Two TLS fronts to the demo server: one with a self-signed certificate for
    127.0.0.1, one with a self-signed certificate for another name."""
    ours, ours_key = make_certificate(tmp_path, "ours", san="IP:127.0.0.1", cn="127.0.0.1")
    other, other_key = make_certificate(tmp_path, "other", san="DNS:other.example")
    right = TlsFront(ours, ours_key, demo_server.host, demo_server.port).start()
    wrong = TlsFront(other, other_key, demo_server.host, demo_server.port).start()
    try:
        yield {"ours": ours, "other": other, "right": right, "wrong": wrong}
    finally:
        right.stop()
        wrong.stop()


def tls_account(port: int, key: str, ca_file: Path | None = None) -> str:
    extra: dict[str, object] = {} if ca_file is None else {"ca_file": str(ca_file)}
    return account_toml(
        name=ACCOUNT, key=key, host="127.0.0.1", port=port, tls=True, **extra,
        channels=["tickets"],
    )  # fmt: skip


async def test_tls_untrusted_then_ca_file_then_another_name(
    demo_server: DemoServer, tls_fronts: dict[str, object], tmp_path: Path
) -> None:
    right, wrong = tls_fronts["right"], tls_fronts["wrong"]
    assert isinstance(right, TlsFront) and isinstance(wrong, TlsFront)
    ours, other = tls_fronts["ours"], tls_fronts["other"]
    assert isinstance(ours, Path) and isinstance(other, Path)
    path = tmp_path / "config.toml"
    path.write_text(tls_account(right.port, demo_server.key), encoding="utf-8")
    async with running_app(path, Keyring()) as app:
        # (a) No ca_file: the self-signed certificate is not trusted; the fix is ca_file.
        await wait_until(lambda: "certificate not trusted" in shown(app).detail, timeout=20)
        words = window_words(app)
        title, detail = tray_entry(app)
        tooltip = tray_tooltip(app)
        assert "certificate not trusted" in words
        assert "set ca_file" in words, words
        assert "certificate not trusted" in detail, detail
        assert "set ca_file" in tooltip, tooltip
        assert title == f"{ACCOUNT}: unavailable"
        assert app.tray is not None
        fix = app.tray.accounts[ACCOUNT].fix
        assert fix in app.tray.accounts[ACCOUNT].menu.actions()
        assert fix.text().startswith("The server's certificate is not trusted. Fix: set ca_file")
        no_traceback(words, detail, tooltip, fix.text())

        # (b) The file fixed on disk: ca_file set. The same app connects, no restart.
        write(path, tls_account(right.port, demo_server.key, ours))
        await demo_server.wait_for_subscribers("tickets", timeout=20)
        await wait_until(lambda: connected(app), timeout=20)
        assert "certificate" not in window_words(app)
        assert "ca_file" not in tray_tooltip(app)
        assert f"{ACCOUNT}: connected" in tray_tooltip(app)

        # (c) A certificate for another name, trusted through ca_file: the name does
        # not match, and that is what it says.
        write(path, tls_account(wrong.port, demo_server.key, other))
        await wait_until(lambda: "match" in shown(app).detail, timeout=20)
        words = window_words(app)
        tooltip = tray_tooltip(app)
        _, detail = tray_entry(app)
        assert "does not match" in words, words
        assert "does not match" in tooltip, tooltip
        assert "certificate" in detail, detail
        no_traceback(words, detail, tooltip)


# -- 2. the auth endpoint ---------------------------------------------------------------------


def endpoint_account(server: DemoServer, endpoint: str) -> str:
    return account_toml(
        name=ACCOUNT, key=server.key, host=server.host, port=server.port, tls=False,
        channels=["tickets", "private-desk"], auth={"mode": "endpoint", "endpoint": endpoint},
    )  # fmt: skip


@asynccontextmanager
async def auth_server(server: DemoServer, *script: Answer) -> AsyncIterator[AuthServer]:
    endpoint = await AuthServer(server).start()
    endpoint.script.extend(script)
    try:
        yield endpoint
    finally:
        await endpoint.close()


async def test_auth_401_needs_login_with_sign_in(demo_server: DemoServer, tmp_path: Path) -> None:
    async with auth_server(demo_server, Answer(401, b'{"error":"who are you"}')) as endpoint:
        path = tmp_path / "config.toml"
        path.write_text(endpoint_account(demo_server, endpoint.endpoint), encoding="utf-8")
        async with running_app(path, Keyring()) as app:
            await wait_until(lambda: shown(app).needs_login, timeout=20)
            words, tooltip = window_words(app), tray_tooltip(app)
            title, detail = tray_entry(app)
            assert chip(app).label.text() == f"{ACCOUNT}: needs login"
            assert "private-desk needs login: auth endpoint answered 401" in words
            assert "Fix: choose Sign in…" in words
            assert f"{ACCOUNT}: needs login" in tooltip
            assert f"{ACCOUNT}: Fix: choose Sign in…" in tooltip
            assert title == f"{ACCOUNT}: needs login"
            assert "answered 401" in detail
            assert app.tray is not None
            assert app.tray.accounts[ACCOUNT].sign_in.isVisible()
            no_traceback(words, tooltip, detail)

            # Sign in… opens the settings window at this account's secret field.
            app.tray.accounts[ACCOUNT].sign_in.trigger()
            settings = app.settings_window
            assert settings is not None and settings.isVisible()
            await wait_until(lambda: settings.form.name.text() == ACCOUNT)
            await wait_until(settings.form.secret.hasFocus)

            # The login fixed on the server's side (its next answers are good): the
            # tray's Reconnect asks again, and the account connects; the hints go.
            app.tray.accounts[ACCOUNT].reconnect.trigger()
            await demo_server.wait_for_subscribers("private-desk", timeout=20)
            await wait_until(lambda: connected(app) and not shown(app).fix, timeout=20)
            assert not app.tray.accounts[ACCOUNT].sign_in.isVisible()
            assert "Fix" not in tray_tooltip(app)


async def test_auth_500_retries_with_the_reason_then_recovers(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    async with auth_server(demo_server, Answer(500, b"oops"), Answer(500, b"oops")) as endpoint:
        path = tmp_path / "config.toml"
        path.write_text(endpoint_account(demo_server, endpoint.endpoint), encoding="utf-8")
        async with running_app(path, Keyring()) as app:
            await wait_until(lambda: "answered 500" in shown(app).detail, timeout=20)
            words, tooltip = window_words(app), tray_tooltip(app)
            _, detail = tray_entry(app)
            assert "private-desk refused: auth endpoint answered 500; retrying in" in words
            assert "Beacon tries again by itself" in words
            assert f"check that the app backend at {endpoint.endpoint} runs" in words
            assert "answered 500; retrying in" in detail
            assert f"{ACCOUNT}: The auth endpoint fails; Beacon tries again by itself" in tooltip
            assert not shown(app).needs_login  # not the user's login: no Sign in…
            no_traceback(words, tooltip, detail)

            # The endpoint answers 200 again: the retry subscribes, the problem goes.
            await demo_server.wait_for_subscribers("private-desk", timeout=30)
            await wait_until(lambda: connected(app) and not shown(app).fix, timeout=20)
            assert "500" not in window_words(app)
            assert "auth endpoint" not in tray_tooltip(app)
            assert [status for _, _, status in endpoint.requests][:3] == [500, 500, 200]


async def test_auth_endpoint_that_hangs_times_out_with_the_fix(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    # The auth request's timeout is not configurable (connect.auth.AUTH_TIMEOUT, 10 s).
    async with auth_server(demo_server, Answer(delay=60)) as endpoint:
        path = tmp_path / "config.toml"
        path.write_text(endpoint_account(demo_server, endpoint.endpoint), encoding="utf-8")
        async with running_app(path, Keyring()) as app:
            await wait_until(lambda: "did not answer" in shown(app).detail, timeout=30)
            words, tooltip = window_words(app), tray_tooltip(app)
            _, detail = tray_entry(app)
            assert f"the auth endpoint {endpoint.endpoint} did not answer within 10 s" in words
            assert "retrying in" in words
            assert "Fix: check that the app backend" in words
            assert f"{ACCOUNT}: The auth endpoint fails" in tooltip
            assert "did not answer" in detail or "auth endpoint" in detail
            no_traceback(words, tooltip, detail)
            # The next request is answered at once: it recovers.
            await demo_server.wait_for_subscribers("private-desk", timeout=30)
            await wait_until(lambda: connected(app) and not shown(app).fix, timeout=20)


# -- 3. the keyring ---------------------------------------------------------------------------


def sign_account(server: DemoServer) -> str:
    return account_toml(
        name=ACCOUNT, key=server.key, host=server.host, port=server.port, tls=False,
        channels=["tickets", "private-desk"], auth={"mode": "sign"},
    )  # fmt: skip


@pytest.mark.expect_log_warnings(r"beacon\.cli: no keyring available")
@pytest.mark.parametrize(
    "backend", ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"]
)
async def test_no_usable_keyring_says_what_to_do_and_keeps_nothing_in_plain_text(
    backend: str, demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    path = tmp_path / "config.toml"
    path.write_text(sign_account(demo_server), encoding="utf-8")
    # The secret source as the app builds it (cli.app), with the backend the variable
    # names: keyring picks it when the source is built.
    async with running_app(path, _secret_source()) as app:
        await demo_server.wait_for_subscribers("tickets", timeout=20)
        await wait_until(lambda: shown(app).needs_login, timeout=20)
        words, tooltip = window_words(app), tray_tooltip(app)
        title, detail = tray_entry(app)
        assert chip(app).label.text() == f"{ACCOUNT}: needs login"
        assert "No usable OS keyring" in words and backend in words
        assert "never in plain files" in words
        assert "Fix: install and unlock a keyring (gnome-keyring or KWallet)" in words
        assert f"{ACCOUNT}: No usable keyring" in tooltip
        assert "Fix: install and unlock a keyring" in tooltip
        assert title == f"{ACCOUNT}: needs login"
        assert "keyring" in detail
        assert app.tray is not None
        entry = app.tray.accounts[ACCOUNT]
        assert entry.fix in entry.menu.actions()
        assert "No usable keyring" in entry.fix.text()
        no_traceback(words, tooltip, detail)
        assert demo_server.subscribers("private-desk") == []
        # No plain-text fallback: nothing but the app's own files beside the config
        # (keyrings.alt's plain-text backends would write under XDG_DATA_HOME).
        written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
        assert all(
            name.startswith(("config.toml", "history.sqlite3", "last-seen")) for name in written
        ), written

        # The cause fixed: a usable keyring (the desktop's Secret Service) and the
        # secret stored in it, as `beacon login` does. The same app reads it and connects.
        monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
        keyring = Keyring()
        keyring.set_secret(ACCOUNT, Secret(demo_server.secret))
        try:
            await demo_server.wait_for_subscribers("private-desk", timeout=20)
            await wait_until(lambda: connected(app) and not shown(app).fix, timeout=20)
            assert "keyring" not in tray_tooltip(app)
            entry = app.tray.accounts[ACCOUNT]
            assert entry.fix not in entry.menu.actions()
        finally:
            keyring.delete_secret(ACCOUNT)


# -- 4. a bad config while the app runs -------------------------------------------------------


@pytest.mark.expect_log_warnings(
    r"beacon\.services: .*config\.toml:5: account \"desk\": unknown key"
)
async def test_a_config_broken_while_running_names_file_line_and_fix_then_clears(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    good = account_toml(
        name=ACCOUNT, key=demo_server.key, host=demo_server.host, port=demo_server.port,
        tls=False, channels=["tickets"],
    )  # fmt: skip
    path.write_text(good, encoding="utf-8")
    async with running_app(path, Keyring()) as app:
        await wait_until(lambda: connected(app), timeout=20)
        write(path, good.replace("port = ", "prot = "))
        banner = app.window.error_banner
        await wait_until(banner.isVisible, timeout=10)
        expected = (
            f'{path}:5: account "{ACCOUNT}": unknown key prot. Fix: did you mean "port"? '
            "Rename it, or remove the line"
        )
        assert banner.text() == expected
        assert f"Config error: {expected}" in tray_tooltip(app)
        assert connected(app)  # the running config goes on meanwhile
        no_traceback(banner.text(), tray_tooltip(app))

        write(path, good)
        await wait_until(lambda: not banner.isVisible(), timeout=10)
        await wait_until(lambda: "Config error" not in tray_tooltip(app), timeout=10)
        assert connected(app)
