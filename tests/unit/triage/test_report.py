from __future__ import annotations

from datetime import timedelta

from tests.unit.triage.jobs import NOW, failed_import
from tui.api.activity import ActivityEntry
from tui.journal import StateChange
from tui.triage.report import (
    calls_about,
    curl_command,
    fold_calls,
    incident_report,
    report_path,
    state_history_table,
)

TOKEN = "sk-live-secret-token"


def test_the_report_holds_job_calls_error_bodies_and_a_curl_without_the_token() -> None:
    job = failed_import("j-9876", {"a.mp4": "URL does not support Range requests"})
    entries = [
        ActivityEntry(NOW, "GET", "/jobs/j-9876", 200, 41.0, {"X-RateLimit-Remaining": "17"}),
        ActivityEntry(
            NOW + timedelta(seconds=1), "DELETE", "/jobs/j-9876", 409, 12.0,
            error_body='{"error":"conflict","message":"```already stopped"}',
        ),
        ActivityEntry(NOW, "GET", "/jobs/other-1", 200, 5.0),
    ]
    text = incident_report(job, entries=entries, base_url="https://api.test/v1", now=NOW)
    assert "# Incident report: job j-9876" in text
    assert "failed file **a.mp4**: URL does not support Range requests" in text
    assert "`GET /jobs/j-9876` → 200, 41 ms · X-RateLimit-Remaining: 17" in text
    assert "`DELETE /jobs/j-9876` → 409" in text and "````" in text  # body fenced safely
    assert "/jobs/other-1" not in text
    assert '"Authorization: Bearer $DESCRIPT_API_TOKEN"' in text
    assert TOKEN not in text
    assert "The journal has no record" in text


def test_curl_quotes_the_url_and_names_only_the_variable() -> None:
    line = curl_command("https://api.test/v1/", "a'b")
    assert "'https://api.test/v1/jobs/a'\"'\"'b'" in line
    assert report_path(__import__("pathlib").Path("/r"), "j-1", NOW).name == (
        "incident-j-1-20261201T120000Z.md"
    )


def change(minutes: float, state: str | None, outcome: str, **fields: object) -> StateChange:
    values: dict[str, object] = {
        "result_status": None,
        "progress_label": None,
        "progress_percent": None,
        "source": "poll",
        **fields,
    }
    return StateChange(
        job_id="j-1",
        observed_at=NOW + timedelta(minutes=minutes),
        job_state=state,
        outcome=outcome,
        **values,  # type: ignore[arg-type]
    )


def test_the_state_history_is_a_table_oldest_first_with_how_long_each_state_lasted() -> None:
    changes = [
        change(0, None, "running", source="submit"),
        change(0.5, "queued", "queued"),
        change(4.5, "running", "running", progress_label="Importing | a.mp4", progress_percent=40),
    ]
    lines = state_history_table(changes, NOW + timedelta(minutes=16.5))
    assert lines[0].startswith("| Observed (UTC) | State | Result |")
    assert lines[2] == "| 2026-12-01 12:00:00 | - | - | running | - | submit | 30s |"
    assert lines[3] == "| 2026-12-01 12:00:30 | queued | - | queued | - | poll | 4m00s |"
    # A pipe in an API string stays inside its cell; a live job's last state lasts "so far".
    assert lines[4] == (
        "| 2026-12-01 12:04:30 | running | - | running | Importing \\| a.mp4 40% | poll"
        " | 12m00s so far |"
    )
    done = [*changes, change(20, "stopped", "failed", result_status="error")]
    assert state_history_table(done, NOW + timedelta(hours=3))[-1].endswith(
        "| stopped | error | failed | - | poll | final |"
    )
    assert state_history_table([], NOW) == ["The journal recorded no state for this job."]


def test_the_report_shows_the_history_and_each_calls_request_id() -> None:
    job = failed_import("j-1", {"a.mp4": "URL does not support Range requests"})
    entries = [
        ActivityEntry(
            NOW, "POST", "/jobs/import/project_media", 201, 80.0,
            request_ids={"X-Request-Id": "req-post"}, job_id="j-1",
        ),
        ActivityEntry(
            NOW, "GET", "/jobs/j-1", 200, 41.0,
            request_ids={"X-Request-Id": "req-get", "CF-Ray": "8f0c-AMS"},
        ),
        ActivityEntry(NOW, "GET", "/jobs/j-10", 200, 5.0, request_ids={"X-Request-Id": "other"}),
    ]
    history = [change(0, "queued", "queued"), change(2, "stopped", "failed")]
    text = incident_report(
        job, history=history, entries=entries, base_url="https://api.test/v1", now=NOW
    )
    assert text.index("## State history") < text.index("## API calls about this job")
    assert "| 2026-12-01 12:00:00 | queued | - | queued | - | poll | 2m00s |" in text
    assert "`POST /jobs/import/project_media` → 201, 80 ms · X-Request-Id: req-post" in text
    assert "`GET /jobs/j-1` → 200, 41 ms · X-Request-Id: req-get, CF-Ray: 8f0c-AMS" in text
    assert "other" not in text  # j-10 is another job


def get(
    seconds: float, status: int | None = 200, rid: int | None = None, **fields: object
) -> ActivityEntry:
    ids = {"X-Request-Id": f"sim-{rid}"} if rid is not None else {}
    return ActivityEntry(
        NOW + timedelta(seconds=seconds), "GET", "/jobs/j-1", status, 40.0 + seconds,
        request_ids=ids, **fields,  # type: ignore[arg-type]
    )


def test_a_run_of_identical_polls_is_one_line_with_its_span_latency_and_ids() -> None:
    job = failed_import("j-1", {"a.mp4": "boom"})
    polls = [get(n, rid=n) for n in range(57)]
    text = incident_report(job, entries=polls, base_url="https://api.test/v1", now=NOW)
    [line] = [line for line in text.splitlines() if "`GET /jobs/j-1`" in line]
    assert line == (
        "- 2026-12-01T12:00:00.000Z–12:00:56 `GET /jobs/j-1` → 200 × 57,"
        " latency p50 68 ms / max 96 ms, request ids sim-0…sim-56"
    )


def test_errors_notes_and_another_status_break_a_run_and_are_never_folded() -> None:
    calls = [
        get(0, rid=0), get(1, rid=1),
        get(2, 500, rid=2), get(3, 500, rid=3),  # two errors: two lines
        get(4, rid=4, note="retry 1/5 in 2.0 s"),
        get(5, rid=5), get(6, rid=6), get(7, rid=7),
        get(8, 404),
    ]
    runs = fold_calls(calls)
    assert [len(run) for run in runs] == [2, 1, 1, 1, 3, 1]
    text = incident_report(
        failed_import("j-1", {}), entries=calls, base_url="https://api.test/v1", now=NOW
    )
    lines = [line for line in text.splitlines() if "`GET /jobs/j-1`" in line]
    assert len(lines) == 6
    assert "× 2" in lines[0] and "request ids sim-0…sim-1" in lines[0]
    assert lines[1].endswith("`GET /jobs/j-1` → 500, 42 ms · X-Request-Id: sim-2")
    assert "× 3" in lines[4] and "request ids sim-5…sim-7" in lines[4]
    assert "→ 404" in lines[5] and "×" not in lines[5]


def test_a_journaled_call_still_in_the_live_log_is_listed_once_the_live_copy_wins() -> None:
    live = get(1, rid=1, rate_limit={"X-RateLimit-Remaining": "7"})
    journaled = [get(0, rid=0), get(1, rid=1)]  # as the journal gives them: no rate limits
    merged = calls_about("j-1", [live, get(2, rid=2)], journaled)
    assert [e.request_id for e in merged] == ["sim-0", "sim-1", "sim-2"]
    assert merged[1].rate_limit == {"X-RateLimit-Remaining": "7"}
    # Two calls that differ only in their request id are two calls.
    assert len(calls_about("j-1", [get(3, rid=3)], [get(3, rid=4)])) == 2
