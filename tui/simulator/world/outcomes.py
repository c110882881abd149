"""Which outcome a job gets, decided by its request (see `docs/simulator.md`):

- import: a URL containing `unreachable` / `norange` / `corrupt`, or an unsupported file type,
  fails that file (uploads are judged when they arrive, in `jobs.py`).
- agent: a prompt containing `impossible` fails (`agent_execution_failed`), `timeout` fails
  (`agent_timeout`), `no changes` succeeds with `project_changed: false`.
- publish: a composition whose name contains `broken` fails to render.
"""

from __future__ import annotations

import random
from urllib.parse import urlparse

from tui.api.models import JsonDict
from tui.simulator.world.model import SimComposition, ts_to_iso

UNSUPPORTED_EXTENSIONS = {".exe", ".zip", ".pdf", ".txt", ".doc", ".docx", ".html"}

URL_FAILURES = (
    ("unreachable", "URL is not accessible or does not support Range requests"),
    ("norange", "URL does not support HTTP Range requests"),
    ("corrupt", "The media file could not be decoded"),
)


def url_failure(url: str, name: str) -> str | None:
    parsed = urlparse(url)
    where = f"{parsed.hostname or ''}{parsed.path}".lower()
    for marker, message in URL_FAILURES:
        if marker in where:
            return message
    path = (parsed.path or name).lower()
    dot = path.rfind(".")
    if dot >= 0 and path[dot:] in UNSUPPORTED_EXTENSIONS:
        return f"Unsupported file type: {path[dot:]}"
    return None


_AGENT_ACTIONS = (
    ("studio sound", "Applying Studio Sound to clip {n}...", "applied Studio Sound to {n} clips"),
    ("filler", "Removing filler words...", "removed {k} filler words"),
    ("caption", "Adding captions...", "added karaoke-style captions"),
    ("highlight", "Picking the best moments...", "cut a {s}-second highlight reel"),
    ("music", "Adding background music...", "added background music under the voice"),
    ("script", "Writing the script...", "wrote a script and laid out a first draft"),
    ("silence", "Shortening silences...", "shortened {k} long pauses"),
)


def agent_labels(prompt: str, composition: SimComposition | None) -> tuple[str, ...]:
    lowered = prompt.lower()
    labels = ["Reading the project", "Planning the edit"]
    for marker, label, _ in _AGENT_ACTIONS:
        if marker in lowered:
            if "{n}" in label:
                labels.extend(label.format(n=n) for n in (1, 2, 3))
            else:
                labels.append(label)
    if len(labels) == 2:
        target = f" {composition.name}" if composition else ""
        labels.append(f"Editing the composition{target}...")
    labels.append("Saving changes")
    return tuple(labels)


def agent_result(prompt: str, rng: random.Random, *, new_project: bool) -> JsonDict:
    lowered = prompt.lower()
    if "impossible" in lowered:
        return {
            "status": "error",
            "error_message": "AI agent failed to process the request: the edit asked for is "
            "not possible in this project",
            "error_code": "agent_execution_failed",
        }
    if "timeout" in lowered:
        return {
            "status": "error",
            "error_message": "The agent ran out of time before finishing the edit",
            "error_code": "agent_timeout",
        }
    credits = rng.randint(5, 150)
    if "no changes" in lowered:
        return {
            "status": "success",
            "agent_response": "I looked through the project and found nothing that needed "
            "changing.",
            "project_changed": False,
            "media_seconds_used": 0,
            "ai_credits_used": credits,
        }
    done = [
        summary.format(n=3, k=rng.randint(12, 80), s=30)
        for marker, _, summary in _AGENT_ACTIONS
        if marker in lowered
    ]
    response = (
        "Done! I " + ", ".join(done) + "." if done else f"Done! I edited the project: {prompt}"
    )
    return {
        "status": "success",
        "agent_response": response,
        "project_changed": True,
        "media_seconds_used": rng.randint(20, 120) if new_project else 0,
        "ai_credits_used": credits,
    }



def publish_result(
    composition: SimComposition, job_id: str, share_url: str, media_type: str, ends_at: float
) -> JsonDict:
    """A render fails for a composition named `broken`; otherwise share and download URLs."""
    if "broken" in composition.name.lower():
        return {"status": "error", "error_message": "Export failed during render"}
    ext = "mp4" if media_type == "Video" else "m4a"
    return {
        "status": "success",
        "composition_id": composition.id,
        "share_url": share_url,
        "download_url": (
            f"https://storage.googleapis.com/descript-sim-exports/{job_id}.{ext}"
            "?X-Goog-Expires=3600&X-Goog-Signature=simulated"
        ),
        "download_url_expires_at": ts_to_iso(ends_at + 3600),
    }
