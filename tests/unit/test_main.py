"""The command line's stable surface: versions and argument errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import beacon
from beacon.__main__ import build_parser

BEACON = Path(sys.executable).with_name("beacon")


@pytest.mark.parametrize(
    "argv",
    [[str(BEACON), "--version"], [sys.executable, "-m", "beacon", "--version"]],
    ids=["console-script", "python-m"],
)
def test_version_is_printed(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"beacon {beacon.__version__}"


@pytest.mark.parametrize(
    "argv",
    [
        ["listen", "--count", "0"],
        ["history", "--limit", "-1"],
        ["demo-server", "--port", "70000"],
        ["login"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_every_command_takes_config() -> None:
    parser = build_parser()
    for command in ["listen", "login A", "logout A", "check", "history", "demo", "demo-server"]:
        args = parser.parse_args([*command.split(), "--config", "/x/config.toml"])
        assert args.config == Path("/x/config.toml")


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "/x.toml", "-v", "listen"],
        ["listen", "--config", "/x.toml", "-v"],
        ["-v", "history", "--config", "/x.toml"],
    ],
)
def test_common_options_work_before_and_after_the_command(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.config == Path("/x.toml")
    assert args.verbose == 1


def test_defaults_without_common_options() -> None:
    args = build_parser().parse_args(["listen"])
    assert args.config is None
    assert args.verbose == 0


def test_help_promises_only_what_exists(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["--help"])
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "a searchable feed window of the events on your channels" in text
    # Help promises the tray and popups only because both exist.
    tray = Path(beacon.__file__).parent / "tray"
    assert "tray icon" in text and "popup notifications" in text
    assert (tray / "icon.py").is_file() and (tray / "notify.py").is_file()


@pytest.mark.parametrize(
    "argv",
    [
        ["listen", "--timeout", "nan"],
        ["listen", "--timeout", "-1"],
        ["listen", "--timeout", "0"],
        ["listen", "--timeout", "inf"],
        ["demo-server", "--rate", "-1"],
        ["demo-server", "--rate", "nan"],
        ["demo-server", "--rate", "inf"],
    ],
)
def test_numbers_out_of_range_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # "--timeout nan" used to run and then say "could not connect within nan s"; a negative
    # rate started a demo server that publishes nothing, as if the flag were fine.
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    assert f"argument {argv[1]}:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["history", "--limit", "abc"], "argument --limit: 'abc' is not a whole number"),
        (["listen", "--count", "1.5"], "argument --count: '1.5' is not a whole number"),
        (["demo-server", "--port", "x"], "argument --port: 'x' is not a whole number"),
        (["listen", "--timeout", "soon"], "argument --timeout: 'soon' is not a number"),
        (["demo-server", "--rate", "fast"], "argument --rate: 'fast' is not a number"),
    ],
)
def test_unreadable_numbers_are_named_in_words(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # argparse names the type function otherwise: "invalid _positive_int value: 'abc'".
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "_positive_int" not in err and "_port" not in err


def test_numbers_in_range_are_accepted() -> None:
    parser = build_parser()
    assert parser.parse_args(["listen", "--timeout", "2.5"]).timeout == 2.5
    assert parser.parse_args(["demo-server", "--rate", "0"]).rate == 0.0
    assert parser.parse_args(["history", "--limit", "7"]).limit == 7
