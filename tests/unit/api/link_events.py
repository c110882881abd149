"""Reading the scheduler's link events in tests: heartbeats repeat the state, changes count."""

from __future__ import annotations

from collections.abc import Iterable

from tui.api.link import ConnectionEvent


def link_changes(events: Iterable[object]) -> list[ConnectionEvent]:
    """Connection events that said something new (a state, or a new retry time)."""
    changes: list[ConnectionEvent] = []
    for event in events:
        if not isinstance(event, ConnectionEvent):
            continue
        if changes and (changes[-1].state, changes[-1].retry_at) == (event.state, event.retry_at):
            continue
        changes.append(event)
    return changes
