"""Submissions: turning a schema-valid request body into a job plan.

The registry resolves who asks and into which project (and refuses what the world refuses);
these functions decide the rest from the seed and the body alone: durations, labels, media
plans, upload slots and fixed outcomes. The order in which ids are drawn is part of the
demo's determinism, so it stays exactly as it is.
"""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

from tui.api.models import JOB_TYPE_AGENT, JOB_TYPE_IMPORT, JOB_TYPE_PUBLISH, JsonDict
from tui.simulator.world.jobs import MediaPlan, SimJob, UploadSlot
from tui.simulator.world.model import (
    DURATION_RANGES_S,
    QUEUE_RANGE_S,
    STALL_AT_FRACTION,
    STALL_S,
    STUCK_MARKER,
    UPLOAD_URL_TTL_S,
    SimComposition,
    SimProject,
    User,
    WorldError,
    canonical,
    media_kind,
    seeded_rng,
)
from tui.simulator.world.outcomes import agent_labels, agent_result, publish_result, url_failure


class IdSource:
    """The world's seeded ids: uuids, upload tokens, share keys and the creation sequence."""

    __slots__ = ("_ids", "_seq")

    def __init__(self, seed: int) -> None:
        self._ids = random.Random(f"descript-sim-ids-{seed}")
        self._seq = itertools.count(1)

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def bits(self, n: int) -> int:
        return self._ids.getrandbits(n)

    def next_seq(self) -> int:
        return next(self._seq)


@dataclass(frozen=True, slots=True)
class Submission:
    """One accepted request: who, into which project, when, with what timing overrides."""

    user: User
    project: SimProject
    body: JsonDict
    at: float
    queued_s: float | None = None
    run_s: float | None = None


def check_import_references(body: JsonDict, project: SimProject | None) -> None:
    """Clips and tracks name known media; new files don't clash with the project's (400)."""
    add_media: JsonDict = body.get("add_media") or {}
    known = set(add_media) | (set(project.media_files) if project else set())
    for comp in body.get("add_compositions") or []:
        for clip in comp.get("clips") or []:
            if clip["media"] not in known:
                raise WorldError(
                    400,
                    "invalid_input",
                    f"Composition clip media {clip['media']!r} is not in add_media "
                    "or the project",
                )
    for name, item in add_media.items():
        for track in item.get("tracks") or []:
            if track["media"] not in known:
                raise WorldError(
                    400,
                    "invalid_input",
                    f"Track media {track['media']!r} of {name!r} is not in add_media "
                    "or the project",
                )
    if project is not None:
        clash = sorted(set(add_media) & set(project.media_files))
        if clash:
            raise WorldError(
                400,
                "invalid_input",
                f"Media filename conflicts with existing files in the project: {clash[0]}",
            )


def _media_plan(
    seed: int, ids: IdSource, job_id: str, name: str, item: JsonDict, at: float
) -> MediaPlan:
    duration = round(seeded_rng(seed, "duration", name, canonical(item)).uniform(8, 1800), 3)
    if "url" in item:
        url = str(item["url"])
        kind = media_kind(urlparse(url).path or name)
        if kind == "other":
            kind = media_kind(name)
        return MediaPlan(name, "url", kind, duration, error=url_failure(url, name))
    if "tracks" in item:
        tracks = tuple(t["media"] for t in item["tracks"])
        return MediaPlan(name, "sequence", "sequence", duration, tracks=tracks)
    slot = UploadSlot(
        token=ids.bits(96).to_bytes(12, "big").hex(),
        job_id=job_id,
        media_name=name,
        content_type=str(item["content_type"]),
        file_size=int(item["file_size"]),
        expires_at=at + UPLOAD_URL_TTL_S,
        asset_id=ids.new_id(),
        artifact_id=ids.new_id(),
    )
    return MediaPlan(name, "upload", media_kind(name, slot.content_type), duration, upload=slot)


def _timing(
    sub: Submission, rng: random.Random, job_type: str, *, longest: bool
) -> tuple[float, float]:
    """(queued_s, run_s): the total is drawn from the documented range (or its maximum)."""
    lo, hi = DURATION_RANGES_S[job_type]
    total = hi if longest else rng.uniform(lo, hi)
    queue = rng.uniform(*QUEUE_RANGE_S) if sub.queued_s is None else sub.queued_s
    return queue, (total - queue) if sub.run_s is None else sub.run_s


def _new_job(
    sub: Submission,
    job_type: str,
    job_id: str,
    seq: int,
    timing: tuple[float, float],
    labels: tuple[str, ...],
) -> SimJob:
    """The parts every job shares: who, where, when, how long; the caller adds its plan."""
    return SimJob(
        job_id=job_id,
        job_type=job_type,
        drive_id=sub.user.drive_id,
        user_id=sub.user.id,
        project_id=sub.project.id,
        project_url=sub.project.url,
        created_at=sub.at,
        seq=seq,
        queued_s=timing[0],
        run_s=timing[1],
        labels=labels,
        callback_url=sub.body.get("callback_url"),
    )


def _stalled(job: SimJob, stuck: bool) -> SimJob:
    if stuck:
        job.stall_at_s = job.run_s * STALL_AT_FRACTION
        job.stall_s = STALL_S
    return job


def _urls_say(add_media: JsonDict, marker: str) -> bool:
    return any("url" in item and marker in str(item["url"]).lower() for item in add_media.values())


def import_job(sub: Submission, seed: int, ids: IdSource) -> SimJob:
    """The job an import request makes; its upload slots are on its media plans."""
    body = sub.body
    seq = ids.next_seq()
    job_id = ids.new_id()
    rng = seeded_rng(seed, "import", canonical(body), seq)
    add_media: JsonDict = body.get("add_media") or {}
    plans = [_media_plan(seed, ids, job_id, n, i, sub.at) for n, i in add_media.items()]
    queue, run = _timing(sub, rng, JOB_TYPE_IMPORT, longest=_urls_say(add_media, "slow"))
    compositions = tuple(
        SimComposition(ids.new_id(), comp.get("name") or f"Composition {i + 1}", 0.0)
        for i, comp in enumerate(body.get("add_compositions") or [])
    )
    labels = [f"Importing {p.name} ({i + 1}/{len(plans)})..." for i, p in enumerate(plans)]
    labels.append("Transcribing...")
    if compositions:
        labels.append("Creating compositions...")
    job = _new_job(sub, JOB_TYPE_IMPORT, job_id, seq, (queue, run), tuple(labels))
    job.media = tuple(plans)
    job.new_compositions = compositions
    return _stalled(job, _urls_say(add_media, STUCK_MARKER))


def agent_job(
    sub: Submission, seed: int, ids: IdSource, composition: SimComposition | None
) -> SimJob:
    body = sub.body
    seq = ids.next_seq()
    prompt = str(body["prompt"])
    rng = seeded_rng(seed, "agent", canonical(body), seq)
    queue, run = _timing(sub, rng, JOB_TYPE_AGENT, longest="timeout" in prompt.lower())
    result = agent_result(prompt, rng, new_project=bool(body.get("project_name")))
    labels = agent_labels(prompt, composition)
    job = _new_job(sub, JOB_TYPE_AGENT, ids.new_id(), seq, (queue, run), labels)
    job.fixed_result = result
    job.composition_id = composition.id if composition else None
    return _stalled(job, STUCK_MARKER in prompt.lower())


def publish_job(
    sub: Submission, seed: int, ids: IdSource, composition: SimComposition, share_url: str
) -> SimJob:
    body = sub.body
    seq = ids.next_seq()
    rng = seeded_rng(seed, "publish", canonical(body), seq)
    queue, run = _timing(sub, rng, JOB_TYPE_PUBLISH, longest=False)
    job_id = ids.new_id()
    media_type = body.get("media_type") or "Video"
    result = publish_result(composition, job_id, share_url, media_type, sub.at + queue + run)
    noun = "video" if media_type == "Video" else "audio"
    labels = ("Preparing export", f"Rendering {noun} export", "Uploading to share page")
    job = _new_job(sub, JOB_TYPE_PUBLISH, job_id, seq, (queue, run), labels)
    job.fixed_result = result
    job.composition_id = composition.id
    job.share_url = share_url
    return job
