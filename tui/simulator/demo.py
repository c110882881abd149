"""The seeded demo world, the slow trickle of new jobs, and bulk jobs for benchmarks.

Every demo job is submitted through the same `World.submit_*` path a client uses (with its
creation time set in the past), so its outcome follows the documented request rules.

This script sits above the world: it works on any world through the `DemoWorld` protocol
and never imports the registry, so `demo_world()` can call `populate_demo()` without an
import circle. The world never calls in here: the app's timer asks `run_arrivals()` what
has arrived by now (see `tui/simulator/app.py`).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from tui.api.clock import Clock, ManualClock
from tui.api.models import JOB_TYPE_AGENT, JOB_TYPE_IMPORT, JOB_TYPE_PUBLISH, JsonDict
from tui.simulator.world.jobs import SimJob, UploadSlot
from tui.simulator.world.model import (
    BROKE_DRIVE_ID,
    CANCELLED,
    DAY_S,
    DEMO_DRIVE_ID,
    DEMO_USER_ID,
    OTHER_DRIVE_ID,
    OTHER_USER_ID,
    QUEUED,
    RUNNING,
    STOPPED,
    SimProject,
    User,
    WorldError,
    seeded_rng,
)
from tui.simulator.world.registry import World
from tui.simulator.world.submissions import IdSource, Submission, agent_job, import_job, publish_job


class DemoWorld(Protocol):
    """What the demo script needs of a world (the registry's `World` is one)."""

    clock: Clock
    seed: int
    users: dict[str, User]
    projects: dict[str, SimProject]
    next_arrival_at: float | None
    arrivals: int

    def now_ts(self) -> float: ...
    def new_id(self) -> str: ...
    def next_seq(self) -> int: ...
    def add_project(
        self,
        name: str,
        *,
        drive_id: str = ...,
        created_by: str | None = ...,
        folder_path: str = ...,
        media: dict[str, float] | None = ...,
        compositions: Iterable[str] = ...,
        created_at: float | None = ...,
        updated_at: float | None = ...,
        team_access: str = ...,
    ) -> SimProject: ...
    def project_for(self, user: User, project_id: str) -> SimProject: ...
    def projects_of(self, drive_id: str) -> Iterator[SimProject]: ...
    def submit_import(
        self, user: User, body: JsonDict, *, at: float | None = ..., **timing: float
    ) -> tuple[SimJob, dict[str, UploadSlot]]: ...
    def submit_agent(
        self, user: User, body: JsonDict, *, at: float | None = ..., **timing: float
    ) -> SimJob: ...
    def submit_publish(
        self, user: User, body: JsonDict, *, at: float | None = ..., **timing: float
    ) -> SimJob: ...
    def cancel_job_at(self, job: SimJob, at: float) -> None: ...
    def add_jobs_bulk(self, jobs: list[SimJob]) -> None: ...
    def settle(self, now: float | None = None) -> int: ...

HOUR_S = 3600.0
# New demo jobs arrive every 1-3 simulated minutes; after a long jump only the last hour's.
ARRIVAL_GAP_S = (60.0, 180.0)
ARRIVAL_CATCH_UP_S = HOUR_S

_MEDIA_URLS = (
    "https://test-files.descriptapi.com/demo-video.mp4",
    "https://media.example.com/interviews/guest-intro.mp4",
    "https://media.example.com/audio/voiceover.wav",
    "https://cdn.example.com/broll/city-timelapse.mov",
    "https://media.example.com/audio/theme-music.mp3",
    "https://cdn.example.com/stills/cover-art.png",
)
_BAD_URLS = (
    "https://unreachable.example.com/raw/take-3.mp4",
    "https://cdn.example.com/norange/outtakes.mov",
)
_PROMPTS = (
    "Add studio sound to every clip",
    "Remove all filler words",
    "Add captions to the whole composition",
    "Create a 30-second highlight reel",
    "Add background music under the intro",
    "Shorten long silences",
    "Remove filler words and add studio sound",
)
_NEW_PROJECT_NAMES = (
    "Episode 41",
    "Founder Q&A",
    "Launch Webinar",
    "Tutorial: Getting Started",
    "Case Study - Globex",
    "Town Hall (November)",
    "Sizzle Reel v3",
)


@dataclass(frozen=True, slots=True)
class DemoProjects:
    """The demo Drive's named projects (and the other Drive's one), as the jobs use them."""

    ada: SimProject
    podcast: SimProject
    marketing: SimProject
    standup: SimProject
    teaser: SimProject
    roadmap: SimProject

    @property
    def editable(self) -> list[SimProject]:
        return [self.ada, self.podcast, self.marketing, self.standup, self.teaser]


def demo_world(seed: int = 0, clock: Clock | None = None) -> World:
    """The seeded demo world: an empty world with the demo's people, projects and jobs."""
    world = World.empty(clock or ManualClock(), seed=seed)
    populate_demo(world)
    return world


def populate_demo(world: DemoWorld) -> None:
    """Fill an empty world (the three Drives) with the demo's projects and jobs.

    The order of the steps is the order ids are drawn in: new steps go last, so the jobs of
    earlier ones keep their ids (the screenshots show them).
    """
    now = world.now_ts()
    projects = _add_projects(world, now)
    _add_history(world, projects, now)
    _add_named_cases(world, projects, now)
    _add_alive_jobs(world, projects, now)
    _add_other_drive_jobs(world, projects, now)
    _add_triage_cases(world, projects, now)
    world.settle(now)
    world.next_arrival_at = now + seeded_rng(world.seed, "arrival", 0).uniform(*ARRIVAL_GAP_S)


def _add_projects(world: DemoWorld, now: float) -> DemoProjects:
    ada = world.add_project(
        "Interview with Ada Lovelace",
        folder_path="Interviews",
        media={"interview.mp4": 1834.2, "b-roll.mov": 312.5},
        compositions=["Rough Cut", "Final Cut"],
        created_at=now - 40 * DAY_S,
        updated_at=now - 2 * DAY_S,
        team_access="edit",
    )
    podcast = world.add_project(
        "Podcast [rough]",
        folder_path="Podcasts",
        media={"episode-12.wav": 3120.0},
        compositions=["Episode 12"],
        created_at=now - 20 * DAY_S,
        updated_at=now - 1 * DAY_S,
    )
    marketing = world.add_project(
        "Marketing Video",
        folder_path="Clients/Acme",
        media={"Misc/intro.mp4": 10.5, "demo.mp4": 125.0, "Misc/outro.mp4": 12.0, "logo.png": 0},
        compositions=["Rough Cut", "Broken render"],
        created_at=now - 15 * DAY_S,
        updated_at=now - 3 * DAY_S,
    )
    standup = world.add_project(
        "Weekly Standup",
        media={"standup.m4a": 900.0},
        compositions=["Standup"],
        created_at=now - 9 * DAY_S,
    )
    teaser = world.add_project(
        "Product Launch Teaser",
        folder_path="Clients/Acme",
        media={"teaser.mp4": 45.0},
        compositions=["Teaser 30s"],
        created_at=now - 5 * DAY_S,
    )
    world.add_project("Customer Stories", folder_path="Clients/Globex", created_at=now - 3 * DAY_S)
    roadmap = world.add_project(
        "Other Team Roadmap",
        drive_id=OTHER_DRIVE_ID,
        media={"roadmap.mp4": 600.0},
        compositions=["Main"],
        created_at=now - 10 * DAY_S,
    )
    world.add_project(
        "Broke Studio Reel",
        drive_id=BROKE_DRIVE_ID,
        media={"reel.mp4": 90.0},
        compositions=["Reel"],
        created_at=now - 12 * DAY_S,
    )
    return DemoProjects(ada, podcast, marketing, standup, teaser, roadmap)


def _add_history(world: DemoWorld, p: DemoProjects, now: float) -> None:
    demo = world.users[DEMO_USER_ID]
    ada, podcast = p.ada, p.podcast
    rng = random.Random(f"descript-sim-demo-{world.seed}")
    # Past the 30-day retention: GET answers 404 and the list never shows it.
    _import(
        world,
        demo,
        {"project_id": ada.id, "add_media": {"old-take.mp4": _url(0)}},
        now - 35 * DAY_S,
    )
    # Older than the default 7-day window: listed only with an explicit created_after.
    _agent(
        world, demo, {"project_id": ada.id, "prompt": "Remove all filler words"}, now - 12 * DAY_S
    )
    _publish(world, demo, {"project_id": podcast.id}, now - 9 * DAY_S)

    # A steady history over the last six days, every outcome represented.
    history = sorted(rng.uniform(3 * HOUR_S, 6 * DAY_S) for _ in range(22))
    for i, age in enumerate(reversed(history)):
        _random_job(world, demo, p.editable, rng, now - age, i)


def _add_named_cases(world: DemoWorld, p: DemoProjects, now: float) -> None:
    demo = world.users[DEMO_USER_ID]
    podcast, marketing, standup, teaser = p.podcast, p.marketing, p.standup, p.teaser
    # The named cases the dashboard should show from its first second.
    _import(
        world,
        demo,
        {
            "project_name": "Conference Talk - Day 2",
            "folder_name": "Events",
            "add_media": {
                "talk.mp4": {"url": _MEDIA_URLS[1]},
                "slides.png": {"url": _MEDIA_URLS[5]},
                "q-and-a.mp4": {"url": _BAD_URLS[0]},
                "b-roll.mov": {"url": _BAD_URLS[1]},
            },
            "add_compositions": [{"name": "Talk", "clips": [{"media": "talk.mp4"}]}],
        },
        now - 2 * HOUR_S,
    )
    _import(
        world,
        demo,
        {"project_id": teaser.id, "add_media": {"teaser-v2.mp4": {"url": _BAD_URLS[0]}}},
        now - 1 * DAY_S,
    )
    _agent(
        world,
        demo,
        {"project_id": podcast.id, "prompt": "Make this impossible: turn the audio into 3D"},
        now - 5 * HOUR_S,
    )
    _publish(
        world,
        demo,
        {"project_id": marketing.id, "composition_id": marketing.compositions[1].id},
        now - 3 * HOUR_S,
    )
    _publish(
        world,
        demo,
        {"project_id": marketing.id, "composition_id": marketing.compositions[0].id},
        now - 6 * HOUR_S,
    )
    cancelled = _agent(
        world, demo, {"project_id": podcast.id, "prompt": "Add captions"}, now - 50 * 60
    )
    world.cancel_job_at(cancelled, now - 49 * 60)
    cancelled_import = _import(
        world,
        demo,
        {"project_id": standup.id, "add_media": {"standup-2.m4a": _url(2)}},
        now - 26 * HOUR_S,
    )
    world.cancel_job_at(cancelled_import, now - 26 * HOUR_S + 20)


def _add_alive_jobs(world: DemoWorld, p: DemoProjects, now: float) -> None:
    demo = world.users[DEMO_USER_ID]
    ada, podcast, standup = p.ada, p.podcast, p.standup
    # Alive right now: mid-progress agent edit, running import and publish, a queued edit,
    # and an import waiting for its upload.
    _agent(
        world,
        demo,
        {"project_id": podcast.id, "prompt": "Add studio sound to every clip"},
        now - 70,
        queued_s=3,
        run_s=160,
    )
    _import(
        world,
        demo,
        {
            "project_name": "Team Offsite Recap",
            "add_media": {
                "day-1.mp4": {"url": _MEDIA_URLS[0]},
                "day-2.mp4": {"url": _MEDIA_URLS[3]},
                "music.mp3": {"url": _MEDIA_URLS[4]},
            },
            "add_compositions": [{"name": "Recap", "clips": [{"media": "day-1.mp4"}]}],
        },
        now - 45,
        queued_s=4,
        run_s=220,
    )
    _publish(
        world,
        demo,
        {"project_id": ada.id, "composition_id": ada.compositions[1].id, "resolution": "1080p"},
        now - 30,
        queued_s=2,
        run_s=90,
    )
    _agent(
        world,
        demo,
        {"project_id": standup.id, "prompt": "Shorten long silences"},
        now - 1,
        queued_s=8,
        run_s=100,
    )
    _import(
        world,
        demo,
        {
            "project_name": "Voice memo",
            "add_media": {"memo.m4a": {"content_type": "audio/mp4", "file_size": 1_048_576}},
        },
        now - 20,
        queued_s=2,
    )


def _add_other_drive_jobs(world: DemoWorld, p: DemoProjects, now: float) -> None:
    other = world.users[OTHER_USER_ID]
    roadmap = p.roadmap
    # The other Drive's jobs: a token of the demo Drive gets 403 on them.
    _import(world, other, {"project_id": roadmap.id, "add_media": {"q1.mp4": _url(0)}}, now - DAY_S)
    _agent(world, other, {"project_id": roadmap.id, "prompt": "Add captions"}, now - 40, run_s=150)


# Triage cases (issue 11): imports failing for one reason across jobs, and stalled jobs.
_NO_RANGE_URLS = (
    "https://cdn.example.com/norange/keynote-cam-a.mp4",
    "https://cdn.example.com/norange/keynote-cam-b.mp4",
    "https://cdn.example.com/norange/panel-wide.mov",
)
_OTHER_FAILURES = (
    ("final-mix.wav", "https://media.example.com/corrupt/final-mix.wav"),
    ("guest-mic.wav", "https://media.example.com/corrupt/guest-mic.wav"),
    ("brief.pdf", "https://media.example.com/docs/brief.pdf"),
    ("assets.zip", "https://media.example.com/docs/assets.zip"),
)


def _add_triage_cases(world: DemoWorld, p: DemoProjects, now: float) -> None:
    """Three partial imports whose failed file says the same thing (with the history's and
    the Conference Talk import's, seven files), four more partial imports failing for two
    other reasons, two running jobs whose progress stopped moving over ten minutes ago, and
    an agent edit queued for seven minutes."""
    demo = world.users[DEMO_USER_ID]
    ages_h = (4.5, 20.0, 52.0)
    for i, (url, age_h) in enumerate(zip(_NO_RANGE_URLS, ages_h, strict=True)):
        name = url.rsplit("/", 1)[-1]
        body = {
            "project_id": p.editable[i % len(p.editable)].id,
            "add_media": {f"ok-{name}": _url(i), name: {"url": url}},
        }
        _import(world, demo, body, now - age_h * HOUR_S)
    for i, (name, url) in enumerate(_OTHER_FAILURES):
        body = {
            "project_id": p.standup.id,
            "add_media": {f"take-{i + 1}.mp4": _url(i + 1), name: {"url": url}},
        }
        _import(world, demo, body, now - (7 + 11 * i) * HOUR_S)
    # Stalled: last_update_at stops 40 % in and stays put for 45 minutes (the `stuck` rule).
    stuck_import = {
        "project_id": p.marketing.id,
        "add_media": {"webinar-full.mp4": {"url": "https://media.example.com/stuck/webinar.mp4"}},
    }
    _import(world, demo, stuck_import, now - 16 * 60, queued_s=3, run_s=200)
    stuck_agent = {"project_id": p.ada.id, "prompt": "Add studio sound (stuck on clip 2)"}
    _agent(world, demo, stuck_agent, now - 20 * 60, queued_s=4, run_s=150)
    queued = {"project_id": p.teaser.id, "prompt": "Remove filler words"}
    _agent(world, demo, queued, now - 7 * 60, queued_s=40 * 60, run_s=90)


def run_arrivals(world: DemoWorld, now: float) -> int:
    """Submit the demo's trickle of new jobs whose arrival time has come; returns how many.

    Called by the app before each request and by the served app's timer, never by the world.
    """
    at = world.next_arrival_at
    if at is None or at > now:
        return 0
    before = world.arrivals
    if at < now - ARRIVAL_CATCH_UP_S:
        at = now - ARRIVAL_CATCH_UP_S
    user = world.users[DEMO_USER_ID]
    while at <= now:
        world.arrivals += 1
        rng = seeded_rng(world.seed, "arrival", world.arrivals)
        projects = [p for p in world.projects_of(DEMO_DRIVE_ID) if p.compositions]
        if projects:
            _random_job(world, user, projects, rng, at, 1000 + world.arrivals)
        at += rng.uniform(*ARRIVAL_GAP_S)
    world.next_arrival_at = at
    return world.arrivals - before


def _url(i: int) -> JsonDict:
    return {"url": _MEDIA_URLS[i % len(_MEDIA_URLS)]}


def _random_job(
    world: DemoWorld,
    user: User,
    projects: list[SimProject],
    rng: random.Random,
    at: float,
    n: int,
) -> SimJob | None:
    kind = rng.choices((JOB_TYPE_IMPORT, JOB_TYPE_AGENT, JOB_TYPE_PUBLISH), (5, 4, 2))[0]
    project = rng.choice(projects)
    try:
        if kind == JOB_TYPE_IMPORT:
            media: JsonDict = {}
            for k in range(rng.randint(1, 3)):
                url = rng.choice(_BAD_URLS) if rng.random() < 0.12 else rng.choice(_MEDIA_URLS)
                ext = url.rsplit(".", 1)[-1]
                media[f"clip-{n}-{k + 1}.{ext}"] = {"url": url}
            if rng.random() < 0.4:
                name = rng.choice(_NEW_PROJECT_NAMES)
                taken = sum(1 for p in world.projects.values() if p.name.startswith(name))
                if taken:
                    name = f"{name} ({taken + 1})"
                body: JsonDict = {
                    "project_name": name,
                    "add_media": media,
                    "add_compositions": [
                        {"name": "Rough Cut", "clips": [{"media": m} for m in media]}
                    ],
                }
            else:
                body = {"project_id": project.id, "add_media": media}
            return _import(world, user, body, at)
        if kind == JOB_TYPE_AGENT:
            prompt = rng.choice(_PROMPTS)
            if rng.random() < 0.1:
                prompt = "Do the impossible: " + prompt.lower()
            return _agent(world, user, {"project_id": project.id, "prompt": prompt}, at)
        composition = rng.choice(project.compositions or [None])
        if composition is None or "broken" in composition.name.lower():
            return None
        body = {"project_id": project.id, "composition_id": composition.id}
        return _publish(world, user, body, at)
    except WorldError:
        return None


def _import(world: DemoWorld, user: User, body: JsonDict, at: float, **timing: float) -> SimJob:
    job, _ = world.submit_import(user, body, at=at, **timing)
    return job


def _agent(world: DemoWorld, user: User, body: JsonDict, at: float, **timing: float) -> SimJob:
    return world.submit_agent(user, body, at=at, **timing)


def _publish(world: DemoWorld, user: User, body: JsonDict, at: float, **timing: float) -> SimJob:
    return world.submit_publish(user, body, at=at, **timing)


# -- bulk jobs (benchmarks, load) ----------------------------------------------------------

BULK_STATES = (QUEUED, RUNNING, STOPPED, CANCELLED, "mixed")


def add_bulk_jobs(
    world: DemoWorld,
    user: User,
    count: int,
    *,
    job_type: str = JOB_TYPE_AGENT,
    state: str = RUNNING,
    project_id: str | None = None,
) -> list[SimJob]:
    """`count` jobs of `job_type` in `state` on the user's Drive, created just now.

    They are built directly (not through submit) so 50,000 take well under a second.
    """
    if job_type not in (JOB_TYPE_IMPORT, JOB_TYPE_AGENT, JOB_TYPE_PUBLISH):
        raise ValueError(f"unknown job_type {job_type!r}")
    if state not in BULK_STATES:
        raise ValueError(f"state must be one of {', '.join(BULK_STATES)}")
    now = world.now_ts()
    if project_id:
        project = world.project_for(user, project_id)
    else:
        project = next(iter(world.projects_of(user.drive_id)), None) or world.add_project(
            "Bulk jobs", drive_id=user.drive_id, compositions=["Main"], created_at=now
        )
    template = _bulk_template(world, user, project, job_type, now)
    jobs: list[SimJob] = []
    cancel: list[SimJob] = []
    for i in range(count):
        want = BULK_STATES[i % 4] if state == "mixed" else state
        created, queued_s, run_s = _bulk_timing(want, now, i)
        job = SimJob(
            job_id=world.new_id(),
            job_type=job_type,
            drive_id=user.drive_id,
            user_id=user.id,
            project_id=project.id,
            project_url=project.url,
            created_at=created,
            seq=world.next_seq(),
            queued_s=queued_s,
            run_s=run_s,
            labels=template.labels,
            media=template.media,
            fixed_result=template.fixed_result,
            composition_id=template.composition_id,
            share_url=template.share_url,
        )
        jobs.append(job)
        if want == CANCELLED:
            cancel.append(job)
    world.add_jobs_bulk(jobs)
    for job in cancel:
        world.cancel_job_at(job, now)
    return jobs


def _bulk_timing(want: str, now: float, i: int) -> tuple[float, float, float]:
    """(created_at, queued_s, run_s) that put bulk job `i` in state `want` right now."""
    spread = (i % 1000) * 0.001
    if want == QUEUED:
        return now - spread, 600.0, 120.0
    if want == STOPPED:
        return now - 600 - spread, 2.0, 60.0
    return now - 5 - spread, 1.0, 120.0 + (i % 60)


def _bulk_template(
    world: DemoWorld, user: User, project: SimProject, job_type: str, now: float
) -> SimJob:
    """One real submission plan the bulk jobs share (built aside, never added to the world)."""
    ids = IdSource(world.seed)
    if job_type == JOB_TYPE_IMPORT:
        body: JsonDict = {"project_id": project.id, "add_media": {"bulk.mp4": _url(0)}}
        return import_job(Submission(user, project, body, now), world.seed, ids)
    if job_type == JOB_TYPE_AGENT:
        body = {"project_id": project.id, "prompt": "Add studio sound to every clip"}
        return agent_job(Submission(user, project, body, now), world.seed, ids, None)
    if not project.compositions:
        raise WorldError(422, "unprocessable_entity", "Project has no composition to publish")
    sub = Submission(user, project, {"project_id": project.id}, now)
    share_url = f"https://share.descript.com/view/{ids.bits(40):010x}"
    return publish_job(sub, world.seed, ids, project.compositions[0], share_url)
