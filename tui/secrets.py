"""Where API tokens live: the system keyring where one works, else a 0600 token file.

No Textual, no network. A token never appears in a repr, an exception or a log line here;
only `mask_token` output does.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import tomli_w

KEYRING_SERVICE = "descript-tui"
# Set to 0/false/no/off to never touch the system keyring (CI, tests, headless servers).
KEYRING_ENV = "DESCRIPT_TUI_KEYRING"
TOKEN_FILE_NAME = "credentials.toml"

SOURCE_ENV = "env DESCRIPT_API_TOKEN"
SOURCE_KEYRING = "keyring"
SOURCE_FILE = "token file"
SOURCE_NONE = "none"


class TokenStoreError(Exception):
    """A token could not be read or stored; the message says what to do (never the token)."""


class InsecureTokenFileError(TokenStoreError):
    """The token file (or its folder) can be read by group or others: refused until fixed."""

    def __init__(self, path: Path, mode: int, *, is_dir: bool = False) -> None:
        self.path = path
        self.mode = stat.S_IMODE(mode)
        fix = "chmod 700" if is_dir else "chmod 600"
        kind = "folder" if is_dir else "token file"
        elsewhere = " (or set DESCRIPT_TUI_TOKEN_FILE to a private folder)" if is_dir else ""
        super().__init__(
            f"{kind} {path} is readable by group or others (mode {self.mode:04o}); "
            f"refusing to use it. Fix it with: {fix} {path}{elsewhere}"
        )


def mask_token(token: str | None) -> str:
    """A token shown to a person: enough to tell two apart, never enough to use one."""
    if not token:
        return "(none)"
    # Short tokens show nothing: four characters of ten would be too much of it.
    return f"****{token[-4:]}" if len(token) >= 10 else "****"


class KeyringBackend(Protocol):
    """The part of the `keyring` module API we use (a fake one in tests)."""

    def get_password(self, service: str, username: str) -> str | None: ...
    def set_password(self, service: str, username: str, password: str) -> None: ...
    def delete_password(self, service: str, username: str) -> None: ...


def _keyring_disabled(environ: Mapping[str, str]) -> bool:
    return environ.get(KEYRING_ENV, "").strip().lower() in {"0", "false", "no", "off"}


def system_keyring(environ: Mapping[str, str] = os.environ) -> KeyringBackend | None:
    """The system keyring if the optional `keyring` package has a real backend, else None."""
    if _keyring_disabled(environ):
        return None
    try:
        import keyring  # optional dependency: absent means "no keyring"
        from keyring.backends import fail as fail_backend
    except Exception:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    # The fail and null backends accept calls but store nothing useful: treat as absent.
    module = type(backend).__module__
    if isinstance(backend, fail_backend.Keyring) or module.endswith((".fail", ".null")):
        return None
    priority = getattr(backend, "priority", 1)
    with contextlib.suppress(Exception):
        if float(priority) <= 0:
            return None
    return backend


@dataclass(frozen=True)
class StoredToken:
    """A token found in a store, and which store (for `auth status`)."""

    token: str = field(repr=False)
    source: str
    location: str

    def __repr__(self) -> str:
        return (
            f"StoredToken(token={mask_token(self.token)!r}, source={self.source!r}, "
            f"location={self.location!r})"
        )


def check_private_file(path: Path) -> None:
    """Refuse a token file that group or others can read (or write)."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InsecureTokenFileError(path, mode)


def ensure_private_dir(directory: Path, *, owned: bool) -> None:
    """Create `directory` 0700; tighten our own folder, refuse to write into someone else's."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = directory.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        if not owned:
            raise InsecureTokenFileError(directory, mode, is_dir=True)
        os.chmod(directory, 0o700)


def write_private_file(path: Path, text: str) -> None:
    """Write `text` to `path` as 0600 from the first byte (no window where others can read it)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)  # umask cannot widen it, but an odd umask could narrow it oddly
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


class TokenStore:
    """Per-profile tokens: the keyring first (when one works), then the token file.

    The token file is TOML, `[tokens]` with one `profile = "token"` line per profile, kept
    0600 inside a 0700 folder. `owns_dir` says whether that folder is ours to tighten.
    """

    def __init__(
        self,
        token_file: Path,
        *,
        keyring: KeyringBackend | None = None,
        owns_dir: bool = False,
    ) -> None:
        self.token_file = token_file
        self.keyring = keyring
        self.owns_dir = owns_dir

    def __repr__(self) -> str:
        backend = type(self.keyring).__name__ if self.keyring else None
        return f"TokenStore(token_file={str(self.token_file)!r}, keyring={backend!r})"

    @property
    def keyring_available(self) -> bool:
        return self.keyring is not None

    # token file ------------------------------------------------------------------------

    def _read_file(self) -> dict[str, Any]:
        if not self.token_file.exists():
            return {}
        check_private_file(self.token_file)
        try:
            data = tomllib.loads(self.token_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            # The decode message quotes positions, never values: safe to repeat.
            raise TokenStoreError(
                f"token file {self.token_file} is not valid TOML: {exc}"
            ) from None
        except OSError as exc:
            raise TokenStoreError(
                f"cannot read token file {self.token_file}: {exc.strerror}"
            ) from None
        tokens = data.get("tokens", {})
        return tokens if isinstance(tokens, dict) else {}

    def _write_file(self, tokens: Mapping[str, str]) -> None:
        ensure_private_dir(self.token_file.parent, owned=self.owns_dir)
        header = "# descript-tui API tokens, one per profile. Keep this file 0600.\n"
        write_private_file(self.token_file, header + tomli_w.dumps({"tokens": dict(tokens)}))

    def file_profiles(self) -> list[str]:
        """Profiles that have a token in the token file (the keyring cannot be listed)."""
        return sorted(self._read_file())

    # keyring ---------------------------------------------------------------------------

    def _keyring_get(self, profile: str) -> str | None:
        if self.keyring is None:
            return None
        try:
            return self.keyring.get_password(KEYRING_SERVICE, profile)
        except Exception:
            return None  # a locked or broken keyring is "nothing stored there"

    # public ----------------------------------------------------------------------------

    def get(self, profile: str) -> StoredToken | None:
        """The stored token of `profile`: keyring first, then the token file."""
        token = self._keyring_get(profile)
        if token:
            return StoredToken(token, SOURCE_KEYRING, f"keyring service {KEYRING_SERVICE!r}")
        value = self._read_file().get(profile)
        if isinstance(value, str) and value:
            return StoredToken(value, SOURCE_FILE, str(self.token_file))
        return None

    def set(self, profile: str, token: str, *, where: str = "auto") -> str:
        """Store `token` for `profile`; `where` is auto, keyring or file. Returns the source."""
        if not token or token != token.strip():
            raise TokenStoreError("a token must be non-empty and have no surrounding spaces")
        if where in ("auto", "keyring") and self.keyring is not None:
            try:
                self.keyring.set_password(KEYRING_SERVICE, profile, token)
            except Exception as exc:
                if where == "keyring":
                    raise TokenStoreError(
                        f"the system keyring refused the token ({type(exc).__name__})"
                    ) from None
            else:
                # One home per token: a stale copy in the file would shadow nothing but confuse.
                self._remove_from_file(profile)
                return SOURCE_KEYRING
        elif where == "keyring":
            raise TokenStoreError(
                "no working system keyring (install the 'keyring' package and a backend, "
                "or use the token file)"
            )
        tokens = self._read_file()
        tokens[profile] = token
        self._write_file(tokens)
        return SOURCE_FILE

    def _remove_from_file(self, profile: str) -> bool:
        if not self.token_file.exists():
            return False
        tokens = self._read_file()
        if profile not in tokens:
            return False
        del tokens[profile]
        self._write_file(tokens)
        return True

    def delete(self, profile: str) -> list[str]:
        """Remove `profile`'s token from every store; returns where it was removed from."""
        removed: list[str] = []
        if self._keyring_get(profile) is not None and self.keyring is not None:
            try:
                self.keyring.delete_password(KEYRING_SERVICE, profile)
                removed.append(SOURCE_KEYRING)
            except Exception as exc:
                raise TokenStoreError(
                    f"the system keyring refused to delete the token ({type(exc).__name__})"
                ) from None
        if self._remove_from_file(profile):
            removed.append(SOURCE_FILE)
        return removed
