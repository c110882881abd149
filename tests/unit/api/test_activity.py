"""The activity log: a bounded ring, live subscribers, nothing secret in it."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tui.api.activity import (
    ActivityEntry,
    ActivityLog,
    created_job_id,
    rate_limit_headers,
    redact,
    redact_query,
    request_id_headers,
)

AT = datetime(2026, 11, 25, 14, 32, 5, tzinfo=UTC)


def entry(n: int = 0, status: int | None = 200, **kwargs) -> ActivityEntry:
    return ActivityEntry(
        at=AT, method="GET", path=f"/jobs/{n}", status=status, latency_ms=41.2, **kwargs
    )


def test_ring_keeps_the_newest() -> None:
    log = ActivityLog(capacity=3)
    for n in range(5):
        log.record(entry(n))
    assert [e.path for e in log] == ["/jobs/2", "/jobs/3", "/jobs/4"]
    assert len(log) == 3 and log.total == 5


def test_subscribers_see_entries_live_and_can_leave() -> None:
    log = ActivityLog()
    seen: list[ActivityEntry] = []
    unsubscribe = log.subscribe(seen.append)
    log.record(entry(1))
    unsubscribe()
    log.record(entry(2))
    assert [e.path for e in seen] == ["/jobs/1"]


def test_a_broken_subscriber_does_not_break_recording() -> None:
    log = ActivityLog()

    def broken(_: ActivityEntry) -> None:
        raise RuntimeError("screen closed")

    log.subscribe(broken)
    log.record(entry(1))
    log.record(entry(2))
    assert len(log) == 2


def test_errors_filter_and_summary() -> None:
    log = ActivityLog()
    log.record(entry(1))
    log.record(
        entry(
            2,
            status=429,
            rate_limit={"Retry-After": "7", "X-RateLimit-Remaining": "0"},
            note="retry 2/5 in 7.0 s (429 Retry-After)",
            error_body='{"error": "rate_limit_exceeded"}',
        )
    )
    log.record(entry(3, status=None, note="outcome unknown, not resent"))
    assert [e.path for e in log.errors()] == ["/jobs/2", "/jobs/3"]
    line = log.entries()[1].summary()
    assert line == (
        "14:32:05 GET /jobs/2 429 41 ms · Retry-After 7, X-RateLimit-Remaining 0 · "
        "retry 2/5 in 7.0 s (429 Retry-After)"
    )
    assert log.entries()[2].summary().startswith("14:32:05 GET /jobs/3 --- 41 ms")
    log.clear()
    assert len(log) == 0


def test_redaction_helpers() -> None:
    assert redact("Bearer abc123 and abc123", ("abc123",)) == "Bearer **** and ****"
    assert redact("nothing", ("",)) == "nothing"
    masked = redact_query("limit=5&X-Goog-Signature=deadbeef&token=t0k")
    assert "deadbeef" not in masked and "t0k" not in masked and "limit=5" in masked
    assert redact_query("") == ""


def test_only_rate_limit_headers_are_kept() -> None:
    headers = {
        "retry-after": "7",
        "x-ratelimit-remaining": "0",
        "set-cookie": "session=1",
        "content-type": "application/json",
    }
    assert rate_limit_headers(httpx.Headers(headers)) == {
        "Retry-After": "7",
        "X-RateLimit-Remaining": "0",
    }


def test_request_id_headers_are_kept_under_their_usual_names_whichever_came() -> None:
    headers = httpx.Headers(
        {"x-amzn-requestid": "amz-1", "cf-ray": "8f0c-AMS", "x-request-id": "r-1", "server": "x"}
    )
    assert request_id_headers(headers) == {
        "X-Request-Id": "r-1",
        "X-Amzn-RequestId": "amz-1",
        "CF-Ray": "8f0c-AMS",
    }
    assert request_id_headers(httpx.Headers({"request-id": "req_9"})) == {"Request-Id": "req_9"}
    assert request_id_headers(httpx.Headers({"content-type": "text/html"})) == {}
    shown = entry(request_ids={"CF-Ray": "8f0c-AMS", "Request-Id": "req_9"})
    assert shown.request_id == "8f0c-AMS"
    assert shown.summary().endswith("· request 8f0c-AMS")
    assert entry().request_id is None and "request" not in entry().summary()


def test_a_submit_answer_names_the_job_it_created() -> None:
    assert created_job_id("POST", 201, b'{"job_id": "j-1", "drive_id": "d"}') == "j-1"
    assert created_job_id("POST", 201, b"not json") is None
    assert created_job_id("POST", 201, b"[1]") is None
    assert created_job_id("POST", 400, b'{"job_id": "j-1"}') is None
    assert created_job_id("GET", 201, b'{"job_id": "j-1"}') is None


def test_a_call_is_about_a_job_by_its_path_or_the_job_it_created() -> None:
    assert entry(0).is_about("0")
    assert not entry(10).is_about("1")  # a longer id that starts the same is another job
    post = ActivityEntry(AT, "POST", "/jobs/agent", 201, 30.0, job_id="j-1")
    assert post.is_about("j-1") and not post.is_about("agent-2")
    listing = ActivityEntry(AT, "GET", "/jobs?cursor=j-1", 200, 9.0)
    assert not listing.is_about("j-1")


def test_the_job_a_call_is_about_is_what_the_journal_files_it_under() -> None:
    assert entry(7).about_job == "7"
    assert ActivityEntry(AT, "DELETE", "/jobs/j-2", 202, 9.0).about_job == "j-2"
    assert ActivityEntry(AT, "GET", "/jobs/j-2?x=1", 200, 9.0).about_job == "j-2"
    # A submit is about the job its 201 created, or none (a refused submit, its endpoint).
    assert ActivityEntry(AT, "POST", "/jobs/agent", 201, 9.0, job_id="j-3").about_job == "j-3"
    assert ActivityEntry(AT, "POST", "/jobs/agent", 400, 9.0).about_job is None
    assert ActivityEntry(AT, "GET", "/jobs", 200, 9.0).about_job is None
    assert ActivityEntry(AT, "GET", "/projects/p-1", 200, 9.0).about_job is None


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ActivityLog(capacity=0)
