"""Helpers the simulator now shares instead of keeping twins: loopback hosts, timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.api.models import format_timestamp, parse_timestamp
from tui.commands import UsageError
from tui.commands.simulate import run_simulator
from tui.simulator.callbacks import CallbackDispatcher, is_loopback_host
from tui.simulator.world import parse_iso


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("hooks.localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("10.0.0.5", False),
        ("example.com", False),
        ("localhost.example.com", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.2:9000/hook", True),
        ("http://[::1]:9000/hook", True),
        ("http://hooks.localhost/hook", True),
        ("https://hooks.example.com/hook", False),
    ],
)
def test_served_callbacks_go_only_to_loopback_hosts(url: str, allowed: bool) -> None:
    dispatcher = CallbackDispatcher(lambda: None)  # type: ignore[arg-type, return-value]
    assert dispatcher._allowed(url) is allowed


def test_simulate_refuses_a_remote_host_with_the_same_rule() -> None:
    from argparse import Namespace

    args = Namespace(host="0.0.0.0", allow_remote=False)
    with pytest.raises(UsageError, match="not loopback"):
        run_simulator(args, None)  # type: ignore[arg-type]


@settings(max_examples=60)
@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(UTC),
    )
)
def test_the_simulator_reads_timestamps_as_the_client_does(when: datetime) -> None:
    text = format_timestamp(when)
    assert parse_iso(text) == parse_timestamp(text)
    assert parse_iso(text.replace("Z", "+02:00")) == parse_timestamp(text.replace("Z", "+02:00"))


@pytest.mark.parametrize("text", ["", "  ", "yesterday", "2026-13-01T00:00:00Z"])
def test_unreadable_query_timestamps_are_none(text: str) -> None:
    assert parse_iso(text) is None
