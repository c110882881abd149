"""How the CLI reports an error: its exit code and its lines, in one place for `tui.cli`
(which prints them for every command) and the commands that add to them."""

from __future__ import annotations

from tui.commands import ExitCode
from tui.commands.output import describe_error

PROG = "descript-tui"


def exit_code_for(err: BaseException) -> int | None:
    """The documented exit code for an error, or None for a bug (which should traceback)."""
    from tui.api import errors
    from tui.api.base_url import InvalidBaseUrlError
    from tui.config import ConfigError
    from tui.submissions import UnresolvedTwinError

    # Order matters: the first class that matches wins (subclasses before their bases).
    table: tuple[tuple[type[BaseException], ExitCode], ...] = (
        (ConfigError, ExitCode.USAGE),
        (InvalidBaseUrlError, ExitCode.USAGE),
        (errors.InvalidRequestError, ExitCode.USAGE),
        (UnresolvedTwinError, ExitCode.USAGE),
        (errors.MissingTokenError, ExitCode.USAGE),
        (errors.OutcomeUnknownError, ExitCode.NETWORK),
        (errors.TransportError, ExitCode.NETWORK),
        (errors.UnauthorizedError, ExitCode.UNAUTHORIZED),
        (errors.ForbiddenError, ExitCode.UNAUTHORIZED),
        (errors.RateLimitedError, ExitCode.RATE_LIMITED),
        (errors.RetryAfterTooLong, ExitCode.RATE_LIMITED),
        (errors.DescriptError, ExitCode.FAILURE),
    )
    return next((code for cls, code in table if isinstance(err, cls)), None)


def error_lines(err: BaseException) -> list[str]:
    """What to print for an error: an unknown outcome says how to check before resubmitting."""
    from tui.api.errors import OutcomeUnknownError
    from tui.config import ConfigError

    if isinstance(err, OutcomeUnknownError):
        return [
            f"{err.method} {err.path} was sent but its answer never came: the job may or may "
            "not have been created",
            f"check with `{PROG} reconcile` before submitting again "
            "(it was NOT resent, to avoid a duplicate job)",
        ]
    if isinstance(err, ConfigError):
        return [str(err)]
    return describe_error(err)
