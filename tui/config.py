"""Config file, profiles, and the resolved `Connection` every command and the app start from.

The config is TOML under the platform's config dir (`descript-tui/config.toml`), or the file
named by `DESCRIPT_TUI_CONFIG`. Read with tomllib, written with tomli-w. No Textual here.

Precedence for a connection: the `base_url` argument (`--base-url`) beats
`DESCRIPT_API_BASE_URL`, which beats the profile's `base_url`; `DESCRIPT_API_TOKEN` beats
whatever token is stored for the profile (keyring, then token file).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import platformdirs
import tomli_w

from tui.api.base_url import base_url_problem
from tui.api.requests import Problem
from tui.secrets import (
    SOURCE_ENV,
    SOURCE_NONE,
    StoredToken,
    TokenStore,
    TokenStoreError,
    mask_token,
    system_keyring,
)

APP_NAME = "descript-tui"
DEFAULT_BASE_URL = "https://descriptapi.com/v1"
DEFAULT_PROFILE = "default"
CONFIG_ENV = "DESCRIPT_TUI_CONFIG"
TOKEN_ENV = "DESCRIPT_API_TOKEN"
BASE_URL_ENV = "DESCRIPT_API_BASE_URL"
# Names the token file; by default it sits next to the config file.
TOKEN_FILE_ENV = "DESCRIPT_TUI_TOKEN_FILE"

TokenStoreChoice = Literal["auto", "keyring", "file"]
PROFILE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ConfigError(Exception):
    """The config cannot be used as it is; `str()` names the file (and line when known)."""

    def __init__(self, message: str, *, path: Path | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.detail = message
        where = ""
        if path is not None:
            where = f"{path}" + (f", line {line}" if line is not None else "") + ": "
        super().__init__(where + message)


class ProfileNotFoundError(ConfigError):
    """A profile was asked for by name and the config has no such profile."""


# --- typed settings --------------------------------------------------------------------------


def setting(default: Any, help: str, **rules: Any) -> Any:
    """A documented profile field: `help` is the one line the settings screen shows."""
    return field(default=default, metadata={"help": help, **rules})


@dataclass(frozen=True)
class Profile:
    """One Descript Drive: a token belongs to exactly one Drive, so one profile per Drive."""

    name: str = field(default=DEFAULT_PROFILE, metadata={"help": "Profile name (one per Drive)"})
    base_url: str = setting(
        DEFAULT_BASE_URL,
        "Descript API base URL (the simulator serves http://127.0.0.1:8765/v1)",
    )
    token_store: TokenStoreChoice = setting(  # noqa: RUF009 (a dataclass field factory)
        "auto",
        "Where `auth login` keeps the token: auto (keyring if one works, else token file), "
        "keyring, or file",
        choices=("auto", "keyring", "file"),
    )
    read_only: bool = setting(
        False, "Hide and refuse every action that changes something (submit, cancel)"
    )
    allow_insecure_http: bool = setting(
        False,
        "Allow a plain http:// base URL to a host that is not this machine (the token "
        "travels in clear)",
    )
    theme: str = setting("textual-dark", "Textual theme of the dashboard")
    request_timeout: float = setting(
        30.0,
        "Seconds one request may take in all (connect and the whole answer) before it is cut "
        "off, however slowly the server trickles its answer",
        minimum=0.1,
    )
    retry_budget: float = setting(
        90.0,
        "Seconds a read (or cancel) keeps retrying a failing server before giving up (exit 5)",
        minimum=0.0,
    )
    poll_min_interval: float = setting(
        3.0,
        "Shortest wait in seconds between two status checks of one job (the docs: never under 3)",
        minimum=3.0,
    )
    poll_max_interval: float = setting(
        15.0, "Longest wait in seconds between two status checks of a quiet job", minimum=3.0
    )
    discover_new_jobs: bool = setting(
        True, "Also list and watch jobs started elsewhere (web app, scripts, other machines)"
    )
    discover_interval: float = setting(
        10.0, "Seconds between two looks at the job list for jobs started elsewhere", minimum=5.0
    )
    callbacks: str = setting(
        "",
        "Receive job callbacks on HOST:PORT (e.g. 127.0.0.1:8787) while the dashboard runs: "
        "polling backs off to a 60 s safety poll; empty: off",
    )
    callbacks_public_url: str = setting(
        "",
        "Where Descript reaches that receiver, e.g. the HTTPS address of a reverse proxy or "
        "tunnel to it; empty: http://HOST:PORT",
    )
    stall_running_minutes: float = setting(
        10.0,
        "Minutes a running job's progress may stand still before it shows ⏸ stalled",
        minimum=1.0,
    )
    stall_queued_minutes: float = setting(
        5.0, "Minutes a job may stay queued before it shows ⏸ stalled", minimum=1.0
    )

    def poll_policy(self) -> Any:
        """The scheduler's `PollPolicy` with this profile's intervals (pass `discover` too)."""
        from tui.api.scheduler import DEFAULT_POLICY

        first = min(
            max(DEFAULT_POLICY.first_interval, self.poll_min_interval), self.poll_max_interval
        )
        return dataclasses.replace(
            DEFAULT_POLICY,
            min_interval=self.poll_min_interval,
            first_interval=first,
            max_interval=self.poll_max_interval,
            discover_interval=self.discover_interval,
        )

    def to_toml(self, *, keep: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
        """The profile's table, without its name (the table key): the values that differ
        from the defaults, plus the keys in `keep` (those the file spelled out already)."""
        return {
            f.name: getattr(self, f.name)
            for f in profile_fields()
            if f.name in keep or getattr(self, f.name) != f.default
        }


def profile_fields() -> tuple[dataclasses.Field[Any], ...]:
    """The editable profile fields, in order, each with `metadata["help"]`."""
    return tuple(f for f in dataclasses.fields(Profile) if f.name != "name")


def field_help(name: str) -> str:
    """The one-line description of a profile field."""
    for f in dataclasses.fields(Profile):
        if f.name == name:
            return str(f.metadata.get("help", ""))
    raise KeyError(name)


def _coerce(f: dataclasses.Field[Any], value: Any) -> tuple[Any, str | None]:
    """`value` as the field's type, or an error message (TOML already typed most of it)."""
    default = f.default
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value, None
        return None, "must be true or false"
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, "must be a number"
        minimum = f.metadata.get("minimum")
        if minimum is not None and value < minimum:
            return None, f"must be at least {minimum}"
        return float(value), None
    if not isinstance(value, str):
        return None, "must be a string"
    choices = f.metadata.get("choices")
    if choices and value not in choices:
        return None, "must be one of " + ", ".join(choices)
    if f.name == "base_url":
        # The structure here; plain http to a remote host is checked with the profile's flag.
        if problem := base_url_problem(value, allow_insecure_http=True):
            return None, f"base URL {problem}"
        return value.strip().rstrip("/"), None
    return value, None


def validate_profile(name: str, values: Mapping[str, Any]) -> tuple[Profile | None, list[Problem]]:
    """Build a `Profile` from a TOML table (or the settings form), or say what is wrong."""
    problems: list[Problem] = []
    if not PROFILE_NAME_RE.match(name):
        problems.append(
            Problem("name", "use letters, digits, '.', '_' or '-' (at most 64, no spaces)")
        )
    known = {f.name: f for f in profile_fields()}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        f = known.get(key)
        if f is None:
            continue  # unknown keys are kept in the file, ignored here
        coerced, error = _coerce(f, value)
        if error:
            problems.append(Problem(key, error))
        else:
            kwargs[key] = coerced
    if not problems:
        low = kwargs.get("poll_min_interval", Profile.poll_min_interval)
        high = kwargs.get("poll_max_interval", Profile.poll_max_interval)
        if high < low:
            problems.append(Problem("poll_max_interval", "must not be below poll_min_interval"))
        url = kwargs.get("base_url", DEFAULT_BASE_URL)
        insecure_ok = kwargs.get("allow_insecure_http", False)
        if problem := base_url_problem(url, allow_insecure_http=insecure_ok):
            problems.append(Problem("base_url", f"base URL {problem}"))
    if problems:
        return None, problems
    return Profile(name=name, **kwargs), []


# --- the config file -------------------------------------------------------------------------


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """The config file in use: `DESCRIPT_TUI_CONFIG`, else the platform's config dir."""
    override = environ.get(CONFIG_ENV, "").strip()
    return Path(override).expanduser() if override else default_config_path()


def token_file_path(environ: Mapping[str, str] = os.environ) -> Path:
    """The token file used when no keyring works: next to the config file by default."""
    override = environ.get(TOKEN_FILE_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return config_path(environ).parent / "credentials.toml"


def token_store(environ: Mapping[str, str] = os.environ) -> TokenStore:
    """The token store for this environment (keyring if one works, token file otherwise)."""
    path = token_file_path(environ)
    # Only the platform's own descript-tui folder is ours to chmod 0700 without asking.
    owns_dir = path.parent == default_config_path().parent
    return TokenStore(path, keyring=system_keyring(environ), owns_dir=owns_dir)


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _has_comments(text: str) -> bool:
    """Whether a TOML text holds a comment (a '#' outside any string)."""
    for line in text.splitlines():
        quote: str | None = None
        i = 0
        while i < len(line):
            ch = line[i]
            if quote:
                if ch == "\\" and quote == '"':
                    i += 2
                    continue
                if ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch == "#":
                return True
            i += 1
    return False


def _line_of_key(text: str, table: str, key: str | None) -> int | None:
    """Best-effort line of `key` in `[table]` (or of the header itself), for error messages."""
    lines = text.splitlines()
    header = re.compile(
        r"^\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, table.split("."))) + r"\s*\]"
    )
    for start, line in enumerate(lines):
        if header.match(line):
            if key is None:
                return start + 1
            for offset, later in enumerate(lines[start + 1 :], start=start + 2):
                if later.lstrip().startswith("["):
                    break
                if re.match(r"^\s*" + re.escape(key) + r"\s*=", later):
                    return offset
            return start + 1
    return None


@dataclass
class Config:
    """The whole config file: its profiles, the default one, and whatever else it held."""

    path: Path
    default_profile: str = DEFAULT_PROFILE
    profiles: dict[str, Profile] = field(default_factory=dict)
    exists: bool = False
    has_comments: bool = False
    # Keys this version does not understand: written back untouched.
    raw: dict[str, Any] = field(default_factory=dict)

    def profile(self, name: str | None = None) -> Profile:
        """A profile by name (default profile when None); the implicit default always exists."""
        wanted = name or self.default_profile
        if wanted in self.profiles:
            return self.profiles[wanted]
        if wanted == DEFAULT_PROFILE:
            return Profile(name=DEFAULT_PROFILE)
        known = ", ".join(sorted(self.profiles)) or "none"
        raise ProfileNotFoundError(
            f"no profile named {wanted!r} (profiles: {known}); "
            f"create it with: descript-tui auth login --profile {wanted}",
            path=self.path,
        )

    def profile_names(self) -> list[str]:
        """Every usable profile name (the implicit `default` always is one)."""
        names = set(self.profiles) | {self.default_profile, DEFAULT_PROFILE}
        return sorted(names)

    def to_toml(self) -> dict[str, Any]:
        data = {k: v for k, v in self.raw.items() if k not in ("default_profile", "profiles")}
        data["default_profile"] = self.default_profile
        raw_profiles = self.raw.get("profiles", {})
        profiles: dict[str, Any] = {}
        known = {f.name for f in profile_fields()}
        for name, prof in self.profiles.items():
            extra = raw_profiles.get(name, {}) if isinstance(raw_profiles, dict) else {}
            # Unknown keys first, untouched; then ours, keeping the ones the file spelled out.
            table = {k: v for k, v in extra.items() if k not in known}
            table.update(prof.to_toml(keep=set(extra) & known))
            profiles[name] = table
        data["profiles"] = profiles
        return data


def load_config(path: Path | None = None, *, environ: Mapping[str, str] = os.environ) -> Config:
    """Read and check the config; a missing file is the default config, a broken one raises.

    Raises `ConfigError` naming the file and line; the file is never touched.
    """
    path = path or config_path(environ)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except IsADirectoryError:
        raise ConfigError("is a folder, not a TOML file", path=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror}", path=path) from None
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", path=path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        line = int(found.group(1)) if found else None
        detail = _TOML_POSITION.sub("", message).strip()
        if found:
            detail += f" (column {found.group(2)})"
        raise ConfigError(f"not valid TOML: {detail}", path=path, line=line) from None

    config = Config(path=path, exists=True, has_comments=_has_comments(text), raw=data)
    default = data.get("default_profile", DEFAULT_PROFILE)
    if not isinstance(default, str) or not default:
        line = next(
            (i for i, ln in enumerate(text.splitlines(), 1) if ln.strip().startswith("default_")),
            None,
        )
        raise ConfigError("default_profile must be a profile name", path=path, line=line)
    config.default_profile = default
    tables = data.get("profiles", {})
    if not isinstance(tables, dict):
        raise ConfigError("profiles must be a table of [profiles.NAME] tables", path=path)
    for name, values in tables.items():
        if not isinstance(values, dict):
            raise ConfigError(
                f"profiles.{name} must be a table",
                path=path,
                line=_line_of_key(text, "profiles", name),
            )
        profile, problems = validate_profile(name, values)
        if problems:
            first = problems[0]
            key = None if first.field == "name" else first.field
            raise ConfigError(
                f"profiles.{name}.{first.field} {first.message}",
                path=path,
                line=_line_of_key(text, f"profiles.{name}", key),
            )
        assert profile is not None
        config.profiles[name] = profile
    return config


def _replace_text(path: Path, text: str) -> None:
    """Write a whole file atomically (a crash leaves the old file or the new, never half)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    if path.exists():
        os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
    os.replace(tmp, path)


@dataclass(frozen=True)
class SaveResult:
    """What `save_config` did, for the caller to tell the user."""

    path: Path
    backup: Path | None


def save_config(config: Config, *, allow_dropping_comments: bool = False) -> SaveResult:
    """Write the config with tomli-w, validated first.

    tomli-w cannot keep comments. A file that has comments is rewritten only when the caller
    says the user agreed (`allow_dropping_comments`); the original is then first copied to
    `config.toml.bak` and the result names it. Without consent, `ConfigError` is raised.
    """
    for name, prof in config.profiles.items():
        _, problems = validate_profile(name, prof.to_toml())
        if problems:
            raise ConfigError(f"profiles.{name}: {problems[0]}", path=config.path)
    path = config.path
    backup: Path | None = None
    if path.exists():
        # Re-read: someone may have edited it since we loaded it (a comment added by hand).
        current = path.read_text(encoding="utf-8", errors="replace")
        try:
            tomllib.loads(current)
        except tomllib.TOMLDecodeError:
            raise ConfigError(
                "is not valid TOML; fix it by hand first (it is never overwritten)", path=path
            ) from None
        if _has_comments(current):
            if not allow_dropping_comments:
                raise ConfigError(
                    "has comments that rewriting would drop; edit it by hand, or agree to a "
                    f"rewrite (the original is kept as {path.name}.bak)",
                    path=path,
                )
            backup = path.with_name(path.name + ".bak")
            shutil.copy2(path, backup)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = tomli_w.dumps(config.to_toml())
    _replace_text(path, text)
    config.exists = True
    config.has_comments = False
    return SaveResult(path=path, backup=backup)


def add_profile(config: Config, profile: Profile) -> SaveResult:
    """Add a new profile, keeping the file's comments: appended as text, never a rewrite."""
    if profile.name in config.profiles:
        raise ConfigError(f"profile {profile.name!r} already exists", path=config.path)
    _, problems = validate_profile(profile.name, profile.to_toml())
    if problems:
        raise ConfigError(str(problems[0]), path=config.path)
    path = config.path
    table = tomli_w.dumps({"profiles": {profile.name: profile.to_toml()}})
    if path.exists():
        current = path.read_text(encoding="utf-8")
        candidate = current + ("" if current.endswith("\n") or not current else "\n")
        candidate += "\n" + table
        try:
            tomllib.loads(candidate)
        except tomllib.TOMLDecodeError:
            # E.g. `profiles = {...}` inline: appending cannot work, a rewrite is needed.
            config.profiles[profile.name] = profile
            return save_config(config, allow_dropping_comments=True)
    else:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        head = tomli_w.dumps({"default_profile": config.default_profile})
        candidate = head + "\n" + table
    _replace_text(path, candidate)
    config.profiles[profile.name] = profile
    config.exists = True
    return SaveResult(path=path, backup=None)


# --- the resolved connection -----------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    """Everything a client needs to talk to one Drive. The token never shows in its repr."""

    token: str | None = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    profile_name: str = DEFAULT_PROFILE
    read_only: bool = False
    token_source: str = SOURCE_NONE
    profile: Profile | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return (
            f"Connection(token={mask_token(self.token)!r}, base_url={self.base_url!r}, "
            f"profile_name={self.profile_name!r}, read_only={self.read_only!r}, "
            f"token_source={self.token_source!r})"
        )

    __str__ = __repr__

    @property
    def masked_token(self) -> str:
        return mask_token(self.token)


def resolve_connection(
    profile: str | None = None,
    base_url: str | None = None,
    *,
    environ: Mapping[str, str] = os.environ,
    read_only: bool = False,
    allow_insecure_http: bool = False,
    config: Config | None = None,
    store: TokenStore | None = None,
) -> Connection:
    """The connection for `profile` (default profile when None).

    `base_url` (from `--base-url`) beats `DESCRIPT_API_BASE_URL`, which beats the profile.
    `DESCRIPT_API_TOKEN` beats any stored token. `read_only` (`--read-only`) or the profile's
    flag makes it read-only. The base URL is checked (`tui.api.base_url`) before anything is
    sent; `allow_insecure_http` (`--allow-insecure-http`) or the profile's flag allow plain
    http to a remote host. Raises `ConfigError` (broken config, unknown profile, insecure
    token file, refused base URL) with a message fit to print as is.
    """
    config = config or load_config(environ=environ)
    chosen = config.profile(profile)
    env_url = environ.get(BASE_URL_ENV, "").strip()
    url = base_url or env_url or chosen.base_url
    insecure_ok = allow_insecure_http or chosen.allow_insecure_http
    if problem := base_url_problem(url, allow_insecure_http=insecure_ok):
        source = (
            "--base-url"
            if base_url
            else (BASE_URL_ENV if env_url else f"profile {chosen.name!r}")
        )
        raise ConfigError(f"{source}: base URL {problem}")
    url = url.strip().rstrip("/")
    env_token = environ.get(TOKEN_ENV, "").strip()
    token: str | None
    if env_token:
        token, source = env_token, SOURCE_ENV
    else:
        store = store or token_store(environ)
        try:
            stored: StoredToken | None = store.get(chosen.name)
        except TokenStoreError as exc:
            raise ConfigError(str(exc)) from None
        token, source = (stored.token, stored.source) if stored else (None, SOURCE_NONE)
    return Connection(
        token=token,
        base_url=url,
        profile_name=chosen.name,
        read_only=read_only or chosen.read_only,
        token_source=source,
        profile=chosen,
    )


_DEFAULT_LINE = re.compile(
    r"^(\s*default_profile\s*=\s*)(\"[^\"\n]*\"|'[^'\n]*')(.*)$", re.MULTILINE
)


def set_default_profile(config: Config, name: str) -> SaveResult:
    """Make `name` the default profile by editing its one line, so comments survive."""
    config.profile(name)  # raises ProfileNotFoundError for an unknown name
    path = config.path
    value = tomli_w.dumps({"default_profile": name}).split("=", 1)[1].strip()
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    before_tables = current.split("\n[", 1)[0] if not current.startswith("[") else ""
    if _DEFAULT_LINE.search(before_tables):
        candidate = _DEFAULT_LINE.sub(lambda m: m.group(1) + value + m.group(3), current, count=1)
    else:
        # Top-level keys must come before the first table.
        candidate = f"default_profile = {value}\n" + current
    try:
        parsed = tomllib.loads(candidate)
    except tomllib.TOMLDecodeError:
        parsed = {}
    if parsed.get("default_profile") != name:
        config.default_profile = name
        return save_config(config, allow_dropping_comments=True)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _replace_text(path, candidate)
    config.default_profile = name
    config.exists = True
    return SaveResult(path=path, backup=None)


def client_deadlines(profile: Any, request_timeout: float | None = None) -> dict[str, Any]:
    """`DescriptClient` keyword arguments for a profile's deadlines (`request_timeout`,
    `retry_budget`), `request_timeout` (--request-timeout) beating the profile's."""
    from tui.api.retry import DEFAULT_POLICY

    timeout = request_timeout or getattr(profile, "request_timeout", None)
    budget = getattr(profile, "retry_budget", None)
    found: dict[str, Any] = {}
    if timeout is not None:
        found["request_timeout"] = float(timeout)
    if budget is not None:
        found["retry"] = dataclasses.replace(DEFAULT_POLICY, deadline=float(budget))
    return found
