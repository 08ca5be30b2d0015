"""``beacon check`` against a real Soketi: reachability, app key, auth endpoint, exit status.

Auth endpoints here are a small HTTP server that signs with the Soketi app's secret, as an
application backend would. Nothing needs the keyring: the accounts either use public
channels or an endpoint whose headers do not use ``{secret}``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from beacon.pusher.auth import channel_auth
from support.cli import account_toml, profile_env, run_beacon
from support.soketi import PusherServer, free_port
from support.tls import make_certificate


class AuthEndpoint:
    """An app backend's /pusher/auth: signs when the X-Team header says "beacon", fails
    with 500 when it says "broken", else refuses with 403."""

    def __init__(self, key: str, secret: str) -> None:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                endpoint.requests.append(dict(self.headers))
                if self.headers.get("X-Team") == "broken":
                    self.send_response(500)  # the backend itself fails
                    self.end_headers()
                    return
                if self.headers.get("X-Team") != "beacon":
                    self.send_response(403)
                    self.end_headers()
                    return
                signature = channel_auth(key, secret, form["socket_id"][0], form["channel_name"][0])
                body = json.dumps({"auth": signature}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.requests: list[dict[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pusher/auth"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def auth_endpoint(soketi: PusherServer) -> Iterator[AuthEndpoint]:
    endpoint = AuthEndpoint(soketi.key, soketi.secret)
    yield endpoint
    endpoint.close()


def account(name: str, server: PusherServer, **overrides: object) -> str:
    settings: dict[str, object] = {
        "name": name,
        "key": server.key,
        "host": server.host,
        "port": server.port,
        "tls": False,
        "channels": ["tickets"],
    }
    settings.update(overrides)
    return account_toml(**settings)


def beacon_check(tmp_path: Path, config: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_beacon(profile_env(tmp_path, config, **env), "check")


def test_good_config_exits_0(tmp_path: Path, soketi: PusherServer) -> None:
    result = beacon_check(tmp_path, account("support", soketi))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Config:  OK (" in out and "config.toml: 1 account, 0 rules)" in out
    assert f'Account "support" (ws://{soketi.host}:{soketi.port}/app/{soketi.key})' in out
    assert "server:  connected in" in out
    assert "secret:  not needed" in out
    assert out.rstrip().endswith("All good.")


def test_wrong_port_names_the_account(tmp_path: Path, soketi: PusherServer) -> None:
    config = account("good", soketi) + account("broken", soketi, port=free_port())
    result = beacon_check(tmp_path, config)
    assert result.returncode == 1, result.stdout
    broken = result.stdout.split('Account "broken"')[1]
    assert "server:  PROBLEM: unreachable" in broken
    good = result.stdout.split('Account "good"')[1].split('Account "broken"')[0]
    assert "PROBLEM" not in good
    assert '1 problem (account "broken")' in result.stdout


def test_a_reader_that_stops_early_gets_the_real_status(
    tmp_path: Path, soketi: PusherServer
) -> None:
    """`beacon check | head -1` (or `| grep -q`): the check died on the closed pipe with a
    BrokenPipeError traceback; it finishes instead, and its status says how it went."""
    config = account("good", soketi) + account("broken", soketi, port=free_port())
    env = profile_env(tmp_path, config)
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {sys.executable} -m beacon check | head -n 1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.startswith("Config:  OK (")
    assert result.returncode == 1, result.stderr  # the broken account, not the pipe
    assert "Traceback" not in result.stderr and "Broken pipe" not in result.stderr


def test_stdout_that_cannot_be_written_is_said_in_words(
    tmp_path: Path, soketi: PusherServer
) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "beacon", "check"],
            env=profile_env(tmp_path, account("support", soketi)),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr == (
        "beacon check: cannot write to standard output: No space left on device\n"
    )


def test_unknown_app_key_is_refused(tmp_path: Path, soketi: PusherServer) -> None:
    result = beacon_check(tmp_path, account("support", soketi, key="no-such-key"))
    assert result.returncode == 1
    assert "server:  PROBLEM: refused the connection:" in result.stdout
    assert "4001" in result.stdout


def test_endpoint_auth_is_tried_with_a_real_subscription(
    tmp_path: Path, soketi: PusherServer, auth_endpoint: AuthEndpoint
) -> None:
    auth = {"mode": "endpoint", "endpoint": auth_endpoint.url, "headers": {"X-Team": "beacon"}}
    config = account("support", soketi, channels=["tickets", "private-agent-7"], auth=auth)
    result = beacon_check(tmp_path, config)
    assert result.returncode == 0, result.stdout
    assert f"private-agent-7 authorized by {auth_endpoint.url} and subscribed" in result.stdout
    assert auth_endpoint.requests and auth_endpoint.requests[0]["X-Team"] == "beacon"


def test_endpoint_that_refuses_means_login(
    tmp_path: Path, soketi: PusherServer, auth_endpoint: AuthEndpoint
) -> None:
    auth = {"mode": "endpoint", "endpoint": auth_endpoint.url, "headers": {"X-Team": "other"}}
    config = account("support", soketi, channels=["private-agent-7"], auth=auth)
    result = beacon_check(tmp_path, config)
    assert result.returncode == 1
    assert "auth endpoint answered 403: this account needs login" in result.stdout
    assert "beacon login support" in result.stdout


def test_endpoint_that_fails_is_not_a_login_problem(
    tmp_path: Path, soketi: PusherServer, auth_endpoint: AuthEndpoint
) -> None:
    auth = {"mode": "endpoint", "endpoint": auth_endpoint.url, "headers": {"X-Team": "broken"}}
    channels = ["tickets", "private-agent-7"]
    result = beacon_check(tmp_path, account("support", soketi, channels=channels, auth=auth))
    assert result.returncode == 1, result.stdout
    assert (
        "channel: PROBLEM: private-agent-7: auth endpoint answered 500. Fix: check that the "
        f"app backend at {auth_endpoint.url} runs and answers" in result.stdout
    )
    assert "beacon login" not in result.stdout
    assert "channel: tickets subscribed" in result.stdout  # one refusal stops no other


def test_unreachable_endpoint(tmp_path: Path, soketi: PusherServer) -> None:
    url = f"http://127.0.0.1:{free_port()}/pusher/auth"
    auth = {"mode": "endpoint", "endpoint": url}
    config = account("support", soketi, channels=["private-agent-7"], auth=auth)
    result = beacon_check(tmp_path, config)
    assert result.returncode == 1
    assert f"the auth endpoint {url} is unreachable" in result.stdout


def test_config_error_exits_2_with_file_and_line(tmp_path: Path, soketi: PusherServer) -> None:
    config = account("support", soketi) + "[feed]\nretention_days = 0\n"
    result = beacon_check(tmp_path, config)
    assert result.returncode == 2
    assert "Config:  PROBLEM" in result.stdout
    line = config.splitlines().index("retention_days = 0") + 1
    assert f"config.toml:{line}: [feed]: retention_days must be 1 or more" in result.stdout


def test_no_keyring_when_a_secret_is_needed_exits_3(tmp_path: Path, soketi: PusherServer) -> None:
    config = account("support", soketi, channels=["private-x"], auth={"mode": "sign"})
    result = beacon_check(tmp_path, config, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    assert result.returncode == 3, result.stdout
    assert "Keyring: unavailable: No usable OS keyring" in result.stdout
    assert "secret:  PROBLEM: cannot be read" in result.stdout.split('Account "support"')[1]


def test_no_keyring_is_fine_when_nothing_needs_it(tmp_path: Path, soketi: PusherServer) -> None:
    result = beacon_check(
        tmp_path, account("support", soketi), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"
    )
    assert result.returncode == 0, result.stdout
    assert "Keyring: unavailable" in result.stdout


def test_no_config_file_is_not_all_good(tmp_path: Path) -> None:
    result = run_beacon(profile_env(tmp_path), "check")
    assert result.returncode == 1
    assert f"Config:  none at {tmp_path / 'config' / 'beacon' / 'config.toml'}" in result.stdout
    assert "no [[account]] is configured" in result.stdout


@pytest.mark.parametrize("command", ["check", "listen"])
def test_a_config_named_with_config_must_exist(tmp_path: Path, command: str) -> None:
    """A mistyped --config used to read as an empty config: "none at ... (Beacon starts
    with no accounts)", or listen's "has no [[account]]", about a file that is not there."""
    missing = tmp_path / "beacn.toml"
    result = run_beacon(profile_env(tmp_path), command, "--config", str(missing))
    assert result.returncode == 2, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert f"{missing}: does not exist. Fix: check the path given to --config" in said
    assert "none at" not in said and "no [[account]]" not in said


def test_each_channel_is_reported_from_the_engine(
    tmp_path: Path, soketi: PusherServer, auth_endpoint: AuthEndpoint
) -> None:
    auth = {"mode": "endpoint", "endpoint": auth_endpoint.url, "headers": {"X-Team": "beacon"}}
    channels = ["tickets", "cache-prices", "private-agent-7"]
    result = beacon_check(tmp_path, account("support", soketi, channels=channels, auth=auth))
    assert result.returncode == 0, result.stdout
    lines = result.stdout.split('Account "support"')[1].splitlines()
    assert "  channel: tickets subscribed" in lines
    assert "  channel: cache-prices subscribed" in lines
    assert f"  channel: private-agent-7 authorized by {auth_endpoint.url} and subscribed" in lines


def test_unreachable_server_is_said_in_words_with_a_fix(
    tmp_path: Path, soketi: PusherServer
) -> None:
    port = free_port()
    result = beacon_check(tmp_path, account("support", soketi, port=port))
    assert result.returncode == 1, result.stdout
    assert (
        f"server:  PROBLEM: unreachable: connection refused. Fix: nothing listens at "
        f"127.0.0.1:{port}" in result.stdout
    )
    # Words, not Python: no exception class names, no errno.
    assert "Errno" not in result.stdout and "Error:" not in result.stdout


def test_unknown_app_key_says_which_setting_to_fix(tmp_path: Path, soketi: PusherServer) -> None:
    result = beacon_check(tmp_path, account("support", soketi, key="no-such-key"))
    assert result.returncode == 1
    server = next(line for line in result.stdout.splitlines() if "server:" in line)
    assert server.startswith("  server:  PROBLEM: refused the connection: App key no-such-key")
    assert " does not exist (4001). Fix: correct key in the config" in server
    assert result.stderr == ""  # the report says it; the engine's warning would repeat it


def test_unreachable_host_name(tmp_path: Path, soketi: PusherServer) -> None:
    result = beacon_check(tmp_path, account("support", soketi, host="no-such-host.invalid"))
    assert result.returncode == 1
    assert "server:  PROBLEM: unreachable:" in result.stdout
    assert "Fix: the host name does not resolve: correct host" in result.stdout


@pytest.fixture
def untrusted_tls_port(tmp_path: Path) -> Iterator[int]:
    """A TLS server on 127.0.0.1 with a self-signed certificate nobody trusts."""
    cert, key = make_certificate(tmp_path, "cert", cn="127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed: the test is over
            with contextlib.suppress(OSError), conn:
                # The client gives up at the certificate: the handshake fails here too.
                context.wrap_socket(conn, server_side=True).close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()
    thread.join(5)


def test_untrusted_certificate_names_ca_file(
    tmp_path: Path, soketi: PusherServer, untrusted_tls_port: int
) -> None:
    config = account("support", soketi, port=untrusted_tls_port, tls=True)
    result = beacon_check(tmp_path, config)
    assert result.returncode == 1, result.stdout
    server = next(line for line in result.stdout.splitlines() if "server:" in line)
    assert "PROBLEM: unreachable: certificate not trusted:" in server
    assert "Fix: " in server and "set ca_file to your CA's PEM file" in server


def test_ca_file_that_is_not_pem_is_a_config_error(tmp_path: Path, soketi: PusherServer) -> None:
    ca_file = tmp_path / "company-ca.pem"
    ca_file.write_text("this is not a certificate\n", encoding="utf-8")
    config = account("support", soketi, tls=True, ca_file=str(ca_file))
    result = beacon_check(tmp_path, config)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.startswith("Config:  PROBLEM\n")
    assert "Config:  OK" not in result.stdout
    # Whichever layer finds it first (config at load, or check before connecting), the
    # file, the reason and a fix are named.
    problem = result.stdout.splitlines()[1]
    assert str(ca_file) in problem and "PEM" in problem and "Fix:" in problem
    assert "SSLError" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_ca_file_that_is_a_directory_is_not_called_missing(
    tmp_path: Path, soketi: PusherServer
) -> None:
    config = account("support", soketi, tls=True, ca_file=str(tmp_path))
    result = beacon_check(tmp_path, config)
    assert result.returncode == 2, result.stdout + result.stderr
    problem = result.stdout.splitlines()[1]
    assert str(tmp_path) in problem and "directory" in problem and "Fix:" in problem
    assert "does not exist" not in result.stdout


def test_server_that_never_answers_times_out_with_a_fix(
    tmp_path: Path, soketi: PusherServer
) -> None:
    # The kernel completes the TCP handshake for the backlog; nothing ever answers the
    # WebSocket request, as behind a black-holing firewall or proxy.
    with socket.create_server(("127.0.0.1", 0), backlog=4) as silent:
        port = silent.getsockname()[1]
        result = beacon_check(tmp_path, account("support", soketi, port=port))
    assert result.returncode == 1, result.stdout
    assert (
        "server:  PROBLEM: no answer within 10 s. Fix: check the network, and any firewall "
        f"or proxy between this machine and 127.0.0.1:{port}" in result.stdout
    )
