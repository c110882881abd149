"""Every message a worker posts to the jobs screen: the one way from background work up.

Workers never touch widgets; they post one of these and a handler on the screen folds it
into the board and renders what changed. There is one throttle between the scheduler and
the table: the poller worker posts at most one `LiveBatch` per `refresh_interval` seconds
of the session clock, so nothing else merges or buffers. They are for the jobs screen
alone: none bubbles up to the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from tui.api.scheduler import SchedulerEvent
from tui.journal import JournaledJob, PendingSubmission


@dataclass
class LiveBatch(Message, bubble=False):
    """What the scheduler said since the last batch, in order (jobs, walk, link)."""

    events: list[SchedulerEvent]


@dataclass
class ProjectsListed(Message, bubble=False):
    """Project names for the project column and filter (`GET /projects`)."""

    names: dict[str, str]


@dataclass
class JournalRestored(Message, bubble=False):
    """What the journal remembered, read at start before any list answer.

    `unfinished`: ids to poll again; `ui_state`: filters, sort, last screen.
    """

    rows: list[JournaledJob]
    unfinished: list[str]
    ui_state: dict[str, Any]


@dataclass
class ReconciliationsFound(Message, bubble=False):
    """Submissions whose outcome is unknown, to show as ⚠ rows."""

    pending: list[PendingSubmission]
