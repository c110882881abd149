"""A job's lifecycle, computed from the clock: queue, uploads, run, stop or cancel.

A job never runs anywhere: its state at any instant is a pure function of its creation time,
its deterministic queue and run durations, its uploads and whether it was cancelled. So GET
needs no worker, and a test moves a job along by advancing a `ManualClock`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tui.api.models import JOB_TYPE_PUBLISH, JsonDict
from tui.simulator.world.model import (
    CANCELLED,
    PROGRESS_STEP_S,
    QUEUED,
    RUNNING,
    STOPPED,
    SimComposition,
    ts_to_iso,
)


@dataclass(slots=True)
class UploadSlot:
    """One direct-upload file: its signed URL's token and what (if anything) arrived."""

    token: str
    job_id: str
    media_name: str
    content_type: str
    file_size: int
    expires_at: float
    asset_id: str
    artifact_id: str
    received_at: float | None = None
    received_size: int | None = None


@dataclass(slots=True)
class MediaPlan:
    """One `add_media` entry of an import and how it will turn out."""

    name: str
    kind: str  # url | upload | sequence
    media_type: str  # video | audio | image | sequence | other
    duration: float
    error: str | None = None
    upload: UploadSlot | None = None
    tracks: tuple[str, ...] = ()


@dataclass(slots=True)
class SimJob:
    job_id: str
    job_type: str
    drive_id: str
    user_id: str
    project_id: str
    project_url: str
    created_at: float
    seq: int
    queued_s: float
    run_s: float
    labels: tuple[str, ...]
    callback_url: str | None = None
    media: tuple[MediaPlan, ...] = ()
    new_compositions: tuple[SimComposition, ...] = ()
    # Agent and publish outcomes are fixed at submit time; imports are judged at the end.
    fixed_result: JsonDict | None = None
    composition_id: str | None = None
    share_url: str | None = None
    # A stall: after `stall_at_s` seconds of work, progress stops moving for `stall_s`
    # seconds (`last_update_at` stays put), then the job carries on and ends that much later.
    stall_at_s: float | None = None
    stall_s: float = 0.0
    cancelled_at: float | None = None
    settled: bool = False
    final_json: JsonDict | None = None

    @property
    def sort_key(self) -> tuple[float, int]:
        return (self.created_at, self.seq)

    @property
    def busy_s(self) -> float:
        """Run time from ready to stop: the work plus any stall."""
        return self.run_s + (self.stall_s if self.stall_at_s is not None else 0.0)

    def work_done(self, elapsed: float) -> tuple[float, float]:
        """(seconds of work done, when it was last reported, as an offset from ready)."""
        work = elapsed
        stall_at = self.stall_at_s
        if stall_at is not None and elapsed > stall_at:
            work = max(stall_at, elapsed - self.stall_s)
        done = min(self.run_s, int(max(0.0, work) // PROGRESS_STEP_S) * PROGRESS_STEP_S)
        stalled_before = stall_at is not None and done > stall_at
        return done, done + (self.stall_s if stalled_before else 0.0)

    def ready_at(self, now: float) -> float | None:
        """When processing could start: after the queue and every upload; None if waiting."""
        start = self.created_at + self.queued_s
        ready = start
        for plan in self.media:
            slot = plan.upload
            if slot is None:
                continue
            if slot.received_at is not None:
                ready = max(ready, slot.received_at)
            elif now >= slot.expires_at:
                ready = max(ready, slot.expires_at)
            else:
                return None
        return ready

    def phase(self, now: float) -> tuple[str, float | None]:
        """(job_state, stopped_at or None)."""
        if self.cancelled_at is not None:
            return CANCELLED, self.cancelled_at
        if now < self.created_at + self.queued_s:
            return QUEUED, None
        ready = self.ready_at(now)
        if ready is None or now < ready + self.busy_s:
            return RUNNING, None
        return STOPPED, ready + self.busy_s

    def expected_end(self, now: float) -> float:
        """A time at or before which nothing can change the job's phase (for the heap)."""
        ready = self.ready_at(now)
        if ready is not None:
            return ready + self.busy_s
        pending = [p.upload.expires_at for p in self.media if p.upload and not p.upload.received_at]
        return max(pending) + self.busy_s if pending else now

    def waiting_for(self, now: float) -> list[UploadSlot]:
        return [
            p.upload
            for p in self.media
            if p.upload is not None and p.upload.received_at is None and now < p.upload.expires_at
        ]

    def progress(self, now: float) -> JsonDict:
        waiting = self.waiting_for(now)
        start = self.created_at + self.queued_s
        if waiting:
            arrived = [
                p.upload.received_at for p in self.media if p.upload and p.upload.received_at
            ]
            total = sum(1 for p in self.media if p.upload)
            return {
                "label": f"Waiting for upload ({total - len(waiting)} of {total} files received)",
                "percent": 0,
                "last_update_at": ts_to_iso(max([start, *arrived])),
            }
        ready = self.ready_at(now) or start
        done, reported = self.work_done(now - ready)
        fraction = done / self.run_s if self.run_s > 0 else 1.0
        label = self.labels[min(len(self.labels) - 1, int(fraction * len(self.labels)))]
        progress: JsonDict = {
            "label": label,
            "percent": min(99, int(fraction * 100)),
            "last_update_at": ts_to_iso(ready + reported),
        }
        if self.job_type == JOB_TYPE_PUBLISH and self.composition_id:
            progress["composition_id"] = self.composition_id
            if fraction >= 0.5 and self.share_url:
                progress["share_url"] = self.share_url
        return progress

    def result(self) -> JsonDict:
        if self.fixed_result is not None:
            return self.fixed_result
        return import_result(self)

    def to_json(self, now: float) -> JsonDict:
        if self.final_json is not None:
            return self.final_json
        state, stopped_at = self.phase(now)
        body: JsonDict = {
            "job_id": self.job_id,
            "job_type": self.job_type,
            "job_state": state,
            "created_at": ts_to_iso(self.created_at),
        }
        if stopped_at is not None:
            body["stopped_at"] = ts_to_iso(stopped_at)
        body["drive_id"] = self.drive_id
        body["project_id"] = self.project_id
        body["project_url"] = self.project_url
        if state == RUNNING:
            body["progress"] = self.progress(now)
        elif state == STOPPED:
            body["result"] = self.result()
        if stopped_at is not None:
            # A stopped or cancelled job never changes again: render it once.
            self.final_json = body
        return body


def upload_failure(slot: UploadSlot) -> str | None:
    if slot.received_at is None:
        return "The upload URL expired before the file was uploaded"
    if slot.received_size != slot.file_size:
        return (
            f"Uploaded file is {slot.received_size} bytes but file_size declared "
            f"{slot.file_size} bytes"
        )
    return None


def media_errors(job: SimJob) -> dict[str, str]:
    errors: dict[str, str] = {}
    for plan in job.media:
        error = plan.error
        if plan.upload is not None and error is None:
            error = upload_failure(plan.upload)
        if error:
            errors[plan.name] = error
    for plan in job.media:
        if plan.kind == "sequence" and plan.name not in errors:
            broken = [t for t in plan.tracks if t in errors]
            if broken:
                errors[plan.name] = f"Track media {broken[0]!r} failed to import"
    return errors


def import_result(job: SimJob) -> JsonDict:
    errors = media_errors(job)
    if job.media and len(errors) == len(job.media):
        first = next(iter(errors.items()))
        detail = f"{first[0]}: {first[1]}"
        if len(errors) > 1:
            detail += f" (and {len(errors) - 1} more)"
        return {
            "status": "error",
            "error_message": f"Failed to import media files. {detail}",
            "error_code": "import_failed",
        }
    media_status: JsonDict = {}
    used = 0.0
    for plan in job.media:
        if plan.name in errors:
            media_status[plan.name] = {"status": "failed", "error_message": errors[plan.name]}
            continue
        entry: JsonDict = {"status": "success"}
        if plan.media_type != "image":
            entry["duration_seconds"] = plan.duration
            if plan.kind != "sequence":
                used += plan.duration
        media_status[plan.name] = entry
    result: JsonDict = {
        "status": "partial" if errors else "success",
        "media_status": media_status,
        "media_seconds_used": math.ceil(used),
    }
    if job.new_compositions:
        result["created_compositions"] = [
            {"id": c.id, "name": c.name} for c in job.new_compositions
        ]
    return result



@dataclass(slots=True)
class CallbackDue:
    """A stopped job whose callback_url the dispatcher still has to POST to."""

    job_id: str
    url: str
    payload: JsonDict
    next_at: float
    attempts: int = 0
    # The callback fault this delivery got (see tui/simulator/callbacks.py); None = not yet.
    fault: str | None = None
