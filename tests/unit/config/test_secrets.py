"""Token storage: keyring first, else a 0600 file in a 0700 folder; unsafe files refused."""

from __future__ import annotations

import os
import stat
import sys
import types
from pathlib import Path

import pytest

from tui.config import ConfigError, resolve_connection
from tui.secrets import (
    KEYRING_SERVICE,
    InsecureTokenFileError,
    StoredToken,
    TokenStore,
    TokenStoreError,
    mask_token,
    system_keyring,
)

from .conftest import FakeKeyring

SECRET = "sk-live-0123456789abcdefSECRET"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_token_file_is_0600_inside_a_0700_folder(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "private" / "credentials.toml")
    assert store.set("default", SECRET) == "token file"
    assert mode_of(store.token_file) == 0o600
    assert mode_of(store.token_file.parent) == 0o700
    assert store.get("default") == StoredToken(SECRET, "token file", str(store.token_file))
    store.set("work", "work-token-9999")  # a rewrite keeps the mode
    assert mode_of(store.token_file) == 0o600
    assert store.file_profiles() == ["default", "work"]


def test_a_token_file_readable_by_others_is_refused_with_the_fix(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "private" / "credentials.toml")
    store.set("default", SECRET)
    os.chmod(store.token_file, 0o640)
    with pytest.raises(InsecureTokenFileError) as caught:
        store.get("default")
    message = str(caught.value)
    assert f"chmod 600 {store.token_file}" in message
    assert SECRET not in message
    # The same through resolve_connection: a clear ConfigError, not a traceback.
    environ = {
        "DESCRIPT_TUI_CONFIG": str(tmp_path / "private" / "config.toml"),
        "DESCRIPT_TUI_KEYRING": "0",
    }
    with pytest.raises(ConfigError, match="chmod 600"):
        resolve_connection(environ=environ)
    os.chmod(store.token_file, 0o600)
    assert resolve_connection(environ=environ).token == SECRET


def test_writing_into_someone_elses_open_folder_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    with pytest.raises(InsecureTokenFileError, match=f"chmod 700 {shared}"):
        TokenStore(shared / "credentials.toml").set("default", SECRET)
    assert not (shared / "credentials.toml").exists()
    # Our own folder is tightened instead.
    TokenStore(shared / "credentials.toml", owns_dir=True).set("default", SECRET)
    assert mode_of(shared) == 0o700


def test_keyring_is_used_first_and_the_file_copy_removed(tmp_path: Path) -> None:
    ring = FakeKeyring()
    store = TokenStore(tmp_path / "p" / "credentials.toml", keyring=ring)
    store.set("default", "file-token-0000", where="file")
    assert store.set("default", SECRET) == "keyring"
    assert ring.passwords[(KEYRING_SERVICE, "default")] == SECRET
    assert store.file_profiles() == []  # no stale copy left in the file
    found = store.get("default")
    assert found is not None and found.source == "keyring" and found.token == SECRET
    assert store.delete("default") == ["keyring"]
    assert store.get("default") is None


def test_a_broken_keyring_falls_back_to_the_file_on_auto(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "p" / "credentials.toml", keyring=FakeKeyring(broken=True))
    assert store.set("default", SECRET) == "token file"
    with pytest.raises(TokenStoreError, match="keyring refused"):
        store.set("default", SECRET, where="keyring")
    assert store.get("default") is not None


def test_asking_for_a_keyring_when_none_works_says_so(tmp_path: Path) -> None:
    with pytest.raises(TokenStoreError, match="no working system keyring"):
        TokenStore(tmp_path / "credentials.toml").set("default", SECRET, where="keyring")


def test_the_fail_backend_counts_as_no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    fail_module = types.ModuleType("keyring.backends.fail")

    class Keyring:
        priority = 0

    fail_module.Keyring = Keyring  # type: ignore[attr-defined]
    backends = types.ModuleType("keyring.backends")
    backends.fail = fail_module  # type: ignore[attr-defined]
    keyring_module = types.ModuleType("keyring")
    keyring_module.backends = backends  # type: ignore[attr-defined]
    keyring_module.get_keyring = Keyring  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", keyring_module)
    monkeypatch.setitem(sys.modules, "keyring.backends", backends)
    monkeypatch.setitem(sys.modules, "keyring.backends.fail", fail_module)
    assert system_keyring({}) is None

    class Working:
        priority = 5

    keyring_module.get_keyring = Working  # type: ignore[attr-defined]
    assert isinstance(system_keyring({}), Working)
    assert system_keyring({"DESCRIPT_TUI_KEYRING": "0"}) is None


def test_reprs_and_errors_never_hold_the_token(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "p" / "credentials.toml", keyring=FakeKeyring())
    store.set("default", SECRET)
    found = store.get("default")
    for text in (repr(found), str(found), repr(store)):
        assert SECRET not in text


@pytest.mark.parametrize(
    ("token", "masked"),
    [
        (None, "(none)"),
        ("", "(none)"),
        ("short", "****"),
        ("demo-token", "****oken"),
        (SECRET, "****CRET"),
    ],
)
def test_mask_token(token: str | None, masked: str) -> None:
    assert mask_token(token) == masked


def test_a_token_with_spaces_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TokenStoreError):
        TokenStore(tmp_path / "credentials.toml").set("default", " spaced ")
