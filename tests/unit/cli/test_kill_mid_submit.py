"""kill -9 of an `import` whose POST is out (the server holds its answer), then the same
`import` again: refused, nothing sent, and the first is known orphaned at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.api.hostile import silent_server
from tui import cli
from tui.journal import Journal

IMPORT = ["import", "--name", "Killed", "--media", "https://media.example.com/a.mp4"]


def test_a_killed_import_blocks_its_twin(
    private_dirs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DESCRIPT_API_TOKEN", "sk-killed-0123456789")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    with silent_server() as (base_url, received, got):
        first = subprocess.Popen(
            [sys.executable, "-m", "tui", "--base-url", base_url, *IMPORT],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert got.wait(60), "the first import never sent its POST"
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(30)
        assert first.returncode == -signal.SIGKILL

        with Journal() as journal:
            [orphan] = journal.orphaned_submissions()
        assert orphan.kind == "import" and orphan.status == "sending" and orphan.orphaned

        monkeypatch.setattr(cli, "TRANSPORT_FACTORY", None)
        capsys.readouterr()
        code = cli.main(["--base-url", base_url, *IMPORT])
        err = capsys.readouterr().err
        assert code == 2, err
        assert "its process is gone" in err and "reconcile" in err
        assert received == [b"POST /v1/jobs/import/project_media HTTP/1.1"]
