"""The simulated Descript's world, split by concern (see `docs/simulator.md`, Layout):

- `model`: ids, tokens, states, durations, errors, Drives, users, projects;
- `jobs`: a job's lifecycle computed from the clock, and import results;
- `outcomes`: which outcome a request gets (URL markers, prompts, broken renders);
- `submissions`: a request body -> a job plan, with the world's seeded ids;
- `index`: the listing index (GET /jobs pages in O(log n + page));
- `registry`: `World`, which holds all of it and settles stopped jobs.

The names below are the simulator's public vocabulary; importers use this package.
"""

from tui.simulator.world.jobs import CallbackDue, MediaPlan, SimJob, UploadSlot
from tui.simulator.world.model import (
    BROKE_DRIVE_ID,
    BROKE_TOKEN,
    BROKE_USER_ID,
    CANCELLED,
    DAY_S,
    DEFAULT_LIST_WINDOW_S,
    DEMO_DRIVE_ID,
    DEMO_TOKEN,
    DEMO_USER_ID,
    JOB_TYPES,
    OTHER_DRIVE_ID,
    OTHER_DRIVE_TOKEN,
    OTHER_USER_ID,
    QUEUED,
    RETENTION_S,
    RUNNING,
    STOPPED,
    Drive,
    SimComposition,
    SimProject,
    User,
    WorldError,
    parse_iso,
    seeded_rng,
    ts_to_iso,
)
from tui.simulator.world.registry import World

__all__ = [
    "BROKE_DRIVE_ID",
    "BROKE_TOKEN",
    "BROKE_USER_ID",
    "CANCELLED",
    "DAY_S",
    "DEFAULT_LIST_WINDOW_S",
    "DEMO_DRIVE_ID",
    "DEMO_TOKEN",
    "DEMO_USER_ID",
    "JOB_TYPES",
    "OTHER_DRIVE_ID",
    "OTHER_DRIVE_TOKEN",
    "OTHER_USER_ID",
    "QUEUED",
    "RETENTION_S",
    "RUNNING",
    "STOPPED",
    "CallbackDue",
    "Drive",
    "MediaPlan",
    "SimComposition",
    "SimJob",
    "SimProject",
    "UploadSlot",
    "User",
    "World",
    "WorldError",
    "parse_iso",
    "seeded_rng",
    "ts_to_iso",
]
