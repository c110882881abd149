"""The pure retry rules: the Retry-After table, what is never retried, and the bounds."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.api.retry import (
    DEFAULT_POLICY,
    NO_RETRY_AFTER,
    RETRY_AFTER_CEILING,
    Failure,
    RetryAfter,
    RetryPolicy,
    backoff,
    classify_failure,
    parse_retry_after,
    retry_delay,
)

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
FUTURE_DATE = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
PAST_DATE = format_datetime(NOW - timedelta(seconds=30), usegmt=True)
# Attempt 1 falls back to 2 s + backoff(1) (base 1 s with equal jitter) -> [2.5, 3.0].
FALLBACK = (2.5, 3.0)


def decide_429(value: str | None, *, attempt: int = 1, method: str = "GET"):
    return retry_delay(
        method,
        status=429,
        retry_after=parse_retry_after(value, NOW),
        attempt=attempt,
        rng=random.Random(7),
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("0", FALLBACK),
        ("-1", FALLBACK),
        ("7", 7.0),
        ("7.5", 7.5),
        (" 7 ", 7.0),
        (FUTURE_DATE, 30.0),
        (PAST_DATE, FALLBACK),
        ("Wed, 99 Foo 2026 25:61:00 GMT", FALLBACK),
        ("soon", FALLBACK),
        ("", FALLBACK),
        ("-inf", FALLBACK),
        ("nan", FALLBACK),
        ("90", 90.0),
        (None, FALLBACK),
    ],
    ids=[
        "zero",
        "negative",
        "int",
        "float",
        "padded",
        "future-date",
        "past-date",
        "invalid-date",
        "garbage",
        "empty",
        "-inf",
        "nan",
        "at-the-max",
        "missing",
    ],
)
def test_retry_after_table(header: str | None, expected: float | tuple[float, float]) -> None:
    decision = decide_429(header)
    assert decision.retry
    assert not decision.too_long
    if isinstance(expected, tuple):
        assert expected[0] <= decision.delay <= expected[1]
    else:
        assert decision.delay == pytest.approx(expected)


@pytest.mark.parametrize(
    "header",
    [
        *("91", "121", "1e9", "86400", "1e300", "inf", "Infinity"),
        format_datetime(NOW + timedelta(hours=3)),
    ],
)
def test_huge_retry_after_is_surfaced_not_slept(header: str) -> None:
    decision = decide_429(header)
    assert not decision.retry
    assert decision.too_long
    assert decision.delay > DEFAULT_POLICY.deadline


@pytest.mark.parametrize(
    ("raw", "seconds", "capped"),
    [
        (None, 0.0, False),
        ("", 0.0, False),
        ("   ", 0.0, False),
        ("7", 7.0, False),
        ("7.25", 7.25, False),
        ("0", 0.0, False),
        ("-3", 0.0, False),
        ("nan", 0.0, False),
        ("NaN", 0.0, False),
        ("-inf", 0.0, False),
        ("inf", RETRY_AFTER_CEILING, True),
        ("1e300", RETRY_AFTER_CEILING, True),
        ("1e999", RETRY_AFTER_CEILING, True),
        ("86400", 86400.0, False),
        ("86401", RETRY_AFTER_CEILING, True),
        (FUTURE_DATE, 30.0, False),
        (PAST_DATE, 0.0, False),
        ("Fri, 31 Dec 9999 23:59:59 GMT", RETRY_AFTER_CEILING, True),
        ("Mon, 01 Jan 0001 00:00:00 GMT", 0.0, False),
        ("Wed, 99 Foo 2026 25:61:00 GMT", 0.0, False),
        ("soon", 0.0, False),
        ("12 seconds", 0.0, False),
        ("\x00\xff", 0.0, False),
        ("9" * 400, RETRY_AFTER_CEILING, True),
    ],
)
def test_parse_retry_after_table(raw: str | None, seconds: float, capped: bool) -> None:
    parsed = parse_retry_after(raw, NOW)
    assert parsed == RetryAfter(pytest.approx(seconds), raw, capped)
    assert parsed.usable is (seconds > 0)


def test_no_header_is_the_shared_empty_value() -> None:
    assert parse_retry_after(None, NOW) is NO_RETRY_AFTER


def test_a_naive_http_date_is_read_as_utc() -> None:
    assert parse_retry_after("Wed, 25 Nov 2026 12:00:10", NOW).seconds == pytest.approx(10.0)


def test_repeated_429_never_waits_less_than_asked() -> None:
    for attempt in range(2, 5):
        decision = decide_429("7", attempt=attempt)
        assert decision.retry
        assert decision.delay >= 7.0


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 405, 409, 410, 422, 301, 304])
def test_no_other_4xx_or_odd_status_is_retried(method: str, status: int) -> None:
    one_second = parse_retry_after("1", NOW)
    decision = retry_delay(method, status=status, retry_after=one_second, attempt=1)
    assert not decision.retry
    assert not decision.outcome_unknown


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_500_waits_5_to_10_seconds(method: str) -> None:
    delays = [
        retry_delay(method, status=500, attempt=1, rng=random.Random(s)).delay
        for s in range(50)
    ]
    assert all(5.0 <= d <= 10.0 for d in delays)
    assert max(delays) - min(delays) > 1.0  # jittered, not fixed


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_502_waits_10_to_30_seconds(method: str) -> None:
    delays = [
        retry_delay(method, status=502, attempt=1, rng=random.Random(s)).delay
        for s in range(50)
    ]
    assert all(10.0 <= d <= 30.0 for d in delays)


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_error_on_a_post_is_outcome_unknown_never_resent(status: int) -> None:
    decision = retry_delay("POST", status=status, attempt=1)
    assert not decision.retry and decision.outcome_unknown


def test_a_500_on_a_post_is_the_api_saying_no_job_and_is_retried() -> None:
    assert retry_delay("POST", status=500, attempt=1).retry


def test_other_5xx_back_off_exponentially_with_a_cap() -> None:
    rng = random.Random(3)
    policy = RetryPolicy(max_attempts=50, deadline=10_000)
    delays = [
        retry_delay("GET", status=503, attempt=n, policy=policy, rng=rng).delay
        for n in range(1, 12)
    ]
    assert delays[0] <= 1.0
    assert delays[3] >= 4.0  # 8 s ceiling, half of it fixed
    assert all(d <= policy.backoff_cap for d in delays)


def test_other_5xx_honour_a_usable_retry_after() -> None:
    decision = retry_delay("GET", status=503, retry_after=parse_retry_after("3", NOW), attempt=1)
    assert decision.retry and decision.delay == 3.0


def test_seeded_rng_makes_decisions_reproducible() -> None:
    first = retry_delay("GET", status=503, attempt=3, rng=random.Random(42))
    second = retry_delay("GET", status=503, attempt=3, rng=random.Random(42))
    assert first == second


@pytest.mark.parametrize(
    ("method", "failure", "retry", "unknown"),
    [
        ("POST", Failure.NOT_SENT, True, False),
        ("POST", Failure.AFTER_SEND, False, True),
        ("GET", Failure.NOT_SENT, True, False),
        ("GET", Failure.AFTER_SEND, True, False),
        ("DELETE", Failure.AFTER_SEND, True, False),
        ("PUT", Failure.AFTER_SEND, True, False),
    ],
)
def test_failures_without_an_answer(method: str, failure: Failure, retry: bool, unknown: bool):
    decision = retry_delay(method, failure=failure, attempt=1)
    assert decision.retry is retry
    assert decision.outcome_unknown is unknown


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectError("refused"), Failure.NOT_SENT),
        (httpx.ConnectTimeout("slow"), Failure.NOT_SENT),
        (httpx.PoolTimeout("pool"), Failure.NOT_SENT),
        (httpx.ReadTimeout("slow"), Failure.AFTER_SEND),
        (httpx.WriteTimeout("slow"), Failure.AFTER_SEND),
        (httpx.ReadError("reset"), Failure.AFTER_SEND),
        (httpx.WriteError("reset"), Failure.AFTER_SEND),
        (httpx.RemoteProtocolError("incomplete chunked read"), Failure.AFTER_SEND),
        (httpx.ProxyError("proxy"), Failure.AFTER_SEND),
        (httpx.UnsupportedProtocol("ftp"), Failure.NOT_SENT),
        (httpx.LocalProtocolError("bad header"), Failure.NOT_SENT),
    ],
)
def test_classify_failure(exc: Exception, kind: Failure) -> None:
    assert classify_failure(exc) is kind


def test_attempts_are_bounded() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert retry_delay("GET", status=503, attempt=2, policy=policy).retry
    last = retry_delay("GET", status=503, attempt=3, policy=policy)
    assert not last.retry
    assert "3 attempts" in last.reason


def test_overall_deadline_is_bounded() -> None:
    policy = RetryPolicy(deadline=60.0)
    assert retry_delay("GET", status=500, attempt=1, elapsed=40.0, policy=policy).retry
    late = retry_delay("GET", status=500, attempt=1, elapsed=55.0, policy=policy)
    assert not late.retry
    assert "budget" in late.reason


def test_a_status_or_a_failure_is_required() -> None:
    with pytest.raises(ValueError):
        retry_delay("GET", attempt=1)


def test_note_for_the_activity_log() -> None:
    decision = decide_429("7")
    assert decision.note(1, 5) == "retry 2/5 in 7.0 s (429 Retry-After)"
    unknown = retry_delay("POST", failure=Failure.AFTER_SEND, attempt=1)
    assert "outcome unknown" in unknown.note(1, 5)


# -- properties -----------------------------------------------------------------------------

retry_after_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ).map(lambda d: format_datetime(d, usegmt=True)),
)


@settings(max_examples=200, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "DELETE"]),
    status=st.integers(min_value=400, max_value=499).filter(lambda s: s != 429),
    retry_after=retry_after_values,
    attempt=st.integers(min_value=1, max_value=10),
)
def test_property_no_4xx_but_429_is_ever_retried(method, status, retry_after, attempt) -> None:
    parsed = parse_retry_after(retry_after, NOW)
    decision = retry_delay(method, status=status, retry_after=parsed, attempt=attempt)
    assert not decision.retry


@settings(max_examples=200, deadline=None)
@given(retry_after=retry_after_values, attempt=st.integers(min_value=1, max_value=4))
def test_property_429_waits_a_positive_bounded_time_or_surfaces(retry_after, attempt) -> None:
    decision = decide_429(retry_after, attempt=attempt)
    if decision.retry:
        assert 0 < decision.delay <= DEFAULT_POLICY.max_retry_after
        assert decision.delay == decision.delay  # never NaN
    else:
        assert decision.too_long
        assert decision.delay > min(DEFAULT_POLICY.max_retry_after, DEFAULT_POLICY.deadline)


@settings(max_examples=100, deadline=None)
@given(
    status=st.one_of(st.none(), st.integers(min_value=100, max_value=599)),
    attempt=st.integers(min_value=1, max_value=10),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_property_post_is_never_resent_after_its_body_went_out(status, attempt, seed) -> None:
    decision = retry_delay(
        "POST", failure=Failure.AFTER_SEND, attempt=attempt, rng=random.Random(seed)
    )
    assert not decision.retry
    assert decision.outcome_unknown


@settings(max_examples=100, deadline=None)
@given(attempt=st.integers(min_value=1, max_value=100), seed=st.integers(0, 2**16))
def test_property_backoff_stays_within_its_ceiling(attempt: int, seed: int) -> None:
    policy = DEFAULT_POLICY
    ceiling = min(policy.backoff_cap, policy.backoff_base * 2 ** min(attempt - 1, 30))
    delay = backoff(attempt, policy, random.Random(seed))
    assert ceiling / 2 <= delay <= ceiling
