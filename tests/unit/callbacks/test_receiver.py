"""The callback receiver takes a callback as a hint only after every check passes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from tui.api.clock import ManualClock
from tui.callbacks.receiver import (
    BAD_BODY,
    NOT_JSON,
    TOO_LARGE,
    UNKNOWN_JOB,
    WRONG_METHOD,
    WRONG_PATH,
    CallbackHint,
    CallbackReceiver,
    bind_warning,
)
from tui.callbacks.server import ReceiverServer

KNOWN = "job-known-1"


def make_receiver(**kwargs: object) -> tuple[CallbackReceiver, list[CallbackHint]]:
    hints: list[CallbackHint] = []
    receiver = CallbackReceiver(
        is_known=lambda job_id: job_id == KNOWN,
        on_hint=hints.append,
        public_url="https://hooks.example.test/",
        clock=ManualClock(datetime(2026, 12, 1, tzinfo=UTC)),
        **kwargs,  # type: ignore[arg-type]
    )
    return receiver, hints


def client_for(receiver: CallbackReceiver) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=receiver), base_url="http://receiver.test"
    )


async def test_a_known_job_on_the_secret_path_is_one_hint() -> None:
    receiver, hints = make_receiver()
    async with client_for(receiver) as client:
        answer = await client.post(receiver.path, json={"job_id": KNOWN, "job_state": "stopped"})
    assert answer.status_code == 202
    assert [(h.job_id, h.claimed_state) for h in hints] == [(KNOWN, "stopped")]
    assert receiver.accepted == 1 and not receiver.refused


async def test_duplicated_callbacks_are_each_a_hint_the_consumer_dedupes_by_reading() -> None:
    receiver, hints = make_receiver()
    async with client_for(receiver) as client:
        for _ in range(2):
            await client.post(receiver.path, json={"job_id": KNOWN})
    assert [h.job_id for h in hints] == [KNOWN, KNOWN]


@pytest.mark.parametrize(
    ("method", "path_suffix", "headers", "body", "status", "reason"),
    [
        ("POST", "/nope", {"content-type": "application/json"}, b"{}", 404, WRONG_PATH),
        ("GET", "", {}, b"", 405, WRONG_METHOD),
        ("POST", "", {"content-type": "text/plain"}, b'{"job_id": "x"}', 415, NOT_JSON),
        ("POST", "", {"content-type": "application/json"}, b"{not json", 400, NOT_JSON),
        ("POST", "", {"content-type": "application/json"}, b"[1, 2]", 400, BAD_BODY),
        ("POST", "", {"content-type": "application/json"}, b'{"job_id": 7}', 400, BAD_BODY),
        (
            "POST",
            "",
            {"content-type": "application/json"},
            b'{"job_id": "forged", "job_state": "stopped"}',
            202,
            UNKNOWN_JOB,
        ),
    ],
)
async def test_refused_requests_are_counted_and_change_nothing(
    method: str, path_suffix: str, headers: dict[str, str], body: bytes, status: int, reason: str
) -> None:
    receiver, hints = make_receiver()
    path = receiver.path + path_suffix if path_suffix != "/nope" else "/descript-callback/nope"
    async with client_for(receiver) as client:
        answer = await client.request(method, path, headers=headers, content=body)
    assert answer.status_code == status
    assert hints == []
    assert receiver.accepted == 0
    assert receiver.refused == {reason: 1}
    assert reason in receiver.describe()


async def test_a_body_over_the_limit_is_cut_off_unread() -> None:
    receiver, hints = make_receiver(max_body=1_000)
    payload = json.dumps({"job_id": KNOWN, "pad": "x" * 5_000}).encode()
    async with client_for(receiver) as client:
        answer = await client.post(
            receiver.path, content=payload, headers={"content-type": "application/json"}
        )
    assert answer.status_code == 413
    assert hints == [] and receiver.refused == {TOO_LARGE: 1}


async def test_the_secret_never_shows_in_logs_reprs_or_the_shown_url() -> None:
    receiver, _ = make_receiver()
    secret = receiver.path.rsplit("/", 1)[1]
    async with client_for(receiver) as client:
        await client.post(receiver.path, json={"job_id": KNOWN})
        await client.post(receiver.path + "x", json={"job_id": KNOWN})
    assert secret in receiver.callback_url
    shown = [receiver.shown_url, repr(receiver), *(event.path for event in receiver.events)]
    assert all(secret not in text for text in shown)
    assert len(receiver.events) == 2


def test_two_receivers_get_different_secret_paths() -> None:
    assert make_receiver()[0].path != make_receiver()[0].path


def test_binding_beyond_loopback_warns() -> None:
    assert bind_warning("127.0.0.1") is None
    assert bind_warning("::1") is None
    assert bind_warning("localhost") is None
    warning = bind_warning("0.0.0.0")
    assert warning is not None and "0.0.0.0" in warning


async def test_served_on_a_loopback_port() -> None:
    receiver, hints = make_receiver()
    server = ReceiverServer(receiver, "127.0.0.1", 0)
    await server.start()
    try:
        assert server.port > 0 and server.running
        async with httpx.AsyncClient() as client:
            url = f"http://127.0.0.1:{server.port}{receiver.path}"
            answer = await client.post(url, json={"job_id": KNOWN})
        assert answer.status_code == 202
        assert [h.job_id for h in hints] == [KNOWN]
    finally:
        await server.stop()
    assert not server.running
