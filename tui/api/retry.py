"""When to retry a Descript API call, and how long to wait: one pure function.

`retry_delay()` takes everything it needs as arguments (method, status or failure kind,
the parsed Retry-After, attempt number, time spent, a seeded random) and returns a `RetryDecision`;
it never sleeps and never reads a clock, so every rule below is a table test:

- `Retry-After` is parsed once, where the response is read, into a `RetryAfter` (seconds,
  raw text, capped): numbers, HTTP dates and any garbage parse without raising.
- 429 waits `Retry-After`; a missing, garbage, zero, negative, past or NaN value falls back
  to 2 s + capped exponential backoff; a value above `max_retry_after` (`inf` and `1e300`
  included, read as `RETRY_AFTER_CEILING`) is surfaced (`too_long`) rather than slept through.
- 500 waits 5-10 s, 502 waits 10-30 s (errors-and-rate-limits.txt); other 5xx back off
  exponentially with jitter, honouring a usable `Retry-After`.
- No other 4xx (nor any other status) is ever retried.
- A POST is retried only when the answer proves no job was created: a 429, a 500 (the API's
  own error), or a failure before any byte was sent. A 502/503/504 (a gateway's), a timeout,
  a reset or a truncated answer after its body went out make the outcome unknown: never
  resent.
- Attempts are bounded and so is the total time (`deadline`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

import httpx

RETRY_AFTER = "Retry-After"
#: The longest wait a `Retry-After` is read as: a day. More (`1e300`, `inf`, a date in 3000)
#: is capped here, so no timedelta or datetime can overflow downstream.
RETRY_AFTER_CEILING = 86_400.0


@dataclass(frozen=True, slots=True)
class RetryAfter:
    """A `Retry-After` header, parsed once: what every consumer reads (`.seconds`).

    `seconds` is 0.0 when the header is missing or unusable (garbage, zero, negative, NaN, a
    date already past): the caller then uses its own backoff. `capped` says the server asked
    for more than `RETRY_AFTER_CEILING`, which `seconds` holds instead.
    """

    seconds: float
    raw: str | None = None
    capped: bool = False

    @property
    def usable(self) -> bool:
        return self.seconds > 0


#: No header at all.
NO_RETRY_AFTER = RetryAfter(0.0, None, False)


def parse_retry_after(value: str | None, now: datetime) -> RetryAfter:
    """`Retry-After` (delta-seconds, int or float, or an HTTP date) -> a `RetryAfter`.

    Never raises, whatever the server sent; `now` resolves an HTTP date.
    """
    if value is None:
        return NO_RETRY_AFTER
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = _seconds_until_http_date(text, now)
    if seconds is None or math.isnan(seconds) or seconds <= 0:
        return RetryAfter(0.0, value, False)
    if seconds > RETRY_AFTER_CEILING:
        return RetryAfter(RETRY_AFTER_CEILING, value, True)
    return RetryAfter(seconds, value, False)


def _seconds_until_http_date(text: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are GMT; a date without a zone is read as UTC.
        when = when.replace(tzinfo=UTC)
    try:
        return (when - now).total_seconds()
    except (OverflowError, TypeError):
        return None


# Methods whose repetition cannot create a second job.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Answers from a proxy in front of the API: the request may have reached the API anyway.
GATEWAY_STATUSES = frozenset({502, 503, 504})


class Failure(StrEnum):
    """How a request failed without an HTTP answer."""

    # The request never left: connect refused/timed out, no pooled connection. Safe to resend.
    NOT_SENT = "not_sent"
    # The request (maybe with its body) went out; the answer timed out, broke or was cut short.
    AFTER_SEND = "after_send"


def classify_failure(exc: BaseException) -> Failure:
    """Which side of "the server may have acted" an httpx exception falls on."""
    if isinstance(
        exc,
        httpx.ConnectError
        | httpx.ConnectTimeout
        | httpx.PoolTimeout
        | httpx.UnsupportedProtocol
        | httpx.LocalProtocolError,
    ):
        # Refused before a byte left (a scheme httpx cannot speak, a request it would not
        # build): nothing reached any server.
        return Failure.NOT_SENT
    # ReadTimeout, WriteTimeout, ReadError, WriteError, RemoteProtocolError and anything new:
    # assume the server may have received it.
    return Failure.AFTER_SEND


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds for the retry loop. Defaults follow the reference docs."""

    max_attempts: int = 5
    #: Total seconds from the first attempt after which no retry starts (profile
    #: `retry_budget`): a call that cannot succeed in this time gives up (exit 5).
    deadline: float = 90.0
    #: A Retry-After above this is reported to the caller instead of waited out.
    max_retry_after: float = 120.0
    #: Exponential backoff: base * 2**(n-1), capped, with "equal jitter" (half fixed).
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    #: A 429 without a usable Retry-After waits this much on top of the backoff: the docs say
    #: "Don't retry immediately — this can compound the issue".
    rate_limited_floor: float = 2.0
    #: errors-and-rate-limits.txt: "500 ... Retry after a short delay (5-10 seconds)".
    delay_500: tuple[float, float] = (5.0, 10.0)
    #: errors-and-rate-limits.txt: "502 ... Retry the request after a 10-30 second delay".
    delay_502: tuple[float, float] = (10.0, 30.0)


DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True, slots=True)
class RetryDecision:
    retry: bool
    #: Seconds to wait before the next attempt (0 when not retrying, except `too_long`).
    delay: float
    #: Why, in a few words, for the activity log.
    reason: str
    #: A request that may have created a job: report it, never resend it.
    outcome_unknown: bool = False
    #: The server asked for a wait longer than `max_retry_after`: `delay` holds that wait.
    too_long: bool = False

    def note(self, attempt: int, max_attempts: int) -> str:
        """`retry 2/5 in 7.0 s (429 Retry-After)` or the reason it stops."""
        if self.retry:
            return f"retry {attempt + 1}/{max_attempts} in {self.delay:.1f} s ({self.reason})"
        if self.outcome_unknown:
            return f"outcome unknown, not resent ({self.reason})"
        return self.reason


def backoff(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Capped exponential backoff with equal jitter: in [cap_n / 2, cap_n]."""
    exponent = min(max(attempt, 1) - 1, 30)
    ceiling = min(policy.backoff_cap, policy.backoff_base * (2**exponent))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def retry_delay(
    method: str,
    *,
    status: int | None = None,
    failure: Failure | None = None,
    retry_after: RetryAfter = NO_RETRY_AFTER,
    attempt: int,
    elapsed: float = 0.0,
    policy: RetryPolicy = DEFAULT_POLICY,
    rng: random.Random | None = None,
) -> RetryDecision:
    """Decide about attempt number `attempt + 1`, after attempt `attempt` ended this way.

    Give either `status` (an HTTP answer arrived, with its parsed `retry_after`) or `failure`
    (none did). `elapsed` is the time since the first attempt started.
    """
    rng = rng or random.Random()
    method = method.upper()
    decision = _raw_decision(method, status, failure, retry_after, attempt, policy, rng)
    if not decision.retry:
        return decision
    if attempt >= policy.max_attempts:
        return RetryDecision(False, 0.0, f"gave up after {attempt} attempts ({decision.reason})")
    if elapsed + decision.delay > policy.deadline:
        if status == 429:
            # The server's wait outlasts the budget: surfaced (exit 6, a countdown), not slept.
            return RetryDecision(
                False, decision.delay, "429 Retry-After beyond the budget", too_long=True
            )
        return RetryDecision(
            False, 0.0, f"gave up: the {policy.deadline:.0f} s budget ({decision.reason})"
        )
    return decision


def _raw_decision(
    method: str,
    status: int | None,
    failure: Failure | None,
    retry_after: RetryAfter,
    attempt: int,
    policy: RetryPolicy,
    rng: random.Random,
) -> RetryDecision:
    if failure is not None:
        if failure is Failure.NOT_SENT:
            return RetryDecision(True, backoff(attempt, policy, rng), "not sent")
        if method not in IDEMPOTENT_METHODS:
            return RetryDecision(False, 0.0, "sent, no answer", outcome_unknown=True)
        return RetryDecision(True, backoff(attempt, policy, rng), "no answer")
    if status is None:
        raise ValueError("retry_delay needs a status or a failure")
    if status == 429:
        return _after_429(retry_after, attempt, policy, rng)
    if status in GATEWAY_STATUSES and method not in IDEMPOTENT_METHODS:
        # A gateway's error says nothing of whether the API behind it created the job.
        return RetryDecision(False, 0.0, f"{status} from a gateway", outcome_unknown=True)
    if status == 500:
        return RetryDecision(True, rng.uniform(*policy.delay_500), "500")
    if status == 502:
        return RetryDecision(True, rng.uniform(*policy.delay_502), "502")
    if 500 <= status <= 599:
        if retry_after.usable and retry_after.seconds <= policy.max_retry_after:
            return RetryDecision(True, retry_after.seconds, f"{status} Retry-After")
        return RetryDecision(True, backoff(attempt, policy, rng), f"{status}")
    return RetryDecision(False, 0.0, f"{status} is not retried")


def _after_429(
    retry_after: RetryAfter,
    attempt: int,
    policy: RetryPolicy,
    rng: random.Random,
) -> RetryDecision:
    if not retry_after.usable:
        delay = policy.rate_limited_floor + backoff(attempt, policy, rng)
        return RetryDecision(True, delay, "429, no usable Retry-After")
    seconds = retry_after.seconds
    if seconds > policy.max_retry_after:
        return RetryDecision(False, seconds, "429 Retry-After too long", too_long=True)
    if attempt > 1:
        # 429s in a row: never wait less than the server asked, but back off beyond it.
        return RetryDecision(
            True, max(seconds, backoff(attempt, policy, rng)), "429 Retry-After, repeated"
        )
    return RetryDecision(True, seconds, "429 Retry-After")
