"""DescriptClient end to end against the in-process simulator (tests/conftest.py fixtures)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import SIM_BASE_URL
from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.api.errors import (
    ForbiddenError,
    NotFoundError,
    PaymentRequiredError,
    UnauthorizedError,
)
from tui.api.models import JOB_TYPE_AGENT, Outcome
from tui.api.requests import AgentRequest, ImportRequest, UploadMedia, UrlMedia
from tui.simulator.world import BROKE_TOKEN, DEMO_TOKEN, OTHER_DRIVE_TOKEN, World


def make_client(
    transport: httpx.ASGITransport, clock: ManualClock, token: str = DEMO_TOKEN
) -> DescriptClient:
    return DescriptClient(
        token, base_url=SIM_BASE_URL, transport=transport, clock=clock, rng=random.Random(0)
    )


@pytest.fixture
async def api(
    sim_transport: httpx.ASGITransport, sim_clock: ManualClock
) -> AsyncIterator[DescriptClient]:
    async with make_client(sim_transport, sim_clock) as client:
        yield client


async def finish(api: DescriptClient, clock: ManualClock, job_id: str, limit: float = 3600):
    """Poll every 5 virtual seconds (well under the status limit) until the job finishes."""
    waited = 0.0
    job = await api.get_job(job_id)
    while not job.is_finished and waited < limit:
        await clock.advance(5.0)
        waited += 5.0
        job = await api.get_job(job_id)
    return job


def first_project_id(world: World) -> str:
    return next(iter(world.projects_of(world.user_for_token(DEMO_TOKEN).drive_id))).id


async def test_url_import_runs_to_success(api: DescriptClient, sim_clock: ManualClock) -> None:
    request = ImportRequest(
        project_name="Sim import",
        add_media={"intro.mp4": UrlMedia("https://example.com/intro.mp4")},
    )
    created = await api.import_media(request)
    assert created.job_id and created.project_id
    job = await finish(api, sim_clock, created.job_id)
    assert job.outcome is Outcome.SUCCESS
    assert [f.name for f in job.succeeded_files] == ["intro.mp4"]


async def test_an_unreachable_file_makes_a_partial_import(
    api: DescriptClient, sim_clock: ManualClock
) -> None:
    request = ImportRequest(
        project_name="Half",
        add_media={
            "ok.mp4": UrlMedia("https://example.com/ok.mp4"),
            "gone.mp4": UrlMedia("https://unreachable.example.com/gone.mp4"),
        },
    )
    created = await api.import_media(request)
    job = await finish(api, sim_clock, created.job_id)
    assert job.outcome is Outcome.PARTIAL
    assert [f.name for f in job.failed_files] == ["gone.mp4"]


async def test_direct_upload_reaches_the_simulator(
    api: DescriptClient, sim_clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "recording.mp4"
    path.write_bytes(b"\x00\x01" * 300_000)
    progress: list[int] = []
    request = ImportRequest(
        project_name="Upload", add_media={"recording.mp4": UploadMedia.from_path(path)}
    )
    created = await api.import_media(
        request, upload_progress=lambda name, sent, total: progress.append(sent)
    )
    assert progress[-1] == path.stat().st_size
    put = [e for e in api.activity.entries() if e.method == "PUT"]
    assert put and put[0].status is not None and put[0].status < 300
    job = await finish(api, sim_clock, created.job_id)
    assert job.outcome is Outcome.SUCCESS


async def test_cancel_answers_204_and_the_job_reads_cancelled(
    api: DescriptClient, sim_world: World
) -> None:
    created = await api.agent_edit(
        AgentRequest(
            prompt="add studio sound to every clip", project_id=first_project_id(sim_world)
        )
    )
    await api.cancel_job(created.job_id)
    assert api.activity.entries()[-1].status == 204
    job = await api.get_job(created.job_id)
    assert job.outcome is Outcome.CANCELLED
    assert job.job_type == JOB_TYPE_AGENT


async def test_list_paging_follows_the_cursor(api: DescriptClient, sim_world: World) -> None:
    project_id = first_project_id(sim_world)
    ids = set()
    for n in range(5):
        created = await api.agent_edit(AgentRequest(prompt=f"edit {n}", project_id=project_id))
        ids.add(created.job_id)
    first = await api.list_jobs_page(limit=2)
    assert len(first.jobs) == 2 and first.next_cursor
    listed = [job.job_id async for job in api.iter_jobs(limit=2)]
    assert set(listed) == ids and len(listed) == 5
    gets = [e for e in api.activity.entries() if e.method == "GET" and e.path.startswith("/jobs?")]
    assert len(gets) == 1 + 3  # one page above, then three pages of 2, 2, 1


async def test_unknown_job_is_a_not_found(api: DescriptClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await api.get_job("no-such-job")
    assert "30 days" in caught.value.remedy


@pytest.mark.parametrize(
    ("token", "cls"),
    [("wrong-token", UnauthorizedError), (OTHER_DRIVE_TOKEN, ForbiddenError)],
)
async def test_tokens_map_to_their_errors(
    sim_transport: httpx.ASGITransport,
    sim_clock: ManualClock,
    sim_world: World,
    token: str,
    cls: type,
) -> None:
    async with make_client(sim_transport, sim_clock, token) as other:
        with pytest.raises(cls):
            await other.get_project(first_project_id(sim_world))
    assert token not in " ".join(e.summary() for e in other.activity)


async def test_a_broke_drive_gets_402_once(
    sim_transport: httpx.ASGITransport, sim_clock: ManualClock
) -> None:
    async with make_client(sim_transport, sim_clock, BROKE_TOKEN) as broke:
        with pytest.raises(PaymentRequiredError) as caught:
            await broke.agent_edit(AgentRequest(prompt="make a video", project_name="New"))
    assert "AI credits" in caught.value.remedy
    assert len(broke.activity) == 1
