"""An isolated config home for every test: no real keyring, no real config, no env token."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import BASE_URL_ENV, CONFIG_ENV, TOKEN_ENV, TOKEN_FILE_ENV
from tui.secrets import KEYRING_ENV


class FakeKeyring:
    """An in-memory keyring backend (the `keyring` module API we use)."""

    def __init__(self, *, broken: bool = False) -> None:
        self.passwords: dict[tuple[str, str], str] = {}
        self.broken = broken

    def get_password(self, service: str, username: str) -> str | None:
        if self.broken:
            raise RuntimeError("keyring locked")
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.broken:
            raise RuntimeError("keyring locked")
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.passwords[(service, username)]


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private folder holding config.toml (not created) and credentials.toml."""
    home = tmp_path / "descript-tui"
    monkeypatch.setenv(CONFIG_ENV, str(home / "config.toml"))
    monkeypatch.setenv(KEYRING_ENV, "0")
    for name in (TOKEN_ENV, BASE_URL_ENV, TOKEN_FILE_ENV):
        monkeypatch.delenv(name, raising=False)
    return home
