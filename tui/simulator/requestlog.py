"""The request log: every request the simulator served, and pure checks over it.

Tests and benchmarks read it to prove what a client did on the wire, whatever the client
itself believes: `app.state.sim.request_log` in-process (a `RequestLog`), or
`GET /_sim/requests` over HTTP (`LoggedRequest.from_json` reads each entry back).

`limit_violations(log, limits)` finds every breach of the documented budgets (per token:
status GETs and list pages over 20 in any second, a job polled less than 3 s after its last
poll, over 10 imports or 10 agent POSTs in any 60 s, anything sent inside a Retry-After the
server gave); `repeated_requests(log, within_s)` finds the same request sent twice in a row
too soon. Both are pure: same log, same answer.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

from tui.api.models import JsonDict

REQUEST_LOG_SIZE = 100_000
_JOB_PREFIX = "/v1/jobs/"
_SUBMIT_PATHS = {
    "/v1/jobs/import/project_media": "import",
    "/v1/jobs/agent": "agent",
    "/v1/jobs/publish": "publish",
}


def token_hash(token: str) -> str:
    """A short stable fingerprint of a token, so logs can tell tokens apart without it."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def job_id_in_path(path: str) -> str | None:
    """The job id of `/v1/jobs/{id}`; None for the list and the submit paths."""
    if not path.startswith(_JOB_PREFIX) or path in _SUBMIT_PATHS:
        return None
    rest = path[len(_JOB_PREFIX) :]
    return rest if rest and "/" not in rest else None


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the simulator served it. Never holds the token itself."""

    seq: int
    at: str  # ISO time on the simulator's clock
    t: float  # seconds on the clock the rate limits run on (the sim clock in-process,
    # real time when served): the time every budget check uses
    method: str
    path: str
    query: str
    status: int | None  # None when no answer was started (a held or cut request)
    user: str | None  # the user's name, "unknown token", or None without a token
    token_hash: str | None
    job_id: str | None  # from the path, or the job a POST created
    retry_after: int | None  # the Retry-After the answer carried, in seconds
    fault: str | None

    @property
    def is_status_get(self) -> bool:
        return self.method == "GET" and job_id_in_path(self.path) is not None

    @property
    def is_list_page(self) -> bool:
        return self.method == "GET" and self.path == "/v1/jobs"

    @property
    def submit_kind(self) -> str | None:
        return _SUBMIT_PATHS.get(self.path) if self.method == "POST" else None

    def __getitem__(self, name: str) -> object:
        # Read like the dict entries of earlier versions (`entry["method"]`).
        return getattr(self, name)

    def to_json(self) -> JsonDict:
        return asdict(self)

    @classmethod
    def from_json(cls, entry: JsonDict) -> LoggedRequest:
        return cls(**{name: entry.get(name) for name in cls.__slots__})


class RequestLog:
    """The last `size` requests, oldest first, numbered from 1 since the app started."""

    def __init__(self, size: int = REQUEST_LOG_SIZE) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=size)
        self.last_seq = 0

    def next_seq(self) -> int:
        self.last_seq += 1
        return self.last_seq

    def append(self, entry: LoggedRequest) -> None:
        self._entries.append(entry)

    def clear(self) -> None:
        self._entries.clear()

    def since(self, seq: int) -> list[LoggedRequest]:
        return [e for e in self._entries if e.seq > seq]

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True, slots=True)
class LimitRules:
    """The documented per-user budgets (errors-and-rate-limits.txt)."""

    status_per_s: int = 20  # status GETs and list pages together, in any 1 s
    min_poll_gap_s: float = 3.0  # one job polled at most this often
    imports_per_60s: int = 10
    agent_per_60s: int = 10


@dataclass(frozen=True, slots=True)
class Violation:
    """One request that broke a budget: `rule` names which, `seq` is the request."""

    rule: str  # status_rate | poll_gap | import_rate | agent_rate | inside_retry_after
    seq: int
    token_hash: str | None
    t: float
    detail: str


def _by_token(log: Iterable[LoggedRequest]) -> dict[str | None, list[LoggedRequest]]:
    grouped: dict[str | None, list[LoggedRequest]] = defaultdict(list)
    for entry in log:
        if entry.token_hash is not None and entry.path.startswith("/v1/"):
            grouped[entry.token_hash].append(entry)
    for entries in grouped.values():
        entries.sort(key=lambda e: (e.t, e.seq))
    return grouped


def _window_breaches(
    entries: list[LoggedRequest], limit: int, window_s: float, rule: str
) -> Iterator[Violation]:
    """Every request that was the (limit+1)-th or later in a window of `window_s`."""
    start = 0
    for i, entry in enumerate(entries):
        while entries[start].t <= entry.t - window_s:
            start += 1
        count = i - start + 1
        if count > limit:
            yield Violation(
                rule, entry.seq, entry.token_hash, entry.t, f"{count} in {window_s:g} s"
            )


def _poll_gaps(entries: list[LoggedRequest], min_gap_s: float) -> Iterator[Violation]:
    last: dict[str, float] = {}
    for entry in entries:
        if not entry.is_status_get or entry.job_id is None:
            continue
        previous = last.get(entry.job_id)
        if previous is not None and entry.t - previous < min_gap_s:
            gap = entry.t - previous
            yield Violation(
                "poll_gap", entry.seq, entry.token_hash, entry.t, f"{entry.job_id} {gap:.3f} s"
            )
        last[entry.job_id] = entry.t


def _inside_retry_after(entries: list[LoggedRequest]) -> Iterator[Violation]:
    hold_until: float | None = None
    for entry in entries:
        if hold_until is not None and entry.t < hold_until:
            yield Violation(
                "inside_retry_after",
                entry.seq,
                entry.token_hash,
                entry.t,
                f"{hold_until - entry.t:.3f} s early: {entry.method} {entry.path}",
            )
        if entry.retry_after is not None:
            hold_until = max(hold_until or 0.0, entry.t + entry.retry_after)


def limit_violations(
    log: Iterable[LoggedRequest], limits: LimitRules | None = None
) -> list[Violation]:
    """Every request that broke a documented budget, per token, ordered by request number."""
    rules = limits or LimitRules()
    found: list[Violation] = []
    for entries in _by_token(log).values():
        reads = [e for e in entries if e.is_status_get or e.is_list_page]
        found += _window_breaches(reads, rules.status_per_s, 1.0, "status_rate")
        found += _poll_gaps(entries, rules.min_poll_gap_s)
        imports = [e for e in entries if e.submit_kind == "import"]
        found += _window_breaches(imports, rules.imports_per_60s, 60.0, "import_rate")
        agents = [e for e in entries if e.submit_kind == "agent"]
        found += _window_breaches(agents, rules.agent_per_60s, 60.0, "agent_rate")
        found += _inside_retry_after(entries)
    return sorted(found, key=lambda v: (v.seq, v.rule))


@dataclass(frozen=True, slots=True)
class RepeatedRequest:
    """The same request (token, method, path, query) sent again after `gap_s`."""

    first_seq: int
    seq: int
    method: str
    path: str
    query: str
    gap_s: float


def repeated_requests(
    log: Iterable[LoggedRequest], within_s: float = 1.0
) -> list[RepeatedRequest]:
    """Each request that repeats the same token's previous identical one within `within_s`."""
    last: dict[tuple[str | None, str, str, str], LoggedRequest] = {}
    found: list[RepeatedRequest] = []
    for entry in sorted(log, key=lambda e: (e.t, e.seq)):
        key = (entry.token_hash, entry.method, entry.path, entry.query)
        previous = last.get(key)
        if previous is not None and entry.t - previous.t < within_s:
            found.append(
                RepeatedRequest(
                    previous.seq, entry.seq, entry.method, entry.path, entry.query,
                    entry.t - previous.t,
                )
            )
        last[key] = entry
    return found
