"""One error class per documented status, each with the server's words and a remedy."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from tui.api.errors import (
    ApiError,
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    OutcomeUnknownError,
    PaymentRequiredError,
    RateLimitedError,
    RateLimitInfo,
    RetryAfterTooLong,
    ServerError,
    TransportError,
    UnauthorizedError,
    UnexpectedResponseError,
    UnexpectedStatusError,
    error_from_response,
    one_line,
)
from tui.api.retry import RetryAfter

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


def response(status: int, body: object = None, headers: dict[str, str] | None = None):
    content = json.dumps(body) if isinstance(body, dict) else (body or "")
    request = httpx.Request("GET", "https://descriptapi.com/v1/jobs/abc?limit=5")
    return httpx.Response(status, content=content, headers=headers or {}, request=request)


@pytest.mark.parametrize(
    ("status", "cls", "remedy_words"),
    [
        (400, BadRequestError, "prompt"),
        (401, UnauthorizedError, "Settings > API tokens"),
        (402, PaymentRequiredError, "media minutes or AI credits"),
        (403, ForbiddenError, "another Drive"),
        (404, NotFoundError, "30 days"),
        (429, RateLimitedError, "Retry-After"),
        (500, ServerError, "5-10 s"),
        (502, ServerError, "10-30 s"),
        (503, ServerError, "status page"),
        (504, ServerError, "backoff"),
        (409, UnexpectedStatusError, "activity log"),
        (422, UnexpectedStatusError, "activity log"),
        (302, UnexpectedStatusError, "activity log"),
    ],
)
def test_each_status_has_its_class_and_remedy(status: int, cls: type, remedy_words: str) -> None:
    body = {"error": "some_code", "message": "Something\nhappened"}
    err = error_from_response(response(status, body), now=NOW)
    assert type(err) is cls
    assert isinstance(err, ApiError)
    assert err.status == status
    assert err.error == "some_code"
    assert err.message == "Something\nhappened"
    assert err.body == json.dumps(body)
    assert remedy_words in err.remedy
    assert "\n" not in err.remedy
    text = str(err)
    assert "\n" not in text
    assert text.startswith(f"{status} some_code: Something happened")
    assert "(GET /v1/jobs/abc?limit=5)" in text


def test_402_keeps_the_server_message_from_the_spec() -> None:
    body = {
        "error": "payment_required",
        "message": "Insufficient AI credits to start the job (100 credits required, 25 available)",
    }
    err = error_from_response(response(402, body), now=NOW, method="POST", path="/jobs/agent")
    assert isinstance(err, PaymentRequiredError)
    assert "25 available" in str(err)
    assert str(err).endswith("(POST /jobs/agent)")


def test_rate_limit_headers_are_parsed() -> None:
    err = error_from_response(
        response(
            429,
            {"error": "rate_limit_exceeded", "message": "Too many requests."},
            {"Retry-After": "30", "X-RateLimit-Remaining": "0", "X-RateLimit-Consumed": "100"},
        ),
        now=NOW,
    )
    assert isinstance(err, RateLimitedError)
    assert err.retry_after == RetryAfter(30.0, "30", False)
    assert err.rate_limit == RateLimitInfo(
        retry_after=RetryAfter(30.0, "30"), remaining=0, consumed=100
    )
    assert err.headers["retry-after"] == "30"
    assert err.rate_limit.describe() == "Retry-After 30 · remaining 0 · consumed 100"


def test_garbage_rate_limit_headers_do_not_crash() -> None:
    info = RateLimitInfo.from_headers(
        {"Retry-After": "soon", "X-RateLimit-Remaining": "many", "X-RateLimit-Consumed": "2.0"},
        NOW,
    )
    assert not info.retry_after.usable and info.retry_after.raw == "soon"
    assert info.remaining is None and info.consumed == 2


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        ("<html><body>Bad Gateway</body></html>", None, "<html><body>Bad Gateway</body></html>"),
        ("", None, None),
        ('{"error": {"code": "boom", "message": "nested"}}', "boom", "nested"),
        ("[1, 2]", None, "[1, 2]"),
        ('{"message": "only a message"}', None, "only a message"),
    ],
)
def test_odd_error_bodies_are_kept(body: str, error: str | None, message: str | None) -> None:
    err = error_from_response(response(502, body), now=NOW)
    assert isinstance(err, ServerError)
    assert err.error == error
    assert err.message == message
    assert err.body == body
    assert str(err).startswith("502 ")


def test_secrets_are_masked_in_an_echoed_body() -> None:
    body = {"error": "unauthorized", "message": "bad token Bearer sekrit-123"}
    err = error_from_response(response(401, body), now=NOW, secrets=("sekrit-123",))
    assert "sekrit-123" not in err.body
    assert "sekrit-123" not in str(err)
    assert "sekrit-123" not in repr(err)


def test_one_line_cuts_long_text() -> None:
    text = one_line("word " * 200, limit=50)
    assert len(text) == 50 and text.endswith("…")


def test_other_errors_are_one_line_with_remedies() -> None:
    errors = [
        TransportError("ConnectError: refused", method="GET", path="/jobs"),
        OutcomeUnknownError("POST", "/jobs/agent", {"prompt": "x"}, "ReadTimeout"),
        UnexpectedResponseError(200, "not json", "invalid JSON", method="GET", path="/jobs"),
        RetryAfterTooLong(3600, until=NOW, max_wait=120, reason="429 on GET /jobs"),
    ]
    for err in errors:
        assert "\n" not in str(err)
        assert err.remedy
    assert "check the jobs list" in errors[1].remedy
    assert errors[1].request_json == {"prompt": "x"}
    assert "until 12:00:00 UTC" in str(errors[3])
