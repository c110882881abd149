"""`--request-timeout` and the profile's retry budget, against a trickling loopback server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.api.hostile import trickling_server
from tui import cli


def test_a_trickling_server_exits_5_naming_the_base_url(
    private_dirs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DESCRIPT_API_TOKEN", "sk-trickle-0123456789")
    monkeypatch.setattr(cli, "TRANSPORT_FACTORY", None)
    monkeypatch.setattr(cli, "CLOCK_FACTORY", None)
    (private_dirs / "config.toml").write_text("[profiles.default]\nretry_budget = 0.5\n")
    with trickling_server() as base_url:
        code = cli.main(["--base-url", base_url, "--request-timeout", "0.3", "jobs", "list"])
    err = capsys.readouterr().err
    assert code == 5, err
    assert base_url in err and "0.3 s" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("value", ["0", "-1", "soon", "1e9"])
def test_a_bad_request_timeout_exits_2(
    private_dirs: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    assert cli.main(["--request-timeout", value, "jobs", "list"]) == 2
    assert "--request-timeout" in capsys.readouterr().err
