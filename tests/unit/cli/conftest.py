"""Run `descript-tui` in-process: `main([...])` on a transport and clock the test controls.

`run_cli` talks to the in-process simulator (`sim_app` from tests/conftest.py) through the
`tui.cli.TRANSPORT_FACTORY` seam, on the simulator's virtual clock (auto-advancing, so
`jobs watch` runs through minutes of job time in milliseconds). Every request the CLI sends
is recorded, so a test can prove that bad input sent nothing.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tui import cli
from tui.api.clock import ManualClock

TOKEN = "demo-token"


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def all(self) -> str:
        return self.out + self.err


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests to `inner`, keeping each one (method and path) for assertions."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    @property
    def sent(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


class FakeStdin(io.StringIO):
    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@dataclass
class CliRunner:
    """`runner("jobs", "list")` -> CliResult; `runner.sent` lists the requests so far."""

    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]
    transport: RecordingTransport
    clock: ManualClock
    calls: list[list[str]] = field(default_factory=list)
    # The simulator app, when the runner talks to one (for its own request log).
    app: object | None = None

    @property
    def sent(self) -> list[str]:
        return self.transport.sent

    def server_log(self) -> list[str]:
        """`METHOD /path` of each API request the simulator saw (its `/_sim/requests` log)."""
        assert self.app is not None, "only a simulator runner has a server log"

        async def read() -> list[dict]:
            transport = httpx.ASGITransport(app=self.app)  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
                response = await client.get("/_sim/requests", params={"limit": 10_000})
                return response.json()["requests"]

        return [f"{e['method']} {e['path']}" for e in asyncio.run(read())]

    def __call__(self, *argv: str, stdin: str = "", tty: bool = False) -> CliResult:
        self.monkeypatch.setattr(sys, "stdin", FakeStdin(stdin, tty))
        self.calls.append(list(argv))
        self.capsys.readouterr()
        code = cli.main(list(argv))
        captured = self.capsys.readouterr()
        return CliResult(code, captured.out, captured.err)


@pytest.fixture(autouse=True)
def private_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every CLI test: config, token file and journal in tmp_path, never the keyring.

    Autouse, so no test (even one that forgets `cli_env`) reads or writes the user's real
    config, keyring, journal (`DESCRIPT_TUI_DATA_DIR`) or rate budget
    (`DESCRIPT_TUI_STATE_DIR`).
    """
    monkeypatch.setenv("DESCRIPT_TUI_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("DESCRIPT_TUI_TOKEN_FILE", str(tmp_path / "credentials.toml"))
    monkeypatch.setenv("DESCRIPT_TUI_KEYRING", "0")
    monkeypatch.setenv("DESCRIPT_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DESCRIPT_TUI_STATE_DIR", str(tmp_path / "state"))
    return tmp_path


@pytest.fixture
def cli_env(private_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The private dirs of `private_dirs`, and the demo token in the environment."""
    monkeypatch.setenv("DESCRIPT_API_TOKEN", TOKEN)
    monkeypatch.delenv("DESCRIPT_API_BASE_URL", raising=False)
    return private_dirs


def make_runner(
    transport: httpx.AsyncBaseTransport,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    base_url: str,
    app: object | None = None,
) -> CliRunner:
    clock.auto_advance = True
    recorder = RecordingTransport(transport)
    monkeypatch.setenv("DESCRIPT_API_BASE_URL", base_url)
    monkeypatch.setattr(cli, "TRANSPORT_FACTORY", lambda: recorder)
    monkeypatch.setattr(cli, "CLOCK_FACTORY", lambda: clock)
    return CliRunner(monkeypatch, capsys, recorder, clock, app=app)


@pytest.fixture
def mock_cli(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[Callable[[httpx.Request], httpx.Response]], CliRunner]:
    """A runner on an `httpx.MockTransport` answering with `handler` (for error paths)."""

    def make(handler: Callable[[httpx.Request], httpx.Response]) -> CliRunner:
        return make_runner(
            httpx.MockTransport(handler),
            ManualClock(),
            monkeypatch,
            capsys,
            "https://api.test/v1",
        )

    return make


@pytest.fixture
def sim_cli(
    cli_env: Path,
    sim_app: object,
    sim_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> CliRunner:
    """A runner on the in-process simulator (`sim_app`: two projects, no jobs)."""
    from tests.conftest import SIM_BASE_URL

    return make_runner(
        httpx.ASGITransport(app=sim_app),  # type: ignore[arg-type]
        sim_clock,
        monkeypatch,
        capsys,
        SIM_BASE_URL,
        app=sim_app,
    )


@pytest.fixture
def demo_cli(
    cli_env: Path,
    demo_app: object,
    sim_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> CliRunner:
    """A runner on the in-process seeded demo world (jobs in every state)."""
    from tests.conftest import SIM_BASE_URL

    return make_runner(
        httpx.ASGITransport(app=demo_app),  # type: ignore[arg-type]
        sim_clock,
        monkeypatch,
        capsys,
        SIM_BASE_URL,
        app=demo_app,
    )
