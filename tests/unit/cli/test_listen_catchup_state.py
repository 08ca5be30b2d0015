"""listen --catch-up's state file: resumed from, and a damaged one is a first run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from beacon.cli.listen_catchup import FIRST_RUN, STATE_FILE, ListenCatchUp
from beacon.config.model import AccountSettings, CatchupSettings
from beacon.connect import StaticSecrets
from beacon.connect.catchup import MARGIN

ACCOUNT = AccountSettings(
    name="support", key="k", cluster="eu", channels=("tickets",),
    catchup=CatchupSettings(url="https://h.example/missed"),
)  # fmt: skip


def _make(path: Path, messages: list[str]) -> ListenCatchUp:
    return ListenCatchUp(
        [ACCOUNT], StaticSecrets(), lambda _line: None, lambda _e: b"{}\n",
        messages.append, path,
    )  # fmt: skip


@pytest.mark.expect_log_warnings(r"beacon\.cli: .*listen-catchup\.json is unusable")
@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"support": 5}', '{"support": {}}'])
async def test_a_damaged_state_is_a_first_run(tmp_path: Path, text: str) -> None:
    path = tmp_path / STATE_FILE
    path.write_text(text)
    since = await _make(path, []).since("support")
    assert abs(since - (datetime.now(UTC) - FIRST_RUN)) < timedelta(seconds=5)


async def test_resumes_where_the_last_run_stopped(tmp_path: Path) -> None:
    path = tmp_path / "state" / STATE_FILE
    first = _make(path, [])
    await first.catchup.close()
    first.save()
    stopped = datetime.now(UTC)
    since = await _make(path, []).since("support")
    assert abs(since - (stopped - MARGIN)) < timedelta(seconds=5)
