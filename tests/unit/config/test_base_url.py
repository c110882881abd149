"""The one base URL check (tui.api.base_url): a table of what is refused and why."""

from __future__ import annotations

import pytest

from tui.api.base_url import (
    InvalidBaseUrlError,
    base_url_problem,
    check_base_url,
    is_loopback_host,
)

OK = None


@pytest.mark.parametrize(
    ("url", "insecure", "problem"),
    [
        ("https://descriptapi.com/v1", False, OK),
        ("https://descriptapi.com/v1/", False, OK),
        ("https://descriptapi.com:8443/v1", False, OK),
        ("http://127.0.0.1:8765/v1", False, OK),
        ("http://127.9.9.9:8765/v1", False, OK),
        ("http://localhost:8765/v1", False, OK),
        ("http://sim.localhost/v1", False, OK),
        ("http://[::1]:8765/v1", False, OK),
        ("https://[2001:db8::1]/v1", False, OK),
        ("http://descriptapi.com/v1", False, "plain http://"),
        ("http://10.0.0.5:8765/v1", False, "plain http://"),
        ("http://descriptapi.com/v1", True, OK),
        ("", False, "is empty"),
        ("   ", False, "is empty"),
        ("descriptapi.com", False, "must start with https://"),
        ("ftp://descriptapi.com/v1", False, "must start with https://"),
        ("file:///etc/passwd", False, "must start with https://"),
        ("javascript:alert(1)", False, "must start with https://"),
        ("http://[::1", False, "not a valid URL"),
        ("http://[not-ipv6]/v1", False, "IPv6"),
        ("http://127.0.0.1:99999/v1", False, "not a valid URL"),
        ("http://127.0.0.1:0/v1", False, "port 0"),
        ("http://127.0.0.1:80a/v1", False, "not a valid URL"),
        ("https://descriptapi.com/v1?x=1", False, "query string"),
        ("https://descriptapi.com/v1?", False, "query string"),
        ("https://descriptapi.com/v1#top", False, "fragment"),
        ("https://user:secret@descriptapi.com/v1", False, "credentials"),
        ("https://user@descriptapi.com/v1", False, "credentials"),
        ("https://@descriptapi.com/v1", False, "credentials"),
        ("https:///v1", False, "no host"),
        ("https://descript api.com/v1", False, "spaces"),
        ("https://descriptapi.com/v1\n", False, OK),  # trailing whitespace is trimmed
        ("https://descript\tapi.com/v1", False, "spaces"),
        ("https://-bad-.com/v1", False, "invalid host"),
        ("https://a..b/v1", False, "invalid host"),
        ("https://under_score.com/v1", False, "invalid host"),
        ("https://" + "a" * 64 + ".com/v1", False, "invalid host"),
        ("https://bücher.example/v1", False, OK),
    ],
)
def test_base_url_table(url: str, insecure: bool, problem: str | None) -> None:
    found = base_url_problem(url, allow_insecure_http=insecure)
    if problem is None:
        assert found is None
        assert check_base_url(url, allow_insecure_http=insecure) == url.strip().rstrip("/")
    else:
        assert found is not None and problem in found
        with pytest.raises(InvalidBaseUrlError) as caught:
            check_base_url(url, allow_insecure_http=insecure)
        assert "\n" not in str(caught.value)


def test_a_refusal_never_repeats_a_password() -> None:
    problem = base_url_problem("https://user:hunter2@descriptapi.com/v1")
    assert problem is not None and "hunter2" not in problem


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.255.0.3", True),
        ("::1", True),
        ("[::1]", True),
        ("128.0.0.1", False),
        ("localhost.example.com", False),
        ("0.0.0.0", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
