"""The registry: everything the simulated Descript knows, on one clock.

Drives, users, tokens, projects, jobs and upload slots; who may see what (404/403); the
listing index; and `settle()`, which applies the side effects of jobs that stopped (project
changes, callbacks due) lazily, from a heap ordered by end time. Every read is computed at
`clock.now()`. The world never calls the demo: demo arrivals are submitted by the app's
timer (see `tui/simulator/demo.py` and `app.py`).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator

from tui.api.clock import Clock, ManualClock
from tui.api.models import JOB_TYPE_AGENT, JOB_TYPE_IMPORT, JsonDict
from tui.simulator.world.index import Cursor, JobIndex, list_key
from tui.simulator.world.jobs import CallbackDue, SimJob, UploadSlot
from tui.simulator.world.model import (
    BROKE_DRIVE_ID,
    BROKE_TOKEN,
    BROKE_USER_ID,
    CANCELLED,
    DEMO_DRIVE_ID,
    DEMO_TOKEN,
    DEMO_USER_ID,
    JOB_TYPES,
    OTHER_DRIVE_ID,
    OTHER_DRIVE_TOKEN,
    OTHER_USER_ID,
    RETENTION_S,
    STOPPED,
    Drive,
    SimComposition,
    SimProject,
    User,
    WorldError,
    forbidden,
    media_kind,
    not_found,
)
from tui.simulator.world.submissions import (
    IdSource,
    Submission,
    agent_job,
    check_import_references,
    import_job,
    publish_job,
)


class World:
    """Everything the simulated Descript knows; every read is computed at `clock.now()`."""

    def __init__(self, clock: Clock, *, seed: int = 0) -> None:
        self.clock = clock
        self.seed = seed
        self.ids = IdSource(seed)
        self.drives: dict[str, Drive] = {}
        self.users: dict[str, User] = {}
        self.tokens: dict[str, str] = {}
        self.projects: dict[str, SimProject] = {}
        self.jobs: dict[str, SimJob] = {}
        self.uploads: dict[str, UploadSlot] = {}
        self._index = JobIndex()
        self._pending: list[tuple[float, int, SimJob]] = []
        # Heap tie-breaker: a job can sit in the heap twice (re-pushed on upload).
        self._heap_seq = itertools.count()
        self.callbacks_due: list[CallbackDue] = []
        self._share_urls: dict[tuple[str, str, str], str] = {}
        # The demo's schedule of new jobs (data only: the app's timer submits them, see
        # `tui/simulator/demo.py`); None means no arrivals.
        self.next_arrival_at: float | None = None
        self.arrivals = 0
        # Jobs not yet stopped, by type (the flaky profile's 502 bursts follow agent jobs).
        self.active_by_type: dict[str, int] = dict.fromkeys(JOB_TYPES, 0)

    # -- building ------------------------------------------------------------------------

    @classmethod
    def empty(cls, clock: Clock | None = None, *, seed: int = 0) -> World:
        """The three documented tokens, users and Drives; no projects, no jobs."""
        world = cls(clock or ManualClock(), seed=seed)
        world.add_drive(DEMO_DRIVE_ID, "Demo Drive", media_minutes=100_000, ai_credits=100_000)
        world.add_drive(OTHER_DRIVE_ID, "Other Team", media_minutes=5_000, ai_credits=5_000)
        world.add_drive(BROKE_DRIVE_ID, "Broke Studio", media_minutes=0, ai_credits=0)
        world.add_user(DEMO_USER_ID, "Demo User", DEMO_DRIVE_ID, DEMO_TOKEN)
        world.add_user(OTHER_USER_ID, "Other User", OTHER_DRIVE_ID, OTHER_DRIVE_TOKEN)
        world.add_user(BROKE_USER_ID, "Broke User", BROKE_DRIVE_ID, BROKE_TOKEN)
        return world

    def add_drive(self, drive_id: str, name: str, *, media_minutes: int, ai_credits: int) -> Drive:
        drive = Drive(drive_id, name, media_minutes, ai_credits)
        self.drives[drive_id] = drive
        return drive

    def add_user(self, user_id: str, name: str, drive_id: str, token: str) -> User:
        user = User(user_id, name, drive_id)
        self.users[user_id] = user
        self.tokens[token] = user_id
        return user

    def new_id(self) -> str:
        return self.ids.new_id()

    def next_seq(self) -> int:
        return self.ids.next_seq()

    def now_ts(self) -> float:
        return self.clock.now().timestamp()

    def add_project(
        self,
        name: str,
        *,
        drive_id: str = DEMO_DRIVE_ID,
        created_by: str | None = None,
        folder_path: str = "",
        media: dict[str, float] | None = None,
        compositions: Iterable[str] = (),
        created_at: float | None = None,
        updated_at: float | None = None,
        team_access: str = "none",
    ) -> SimProject:
        """A project; `media` maps display paths to durations (0 for an image)."""
        now = self.now_ts()
        created = now if created_at is None else created_at
        owner = created_by or next(
            (u.id for u in self.users.values() if u.drive_id == drive_id), DEMO_USER_ID
        )
        project = SimProject(
            id=self.new_id(),
            drive_id=drive_id,
            name=name,
            folder_path=folder_path.strip("/"),
            created_by=owner,
            created_at=created,
            updated_at=max(created, updated_at or created),
            last_viewed_at=max(created, updated_at or created),
            team_access=team_access,
        )
        total = 0.0
        for path, duration in (media or {}).items():
            kind = media_kind(path)
            project.media_files[path] = (
                {"type": kind} if kind == "image" else {"type": kind, "duration": duration}
            )
            total += duration
        for comp_name in compositions:
            project.compositions.append(
                SimComposition(self.new_id(), comp_name, round(total or 60.0, 3))
            )
        self.projects[project.id] = project
        return project

    # -- who is asking -------------------------------------------------------------------

    def user_for_token(self, token: str | None) -> User | None:
        user_id = self.tokens.get(token or "")
        return self.users.get(user_id) if user_id else None

    def project_for(self, user: User, project_id: str) -> SimProject:
        project = self.projects.get(project_id)
        if project is None:
            raise not_found("Project")
        if project.drive_id != user.drive_id:
            raise forbidden("User does not have access to this project")
        return project

    def job_for(self, user: User, job_id: str, now: float | None = None) -> SimJob:
        now = self.now_ts() if now is None else now
        job = self.jobs.get(job_id)
        if job is None or now - job.created_at > RETENTION_S:
            raise not_found("Job")
        if job.drive_id != user.drive_id:
            raise forbidden("User does not have access to this job")
        return job

    # -- submitting (bodies are already schema-valid; see validation.py) ------------------

    def submit_import(
        self,
        user: User,
        body: JsonDict,
        *,
        at: float | None = None,
        queued_s: float | None = None,
        run_s: float | None = None,
    ) -> tuple[SimJob, dict[str, UploadSlot]]:
        now = self.now_ts() if at is None else at
        project = self._target_project(user, body)
        check_import_references(body, project)
        drive = self.drives[user.drive_id]
        if drive.media_minutes_left <= 0:
            needed = max(1, len(body.get("add_media") or {})) * 5
            raise WorldError(
                402,
                "payment_required",
                f"Insufficient media minutes to start the job ({needed} minutes required, "
                f"{drive.media_minutes_left} available)",
            )
        if project is None:
            project = self._create_project(user, body, now)
        sub = Submission(user, project, body, now, queued_s, run_s)
        job = import_job(sub, self.seed, self.ids)
        slots = {p.name: p.upload for p in job.media if p.upload is not None}
        self.uploads.update((slot.token, slot) for slot in slots.values())
        self._add_job(job)
        return job, slots

    def submit_agent(
        self,
        user: User,
        body: JsonDict,
        *,
        at: float | None = None,
        queued_s: float | None = None,
        run_s: float | None = None,
    ) -> SimJob:
        now = self.now_ts() if at is None else at
        project = self._target_project(user, body)
        composition: SimComposition | None = None
        if project is not None and body.get("composition_id"):
            composition = project.find_composition(str(body["composition_id"]))
            if composition is None:
                raise not_found("Composition")
        drive = self.drives[user.drive_id]
        if drive.ai_credits_left <= 0:
            raise WorldError(
                402,
                "payment_required",
                "Insufficient AI credits to start the job (100 credits required, "
                f"{drive.ai_credits_left} available)",
            )
        if project is None:
            project = self._create_project(user, body, now)
        sub = Submission(user, project, body, now, queued_s, run_s)
        job = agent_job(sub, self.seed, self.ids, composition)
        self._add_job(job)
        return job

    def submit_publish(
        self,
        user: User,
        body: JsonDict,
        *,
        at: float | None = None,
        queued_s: float | None = None,
        run_s: float | None = None,
    ) -> SimJob:
        now = self.now_ts() if at is None else at
        project = self.project_for(user, str(body["project_id"]))
        access = body.get("access_level")
        drive = self.drives[user.drive_id]
        if access and access not in drive.allowed_access_levels:
            raise forbidden(
                f"Requested access_level {access!r} is not permitted by the drive's "
                "publish settings"
            )
        composition = self._publish_composition(project, body.get("composition_id"))
        share_key = (project.id, composition.id, body.get("media_type") or "Video")
        share_url = self._share_urls.get(share_key)
        if share_url is None:
            share_url = f"https://share.descript.com/view/{self.ids.bits(40):010x}"
            self._share_urls[share_key] = share_url
        sub = Submission(user, project, body, now, queued_s, run_s)
        job = publish_job(sub, self.seed, self.ids, composition, share_url)
        self._add_job(job)
        return job

    @staticmethod
    def _publish_composition(project: SimProject, ref: object) -> SimComposition:
        """The named composition, else the project's first; 422 when there is none."""
        if ref:
            composition = project.find_composition(str(ref))
            if composition is None:
                raise WorldError(422, "unprocessable_entity", "Composition not found in project")
            return composition
        if project.compositions:
            return project.compositions[0]
        raise WorldError(422, "unprocessable_entity", "Project has no composition to publish")

    def _target_project(self, user: User, body: JsonDict) -> SimProject | None:
        if body.get("project_id"):
            return self.project_for(user, str(body["project_id"]))
        return None

    def _create_project(self, user: User, body: JsonDict, now: float) -> SimProject:
        return self.add_project(
            str(body.get("project_name") or "Untitled project"),
            drive_id=user.drive_id,
            created_by=user.id,
            folder_path=str(body.get("folder_name") or ""),
            created_at=now,
            team_access=str(body.get("team_access") or "none"),
        )

    def _add_job(self, job: SimJob) -> None:
        self.jobs[job.job_id] = job
        self.active_by_type[job.job_type] += 1
        self._index.add(job)
        heapq.heappush(self._pending, (job.expected_end(job.created_at), next(self._heap_seq), job))

    def add_jobs_bulk(self, jobs: list[SimJob]) -> None:
        """Many jobs at once (benchmarks): one sort per index instead of one insert per job."""
        for job in jobs:
            self.jobs[job.job_id] = job
            self.active_by_type[job.job_type] += 1
            self._pending.append((job.expected_end(job.created_at), next(self._heap_seq), job))
        heapq.heapify(self._pending)
        self._index.extend(jobs)

    # -- changing jobs -------------------------------------------------------------------

    def cancel(self, user: User, job_id: str) -> None:
        now = self.now_ts()
        job = self.job_for(user, job_id, now)
        state, _ = job.phase(now)
        if state in (STOPPED, CANCELLED):
            raise WorldError(
                409,
                "conflict",
                f"Job has already {'been cancelled' if state == CANCELLED else 'stopped'}; "
                "there is nothing to cancel",
            )
        self.cancel_job_at(job, now)

    def cancel_job_at(self, job: SimJob, at: float) -> None:
        job.cancelled_at = at
        self._finish(job, at)

    def receive_upload(self, token: str, size: int) -> UploadSlot:
        """Storage got the bytes for an upload URL; raises WorldError(403) if it expired."""
        now = self.now_ts()
        slot = self.uploads.get(token)
        if slot is None:
            raise WorldError(403, "AccessDenied", "Invalid or unknown signed URL")
        if now >= slot.expires_at:
            raise WorldError(403, "ExpiredToken", "The provided token has expired.")
        if slot.received_at is None:
            slot.received_at = now
            slot.received_size = size
            job = self.jobs.get(slot.job_id)
            if job is not None and not job.settled:
                heapq.heappush(self._pending, (job.expected_end(now), next(self._heap_seq), job))
        return slot

    # -- time passing --------------------------------------------------------------------

    def settle(self, now: float | None = None) -> int:
        """Apply the effects of every job that stopped by `now`; returns how many stopped."""
        now = self.now_ts() if now is None else now
        finished = 0
        pending = self._pending
        while pending and pending[0][0] <= now:
            _, _, job = heapq.heappop(pending)
            if job.settled:
                continue
            state, _ = job.phase(now)
            if state in (STOPPED, CANCELLED):
                self._finish(job, now)
                finished += 1
            else:
                heapq.heappush(
                    pending, (max(now, job.expected_end(now)), next(self._heap_seq), job)
                )
                if pending[0][2] is job and pending[0][0] <= now:
                    break
        return finished

    def _finish(self, job: SimJob, now: float) -> None:
        if job.settled:
            return
        job.settled = True
        self.active_by_type[job.job_type] -= 1
        state, stopped_at = job.phase(now)
        project = self.projects.get(job.project_id)
        if project is not None and state == STOPPED and stopped_at is not None:
            result = job.result()
            if job.job_type == JOB_TYPE_IMPORT and result.get("status") != "error":
                for plan in job.media:
                    status = result["media_status"].get(plan.name, {})
                    if status.get("status") == "success":
                        info: JsonDict = {"type": plan.media_type}
                        if plan.media_type != "image":
                            info["duration"] = plan.duration
                        project.media_files[plan.name] = info
                for composition in job.new_compositions:
                    composition.duration = round(
                        sum(p.duration for p in job.media if p.media_type != "image") or 60.0, 3
                    )
                    project.compositions.append(composition)
                project.updated_at = max(project.updated_at, stopped_at)
            elif job.job_type == JOB_TYPE_AGENT and result.get("project_changed"):
                if not project.compositions:
                    project.compositions.append(SimComposition(self.new_id(), "Agent draft", 45.0))
                project.updated_at = max(project.updated_at, stopped_at)
        if job.callback_url:
            self.callbacks_due.append(
                CallbackDue(job.job_id, job.callback_url, job.to_json(now), next_at=now)
            )

    # -- reading -------------------------------------------------------------------------

    def list_jobs(
        self,
        user: User,
        *,
        now: float,
        job_type: str | None,
        project_id: str | None,
        after: float,
        before: float,
        cursor: Cursor | None,
        limit: int,
    ) -> tuple[list[SimJob], Cursor | None]:
        # Retention: nothing older than 30 days is ever listed, whatever the filters say.
        key = list_key(user.drive_id, job_type, project_id)
        return self._index.page(key, max(after, now - RETENTION_S), before, cursor, limit)

    def projects_of(self, drive_id: str) -> Iterator[SimProject]:
        return (p for p in self.projects.values() if p.drive_id == drive_id)

    def job_count(self) -> int:
        return len(self.jobs)
