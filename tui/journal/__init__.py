"""The local journal (SQLite): submissions, jobs, their state history and API calls, UI state.

`store.py` holds `Journal`; `schema.py` the tables and migrations; `records.py` what the
journal answers; `history.py` a job's state history; `calls.py` the API calls about each
job; `recorder.py` `CallRecorder`, the activity-log listener that writes them. Import
everything from here.
"""

from tui.journal.calls import CALLS_CAP, CALLS_FIRST
from tui.journal.history import HISTORY_CAP, Source, StateChange
from tui.journal.recorder import CallRecorder
from tui.journal.records import JournaledJob, PendingSubmission
from tui.journal.schema import (
    ABANDONED,
    CREATED,
    OUTCOME_UNKNOWN,
    RECONCILED,
    REJECTED,
    SCHEMA_VERSION,
    SENDING,
)
from tui.journal.store import (
    APP_NAME,
    DATA_DIR_ENV,
    JOURNAL_FILE_NAME,
    KIND_TO_JOB_TYPE,
    MEMORY,
    STALE_SENDING,
    Journal,
    JournalError,
    default_journal_path,
    open_journal,
)

__all__ = [
    "ABANDONED",
    "APP_NAME",
    "CALLS_CAP",
    "CALLS_FIRST",
    "CREATED",
    "DATA_DIR_ENV",
    "HISTORY_CAP",
    "JOURNAL_FILE_NAME",
    "KIND_TO_JOB_TYPE",
    "MEMORY",
    "OUTCOME_UNKNOWN",
    "RECONCILED",
    "REJECTED",
    "SCHEMA_VERSION",
    "SENDING",
    "STALE_SENDING",
    "CallRecorder",
    "Journal",
    "JournalError",
    "JournaledJob",
    "PendingSubmission",
    "Source",
    "StateChange",
    "default_journal_path",
    "open_journal",
]
