from __future__ import annotations

from datetime import timedelta

from tests.unit.triage.jobs import NOW, ago, make_job
from tui.api.models import Outcome
from tui.triage.stalls import (
    AGENT_SETTLE_NOTE,
    StallThresholds,
    StallTracker,
    agent_settle_note,
    stall_of,
    stalled_jobs,
)


def test_running_job_whose_last_update_has_not_moved_for_ten_minutes_is_stalled() -> None:
    moving = make_job("a-1111", progress={"percent": 40, "last_update_at": ago(9)})
    stuck = make_job("b-2222", progress={"percent": 40, "last_update_at": ago(12)})
    assert stall_of(moving, NOW) is None
    stall = stall_of(stuck, NOW)
    assert stall is not None and stall.outcome is Outcome.RUNNING
    assert stall.seconds == 12 * 60
    assert stall.text == "⏸ stalled 12m00s"


def test_queued_longer_than_five_minutes_is_stalled_and_thresholds_are_settable() -> None:
    queued = make_job("q-3333", "queued", created_at=ago(6))
    assert stall_of(queued, NOW) is not None
    assert stall_of(queued, NOW, StallThresholds(queued_minutes=7)) is None
    assert "queued for 6m00s" in stall_of(queued, NOW).reason  # type: ignore[union-attr]


def test_finished_jobs_never_stall_and_the_list_is_longest_first() -> None:
    done = make_job("d-4444", "stopped", result={"status": "success"}, created_at=ago(99))
    a = make_job("a-1111", progress={"percent": 1, "last_update_at": ago(20)})
    b = make_job("b-2222", progress={"percent": 1, "last_update_at": ago(40)})
    assert [s.job_id for s in stalled_jobs([done, a, b], NOW)] == ["b-2222", "a-1111"]


def test_without_last_update_at_the_tracker_times_the_percent() -> None:
    tracker = StallTracker()
    job = make_job("p-5555", progress={"percent": 30})
    assert tracker.observe(job, NOW) == (None, False)  # first sight: cannot judge yet
    assert tracker.observe(job, NOW + timedelta(minutes=9))[0] is None
    stall, new = tracker.observe(job, NOW + timedelta(minutes=11))
    assert stall is not None and new is True
    assert tracker.observe(job, NOW + timedelta(minutes=12))[1] is False  # notified once
    moved = make_job("p-5555", progress={"percent": 31})
    assert tracker.observe(moved, NOW + timedelta(minutes=13)) == (None, False)


def test_the_tracker_says_which_jobs_time_alone_may_have_stalled() -> None:
    # The dashboard's 5-second check judges only these (and jobs never observed), so its
    # cost follows the jobs due, not the Drive.
    tracker = StallTracker()
    moving = make_job("a-1111", progress={"percent": 40, "last_update_at": ago(2)})
    queued = make_job("q-3333", "queued", created_at=ago(1))
    timed = make_job("p-5555", progress={"percent": 30})  # no last_update_at: timed here
    for job in (moving, queued, timed):
        assert tracker.observe(job, NOW) == (None, False)
    assert set(tracker.observed()) == {"a-1111", "q-3333", "p-5555"}
    assert tracker.due(NOW + timedelta(minutes=3)) == []
    assert tracker.due(NOW + timedelta(minutes=4)) == ["q-3333"]  # 5 min after creation
    # Moved meanwhile: the next read pushes its deadline on.
    tracker.observe(make_job("a-1111", progress={"percent": 50, "last_update_at": ago(-5)}), NOW)
    assert tracker.due(NOW + timedelta(minutes=10)) == ["p-5555"]  # 10 min after seen
    assert tracker.due(NOW + timedelta(minutes=15)) == ["a-1111"]
    assert tracker.due(NOW + timedelta(hours=1)) == []  # each said once
    # A stalled job has no deadline (it stays stalled until read again), nor a finished one.
    stall, _ = tracker.observe(queued, NOW + timedelta(minutes=4))
    assert stall is not None and tracker.due(NOW + timedelta(hours=2)) == []
    done = make_job("q-3333", "stopped", result={"status": "success"})
    tracker.observe(done, NOW + timedelta(minutes=5))
    assert "q-3333" not in tracker.observed()


def test_an_agent_job_says_visual_updates_may_still_propagate_for_a_minute() -> None:
    agent = make_job(
        "g-6666", "stopped", job_type="agent", stopped_at=ago(0.5),
        result={"status": "success", "agent_response": "done"},
    )
    assert agent_settle_note(agent, NOW) == AGENT_SETTLE_NOTE
    assert agent_settle_note(agent, NOW + timedelta(seconds=31)) is None
    imported = make_job("i-7777", "stopped", stopped_at=ago(0.5), result={"status": "success"})
    assert agent_settle_note(imported, NOW) is None


def test_thresholds_come_from_the_settings_fields_or_their_defaults() -> None:
    from types import SimpleNamespace

    settings = SimpleNamespace(stall_running_minutes=20, stall_queued_minutes=None)
    assert StallThresholds.from_settings(settings) == StallThresholds(20.0, 5.0)
    assert StallThresholds.from_settings(object()) == StallThresholds()
