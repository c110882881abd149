from __future__ import annotations

from datetime import timedelta

from tests.unit.triage.jobs import NOW, failed_import
from tui.api.activity import ActivityEntry
from tui.triage.report import curl_command, incident_report, report_path

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
