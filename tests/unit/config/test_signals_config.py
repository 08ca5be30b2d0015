"""``[[signal]]``: loaded into ``SignalSpec``s with the declared defaults, or refused in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from beacon.config import ConfigError, load_config
from beacon.config import options as opt
from beacon.config.model import SignalSpec

ACCOUNT = '[[account]]\nname = "ops"\nkey = "k"\ncluster = "eu"\nchannels = ["deploys"]\n\n'


def _signals(tmp_path: Path, text: str) -> tuple[SignalSpec, ...]:
    path = tmp_path / "config.toml"
    path.write_text(ACCOUNT + text, encoding="utf-8")
    return load_config(path).signals


def test_run_and_post_load_with_the_declared_defaults(tmp_path: Path) -> None:
    run, post = _signals(
        tmp_path,
        '[[signal]]\nchannel = "deploys"\nevent = "deploy.*"\n'
        'run = ["notify-send", "Deployed {service}"]\n\n'
        '[[signal]]\naccount = "ops"\npost = "https://h.example/hook/{id}"\n'
        "max_per_minute = 3\ntimeout = 2\n",
    )
    assert run == SignalSpec(
        channel="deploys", event="deploy.*", run=("notify-send", "Deployed {service}")
    )
    assert (run.max_per_minute, run.timeout) == (10, 10.0)
    assert opt.SIGNAL["max_per_minute"].default == 10 and opt.SIGNAL["timeout"].default == 10.0
    assert post == SignalSpec(
        account="ops", post="https://h.example/hook/{id}", max_per_minute=3, timeout=2.0
    )
    assert isinstance(post.timeout, float)


def test_no_signals_is_the_default(tmp_path: Path) -> None:
    assert _signals(tmp_path, "") == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('channel = "x"', "not neither"),
        ('run = ["a"]\npost = "https://h.example/"', "not both"),
        ("run = []", "run is an empty list"),
        ('run = ["{program}", "x"]', "run's program '{program}' has a placeholder"),
        ('run = ["echo", "{unclosed"]', 'run has a "{" with no closing "}"'),
        ('run = "echo hi"', "run must be a list of strings"),
        ('run = ["echo", 3]', "must hold only strings"),
        ('post = "ftp://h.example/"', "is not an http(s) URL"),
        ('post = "https://{host}/x"', "placeholder in its host"),
        ('run = ["a"]\nmax_per_minute = 0', "max_per_minute must be 1 or more"),
        ('run = ["a"]\ntimeout = 0', "timeout must be more than 0"),
        ('run = ["a"]\naccount = "opz"', 'no [[account]] is named "opz"'),
        ('run = ["a"]\nshell = true', "unknown key shell"),
    ],
)
def test_bad_signals_are_refused_with_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _signals(tmp_path, f"[[signal]]\n{text}\n")
    assert message in caught.value.message
    assert caught.value.line is not None and caught.value.line >= 7
