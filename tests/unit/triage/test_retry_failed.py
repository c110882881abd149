from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.unit.triage.jobs import failed_import, make_job
from tui.api.models import JOB_TYPE_AGENT
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


def test_a_job_with_nothing_to_retry_says_why() -> None:
    with pytest.raises(RetryError, match="only a partial or failed import"):
        plan_retry(make_job("j-ok", "stopped", result={"status": "success"}), SENT)
    agent = make_job("j-ag", "stopped", job_type=JOB_TYPE_AGENT, result={"status": "error"})
    with pytest.raises(RetryError, match="only imports"):
        plan_retry(agent, None)


def test_without_a_journaled_request_the_failed_files_are_named_and_their_urls_unknown() -> None:
    job = failed_import("j-1", {"a.mp4": "x", "ok.mp4": None, "b.mov": "y"})
    plan = plan_retry(job, None)
    assert plan.files == ("a.mp4", "b.mov") and plan.unknown == ("a.mp4", "b.mov")
    assert dict(plan.request.add_media) == {} and plan.request.project_id == "proj-1"
    # A request that does not cover a file leaves just that one unknown.
    partly = plan_retry(failed_import("j-2", {"zz.mp4": "x", "a.mp4": "y"}), SENT)
    assert partly.unknown == ("zz.mp4",) and list(partly.request.add_media) == ["a.mp4"]


def test_sources_given_fill_the_unknown_files_in_order_and_strangers_are_refused() -> None:
    plan = plan_retry(failed_import("j-1", {"a.mp4": "x", "b.mov": "y"}), None)
    filled = plan.with_sources(
        {"b.mov": UrlMedia("https://m.test/b.mov"), "a.mp4": UrlMedia("https://m.test/a.mp4")}
    )
    assert filled.unknown == () and list(filled.request.add_media) == ["a.mp4", "b.mov"]
    assert filled.request.validate() == []
    assert filled.extra["retried_files"] == ["a.mp4", "b.mov"]
    half = plan.with_sources({"b.mov": UrlMedia("https://m.test/b.mov")})
    assert half.unknown == ("a.mp4",)
    with pytest.raises(RetryError, match=r"c\.wav is not a failed file of job j-1"):
        plan.with_sources({"c.wav": UrlMedia("https://m.test/c.wav")})


def test_an_import_whose_every_file_failed_unnamed_retries_the_file_its_message_names() -> None:
    whole = make_job(
        "j-3",
        "stopped",
        result={
            "status": "error",
            "error_message": "Failed to import media files. clip.mov: URL does not support "
            "Range requests",
        },
    )
    assert plan_retry(whole, None).unknown == ("clip.mov",)
    sent = {"add_media": {"clip.mov": {"url": "https://m.test/clip.mov"}}}
    assert plan_retry(whole, sent).unknown == ()


def test_the_link_reads_both_ways_from_the_journal_rows() -> None:
    rows = [
        SimpleNamespace(job_id="new-1", extra={RETRY_OF: "old-1"}),
        SimpleNamespace(job_id="old-1", extra=None),
        SimpleNamespace(job_id="new-2", extra={RETRY_OF: "old-1"}),
    ]
    assert retry_links("old-1", rows).retried_by == ("new-1", "new-2")
    assert retry_links("new-1", rows).retry_of == "old-1"
