"""The journal tests' clock and journal file: a fresh journal on a manual clock at `T0`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui.api.clock import ManualClock
from tui.journal import Journal

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    clock = ManualClock()
    clock.set(T0)
    return clock


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "journal.sqlite3"


@pytest.fixture
def journal(journal_path: Path, clock: ManualClock) -> Iterator[Journal]:
    with Journal(journal_path, clock=clock) as journal:
        yield journal
