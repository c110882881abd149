"""Where the app's files live, both in an installed wheel and in a source checkout."""

from __future__ import annotations

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
