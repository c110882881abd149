"""Filter and sort as values: the stable tie-break, the `s` cycle, header clicks."""

from __future__ import annotations

from tests.unit.live.helpers import job
from tui.live.filters import SORT_KEYS, TYPE_FILTERS, JobFilter, JobSort


def test_every_sort_key_ends_in_created_then_job_id() -> None:
    a, b = job("b", minute=1), job("a", minute=1)
    for column in SORT_KEYS:
        key_a, key_b = JobSort(column).key(a), JobSort(column).key(b)
        assert key_a[1:] == (a.created_at.timestamp(), "b")
        assert key_a != key_b


def test_the_sort_cycles_columns_in_their_natural_direction_and_clicks_flip() -> None:
    sort = JobSort()
    assert sort.next_column() == JobSort("age", True)
    assert JobSort("id").next_column() == JobSort("type", False)
    assert sort.by("created") == JobSort("created", False)
    assert sort.by("progress") == JobSort("progress", True)
    assert JobSort("age", True).describe() == "elapsed ↓"
    assert JobSort(SORT_KEYS[-1]).next_column().column == SORT_KEYS[0]


def test_filters_match_state_kind_project_and_text() -> None:
    running, done = job("r1", project_id="p1"), job("d1", "stopped", project_id="p2")
    assert JobFilter(state="running").matches(running)
    assert not JobFilter(state="running").matches(done)
    assert not JobFilter(state="running").matches(running, expired=True)
    assert JobFilter(project_id="p2").matches(done)
    assert JobFilter(text="ADA").matches(running, "Interview with Ada")
    assert not JobFilter(kind="agent").matches(running)
    assert TYPE_FILTERS == ("all", "import", "agent", "publish")
    assert JobFilter().is_default and not JobFilter().with_(text="x").is_default
