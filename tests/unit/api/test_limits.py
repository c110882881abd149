"""Client-side rate limits in virtual time: windows never overbook, the gate holds everyone."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.api.clock import ManualClock
from tui.api.errors import RateLimitInfo, RetryAfterTooLong
from tui.api.limits import LimitConfig, RateLimits, RequestKind, SlidingWindowLog


def max_in_any_window(times: list[float], window: float) -> int:
    """The most sends found in any half-open interval [t, t + window)."""
    times = sorted(times)
    best = 0
    for i, start in enumerate(times):
        j = i
        while j < len(times) and times[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


async def run_arrivals(
    limits: RateLimits, clock: ManualClock, kind: RequestKind, arrivals: list[float]
) -> list[float]:
    """Each request arrives at its time, waits for budget, and notes when it was sent."""
    sent: list[float] = []
    start = clock.monotonic()

    async def one(at: float) -> None:
        await clock.sleep(at)
        await limits.acquire(kind)
        sent.append(clock.monotonic() - start)

    await asyncio.gather(*(one(a) for a in arrivals))
    return sent


@settings(max_examples=40, deadline=None)
@given(
    arrivals=st.lists(st.floats(min_value=0, max_value=150), min_size=1, max_size=35),
    kind=st.sampled_from([RequestKind.IMPORT, RequestKind.AGENT]),
)
def test_property_no_60s_window_holds_more_than_10_submits(arrivals, kind) -> None:
    async def scenario() -> list[float]:
        clock = ManualClock(auto_advance=True)
        return await run_arrivals(RateLimits(clock), clock, kind, arrivals)

    sent = asyncio.run(scenario())
    assert len(sent) == len(arrivals)  # everyone got through eventually
    assert max_in_any_window(sent, 60.0) <= 10
    # Nobody is sent before it arrived.
    assert all(s >= a - 1e-9 for s, a in zip(sorted(sent), sorted(arrivals), strict=True))


@settings(max_examples=40, deadline=None)
@given(arrivals=st.lists(st.floats(min_value=0, max_value=3), min_size=1, max_size=80))
def test_property_no_1s_window_holds_more_than_20_status_gets(arrivals) -> None:
    async def scenario() -> list[float]:
        clock = ManualClock(auto_advance=True)
        return await run_arrivals(RateLimits(clock), clock, RequestKind.STATUS, arrivals)

    sent = asyncio.run(scenario())
    assert len(sent) == len(arrivals)
    assert max_in_any_window(sent, 1.0) <= 20
    assert max_in_any_window(sent, 1.0) <= LimitConfig().status_limit


async def test_a_token_bucket_would_let_19_through_but_the_log_lets_10() -> None:
    clock = ManualClock(auto_advance=True)
    limits = RateLimits(clock)
    # 10 at t=0, then 9 more at t=59: a 10/min bucket would have refilled ~9 by then.
    sent = await run_arrivals(limits, clock, RequestKind.IMPORT, [0.0] * 10 + [59.0] * 9)
    assert sorted(sent)[10] >= 60.0
    assert max_in_any_window(sent, 60.0) == 10


async def test_import_and_agent_windows_are_separate() -> None:
    clock = ManualClock()
    limits = RateLimits(clock)
    for _ in range(10):
        await limits.acquire(RequestKind.IMPORT)
    assert limits.would_wait(RequestKind.IMPORT) > 59
    assert limits.would_wait(RequestKind.AGENT) == 0
    assert limits.would_wait(RequestKind.STATUS) == 0


async def test_would_wait_and_next_slot_for_the_import_screen() -> None:
    clock = ManualClock()
    limits = RateLimits(clock)
    for _ in range(10):
        await limits.acquire(RequestKind.IMPORT)
        await clock.advance(1.0)
    # Sends at 0..9 s; now t=10 s; the first ages out at 60 s (+ slack).
    wait = limits.would_wait(RequestKind.IMPORT)
    assert wait == pytest.approx(50.0 + limits.config.slack)
    assert limits.next_slot_at(RequestKind.IMPORT) == clock.now() + timedelta(seconds=wait)
    assert limits.next_slot_at(RequestKind.AGENT) is None


async def test_a_wait_longer_than_max_wait_raises_at_once() -> None:
    clock = ManualClock()
    limits = RateLimits(clock)
    for _ in range(10):
        await limits.acquire(RequestKind.AGENT)
    with pytest.raises(RetryAfterTooLong) as caught:
        await limits.acquire(RequestKind.AGENT, max_wait=5.0)
    assert "agent window is full" in str(caught.value)
    assert caught.value.until is not None
    assert limits.window(RequestKind.AGENT).used(clock.monotonic()) == 10  # nothing recorded


async def test_one_429_pauses_every_waiting_request() -> None:
    clock = ManualClock()
    limits = RateLimits(clock)
    limits.close_gate(7.0, "429 on GET /jobs/a")
    sent: list[tuple[RequestKind, float]] = []

    async def one(kind: RequestKind) -> None:
        await limits.acquire(kind)
        sent.append((kind, clock.monotonic()))

    tasks = [
        asyncio.create_task(one(kind))
        for kind in (RequestKind.STATUS, RequestKind.STATUS, RequestKind.IMPORT, RequestKind.AGENT)
    ]
    await clock.advance(6.9)
    assert sent == []
    assert limits.snapshot().gate_reason == "429 on GET /jobs/a"
    await clock.advance(0.2)
    await asyncio.gather(*tasks)
    assert len(sent) == 4
    assert all(t >= 1007.0 for _, t in sent)


async def test_gate_only_extends() -> None:
    clock = ManualClock()
    limits = RateLimits(clock)
    limits.close_gate(10.0, "long")
    limits.close_gate(2.0, "short")
    assert limits.would_wait(RequestKind.STATUS) == pytest.approx(10.0)
    assert limits.snapshot().gate_reason == "long"


async def test_remaining_zero_holds_the_next_send() -> None:
    clock = ManualClock()
    limits = RateLimits(clock)
    limits.observe(200, RateLimitInfo(remaining=0, consumed=20))
    assert limits.would_wait(RequestKind.STATUS) == pytest.approx(1.0)
    task = asyncio.create_task(limits.acquire(RequestKind.STATUS))
    await clock.advance(0.5)
    assert not task.done()
    await clock.advance(0.6)
    assert task.done()


async def test_remaining_zero_with_retry_after_holds_that_long() -> None:
    clock = ManualClock()
    limits = RateLimits(clock)
    limits.observe(200, RateLimitInfo(retry_after=4.0, retry_after_raw="4", remaining=0))
    assert limits.would_wait(RequestKind.IMPORT) == pytest.approx(4.0)


async def test_remaining_above_zero_does_not_hold() -> None:
    clock = ManualClock()
    limits = RateLimits(clock)
    limits.observe(200, RateLimitInfo(remaining=3, consumed=17))
    assert limits.would_wait(RequestKind.STATUS) == 0
    assert limits.snapshot().server_remaining == 3


async def test_snapshot_for_the_header() -> None:
    clock = ManualClock()
    limits = RateLimits(clock, config=LimitConfig(status_headroom=5))
    for _ in range(4):
        await limits.acquire(RequestKind.STATUS)
    for _ in range(10):
        await limits.acquire(RequestKind.IMPORT)
    await limits.acquire(RequestKind.AGENT)
    limits.close_gate(3.0, "429")
    snap = limits.snapshot()
    assert snap.status_last_second == 4
    assert snap.status_limit == 15 and snap.status_server_limit == 20
    assert snap.imports.remaining == 0 and snap.imports.used == 10
    assert snap.imports.next_free_at == clock.now() + timedelta(seconds=60 + limits.config.slack)
    assert snap.agents.remaining == 9 and snap.agents.next_free_at is None
    assert snap.gate_closed and snap.gate_closed_until == clock.now() + timedelta(seconds=3)
    await clock.advance(1.0)
    later = limits.snapshot()
    assert later.status_last_second == 0
    await clock.advance(3.0)
    assert not limits.snapshot().gate_closed


def test_sliding_window_log_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        SlidingWindowLog("x", 0, 60)
    with pytest.raises(ValueError):
        SlidingWindowLog("x", 1, 0)
