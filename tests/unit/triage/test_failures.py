from __future__ import annotations

from tests.unit.triage.jobs import NOW, failed_import, make_job
from tui.triage.failures import NO_MESSAGE, group_failures

RANGE = "URL is not accessible or does not support Range requests"


def test_failures_across_jobs_group_by_message_with_counts_jobs_and_files() -> None:
    jobs = [
        failed_import("j1-aaaa", {"a.mp4": RANGE, "b.mp4": None}),
        failed_import("j2-bbbb", {"c.mp4": RANGE, "d.wav": "Unsupported   codec"}),
        failed_import("j3-cccc", {"e.mp4": RANGE}),
        make_job("j4-dddd", "failed", result={"error_message": "Unsupported codec"}),
        make_job("j5-eeee", "failed"),
        make_job("j6-ffff", "stopped", result={"status": "success"}),
    ]
    groups = group_failures(jobs)
    assert [(g.message, g.count) for g in groups] == [
        (RANGE, 3),
        ("Unsupported codec", 2),
        (NO_MESSAGE, 1),
    ]
    assert groups[0].title == f"{RANGE} × 3"
    assert set(groups[0].job_ids) == {"j1-aaaa", "j2-bbbb", "j3-cccc"}
    assert [f.file_name for f in groups[1].failures] == ["d.wav", None]
    assert groups[1].to_json()["failed_jobs"] == ["j4-dddd"]


def test_the_window_leaves_older_jobs_out() -> None:
    old = failed_import("old-1111", {"a.mp4": RANGE}, minutes_ago=60)
    new = failed_import("new-2222", {"a.mp4": RANGE}, minutes_ago=5)
    from datetime import timedelta

    groups = group_failures([old, new], since=NOW - timedelta(minutes=30))
    assert groups[0].job_ids == ("new-2222",)


def test_an_import_whose_every_file_failed_counts_under_the_files_reason() -> None:
    whole = make_job(
        "j7-gggg",
        "stopped",
        result={
            "status": "error",
            "error_message": f"Failed to import media files. x-1.mp4: {RANGE} (and 1 more)",
        },
    )
    groups = group_failures([whole, failed_import("j8-hhhh", {"a.mp4": RANGE})])
    assert [(g.message, g.count) for g in groups] == [(RANGE, 2)]
    assert {f.file_name for f in groups[0].failures} == {"x-1.mp4", "a.mp4"}
