"""What ``beacon listen`` says at start about where each account's secret comes from, and
that public channels never import the keyring to say it."""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap

import pytest

from beacon.cli.listen import _secret_needs
from beacon.config.model import AccountSettings, AuthSettings, CatchupSettings


def _account(*channels: str, **settings: object) -> AccountSettings:
    return AccountSettings(name="a", key="k", host="127.0.0.1", channels=channels, **settings)


SIGN = AuthSettings(mode="sign")
BEARER = AuthSettings(
    mode="endpoint", endpoint="http://127.0.0.1/auth", headers={"Authorization": "Bearer {secret}"}
)


@pytest.mark.parametrize(
    ("account", "channels", "catch_up", "needs"),
    [
        (_account("tickets"), [], False, (False, False)),
        (_account("tickets", auth=SIGN), [], False, (False, False)),
        (_account("private-a", auth=SIGN), [], False, (True, False)),
        (_account("private-encrypted-a", auth=SIGN), [], False, (True, True)),
        (_account("private-encrypted-a", auth=BEARER), [], False, (True, False)),
        (_account("tickets", auth=SIGN), ["presence-x"], False, (True, False)),
        (_account("private-a", auth=SIGN), ["tickets"], False, (False, False)),
        (_account("tickets", auth=SIGN, signin=True), [], False, (True, False)),
        (
            _account(
                "tickets",
                catchup=CatchupSettings(
                    url="http://127.0.0.1/missed", headers={"Authorization": "Bearer {secret}"}
                ),
            ),
            [],
            True,
            (True, False),
        ),
    ],
)
def test_which_accounts_use_a_secret(
    account: AccountSettings, channels: list[str], catch_up: bool, needs: tuple[bool, bool]
) -> None:
    assert _secret_needs(account, channels, catch_up) == needs


def test_public_channels_never_import_the_keyring() -> None:
    # Run apart: this test process has imported the keyring long ago.
    code = textwrap.dedent(
        """
        import argparse, sys
        from beacon.cli import listen
        from beacon.config.model import AccountSettings
        public = AccountSettings(name="p", key="k", host="127.0.0.1", channels=("tickets",))
        args = argparse.Namespace(channel=[], catch_up=False)
        assert listen._tell_secret_origins(listen._LazySecrets(), [public], args)
        print(sorted(m for m in sys.modules if m.split(".")[0] == "keyring"))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")


def test_namespace_fields_listen_reads_exist() -> None:
    from beacon.__main__ import build_parser

    args = build_parser().parse_args(["listen"])
    assert isinstance(args, argparse.Namespace)
    assert (args.channel, args.catch_up) == ([], False)
