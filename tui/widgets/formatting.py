"""Moved to `tui.formatting` (the CLI shares it, so it lives below the widgets).

Kept only so the jobs table widget, which its owner rewrites this round, still imports;
new code imports `tui.formatting`.
"""

from tui.formatting import *  # noqa: F403
from tui.formatting import EXPIRED_WORDS, RETENTION_NOTE, STATE_LABELS, STATE_SYMBOLS  # noqa: F401
