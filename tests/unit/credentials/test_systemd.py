"""``credentials.systemd``: reading ``$CREDENTIALS_DIRECTORY`` files safely, and the
precedence of a credential over the keyring, on real files."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from beacon.credentials import CredentialsError, NoKeyringError, Secret
from beacon.credentials.systemd import (
    CredentialFileError,
    CredentialsOrKeyring,
    SystemdCredentials,
    _problem,
    read_credential,
)

KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # base64 of bytes 0..31


def write(path: Path, data: bytes | str, mode: int = 0o400) -> Path:
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("data", "secret"),
    [
        ("s3cret", "s3cret"),
        ("s3cret\n", "s3cret"),
        ("s3cret\r\n", "s3cret"),
        (" spaced secret ", " spaced secret "),  # only the line ending goes
        ("ünïcode\n", "ünïcode"),
    ],
)
def test_the_secret_is_the_file_without_one_line_ending(
    tmp_path: Path, data: str, secret: str
) -> None:
    value = read_credential(write(tmp_path / "beacon-a", data))
    assert isinstance(value, Secret)
    assert value.reveal() == secret
    assert repr(value) == "***"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "is empty"),
        (b"\n", "is empty"),
        (b"SEKRIT\nSEKRIT", "holds more than one line"),
        (b"SEKRIT\n\n", "holds more than one line"),
        (b"SEK\x00RIT", "holds more than one line"),
        (b"\xff\xfeSEKRIT", "is not UTF-8 text"),
        (b"SEKRIT" * 11000, "is larger than 64 KiB"),
    ],
)
def test_unusable_content_is_refused_without_showing_it(
    tmp_path: Path, data: bytes, says: str
) -> None:
    path = write(tmp_path / "beacon-a", data)
    with pytest.raises(CredentialFileError) as caught:
        read_credential(path)
    text = str(caught.value)
    assert f"the systemd credential {path} {says}" in text
    assert "Fix: give the unit the credential with LoadCredentialEncrypted=beacon-a:" in text
    assert "SEK" not in text


@pytest.mark.parametrize("mode", [0o404, 0o406, 0o420, 0o600 | 0o001])
def test_a_file_others_may_read_or_write_is_refused(tmp_path: Path, mode: int) -> None:
    path = write(tmp_path / "beacon-a", "s3cret", mode)
    with pytest.raises(CredentialFileError, match=rf"mode {mode:04o}\); systemd makes"):
        read_credential(path)


@pytest.mark.parametrize("mode", [0o400, 0o600, 0o440])
def test_modes_systemd_gives_are_accepted(tmp_path: Path, mode: int) -> None:
    # 0440: a system unit's credential that systemd shares with User= by an ACL.
    assert read_credential(write(tmp_path / "beacon-a", "s3cret", mode)).reveal() == "s3cret"


def _stat(uid: int, mode: int = stat.S_IFREG | 0o400) -> os.stat_result:
    return os.stat_result((mode, 1, 1, 1, uid, 0, 6, 0, 0, 0))


def test_the_owner_must_be_this_user_or_root() -> None:
    me = os.geteuid()
    assert _problem(_stat(me)) is None
    assert _problem(_stat(0)) is None  # a system unit's credential with an ACL for User=
    stranger = 4242 if me != 4242 else 4243
    problem = _problem(_stat(stranger))
    assert problem is not None
    assert problem.startswith(f"is owned by user id {stranger}, not by you ({me}) or root")


def test_a_symlink_is_refused_not_followed(tmp_path: Path) -> None:
    target = write(tmp_path / "elsewhere", "s3cret", 0o400)
    link = tmp_path / "beacon-a"
    link.symlink_to(target)
    with pytest.raises(CredentialFileError, match="cannot be read: it is a symbolic link"):
        read_credential(link)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "beacon-a"
    os.mkfifo(fifo, 0o600)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_credential(fifo)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "reading a FIFO credential blocked"
    assert isinstance(outcome[0], CredentialFileError)
    assert "is not a regular file" in str(outcome[0])


def test_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "beacon-a").mkdir(mode=0o700)
    with pytest.raises(CredentialFileError, match="is not a regular file"):
        read_credential(tmp_path / "beacon-a")


def test_from_environment_only_when_systemd_set_the_variable(tmp_path: Path) -> None:
    assert SystemdCredentials.from_environment({}) is None
    assert SystemdCredentials.from_environment({"CREDENTIALS_DIRECTORY": ""}) is None
    found = SystemdCredentials.from_environment({"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert found is not None and found.directory == tmp_path


def test_a_directory_that_is_not_there_is_an_error(tmp_path: Path) -> None:
    credentials = SystemdCredentials(tmp_path / "gone")
    with pytest.raises(CredentialFileError, match="is not a directory"):
        credentials.get_secret("a")
    with pytest.raises(CredentialFileError, match="is not a directory"):
        SystemdCredentials(Path("relative")).get_secret("a")


def test_names_per_account(tmp_path: Path) -> None:
    write(tmp_path / "beacon-support", "s3cret\n")
    write(tmp_path / "beacon-support.encryption-key", KEY + "\n")
    credentials = SystemdCredentials(tmp_path)
    secret = credentials.get_secret("support")
    key = credentials.get_encryption_key("support")
    assert secret is not None and secret.reveal() == "s3cret"
    assert key is not None and key.reveal() == KEY
    assert credentials.get_secret("other") is None
    assert credentials.get_encryption_key("other") is None
    # A name that is not a file name has no credential, and reaches nothing outside.
    write(tmp_path / "escape", "s3cret")
    assert credentials.get_secret("../escape") is None


def test_an_empty_encryption_key_says_what_it_must_hold(tmp_path: Path) -> None:
    path = write(tmp_path / "beacon-a.encryption-key", "")
    with pytest.raises(CredentialFileError) as caught:
        SystemdCredentials(tmp_path).get_encryption_key("a")
    assert str(caught.value).startswith(
        f"the systemd credential {path} is empty; it must hold the app's encryption master key."
    )


def test_an_encryption_key_that_is_not_a_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "beacon-a.encryption-key", "c2hvcnQ=\n")  # base64 of "short"
    with pytest.raises(CredentialFileError) as caught:
        SystemdCredentials(tmp_path).get_encryption_key("a")
    assert str(caught.value).startswith(f"the systemd credential {path}: the encryption key")
    assert "c2hvcnQ" not in str(caught.value)


class Store:
    """A keyring stand-in for precedence: records what was asked of it."""

    def __init__(self, secret: str | None = None, key: str | None = None) -> None:
        self.asked: list[str] = []
        self._secret, self._key = secret, key

    def get_secret(self, account: str) -> Secret | None:
        self.asked.append(f"secret {account}")
        return Secret(self._secret) if self._secret is not None else None

    def get_encryption_key(self, account: str) -> Secret | None:
        self.asked.append(f"key {account}")
        return Secret(self._key) if self._key is not None else None


def test_the_credential_wins_and_the_keyring_is_not_opened(tmp_path: Path) -> None:
    write(tmp_path / "beacon-a", "from-credential")
    opened: list[Store] = []

    def keyring() -> Store:
        opened.append(Store("from-keyring"))
        return opened[-1]

    source = CredentialsOrKeyring(SystemdCredentials(tmp_path), keyring)
    secret = source.get_secret("a")
    assert secret is not None and secret.reveal() == "from-credential"
    assert opened == []
    assert source.secret_origin("a") == "the systemd credential beacon-a"


def test_each_entry_without_a_credential_falls_back_to_the_keyring(tmp_path: Path) -> None:
    write(tmp_path / "beacon-a", "from-credential")
    store = Store("from-keyring", KEY)
    source = CredentialsOrKeyring(SystemdCredentials(tmp_path), lambda: store)
    key = source.get_encryption_key("a")
    other = source.get_secret("b")
    assert key is not None and key.reveal() == KEY
    assert other is not None and other.reveal() == "from-keyring"
    assert store.asked == ["key a", "secret b"]
    assert source.encryption_key_origin("a") == (
        "the OS keyring (the unit passes no credential beacon-a.encryption-key)"
    )
    assert CredentialsOrKeyring(None, lambda: store).secret_origin("a") == "the OS keyring"


class NoKeyring:
    def get_secret(self, account: str) -> Secret | None:
        raise NoKeyringError("No usable OS keyring: none here")

    get_encryption_key = get_secret


def test_a_keyring_that_cannot_work_points_to_the_credential(tmp_path: Path) -> None:
    source = CredentialsOrKeyring(SystemdCredentials(tmp_path), NoKeyring)
    for read, name in (
        (source.get_secret, "beacon-a"),
        (source.get_encryption_key, "beacon-a.encryption-key"),
    ):
        with pytest.raises(NoKeyringError) as caught:
            read("a")
        assert str(caught.value) == (
            "No usable OS keyring: none here. Or run beacon listen as a systemd unit that "
            f"passes the credential {name} (see docs/headless.md)"
        )


def test_an_unusable_credential_does_not_fall_back(tmp_path: Path) -> None:
    write(tmp_path / "beacon-a", "")
    store = Store("from-keyring")
    source = CredentialsOrKeyring(SystemdCredentials(tmp_path), lambda: store)
    with pytest.raises(CredentialsError, match="is empty"):
        source.get_secret("a")
    assert store.asked == []
