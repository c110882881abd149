"""One way to show a failed API call: status, the server's message, the remedy, the whole body.

Every screen that talks to the API reuses this panel, so a 402 reads the same in the import
form, the agent form and the cancel modal. API text goes in as `rich.text.Text` (a server
message with `[brackets]` shows as sent). The full body is folded away until the user asks.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Static

from tui.api.errors import (
    ApiError,
    OutcomeUnknownError,
    RetryAfterTooLong,
    TransportError,
    UploadError,
)

BODY_HINT = "b (with this panel focused): show or hide the full body"
OUTCOME_UNKNOWN_WARNING = (
    "The job may exist on the server. Do not resubmit blindly: look for it in the jobs list first."
)


def api_error_of(error: BaseException) -> ApiError | None:
    """The HTTP answer behind `error`: itself, or the 429 a too-long Retry-After came with."""
    if isinstance(error, ApiError):
        return error
    if isinstance(error, RetryAfterTooLong) and isinstance(error.error, ApiError):
        return error.error
    return None


def error_title(error: BaseException) -> str:
    """`HTTP 402 Payment Required`, `Outcome unknown`, … : what kind of failure, in a few words."""
    if (api := api_error_of(error)) is not None:
        try:
            phrase = HTTPStatus(api.status).phrase
        except ValueError:
            phrase = "Error"
        return f"HTTP {api.status} {phrase}"
    if isinstance(error, OutcomeUnknownError):
        return "Outcome unknown"
    if isinstance(error, TransportError):
        return "Network error"
    if isinstance(error, UploadError):
        return "Upload failed"
    return type(error).__name__


def error_message(error: BaseException) -> str:
    """The server's `error: message` when it sent one, else the one-line summary."""
    api = api_error_of(error)
    if api is None:
        return str(error)
    parts = [part for part in (api.error, api.message) if part]
    message = ": ".join(parts) if parts else str(api)
    # A wait too long to sit through: say how long and until when.
    return f"{message}\n{error}" if api is not error else message


def error_remedy(error: BaseException) -> str | None:
    """What the user can do about it (from the reference docs), when the error knows."""
    remedies = [getattr(error, "remedy", None)]
    if (api := api_error_of(error)) is not None and api is not error:
        remedies.insert(0, api.remedy)
    lines = [r for r in remedies if isinstance(r, str) and r]
    return "\n".join(lines) or None


def error_body(error: BaseException) -> str:
    """The whole response body (pretty JSON when it is JSON), or what was sent, for an unknown."""
    if isinstance(error, OutcomeUnknownError):
        sent = json.dumps(error.request_json, indent=2, ensure_ascii=False, default=str)
        body = f"{error.method} {error.path}\nreason: {error.reason}\nrequest body:\n{sent}"
        if error.body:
            body += f"\nresponse (unreadable):\n{error.body}"
        return body
    raw = getattr(api_error_of(error) or error, "body", None)
    if not raw:
        return "(no response body)"
    text = str(raw)
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


class ErrorPanel(Vertical, can_focus=True):
    """A failed call: title, server message, remedy; `b` unfolds the whole body."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "toggle_body", "Full body"),
    ]

    DEFAULT_CLASSES = "-empty"

    body_shown: reactive[bool] = reactive(False)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.error: BaseException | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="error-title", classes="error-title")
        yield Static(id="error-message", classes="error-message")
        yield Static(id="error-remedy", classes="error-remedy")
        yield Static(id="error-warning", classes="error-warning")
        yield Static(id="error-hint", classes="error-hint")
        yield Static(id="error-body", classes="error-body")

    def show_error(self, error: BaseException) -> None:
        """Show `error` (any exception; API errors get their status, remedy and body)."""
        self.error = error
        self.body_shown = False
        self.remove_class("-empty")
        self.query_one("#error-title", Static).update(Text(error_title(error)))
        self.query_one("#error-message", Static).update(Text(error_message(error)))
        remedy = error_remedy(error)
        self.query_one("#error-remedy", Static).update(Text(remedy or ""))
        self.query_one("#error-remedy").display = remedy is not None
        warning = self.query_one("#error-warning", Static)
        warning.update(Text(OUTCOME_UNKNOWN_WARNING))
        warning.display = isinstance(error, OutcomeUnknownError)
        has_body = isinstance(error, OutcomeUnknownError) or bool(
            getattr(api_error_of(error) or error, "body", None)
        )
        hint = self.query_one("#error-hint", Static)
        hint.update(Text(BODY_HINT if has_body else ""))
        hint.display = has_body
        self._render_body()

    def clear(self) -> None:
        self.error = None
        self.body_shown = False
        self.add_class("-empty")

    @property
    def is_showing(self) -> bool:
        return self.error is not None

    def action_toggle_body(self) -> None:
        if self.error is not None:
            self.body_shown = not self.body_shown

    def watch_body_shown(self) -> None:
        if self.is_mounted:
            self._render_body()

    def _render_body(self) -> None:
        body = self.query_one("#error-body", Static)
        body.update(Text(error_body(self.error)) if self.error is not None else Text(""))
        body.display = self.body_shown and self.error is not None
