from __future__ import annotations

import pytest

from tests.unit.triage.jobs import ago, make_job
from tui.triage.ids import (
    AmbiguousJobId,
    JobIdError,
    UnknownJobId,
    parse_wanted,
    resolve_among,
    resolve_job_id,
)

FULL = "6dc3f30a-58c2-4b9e-9d3c-6b3a19beafbe"
OTHER = "6dc3f30a-1111-4b9e-9d3c-0a0a0a0a0a0a"


def test_the_short_id_the_table_shows_resolves_to_the_full_id() -> None:
    job = make_job(FULL)
    assert job.short_id == "6b3a19beafbe"
    assert resolve_among(job.short_id, [job, make_job(OTHER)]) == FULL
    assert resolve_among("6b3a19", [job, make_job(OTHER)]) == FULL


def test_a_prefix_of_the_id_resolves_and_a_shared_one_is_ambiguous() -> None:
    jobs = [make_job(FULL, created_at=ago(10)), make_job(OTHER, created_at=ago(5))]
    with pytest.raises(AmbiguousJobId) as raised:
        resolve_among("6dc3f30a", jobs)
    assert raised.value.candidates == (OTHER, FULL)  # newest first
    assert "matches 2 jobs" in str(raised.value)
    assert resolve_among("6dc3f30a-58", jobs) == FULL


def test_a_full_id_is_taken_as_is_without_a_lookup() -> None:
    assert resolve_among(FULL.upper()) == FULL.upper()


def test_urls_name_a_job_or_the_running_job_of_a_project() -> None:
    assert resolve_among(f"https://descriptapi.com/v1/jobs/{FULL}") == FULL
    done = make_job(OTHER, "stopped", project_id="p9", result={"status": "success"})
    running = make_job(FULL, "running", project_id="p9")
    assert resolve_among("https://web.descript.com/p9", [done, running]) == FULL
    with pytest.raises(AmbiguousJobId):
        resolve_among("https://web.descript.com/p9", [done, make_job("x-y-z-1234", "stopped",
                                                                    project_id="p9")])


@pytest.mark.parametrize("text", ["", "  ", "abc", "6b3a 19be", "a/b"])
def test_text_that_cannot_name_a_job_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(JobIdError):
        parse_wanted(text)


async def test_the_journal_answers_first_and_the_list_only_when_needed() -> None:
    listed: list[int] = []

    async def list_jobs() -> list:
        listed.append(1)
        return [make_job(OTHER)]

    assert await resolve_job_id("6b3a19beafbe", [make_job(FULL)], list_jobs) == FULL
    assert listed == []
    assert await resolve_job_id("0a0a0a0a", [make_job(FULL)], list_jobs) == OTHER
    assert listed == [1]
    with pytest.raises(UnknownJobId):
        await resolve_job_id("ffffffff", [make_job(FULL)], list_jobs)


async def test_pass_through_hands_unknown_text_on_as_typed_but_not_an_ambiguity() -> None:
    async def list_jobs() -> list:
        return [make_job(FULL), make_job(OTHER)]

    assert await resolve_job_id(" zzzz9999 ", [], list_jobs, pass_through=True) == "zzzz9999"
    assert await resolve_job_id("ab", [], list_jobs, pass_through=True) == "ab"
    with pytest.raises(AmbiguousJobId):
        await resolve_job_id("6dc3f30a", [], list_jobs, pass_through=True)


async def test_pass_through_never_sends_what_cannot_be_a_job_id() -> None:
    asked: list[str] = []

    async def list_jobs() -> list:
        asked.append("list")
        return [make_job(FULL)]

    # A page of another site names a "project" no job belongs to: refused, not sent as an id.
    with pytest.raises(UnknownJobId):
        await resolve_job_id("https://example.com/nope", [], list_jobs, pass_through=True)
    with pytest.raises(JobIdError):
        await resolve_job_id("not an id!", [], list_jobs, pass_through=True)
    assert asked == ["list"]  # the text with spaces was refused before any request
