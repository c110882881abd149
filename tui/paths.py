"""Where the app's files live, both in an installed wheel and in a source checkout."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def styles_dir() -> Path:
    """The folder of `.tcss` files.

    The wheel carries it as `tui/styles` (hatch force-include); a checkout (editable install
    or a plain `python -m tui`) has it at the top level beside `tui/`.
    """
    installed = _PACKAGE_DIR / "styles"
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / "styles"


def style_paths(*names: str) -> list[Path]:
    """The named stylesheets that exist (a screen's sheet may not be written yet)."""
    folder = styles_dir()
    return [folder / name for name in names if (folder / name).is_file()]


#: Where the app keeps the user's things, each overridable by one variable (config.py,
#: secrets.py, journal.py, api/budget.py read them at call time).
USER_FILE_ENVS = {
    "DESCRIPT_TUI_CONFIG": "config.toml",
    "DESCRIPT_TUI_TOKEN_FILE": "credentials.toml",
    "DESCRIPT_TUI_DATA_DIR": "data",
    "DESCRIPT_TUI_STATE_DIR": "state",
}
# The demo's token is the simulator's; these would point it at the user's Drive.
_DEMO_CLEARED_ENVS = ("DESCRIPT_API_TOKEN", "DESCRIPT_API_BASE_URL")


@contextlib.contextmanager
def demo_sandbox() -> Iterator[Path]:
    """A throwaway home for `--demo`: config, credentials, journal, UI state and rate budget
    go to a temporary folder (deleted after), the keyring is off, so nothing the demo does
    (a settings save, a profile added) touches the user's files."""
    names = (*USER_FILE_ENVS, "DESCRIPT_TUI_KEYRING", *_DEMO_CLEARED_ENVS)
    saved = {name: os.environ.get(name) for name in names}
    with tempfile.TemporaryDirectory(prefix="descript-tui-demo-") as folder:
        home = Path(folder)
        try:
            for name, leaf in USER_FILE_ENVS.items():
                os.environ[name] = str(home / leaf)
            os.environ["DESCRIPT_TUI_KEYRING"] = "0"
            for name in _DEMO_CLEARED_ENVS:
                os.environ.pop(name, None)
            yield home
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
