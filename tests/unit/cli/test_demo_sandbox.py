"""`--demo` touches nothing of the user's; a crashed dashboard exits non-zero."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Switch

from tui import cli
from tui.paths import USER_FILE_ENVS, demo_sandbox

USER_VARS = (*USER_FILE_ENVS, "DESCRIPT_TUI_KEYRING", "DESCRIPT_API_TOKEN")


@pytest.fixture
def user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's dirs as platformdirs finds them (XDG), with nothing overridden."""
    home = tmp_path / "user"
    for xdg in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(xdg, str(home / xdg.lower()))
    monkeypatch.setenv("HOME", str(home))
    for name in USER_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DESCRIPT_API_TOKEN", "sk-the-users-own-token")
    return home


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_demo_runs_the_dashboard_in_a_sandbox(
    user_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def fake_run_app(connection: Any, *, demo: bool = False, read_only: Any = None) -> int:
        seen.update({name: os.environ.get(name) for name in USER_VARS}, demo=demo)
        return 0

    monkeypatch.setattr("tui.app.run_app", fake_run_app)
    assert cli.main(["--demo"]) == 0
    assert seen["demo"] is True
    for name in USER_FILE_ENVS:
        assert seen[name] and not seen[name].startswith(str(user_home))
    assert seen["DESCRIPT_TUI_KEYRING"] == "0" and seen["DESCRIPT_API_TOKEN"] is None
    # Restored afterwards.
    assert os.environ["DESCRIPT_API_TOKEN"] == "sk-the-users-own-token"
    assert "DESCRIPT_TUI_CONFIG" not in os.environ


async def test_settings_saved_in_the_demo_write_nothing_of_the_users(user_home: Path) -> None:
    from tui.app import DescriptApp
    from tui.config import Connection
    from tui.simulator.server import start_in_background
    from tui.simulator.world import DEMO_TOKEN

    with demo_sandbox() as sandbox, start_in_background(port=0) as simulator:
        connection = Connection(token=DEMO_TOKEN, base_url=simulator.base_url, profile_name="demo")
        app = DescriptApp(connection, demo=True)
        async with app.run_test(size=(120, 60)) as pilot:
            await pilot.press("comma")
            await pilot.pause()
            app.screen.query_one("#field-read_only", Switch).value = True
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
        assert (sandbox / "config.toml").exists()  # the save happened, in the sandbox
    assert files_under(user_home) == []


async def test_a_crashed_dashboard_exits_non_zero(
    user_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Crashes(App[None]):
        def on_mount(self) -> None:
            raise RuntimeError("boom")

    crashing = Crashes()
    with pytest.raises(RuntimeError, match="boom"):  # run_test re-raises what run() prints
        async with crashing.run_test():
            pass
    assert crashing.return_code == 1

    class FakeApp:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.return_code = crashing.return_code

        def run(self) -> None:
            return None

    monkeypatch.setattr("tui.app.DescriptApp", FakeApp)
    assert cli.main(["--demo"]) == 1
