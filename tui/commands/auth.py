"""`descript-tui auth login|status|logout` and `descript-tui profiles list|add|use`.

The token is read from stdin (when it is not a terminal) or a hidden prompt, never from the
command line; it is checked with one cheap call (`GET /projects?limit=1`) before it is
stored; it is only ever printed masked (`****abcd`).
"""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from tui.api.base_url import base_url_problem
from tui.commands import CliContext, CommandFailed, ExitCode, UsageError
from tui.config import (
    BASE_URL_ENV,
    DEFAULT_PROFILE,
    TOKEN_ENV,
    Config,
    Profile,
    SaveResult,
    add_profile,
    load_config,
    resolve_connection,
    set_default_profile,
    token_store,
    validate_profile,
)
from tui.secrets import SOURCE_ENV, TokenStore, TokenStoreError, mask_token

PROMPT = "Descript API token (input hidden): "


def register(subparsers: Any) -> None:
    """Add `auth` and `profiles` to the `descript-tui` parser."""
    auth = subparsers.add_parser(
        "auth", help="store, check or remove the API token of a profile", description=__doc__
    )
    auth_sub = auth.add_subparsers(title="auth commands", metavar="COMMAND", required=True)

    login = auth_sub.add_parser(
        "login",
        help="check a token and store it (keyring, else a 0600 file)",
        description=(
            "Reads the token from stdin when piped (`descript-tui auth login < token.txt`) or "
            "from a hidden prompt; never from an argument. Checks it with GET /projects?limit=1 "
            "and stores it for the profile (created if new, with --base-url if given)."
        ),
    )
    login.add_argument(
        "--store",
        choices=("auto", "keyring", "file"),
        default=None,
        help="where to keep the token (default: the profile's token_store, normally auto)",
    )
    # Catches `auth login TOKEN` so argparse does not echo the token back in its error.
    login.add_argument("stray", nargs="*", help=argparse.SUPPRESS)
    login.set_defaults(handler=login_command)

    status = auth_sub.add_parser(
        "status", help="show where the profile's token comes from (masked)"
    )
    status.add_argument(
        "--check", action="store_true", help="also check the token with GET /projects?limit=1"
    )
    status.set_defaults(handler=status_command)

    logout = auth_sub.add_parser("logout", help="remove the profile's stored token")
    logout.set_defaults(handler=logout_command)

    profiles = subparsers.add_parser(
        "profiles", help="list, add or choose profiles (one per Drive)"
    )
    profiles_sub = profiles.add_subparsers(
        title="profiles commands", metavar="COMMAND", required=True
    )
    listing = profiles_sub.add_parser("list", help="every profile, its URL and token (masked)")
    listing.set_defaults(handler=profiles_list_command)

    add = profiles_sub.add_parser("add", help="add a profile (then: auth login --profile NAME)")
    add.add_argument("name", metavar="NAME")
    add.set_defaults(handler=profiles_add_command)

    use = profiles_sub.add_parser("use", help="make NAME the default profile")
    use.add_argument("name", metavar="NAME")
    use.set_defaults(handler=profiles_use_command)


# --- helpers ---------------------------------------------------------------------------------


def _store() -> TokenStore:
    return token_store(os.environ)


def _read_token(ctx: CliContext) -> str:
    """The token from a hidden prompt (terminal) or the first line of stdin (pipe)."""
    if ctx.interactive:
        try:
            token = getpass.getpass(PROMPT)
        except EOFError:
            token = ""
    else:
        token = (ctx.stdin.readline() or "").strip()
    token = token.strip()
    if not token:
        raise UsageError(
            "no token given: paste it at the prompt, or pipe it in "
            "(`descript-tui auth login --profile NAME < token.txt`)"
        )
    if any(ch.isspace() for ch in token):
        raise UsageError("a token has no spaces in it: check what was pasted")
    return token


async def _check_token(ctx: CliContext, token: str, base_url: str) -> None:
    """One cheap authenticated call; 401/403 say the token is wrong for this Drive."""
    from tui.api.client import DescriptClient
    from tui.api.errors import ForbiddenError, UnauthorizedError

    transport = ctx.transport_factory() if ctx.transport_factory else None
    try:
        async with DescriptClient(
            token, base_url=base_url, transport=transport, clock=ctx.clock
        ) as client:
            await client.list_projects_page(limit=1)
    except (UnauthorizedError, ForbiddenError) as err:
        raise CommandFailed(
            f"{base_url} refused this token ({err.status}): it is wrong, revoked, or for "
            "another server; nothing was stored",
            ExitCode.UNAUTHORIZED,
        ) from None


def _profile_for_login(ctx: CliContext, config: Config) -> tuple[Profile, bool]:
    """The profile to log in to, and whether it must be added to the config file."""
    name = ctx.profile or config.default_profile
    if name in config.profiles:
        return config.profiles[name], False
    values: dict[str, Any] = {}
    # A new profile keeps the URL its token was checked against.
    url = ctx.base_url or os.environ.get(BASE_URL_ENV, "").strip()
    if url:
        values["base_url"] = url.rstrip("/")
    _keep_insecure_flag(ctx, values)
    profile, problems = validate_profile(name, values)
    if problems or profile is None:
        raise UsageError(f"profile {name!r}: {problems[0]}")
    # The implicit default profile needs no table unless it points somewhere else.
    return profile, name != DEFAULT_PROFILE or bool(values)


def _keep_insecure_flag(ctx: CliContext, values: dict[str, Any]) -> None:
    """A profile stored with a remote http:// URL under --allow-insecure-http keeps the flag,
    so every later command on it need not repeat it; without the flag it is refused."""
    url = values.get("base_url")
    if ctx.insecure_http_ok and url and base_url_problem(url) is not None:
        values["allow_insecure_http"] = True


def _login_base_url(ctx: CliContext, profile: Profile) -> str:
    """The URL the token is checked against: refused (exit 2) before the token is read."""
    url = ctx.base_url or os.environ.get(BASE_URL_ENV, "").strip() or profile.base_url
    insecure_ok = ctx.insecure_http_ok or profile.allow_insecure_http
    if problem := base_url_problem(url, allow_insecure_http=insecure_ok):
        raise UsageError(f"base URL {problem}; nothing was stored")
    return url.strip().rstrip("/")


def _report_save(ctx: CliContext, result: SaveResult) -> None:
    if result.backup is not None:
        ctx.err(
            f"note: {result.path} was rewritten and its comments dropped; "
            f"the original is at {result.backup}"
        )


def _env_override_note(ctx: CliContext) -> None:
    if os.environ.get(TOKEN_ENV, "").strip():
        ctx.err(f"note: {TOKEN_ENV} is set and overrides any stored token")


# --- auth ------------------------------------------------------------------------------------


async def login_command(args: argparse.Namespace, ctx: CliContext) -> int:
    if getattr(args, "stray", None):
        raise UsageError(
            "auth login takes no token argument (shell history and `ps` would keep it): "
            "type it at the hidden prompt, or pipe it in: descript-tui auth login < token.txt"
        )
    config = load_config()
    profile, is_new = _profile_for_login(ctx, config)
    base_url = _login_base_url(ctx, profile)
    token = _read_token(ctx)
    await _check_token(ctx, token, base_url)
    store = _store()
    try:
        source = store.set(profile.name, token, where=args.store or profile.token_store)
    except TokenStoreError as err:
        raise CommandFailed(str(err)) from None
    if is_new:
        _report_save(ctx, add_profile(config, profile))
        ctx.out(f"Added profile {profile.name!r} ({profile.base_url}) to {config.path}")
    where = "the system keyring" if source != "token file" else f"{store.token_file} (0600)"
    ctx.out(
        f"Token {mask_token(token)} works with {base_url}; "
        f"stored for profile {profile.name!r} in {where}."
    )
    if ctx.base_url and not is_new and ctx.base_url.rstrip("/") != profile.base_url:
        ctx.err(
            f"note: the profile's base_url is still {profile.base_url}; "
            "--base-url was used for this check only"
        )
    _env_override_note(ctx)
    return ExitCode.OK


async def status_command(args: argparse.Namespace, ctx: CliContext) -> int:
    config = load_config()
    connection = resolve_connection(ctx.profile, ctx.base_url, read_only=ctx.read_only)
    store = _store()
    ctx.out(f"Profile:     {connection.profile_name}")
    ctx.out(f"Config file: {config.path}" + ("" if config.exists else " (not created yet)"))
    ctx.out(f"Base URL:    {connection.base_url}")
    ctx.out(f"Token:       {connection.masked_token} (from {_describe_source(connection, store)})")
    keyring_state = "available" if store.keyring_available else "not available"
    ctx.out(f"Keyring:     {keyring_state}; token file: {store.token_file}")
    ctx.out(f"Read-only:   {'yes' if connection.read_only else 'no'}")
    if not connection.token:
        ctx.err(
            f"no token: run `descript-tui auth login --profile {connection.profile_name}` "
            f"or set {TOKEN_ENV}"
        )
        return ExitCode.FAILURE
    if args.check:
        await _check_token(ctx, connection.token, connection.base_url)
        ctx.out(f"Check:       ok (GET {connection.base_url}/projects?limit=1)")
    return ExitCode.OK


def _describe_source(connection: Any, store: TokenStore) -> str:
    source = connection.token_source
    if source == "token file":
        return f"token file {store.token_file}"
    return source


def logout_command(args: argparse.Namespace, ctx: CliContext) -> int:
    config = load_config()
    name = config.profile(ctx.profile).name
    try:
        removed = _store().delete(name)
    except TokenStoreError as err:
        raise CommandFailed(str(err)) from None
    if removed:
        ctx.out(f"Removed the token of profile {name!r} from: {', '.join(removed)}")
    else:
        ctx.out(f"Profile {name!r} had no stored token")
    _env_override_note(ctx)
    return ExitCode.OK


# --- profiles --------------------------------------------------------------------------------


def profiles_list_command(args: argparse.Namespace, ctx: CliContext) -> int:
    config = load_config()
    store = _store()
    env_token = os.environ.get(TOKEN_ENV, "").strip()
    rows = [("", "PROFILE", "BASE URL", "TOKEN", "FROM", "READ-ONLY")]
    for name in config.profile_names():
        profile = config.profile(name)
        if env_token:
            token, source = env_token, SOURCE_ENV
        else:
            try:
                stored = store.get(name)
            except TokenStoreError as err:
                raise CommandFailed(str(err)) from None
            token, source = (stored.token, stored.source) if stored else (None, "none")
        rows.append(
            (
                "*" if name == config.default_profile else "",
                name,
                profile.base_url,
                mask_token(token),
                source,
                "yes" if profile.read_only else "no",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        ctx.out(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    ctx.out(f"\nConfig file: {config.path}" + ("" if config.exists else " (not created yet)"))
    ctx.out("* = default profile")
    return ExitCode.OK


def profiles_add_command(args: argparse.Namespace, ctx: CliContext) -> int:
    config = load_config()
    if args.name in config.profiles:
        raise UsageError(f"profile {args.name!r} already exists in {config.path}")
    values: dict[str, Any] = {"read_only": True} if ctx.read_only else {}
    if ctx.base_url:
        values["base_url"] = ctx.base_url.rstrip("/")
    _keep_insecure_flag(ctx, values)
    profile, problems = validate_profile(args.name, values)
    if problems or profile is None:
        raise UsageError(f"profile {args.name!r}: {problems[0]}")
    _report_save(ctx, add_profile(config, profile))
    ctx.out(f"Added profile {profile.name!r} ({profile.base_url}) to {config.path}")
    ctx.out(f"Next: descript-tui auth login --profile {profile.name}")
    return ExitCode.OK


def profiles_use_command(args: argparse.Namespace, ctx: CliContext) -> int:
    config = load_config()
    _report_save(ctx, set_default_profile(config, args.name))
    ctx.out(f"Default profile is now {args.name!r} ({config.path})")
    return ExitCode.OK
