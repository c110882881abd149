"""Finding the job a lost-answer submission created, before anyone resubmits it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.api.models import Job, Project, format_timestamp
from tui.journal import OUTCOME_UNKNOWN, PendingSubmission
from tui.reconcile import find_candidates, match_candidates

SUBMITTED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def pending(kind: str, request: dict[str, Any]) -> PendingSubmission:
    return PendingSubmission(
        local_id=7,
        kind=kind,
        request=request,
        submitted_at=SUBMITTED,
        status=OUTCOME_UNKNOWN,
        error="ReadTimeout",
    )


def job(job_id: str, job_type: str, seconds_after: float, project_id: str = "proj-1") -> Job:
    return Job.from_json(
        {
            "job_id": job_id,
            "job_type": job_type,
            "job_state": "running",
            "project_id": project_id,
            "created_at": format_timestamp(SUBMITTED + timedelta(seconds=seconds_after)),
        }
    )


AGENT = pending("agent", {"project_id": "proj-1", "prompt": "remove filler words"})


def test_only_same_kind_same_project_inside_the_window_best_first() -> None:
    jobs = [
        job("far", "agent", 3600),
        job("before", "agent", -600),
        job("other-project", "agent", 5, project_id="proj-2"),
        job("an-import", "import/project_media", 2),
        job("late", "agent", 300),
        job("close", "agent", 3),
        job("known", "agent", 1),
    ]
    found = match_candidates(AGENT, jobs, known_job_ids={"known"})
    assert [c.job.job_id for c in found] == ["close", "late"]
    assert "same project id" in found[0].reasons
    assert found[0].score > found[1].score


def test_a_small_clock_skew_is_tolerated() -> None:
    found = match_candidates(AGENT, [job("early", "agent", -30)])
    assert [c.job.job_id for c in found] == ["early"]


def test_project_name_matches_through_project_ids_or_says_it_did_not_check() -> None:
    request = pending("import", {"project_name": "Podcast [rough]", "add_media": {}})
    jobs = [job("mine", "import/project_media", 4, "new-proj"), job("x", "import/project_media", 4)]
    checked = match_candidates(request, jobs, project_ids={"new-proj"})
    assert [c.job.job_id for c in checked] == ["mine"]
    unchecked = match_candidates(request, jobs)
    assert {c.job.job_id for c in unchecked} == {"mine", "x"}
    assert all("project not checked" in c.reasons for c in unchecked)


class FakeLister:
    def __init__(self, jobs: list[Job], projects: list[Project]) -> None:
        self.jobs = jobs
        self.projects = projects
        self.job_filters: dict[str, Any] = {}
        self.project_filters: dict[str, Any] = {}

    async def iter_jobs(self, **filters: Any) -> AsyncIterator[Job]:
        self.job_filters = filters
        for item in self.jobs:
            yield item

    async def iter_projects(self, **filters: Any) -> AsyncIterator[Project]:
        self.project_filters = filters
        for item in self.projects:
            yield item


async def test_find_candidates_lists_a_narrow_window_and_checks_names_exactly() -> None:
    request = pending("import", {"project_name": "Podcast", "add_media": {}})
    projects = [
        Project.from_json({"id": "p-exact", "name": "Podcast"}),
        Project.from_json({"id": "p-longer", "name": "Podcast [rough]"}),
    ]
    jobs = [
        job("exact", "import/project_media", 6, "p-exact"),
        job("longer", "import/project_media", 6, "p-longer"),
    ]
    lister = FakeLister(jobs, projects)
    found = await find_candidates(lister, request)
    assert [c.job.job_id for c in found] == ["exact"]
    assert lister.job_filters["job_type"] == "import/project_media"
    assert lister.job_filters["created_after"] < SUBMITTED < lister.job_filters["created_before"]
    assert lister.project_filters["name"] == "Podcast"


async def test_find_candidates_for_a_publish_filters_the_type_locally() -> None:
    request = pending("publish", {"project_id": "proj-1"})
    lister = FakeLister([job("pub", "publish", 2), job("agent", "agent", 2)], [])
    found = await find_candidates(lister, request)
    assert [c.job.job_id for c in found] == ["pub"]
    assert "job_type" not in lister.job_filters  # the list endpoint only knows import/agent
    assert lister.job_filters["project_id"] == "proj-1"


async def test_against_the_simulator_a_lost_answer_is_found(sim_transport, sim_clock) -> None:
    """The POST went through but its answer was "lost": the list finds that very job."""
    from tui.api.client import DescriptClient
    from tui.api.requests import AgentRequest
    from tui.simulator.app import IN_PROCESS_BASE_URL
    from tui.simulator.world import DEMO_TOKEN

    async with DescriptClient(
        DEMO_TOKEN, base_url=IN_PROCESS_BASE_URL, transport=sim_transport, clock=sim_clock
    ) as client:
        project = await anext(aiter(client.iter_projects(max_items=1)))
        request = AgentRequest(prompt="remove filler words", project_id=project.id)
        submitted_at = sim_clock.now()
        created = await client.agent_edit(request)
        await sim_clock.advance(10)
        lost = PendingSubmission(
            local_id=1,
            kind="agent",
            request=request.to_json(),
            submitted_at=submitted_at,
            status=OUTCOME_UNKNOWN,
            error="ReadTimeout",
        )
        found = await find_candidates(client, lost)
    assert [c.job.job_id for c in found] == [created.job_id]
    assert "same project id" in found[0].reasons


async def test_against_the_simulator_a_new_project_import_is_found_by_name(
    sim_transport, sim_clock
) -> None:
    from tui.api.client import DescriptClient
    from tui.api.requests import ImportRequest, UrlMedia
    from tui.simulator.app import IN_PROCESS_BASE_URL
    from tui.simulator.world import DEMO_TOKEN

    async with DescriptClient(
        DEMO_TOKEN, base_url=IN_PROCESS_BASE_URL, transport=sim_transport, clock=sim_clock
    ) as client:
        submitted_at = sim_clock.now()
        mine = ImportRequest(
            add_media={"a.mp4": UrlMedia("https://media.example/a.mp4")}, project_name="Ep 7"
        )
        other = ImportRequest(
            add_media={"b.mp4": UrlMedia("https://media.example/b.mp4")}, project_name="Ep 77"
        )
        created = await client.import_media(mine)
        await client.import_media(other)
        await sim_clock.advance(5)
        lost = PendingSubmission(
            local_id=1,
            kind="import",
            request=mine.to_json(),
            submitted_at=submitted_at,
            status=OUTCOME_UNKNOWN,
            error="ReadTimeout",
        )
        found = await find_candidates(client, lost)
    assert [c.job.job_id for c in found] == [created.job_id]
    assert "project with the same name" in found[0].reasons
