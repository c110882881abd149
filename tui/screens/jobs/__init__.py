"""The jobs screen, in parts: `screen` renders, `actions` are its keys, `feed` its workers,
`render` the one seam into the table."""

from tui.screens.jobs.actions import NO_TOKEN_HELP
from tui.screens.jobs.screen import JobsScreen

__all__ = ["NO_TOKEN_HELP", "JobsScreen"]
