from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.unit.triage.jobs import failed_import, make_job
from tui.api.requests import UploadMedia, UrlMedia
from tui.triage.retry_failed import RETRY_OF, RetryError, plan_retry, retry_links

SENT = {
    "project_id": "proj-1",
    "add_media": {
        "a.mp4": {"url": "https://m.test/a.mp4", "language": "fr"},
        "b.mp4": {"url": "https://m.test/b.mp4"},
        "c.wav": {"content_type": "audio/wav", "file_size": 3},
    },
}


def test_only_the_failed_files_go_into_the_same_project(tmp_path) -> None:
    (tmp_path / "c.wav").write_bytes(b"abc")
    job = failed_import("j-1234", {"a.mp4": "no Range", "b.mp4": None, "c.wav": "codec"})
    plan = plan_retry(job, SENT, {"local_files": {"c.wav": str(tmp_path / "c.wav")}})
    request = plan.request
    assert request.project_id == "proj-1" and request.project_name is None
    assert request.add_media["a.mp4"] == UrlMedia("https://m.test/a.mp4", language="fr")
    assert isinstance(request.add_media["c.wav"], UploadMedia)
    assert set(request.add_media) == {"a.mp4", "c.wav"}
    assert request.validate() == []
    assert plan.extra[RETRY_OF] == "j-1234"
    assert plan.extra["retried_files"] == ["a.mp4", "c.wav"]


def test_a_job_with_nothing_to_retry_or_no_journaled_request_says_why() -> None:
    with pytest.raises(RetryError, match="only a partial or failed import"):
        plan_retry(make_job("j-ok", "stopped", result={"status": "success"}), SENT)
    with pytest.raises(RetryError, match="journal has no request"):
        plan_retry(failed_import("j-1", {"a.mp4": "x"}), None)
    with pytest.raises(RetryError, match=r"does not say where zz\.mp4"):
        plan_retry(failed_import("j-1", {"zz.mp4": "x"}), SENT)


def test_the_link_reads_both_ways_from_the_journal_rows() -> None:
    rows = [
        SimpleNamespace(job_id="new-1", extra={RETRY_OF: "old-1"}),
        SimpleNamespace(job_id="old-1", extra=None),
        SimpleNamespace(job_id="new-2", extra={RETRY_OF: "old-1"}),
    ]
    assert retry_links("old-1", rows).retried_by == ("new-1", "new-2")
    assert retry_links("new-1", rows).retry_of == "old-1"
