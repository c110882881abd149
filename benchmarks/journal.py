"""How long the journal takes with 10,000 jobs: `.venv/bin/python benchmarks/journal.py`.

Prints milliseconds for the calls the app makes at start (load_jobs, unfinished_job_ids)
and on each poll batch (upsert_jobs, upsert_job), on a fresh journal in a temp folder.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.api.models import Job
from tui.journal import Journal

JOBS = 10_000


def job(n: int, state: str = "running") -> Job:
    return Job.from_json(
        {
            "job_id": f"job-{n:05d}",
            "job_type": "import/project_media",
            "job_state": state,
            "created_at": "2026-11-25T12:00:01Z",
            "project_id": "proj-1",
            "progress": {"label": "Transcribing", "percent": 40},
        }
    )


def timed(label: str, action) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    action()
    print(f"{label:<44} {(time.perf_counter() - start) * 1000:8.1f} ms")


def main() -> None:
    jobs = [job(n) for n in range(JOBS)]
    stopped = [job(n, "stopped") for n in range(200)]
    with tempfile.TemporaryDirectory() as folder, Journal(Path(folder) / "j.sqlite3") as journal:
        timed(f"upsert_jobs({JOBS:,} new)", lambda: journal.upsert_jobs(jobs))
        timed(f"upsert_jobs({JOBS:,} unchanged)", lambda: journal.upsert_jobs(jobs))
        timed(f"load_jobs() with {JOBS:,} jobs", journal.load_jobs)
        timed("unfinished_job_ids()", journal.unfinished_job_ids)
        timed(
            "200 x upsert_job() that change state", lambda: [journal.upsert_job(j) for j in stopped]
        )
        timed("record_submission() (fsynced)", lambda: journal.record_submission("import", {}))


if __name__ == "__main__":
    main()
