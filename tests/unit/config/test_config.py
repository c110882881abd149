"""Config file: precedence, round trips, broken files, comments, and masked reprs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.config import (
    DEFAULT_BASE_URL,
    Config,
    ConfigError,
    Connection,
    Profile,
    ProfileNotFoundError,
    add_profile,
    field_help,
    load_config,
    profile_fields,
    resolve_connection,
    save_config,
    set_default_profile,
    validate_profile,
)
from tui.secrets import TokenStore

SECRET = "sk-live-0123456789abcdefSECRET"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def env_for(home: Path, **extra: str) -> dict[str, str]:
    return {"DESCRIPT_TUI_CONFIG": str(home / "config.toml"), "DESCRIPT_TUI_KEYRING": "0", **extra}


# --- resolve_connection ----------------------------------------------------------------------


def test_no_config_no_token_gives_the_default_profile_and_url(config_home: Path) -> None:
    conn = resolve_connection(environ=env_for(config_home))
    assert conn.profile_name == "default"
    assert conn.base_url == DEFAULT_BASE_URL
    assert conn.token is None
    assert conn.token_source == "none"
    assert conn.read_only is False
    assert not (config_home / "config.toml").exists()  # reading never creates files


@pytest.mark.parametrize(
    ("argument", "env_url", "expected"),
    [
        (None, None, "https://profile.example/v1"),
        (None, "https://env.example/v1", "https://env.example/v1"),
        ("https://arg.example/v1/", "https://env.example/v1", "https://arg.example/v1"),
        ("https://arg.example/v1", None, "https://arg.example/v1"),
    ],
)
def test_base_url_precedence(
    config_home: Path, argument: str | None, env_url: str | None, expected: str
) -> None:
    write(
        config_home / "config.toml", '[profiles.default]\nbase_url = "https://profile.example/v1"\n'
    )
    environ = env_for(config_home, **({"DESCRIPT_API_BASE_URL": env_url} if env_url else {}))
    assert resolve_connection(None, argument, environ=environ).base_url == expected


def test_env_token_beats_the_stored_token(config_home: Path) -> None:
    store = TokenStore(config_home / "credentials.toml")
    store.set("default", "stored-token-1234")
    stored = resolve_connection(environ=env_for(config_home))
    assert (stored.token, stored.token_source) == ("stored-token-1234", "token file")
    env = resolve_connection(environ=env_for(config_home, DESCRIPT_API_TOKEN=SECRET))
    assert (env.token, env.token_source) == (SECRET, "env DESCRIPT_API_TOKEN")


def test_read_only_from_the_profile_or_the_flag(config_home: Path) -> None:
    write(
        config_home / "config.toml",
        "[profiles.default]\n[profiles.audit]\nread_only = true\n",
    )
    environ = env_for(config_home)
    assert resolve_connection("audit", environ=environ).read_only is True
    assert resolve_connection("default", environ=environ).read_only is False
    assert resolve_connection("default", environ=environ, read_only=True).read_only is True


def test_default_profile_is_taken_from_the_file(config_home: Path) -> None:
    write(
        config_home / "config.toml",
        'default_profile = "work"\n[profiles.work]\nbase_url = "https://work.example/v1"\n',
    )
    conn = resolve_connection(environ=env_for(config_home))
    assert (conn.profile_name, conn.base_url) == ("work", "https://work.example/v1")


def test_unknown_profile_says_how_to_create_it(config_home: Path) -> None:
    with pytest.raises(ProfileNotFoundError) as caught:
        resolve_connection("nope", environ=env_for(config_home))
    assert "auth login --profile nope" in str(caught.value)


def test_connection_repr_masks_the_token() -> None:
    conn = Connection(token=SECRET, base_url="http://x/v1", token_source="keyring")
    for text in (repr(conn), str(conn), f"{conn}", repr([conn]), conn.masked_token):
        assert SECRET not in text
        assert SECRET[:6] not in text
    assert "****CRET" in repr(conn)
    assert dataclasses.replace(conn, read_only=True).token == SECRET  # still usable


# --- round trips -----------------------------------------------------------------------------


def test_save_then_load_round_trips_profiles_and_unknown_keys(config_home: Path) -> None:
    path = write(
        config_home / "config.toml",
        'future_setting = 3\n[profiles.default]\nfuture_key = "kept"\n',
    )
    config = load_config(path)
    config.profiles["sim"] = Profile(
        name="sim", base_url="http://127.0.0.1:8765/v1", read_only=True, poll_min_interval=4.0
    )
    config.default_profile = "sim"
    save_config(config)
    again = load_config(path)
    assert again.profiles == config.profiles
    assert again.default_profile == "sim"
    assert again.raw["future_setting"] == 3
    assert again.raw["profiles"]["default"]["future_key"] == "kept"


profile_values = st.fixed_dictionaries(
    {
        "base_url": st.sampled_from(["https://descriptapi.com/v1", "http://127.0.0.1:8765/v1"]),
        "token_store": st.sampled_from(["auto", "keyring", "file"]),
        "read_only": st.booleans(),
        "theme": st.text(min_size=1, max_size=20),
        "poll_min_interval": st.floats(min_value=3, max_value=10),
        "poll_max_interval": st.floats(min_value=10, max_value=600),
        "discover_new_jobs": st.booleans(),
        "discover_interval": st.floats(min_value=5, max_value=3600),
    }
)
profile_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,15}", fullmatch=True)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(profiles=st.dictionaries(profile_names, profile_values, min_size=1, max_size=3))
def test_any_valid_config_round_trips(config_home: Path, profiles: dict[str, dict]) -> None:
    path = config_home / "roundtrip.toml"
    path.unlink(missing_ok=True)
    config = Config(path=path, default_profile=next(iter(profiles)))
    for name, values in profiles.items():
        profile, problems = validate_profile(name, values)
        assert problems == []
        assert profile is not None
        config.profiles[name] = profile
    save_config(config)
    loaded = load_config(path)
    assert loaded.profiles == config.profiles
    assert loaded.default_profile == config.default_profile


def test_every_field_has_a_one_line_help() -> None:
    for f in profile_fields():
        help_text = field_help(f.name)
        assert help_text and "\n" not in help_text, f.name


@pytest.mark.parametrize(
    ("values", "bad_field"),
    [
        ({"read_only": "yes"}, "read_only"),
        ({"poll_min_interval": 1.0}, "poll_min_interval"),
        ({"poll_min_interval": 20.0, "poll_max_interval": 10.0}, "poll_max_interval"),
        ({"token_store": "vault"}, "token_store"),
        ({"base_url": "descriptapi.com"}, "base_url"),
        ({"theme": 3}, "theme"),
    ],
)
def test_validation_names_the_bad_field(values: dict, bad_field: str) -> None:
    profile, problems = validate_profile("p", values)
    assert profile is None
    assert [p.field for p in problems] == [bad_field]


def test_bad_profile_name_is_refused() -> None:
    _, problems = validate_profile("has space", {})
    assert [p.field for p in problems] == ["name"]


# --- broken files ----------------------------------------------------------------------------


def test_broken_toml_names_file_and_line_and_is_left_untouched(config_home: Path) -> None:
    text = '# my settings\n[profiles.default]\nbase_url = "https://x/v1"\nread_only = tru\n'
    path = write(config_home / "config.toml", text)
    before = path.stat().st_mtime_ns
    with pytest.raises(ConfigError) as caught:
        resolve_connection(environ=env_for(config_home))
    message = str(caught.value)
    assert str(path) in message
    assert "line 4" in message
    assert caught.value.line == 4
    assert path.read_text(encoding="utf-8") == text
    assert path.stat().st_mtime_ns == before
    # Nor does a save go through while it is broken.
    with pytest.raises(ConfigError):
        save_config(Config(path=path), allow_dropping_comments=True)
    assert path.read_text(encoding="utf-8") == text


def test_wrong_type_names_the_line_of_the_key(config_home: Path) -> None:
    path = write(
        config_home / "config.toml",
        '[profiles.default]\nbase_url = "https://x/v1"\n\n[profiles.work]\ntheme = "x"\n'
        'read_only = "yes"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == 6
    assert "profiles.work.read_only must be true or false" in str(caught.value)


def test_a_folder_or_binary_file_is_a_clear_error(config_home: Path) -> None:
    (config_home / "dir.toml").mkdir(parents=True)
    with pytest.raises(ConfigError, match="folder"):
        load_config(config_home / "dir.toml")
    binary = config_home / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(binary)


# --- comments --------------------------------------------------------------------------------

COMMENTED = (
    "# Work and home Drives\n"
    'default_profile = "default"  # used when --profile is not given\n'
    "\n"
    "[profiles.default]\n"
    "read_only = true # careful\n"
    'theme = "nord"\n'
)


def test_save_refuses_to_drop_comments_without_consent(config_home: Path) -> None:
    path = write(config_home / "config.toml", COMMENTED)
    config = load_config(path)
    assert config.has_comments
    with pytest.raises(ConfigError, match="comments"):
        save_config(config)
    assert path.read_text(encoding="utf-8") == COMMENTED


def test_save_with_consent_keeps_a_backup(config_home: Path) -> None:
    path = write(config_home / "config.toml", COMMENTED)
    config = load_config(path)
    result = save_config(config, allow_dropping_comments=True)
    assert result.backup == path.with_name("config.toml.bak")
    assert result.backup.read_text(encoding="utf-8") == COMMENTED
    assert load_config(path).profiles == config.profiles


def test_a_hash_inside_a_string_is_not_a_comment(config_home: Path) -> None:
    path = write(config_home / "config.toml", '[profiles.default]\ntheme = "a#b"\n')
    assert load_config(path).has_comments is False
    save_config(load_config(path))  # no consent needed
    assert load_config(path).profiles["default"].theme == "a#b"


def test_add_profile_and_set_default_keep_comments(config_home: Path) -> None:
    path = write(config_home / "config.toml", COMMENTED)
    config = load_config(path)
    result = add_profile(config, Profile(name="work", base_url="https://work.example/v1"))
    assert result.backup is None
    result = set_default_profile(config, "work")
    assert result.backup is None
    text = path.read_text(encoding="utf-8")
    assert "# Work and home Drives" in text and "# careful" in text
    assert "# used when --profile is not given" in text
    again = load_config(path)
    assert again.default_profile == "work"
    assert again.profiles["work"].base_url == "https://work.example/v1"
    assert again.profiles["default"].read_only is True


def test_set_default_profile_on_a_file_without_the_key(config_home: Path) -> None:
    path = write(config_home / "config.toml", "# hi\n[profiles.work]\n")
    config = load_config(path)
    set_default_profile(config, "work")
    assert load_config(path).default_profile == "work"
    assert "# hi" in path.read_text(encoding="utf-8")
    with pytest.raises(ProfileNotFoundError):
        set_default_profile(config, "missing")


def test_the_profile_becomes_the_schedulers_poll_policy() -> None:
    policy = Profile(poll_min_interval=4.0, poll_max_interval=20.0, discover_interval=30.0)
    policy = policy.poll_policy()
    assert (policy.min_interval, policy.max_interval, policy.discover_interval) == (4.0, 20.0, 30.0)
    assert 4.0 <= policy.first_interval <= 20.0
    assert Profile().poll_policy().min_interval >= 3.0  # the docs: never poll faster than 3 s
