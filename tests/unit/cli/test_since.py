"""`--since` -> created_after: durations, ISO times, and the 30-day retention wall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.api.models import RETENTION as MAX_LOOKBACK
from tui.commands import UsageError
from tui.commands.reading import parse_since

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("7d", timedelta(days=7)),
        ("90s", timedelta(seconds=90)),
        ("2w", timedelta(weeks=2)),
        ("1.5h", timedelta(minutes=90)),
        (" 10M ", timedelta(minutes=10)),
        ("29d", timedelta(days=29)),
        ("2026-11-20T09:00:00Z", NOW - datetime(2026, 11, 20, 9, tzinfo=UTC)),
        ("2026-11-25T11:00:00+01:00", timedelta(hours=2)),
    ],
)
def test_since_accepts(text: str, back: timedelta) -> None:
    assert parse_since(text, NOW) == NOW - back


def test_since_30d_is_the_whole_window_with_a_margin() -> None:
    created_after = parse_since("30d", NOW)
    # Inside the window by the time the request arrives, but not by much.
    assert NOW - MAX_LOOKBACK < created_after <= NOW - MAX_LOOKBACK + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("31d", "30 days"),
        ("5w", "30 days"),
        ("721h", "30 days"),
        ("2026-10-01T00:00:00Z", "30 days"),
        ("99999999999999999999d", "30 days"),
        ("0m", "more than zero"),
        ("2026-11-26T00:00:00Z", "future"),
        ("7", "expected a duration"),
        ("d7", "expected a duration"),
        ("yesterday", "expected a duration"),
        ("-3d", "expected a duration"),
        ("", "expected a duration"),
        ("7y", "expected a duration"),
    ],
)
def test_since_refuses(text: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        parse_since(text, NOW)


@settings(max_examples=60)
@given(st.integers(min_value=1, max_value=60 * 24 * 60))
def test_since_minutes_is_inside_the_window_or_refused(minutes: int) -> None:
    text = f"{minutes}m"
    if timedelta(minutes=minutes) > MAX_LOOKBACK:
        with pytest.raises(UsageError):
            parse_since(text, NOW)
    else:
        created_after = parse_since(text, NOW)
        assert NOW - MAX_LOOKBACK < created_after < NOW
