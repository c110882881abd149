"""The rate budget shared across processes (tui/api/budget.py): two `RateLimits` on one
file act as two processes on one token."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tui.api.budget import (
    BUDGET_FILE_NAME,
    JOB_POLL_MARGIN,
    JOB_POLL_SPACING,
    SharedBudget,
    budget_key,
    open_shared_budget,
)
from tui.api.clock import ManualClock
from tui.api.errors import RetryAfterTooLong
from tui.api.limits import LimitConfig, RateLimits, RequestKind

TOKEN = "sk-shared-0123456789"
BASE = "https://descriptapi.com/v1"


def two_processes(tmp_path: Path, clock: ManualClock) -> tuple[RateLimits, RateLimits]:
    def one() -> RateLimits:
        shared = SharedBudget(
            tmp_path / BUDGET_FILE_NAME,
            budget_key(TOKEN, BASE),
            now=lambda: clock.now().timestamp(),
        )
        return RateLimits(clock, shared=shared)

    return one(), one()


async def test_the_status_window_is_shared(tmp_path: Path) -> None:
    clock = ManualClock()
    a, b = two_processes(tmp_path, clock)
    for _ in range(9):
        await a.acquire(RequestKind.STATUS)
        await b.acquire(RequestKind.STATUS)
    start = clock.monotonic()
    with pytest.raises(RetryAfterTooLong):
        await a.acquire(RequestKind.STATUS, max_wait=0.5)
    assert a.would_wait(RequestKind.STATUS) == 0  # a's own window holds only 9
    clock.auto_advance = True
    await b.acquire(RequestKind.STATUS)  # the 19th waits for the first to leave the window
    assert clock.monotonic() - start == pytest.approx(1.0 + LimitConfig().shared_status_slack)


async def test_submit_windows_are_shared_per_kind(tmp_path: Path) -> None:
    clock = ManualClock()
    a, b = two_processes(tmp_path, clock)
    for n in range(10):
        await (a if n % 2 else b).acquire(RequestKind.IMPORT)
    with pytest.raises(RetryAfterTooLong) as caught:
        await b.acquire(RequestKind.IMPORT, max_wait=30)
    assert "import" in str(caught.value)
    await a.acquire(RequestKind.AGENT, max_wait=0)  # another kind, another window


async def test_a_job_is_polled_at_most_every_3_seconds_whoever_polls(tmp_path: Path) -> None:
    clock = ManualClock(auto_advance=True)
    a, b = two_processes(tmp_path, clock)
    start = clock.monotonic()
    await a.acquire(RequestKind.STATUS, job_id="j1")
    await b.acquire(RequestKind.STATUS, job_id="j2")  # another job: at once
    assert clock.monotonic() == start
    await b.acquire(RequestKind.STATUS, job_id="j1")
    assert clock.monotonic() - start == pytest.approx(JOB_POLL_SPACING + JOB_POLL_MARGIN)


async def test_one_process_429_closes_the_gate_for_all(tmp_path: Path) -> None:
    clock = ManualClock()
    a, b = two_processes(tmp_path, clock)
    a.close_gate(40.0, "429 on GET /jobs/j1")
    with pytest.raises(RetryAfterTooLong) as caught:
        await b.acquire(RequestKind.STATUS, max_wait=10)
    assert "429 on GET /jobs/j1" in str(caught.value)
    snapshot = b.snapshot()
    assert snapshot.gate_closed and snapshot.gate_reason == "429 on GET /jobs/j1"
    assert b.would_wait(RequestKind.AGENT) == pytest.approx(40.0)
    clock.auto_advance = True
    start = clock.monotonic()
    await b.acquire(RequestKind.STATUS)
    assert clock.monotonic() - start == pytest.approx(40.0)


def test_the_file_holds_a_hash_never_the_token(tmp_path: Path) -> None:
    clock = ManualClock()
    a, _ = two_processes(tmp_path, clock)
    a.close_gate(5, "x")
    raw = (tmp_path / BUDGET_FILE_NAME).read_bytes()
    assert TOKEN.encode() not in raw
    with sqlite3.connect(tmp_path / BUDGET_FILE_NAME) as conn:
        (key,) = conn.execute("SELECT key FROM gate").fetchone()
    assert key == budget_key(TOKEN, BASE) and len(key) == 64
    assert budget_key(TOKEN, BASE) != budget_key(TOKEN, "http://127.0.0.1:8765/v1")
    assert budget_key(TOKEN, BASE + "/") == budget_key(TOKEN, BASE)


def test_an_unwritable_state_dir_falls_back_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the state dir should be")
    shared, warning = open_shared_budget(
        TOKEN, BASE, ManualClock(), environ={"DESCRIPT_TUI_STATE_DIR": str(blocker / "x")}
    )
    assert shared is None
    assert warning is not None and "\n" not in warning and "own limits" in warning
    assert TOKEN not in warning


async def test_a_failing_budget_file_falls_back_to_own_limits(tmp_path: Path) -> None:
    clock = ManualClock()
    a, _ = two_processes(tmp_path, clock)
    assert a.shared is not None
    a.shared._conn.close()  # as if the file broke under us
    await a.acquire(RequestKind.STATUS, max_wait=0)  # granted, not raised
    assert a.shared is None or a.shared.failed
    for _ in range(17):
        await a.acquire(RequestKind.STATUS, max_wait=0)
    assert a.shared is None  # its own windows now
    with pytest.raises(RetryAfterTooLong):
        await a.acquire(RequestKind.STATUS, max_wait=0.5)
