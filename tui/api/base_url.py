"""The one check of an API base URL, before anything is sent (CLI, config, auth, dashboard).

A base URL must be http(s) with a valid host and port, no query string or fragment and no
credentials; plain `http://` is allowed only for this machine (localhost, 127.0.0.0/8, ::1),
since the Bearer token would otherwise cross the network in clear, unless the user says
`--allow-insecure-http` (or sets the profile's `allow_insecure_http`).

`base_url_problem()` says why a URL is refused (or None); `check_base_url()` returns the
URL as the client uses it (trimmed, no trailing slash) or raises `InvalidBaseUrlError`.
Messages never repeat a password the URL carried.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from tui.api.errors import DescriptError

INSECURE_HTTP_FLAG = "--allow-insecure-http"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})
# RFC 1123 labels: letters, digits and inner hyphens, 1-63 characters each.
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


class InvalidBaseUrlError(DescriptError):
    """A base URL refused before any request (exit 2, one line)."""

    remedy = "Fix the base URL: e.g. https://descriptapi.com/v1, or http://127.0.0.1:8765/v1."

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(f"base URL {problem}")


def is_loopback_host(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: a request to it never leaves this machine."""
    name = host.lower().strip("[]")
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host_problem(host: str) -> str | None:
    if ":" in host:  # an IPv6 literal (urlsplit drops the brackets)
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return f"has an invalid IPv6 host {host!r}"
        return None
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return f"has an invalid host {host!r}"
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        return f"has an invalid host {host!r}"
    return None


def _split(text: str) -> tuple[SplitResult | None, str | None]:
    try:
        parts = urlsplit(text)
        port = parts.port  # raises for a port out of range or not a number
    except ValueError as error:
        return None, f"is not a valid URL ({error})"
    if port == 0:
        return None, "has an invalid port 0"
    return parts, None


def base_url_problem(url: str, *, allow_insecure_http: bool = False) -> str | None:
    """Why `url` cannot be the API base URL, or None. Phrased to follow "base URL "."""
    text = url.strip()
    if not text:
        return "is empty"
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return "contains spaces or control characters"
    parts, problem = _split(text)
    if parts is None:
        return problem
    if parts.scheme.lower() not in ("http", "https"):
        return "must start with https:// (or http:// for a simulator on this machine)"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "must not contain credentials (user:password@): the token is the credential"
    if "?" in text or "#" in text:
        return "must not have a query string or a fragment"
    host = parts.hostname
    if not host:
        return "has no host"
    if problem := _host_problem(host):
        return problem
    if parts.scheme.lower() == "http" and not allow_insecure_http and not is_loopback_host(host):
        return (
            f"is plain http:// to {host}, which would send the API token in clear: use "
            f"https://, or pass {INSECURE_HTTP_FLAG} if you really mean it"
        )
    return None


def check_base_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """`url` trimmed and without a trailing slash, or `InvalidBaseUrlError`."""
    if problem := base_url_problem(url, allow_insecure_http=allow_insecure_http):
        raise InvalidBaseUrlError(problem)
    return url.strip().rstrip("/")
