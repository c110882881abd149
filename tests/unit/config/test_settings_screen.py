"""The settings screen, driven as a user would: validation gates Save, comments are asked
about, a broken file is shown and never overwritten."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.widgets import Button, Input, Select, Static, Switch

from tui.config import Profile, load_config
from tui.screens.settings import ConfirmRewriteScreen, SettingsScreen


class Harness(App[None]):
    """Opens the settings screen and keeps what it dismissed with."""

    def __init__(self, path: Path, profile: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.profile = profile
        self.result: list[Profile | None] = []

    def on_mount(self) -> None:
        self.push_screen(SettingsScreen(self.profile, config_path=self.path), self.result.append)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


async def test_a_bad_value_disables_save_and_a_good_one_is_written(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[profiles.default]\ntheme = "nord"\n')
    app = Harness(path)
    async with app.run_test(size=(100, 60)) as pilot:
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        assert screen.query_one("#field-theme", Select).value == "nord"
        interval = screen.query_one("#field-poll_min_interval", Input)
        interval.value = "1"
        await pilot.pause()
        assert screen.query_one("#save", Button).disabled
        problem = screen.query_one("#problem-poll_min_interval", Static)
        assert problem.has_class("-shown")
        assert "at least 3.0" in str(problem.render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert load_config(path).profiles["default"].poll_min_interval == 3.0  # untouched

        interval.value = "abc"
        await pilot.pause()
        assert screen.query_one("#save", Button).disabled
        interval.value = "4"
        screen.query_one("#field-read_only", Switch).value = True
        await pilot.pause()
        assert not screen.query_one("#save", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = load_config(path).profiles["default"]
    assert (saved.poll_min_interval, saved.read_only, saved.theme) == (4.0, True, "nord")
    assert app.result == [saved]


async def test_switching_profile_and_making_it_the_default(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config.toml",
        '[profiles.default]\n[profiles.sim]\nbase_url = "http://127.0.0.1:8765/v1"\n',
    )
    app = Harness(path)
    async with app.run_test(size=(100, 60)) as pilot:
        screen = app.screen
        screen.query_one("#profile", Select).value = "sim"
        await pilot.pause()
        assert screen.query_one("#field-base_url", Input).value == "http://127.0.0.1:8765/v1"
        screen.query_one("#is-default", Switch).value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert load_config(path).default_profile == "sim"


async def test_opening_on_a_named_profile(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config.toml",
        '[profiles.default]\n[profiles.sim]\nbase_url = "http://127.0.0.1:8765/v1"\n',
    )
    app = Harness(path, profile="sim")
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#profile", Select).value == "sim"
        assert screen.query_one("#field-base_url", Input).value == "http://127.0.0.1:8765/v1"
        assert screen.query_one("#is-default", Switch).value is False


async def test_a_commented_file_is_rewritten_only_after_asking(tmp_path: Path) -> None:
    text = '# my notes\n[profiles.default]\ntheme = "nord"  # dark\n'
    path = write(tmp_path / "config.toml", text)
    app = Harness(path)
    async with app.run_test(size=(100, 60)) as pilot:
        screen = app.screen
        assert "has comments" in str(screen.query_one("#comments-note", Static).render())
        screen.query_one("#field-theme", Select).value = "gruvbox"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRewriteScreen)
        await pilot.press("n")
        await pilot.pause()
        assert path.read_text(encoding="utf-8") == text  # declined: untouched
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert load_config(path).profiles["default"].theme == "gruvbox"
    assert (tmp_path / "config.toml.bak").read_text(encoding="utf-8") == text


async def test_a_broken_file_is_shown_and_never_overwritten(tmp_path: Path) -> None:
    text = "[profiles.default]\nread_only = maybe\n"
    path = write(tmp_path / "config.toml", text)
    app = Harness(path)
    async with app.run_test(size=(100, 60)) as pilot:
        screen = app.screen
        error = screen.query_one("#settings-error", Static)
        assert error.has_class("-shown")
        assert f"{path}, line 2" in str(error.render())
        assert screen.query_one("#save", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert path.read_text(encoding="utf-8") == text
    assert app.result == [None]


async def test_a_theme_this_textual_lacks_is_kept_not_replaced(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[profiles.default]\ntheme = "my-own-theme"\n')
    app = Harness(path)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#field-theme", Select).value == "my-own-theme"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert load_config(path).profiles["default"].theme == "my-own-theme"
