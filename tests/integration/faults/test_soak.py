"""The soak in CI: two minutes at 50 events/s into ``beacon listen`` (the 30-minute
version is ``tests/benchmarks/run soak``). After a 30 s warm-up RSS grows by less than
5 MB, and the open file descriptors and threads stay exactly flat; nothing is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.soak import soak


@pytest.mark.timeout(200)
async def test_two_minute_soak(tmp_path: Path) -> None:
    result = await soak(120.0, tmp_path, rate=50.0, warmup=30.0, every=5.0)
    print("\n" + result.table())
    assert result.published >= 50 * 115
    problems = result.problems(rss_limit_mb=5.0)
    assert not problems, "\n".join(problems) + "\n" + result.table()
