"""Row status as an enum: what a row in the jobs table stands for, never a display string."""

from __future__ import annotations

import enum

from tui.formatting import EXPIRED_WORDS


class RowStatus(enum.Enum):
    """Why a row is in the table. The job's own outcome is `Job.outcome`; this says whether
    the row is backed by a live job at all."""

    #: A job the API answers for; its state comes from the last read.
    LIVE = "live"
    #: A job past the 30-day retention (a 404 on a job we knew): kept from the journal.
    EXPIRED = "expired"
    #: A submission written to the journal whose POST has not been answered yet.
    PENDING_SUBMIT = "pending_submit"
    #: A submission whose answer was lost: it may or may not have created a job.
    RECONCILE = "reconcile"


# The state column of a row the board knows better than the API; a live row shows its
# job's own state. The table renders these words for `JobRow.status`.
ROW_STATUS_WORDS: dict[RowStatus, str] = {
    RowStatus.EXPIRED: EXPIRED_WORDS,
    RowStatus.RECONCILE: "⚠ reconcile",
    RowStatus.PENDING_SUBMIT: "… sending",
}
