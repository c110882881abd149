"""The import form as a user fills it, against the in-process simulator on virtual time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from textual import events
from textual.widgets import Input, ProgressBar, Static

from tui.api.errors import REMEDY_402, REMEDY_OUTCOME_UNKNOWN
from tui.api.limits import RequestKind
from tui.api.models import JobCreated
from tui.screens.import_form import ImportScreen
from tui.screens.jump import JumpScreen
from tui.simulator.world import BROKE_TOKEN, World
from tui.widgets.error_panel import OUTCOME_UNKNOWN_WARNING, ErrorPanel
from tui.widgets.media_rows import MediaRow, MediaRows

from .form_host import (
    SIZE,
    FormHost,
    demo_user,
    freeze_cursors,
    make_client,
    screen_text,
    settle,
    shown_whole,
    sim_requests,
)

IMPORT_PATH = "/v1/jobs/import/project_media"


def import_posts(sim_app: Any) -> list[dict[str, Any]]:
    return [r for r in sim_requests(sim_app, "POST") if r["path"] == IMPORT_PATH]


def text_of(screen: ImportScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def type_into(pilot: Any, widget: Input, text: str) -> None:
    """Focus a field and type, key by key, as a user would."""
    widget.focus()
    await pilot.pause()
    await pilot.press(*text)


async def open_import(pilot: Any, app: FormHost) -> ImportScreen:
    screen = ImportScreen()
    app.open(screen)
    await settle(pilot, lambda: screen.is_mounted and bool(screen.query("#submit")))
    return screen


def first_row(screen: ImportScreen) -> MediaRow:
    return screen.query_one(MediaRows).rows[0]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://x.io/a.mp4", "the URL must start with http:// or https://"),
        # Said once: it used to read "URL a URL cannot contain spaces".
        ("https://x.io/a b.mp4", "a URL cannot contain spaces"),
    ],
)
async def test_a_malformed_url_is_named_beside_its_row_and_nothing_is_sent(
    sim_app: Any, sim_clock: Any, url: str, problem: str
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        await type_into(pilot, screen.query_one("#project-name", Input), "Ep 12")
        row = first_row(screen)
        source = row.query_one(".media-source", Input)
        await type_into(pilot, source, url)
        await pilot.pause()

        assert text_of(row, ".media-problem") == problem
        assert row.has_class("-invalid")
        assert screen.query_one("#submit").disabled
        # The shortcut is refused too: nothing reaches the API.
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Not sent" in text_of(screen, "#submit-status")
        assert import_posts(sim_app) == []
        assert app.results == []
        # Once the form is valid, "Not sent: fix the problems" is gone.
        source.value = "https://x.io/a.mp4"
        await pilot.pause()
        assert screen.problems == []
        assert "Not sent" not in screen_text(app)


async def test_duplicate_names_missing_files_and_nothing_to_import_each_sit_beside_their_field(
    sim_app: Any, sim_clock: Any, tmp_path: Path
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        await type_into(pilot, screen.query_one("#project-name", Input), "Dupes")
        await pilot.pause()
        assert "add at least one media file or URL" in text_of(screen, "#problem-media")

        rows = screen.query_one(MediaRows)
        first_row(screen).query_one(".media-source", Input).value = "https://a.example.com/x.mp4"
        second = rows.add_row("https://b.example.com/x.mp4")
        third = rows.add_row(str(tmp_path / "missing.wav"))
        await pilot.pause()

        screen.query_one("#language", Input).value = "english"
        await pilot.pause()
        assert "not an ISO 639-1 code" in text_of(screen, "#problem-language")
        screen.query_one("#language", Input).value = "en"
        await pilot.pause()
        assert text_of(screen, "#problem-language") == ""
        assert "used twice" in text_of(second, ".media-problem")
        assert "no such file" in text_of(third, ".media-problem")
        assert text_of(screen, "#problem-media") == ""
        assert screen.query_one("#submit").disabled

        # Naming the second row differently and dropping the third makes the form valid.
        second.query_one(".media-name", Input).value = "x-take2.mp4"
        await rows.remove_row(third)
        await pilot.pause()
        assert screen.problems == []
        assert not screen.query_one("#submit").disabled
        assert import_posts(sim_app) == []


async def test_a_valid_url_import_dismisses_with_a_job_the_simulator_has(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        screen.query_one("#project-name", Input).value = "Podcast [take 2]"
        first_row(screen).query_one(".media-source", Input).value = "https://cdn.example.com/ep.mp4"
        await type_into(pilot, screen.query_one("#composition", Input), "Cut")
        await pilot.pause()
        assert not screen.query_one("#submit").disabled

        await pilot.click("#submit")
        await settle(pilot, lambda: bool(app.results))

    created = app.results[0]
    assert isinstance(created, JobCreated)
    job = sim_world.job_for(demo_user(sim_world), created.job_id)
    assert job.job_id == created.job_id
    assert [r["status"] for r in import_posts(sim_app)] == [201]


async def test_a_local_file_is_uploaded_with_progress_after_the_post(
    sim_app: Any, sim_world: World, sim_clock: Any, tmp_path: Path
) -> None:
    recording = tmp_path / "interview.wav"
    recording.write_bytes(b"RIFF" + bytes(700_000))
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    progress: list[ImportScreen.UploadProgressed] = []

    def hook(message: Any) -> None:
        if isinstance(message, ImportScreen.UploadProgressed):
            progress.append(message)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        screen = await open_import(pilot, app)
        screen.query_one("#project-name", Input).value = "Local upload"
        row = first_row(screen)
        row.query_one(".media-source", Input).value = str(recording)
        await pilot.pause()
        assert screen.problems == []

        bar = row.query_one(ProgressBar)
        assert not bar.has_class("-shown")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: bool(app.results))
        assert bar.has_class("-shown")
        assert bar.total == recording.stat().st_size
        assert bar.progress == recording.stat().st_size

    created = app.results[0]
    assert isinstance(created, JobCreated)
    assert "interview.wav" in created.upload_urls
    # Several chunks reported, rising to the whole file.
    sent = [m.sent for m in progress]
    assert len(sent) >= 2 and sent == sorted(sent) and sent[-1] == recording.stat().st_size
    puts = sim_requests(sim_app, "PUT")
    assert [p["status"] for p in puts] == [200]
    # The POST came first, then the bytes.
    posts = import_posts(sim_app)
    assert posts[0]["seq"] < puts[0]["seq"]


async def test_a_402_shows_status_server_message_remedy_and_the_body_on_a_key(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock, token=BROKE_TOKEN), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        screen.query_one("#project-name", Input).value = "No minutes"
        first_row(screen).query_one(".media-source", Input).value = "https://cdn.example.com/a.mp4"
        await pilot.pause()
        await pilot.press("ctrl+s")
        panel = screen.query_one("#submit-error", ErrorPanel)
        await settle(pilot, lambda: panel.is_showing)

        shown = screen_text(app)
        assert "HTTP 402 Payment Required" in shown
        assert REMEDY_402[:40] in shown
        assert not panel.query_one("#error-body").display
        await pilot.press("b")
        assert panel.query_one("#error-body").display
        assert '"error"' in str(panel.query_one("#error-body", Static).render())
        # The form stays usable and nothing was created.
        assert screen.phase == "editing"
        assert app.results == []
        assert [r["status"] for r in import_posts(sim_app)] == [402]


async def test_used_up_import_slots_say_when_the_next_one_frees_and_submit_waits_for_it(
    sim_app: Any, sim_clock: Any
) -> None:
    client = make_client(sim_app, sim_clock)
    window = client.limits.window(RequestKind.IMPORT)
    for _ in range(window.limit):
        window.record(sim_clock.monotonic())
    app = FormHost(client, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        notice = text_of(screen, "#slot-notice")
        assert "next import slot at 12:01:00, in 60 s" in notice

        screen.query_one("#project-name", Input).value = "Later"
        first_row(screen).query_one(".media-source", Input).value = "https://cdn.example.com/a.mp4"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: screen.phase == "waiting")
        # Escape while waiting stops the wait; nothing was sent.
        await pilot.press("escape")
        await pilot.pause()
        assert screen.phase == "editing"
        assert "nothing was sent" in text_of(screen, "#submit-status")
        assert import_posts(sim_app) == []

        # Submit again and let virtual time reach the free slot: it goes out then.
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: screen.phase == "waiting")
        await sim_clock.advance(61)
        await settle(pilot, lambda: bool(app.results))
    assert isinstance(app.results[0], JobCreated)
    assert [r["status"] for r in import_posts(sim_app)] == [201]


class LostAnswerTransport(httpx.AsyncBaseTransport):
    """The simulator creates the job, but the answer to the POST never arrives."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST":
            raise httpx.ReadError("connection reset by peer", request=request)
        return response


async def test_an_unknown_outcome_warns_the_job_may_exist_and_blocks_a_resubmit(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    app = FormHost(make_client(LostAnswerTransport(sim_app), sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        screen.query_one("#project-name", Input).value = "Lost answer"
        first_row(screen).query_one(".media-source", Input).value = "https://cdn.example.com/a.mp4"
        await pilot.pause()
        await pilot.press("ctrl+s")
        panel = screen.query_one("#submit-error", ErrorPanel)
        await settle(pilot, lambda: panel.is_showing)

        shown = screen_text(app)
        assert "Outcome unknown" in shown
        assert OUTCOME_UNKNOWN_WARNING[:40] in shown
        assert REMEDY_OUTCOME_UNKNOWN[:40] in shown
        assert screen.phase == "blocked"
        assert screen.query_one("#submit").disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
    # Sent once, never again, although the simulator did create the job.
    assert len(import_posts(sim_app)) == 1
    assert sim_world.job_count() == 1


async def test_a_picked_project_shows_its_name_as_typed_and_imports_into_it(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        await settle(pilot, lambda: "Podcast [rough]" in screen_text(app))
        await type_into(pilot, screen.query_one("#project-search", Input), "pod")
        await pilot.press("enter")
        await pilot.pause()
        project = next(p for p in sim_world.projects.values() if p.name == "Podcast [rough]")
        # The one-line status names the pick and enough of its id to tell twins apart.
        assert f"Picked: Podcast [rough]  · {project.id[:8]}" in screen_text(app)
        # A picked project and a new name at once is refused beside the project.
        screen.query_one("#project-name", Input).value = "Also new"
        await pilot.pause()
        assert "not both" in text_of(screen, "#problem-project")
        screen.query_one("#project-name", Input).value = ""
        first_row(screen).query_one(".media-source", Input).value = "https://cdn.example.com/b.mp4"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: bool(app.results))
    created = app.results[0]
    project = next(p for p in sim_world.projects.values() if p.name == "Podcast [rough]")
    assert created.project_id == project.id


class RefusedUpload(httpx.AsyncBaseTransport):
    """The simulator, but storage refuses every PUT (as an expired signed URL would)."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return httpx.Response(403, text="<Error><Code>ExpiredToken</Code></Error>")
        return await self.inner.handle_async_request(request)


async def test_a_failed_upload_says_the_job_exists_and_close_hands_it_back(
    sim_app: Any, sim_clock: Any, tmp_path: Path
) -> None:
    recording = tmp_path / "take.wav"
    recording.write_bytes(b"RIFF" + bytes(1000))
    app = FormHost(make_client(RefusedUpload(sim_app), sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        screen.query_one("#project-name", Input).value = "Refused"
        first_row(screen).query_one(".media-source", Input).value = str(recording)
        await pilot.pause()
        await pilot.press("ctrl+s")
        panel = screen.query_one("#submit-error", ErrorPanel)
        await settle(pilot, lambda: panel.is_showing)
        assert "Upload failed" in screen_text(app)
        assert "was created but an upload failed" in text_of(screen, "#submit-status")
        assert screen.query_one("#submit").disabled
        await pilot.press("escape")
        await settle(pilot, lambda: bool(app.results))
    # The job exists on the server, so the dashboard gets it to watch (and maybe cancel).
    assert isinstance(app.results[0], JobCreated)
    assert len(import_posts(sim_app)) == 1


async def test_escape_on_a_filled_form_asks_once_before_discarding(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        await type_into(pilot, screen.query_one("#project-name", Input), "Draft")
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == []
        assert "press Escape again" in text_of(screen, "#submit-status")
        await pilot.press("escape")
        await settle(pilot, lambda: bool(app.results))
    assert app.results == [None]


def test_snapshot_of_the_import_form_with_a_problem_beside_its_row(
    snap_compare: Any, sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)

    async def run_before(pilot: Any) -> None:
        screen = await open_import(pilot, app)
        freeze_cursors(screen)
        await settle(pilot, lambda: "Podcast [rough]" in screen_text(app))
        screen.query_one("#project-name", Input).value = "Podcast [rough] take 2"
        first_row(screen).query_one(".media-source", Input).value = "ftp://x.io/a.mp4"
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_ctrl_n_adds_a_row_with_the_cursor_in_it_and_names_it_from_the_source(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        rows = screen.query_one(MediaRows)
        await type_into(pilot, first_row(screen).query_one(".media-source", Input), "a.mp4")
        # Pressed from inside a row, twice: each new row takes the cursor (no crash).
        await pilot.press("ctrl+n")
        await settle(pilot, lambda: len(rows.rows) == 2)
        await pilot.press(*"https://cdn.example.com/show/ep%2012.mp4")
        await pilot.press("ctrl+n")
        await settle(pilot, lambda: len(rows.rows) == 3)
        second = rows.rows[1]
        assert second.source == "https://cdn.example.com/show/ep%2012.mp4"
        assert screen.focused is rows.rows[2].query_one(".media-source", Input)
        # The name field says what the media will be called if left blank.
        name_field = second.query_one(".media-name", Input)
        assert name_field.placeholder == "name: ep%2012.mp4 (type to rename)"
        name_field.value = "Episode 12.mp4"
        await pilot.pause()
        assert [e.name for e in screen.media_entries()][1] == "Episode 12.mp4"


async def test_a_bad_language_is_named_beside_its_field_with_no_media_rows(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        await type_into(pilot, screen.query_one("#project-name", Input), "Language only")
        await type_into(pilot, screen.query_one("#language", Input), "https://x")
        await pilot.pause()
        # No media row has a source: the request alone would not look at the language.
        assert "not an ISO 639-1 code" in text_of(screen, "#problem-language")
        assert screen.query_one("#problem-language").has_class("-shown")
        # Said once, even when a media row repeats it.
        first_row(screen).query_one(".media-source", Input).value = "https://a.example.com/x.mp4"
        await pilot.pause()
        assert text_of(screen, "#problem-language").count("not an ISO 639-1 code") == 1
        assert sum("ISO 639-1" in problem.message for problem in screen.problems) == 1
        screen.query_one("#language", Input).value = "en"
        await pilot.pause()
        assert text_of(screen, "#problem-language") == ""
        assert not screen.query_one("#submit").disabled


async def test_at_80x24_media_shows_at_once_and_alt_keys_reach_the_fields_below(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot, app)
        source = first_row(screen).query_one(".media-source", Input)
        composition = screen.query_one("#composition", Input)
        # The compact picker and buttons leave room for the media row without scrolling;
        # the composition name is below the fold.
        assert shown_whole(screen, source)
        assert not shown_whole(screen, composition)

        await pilot.press("alt+c")
        await pilot.pause()
        assert app.focused is composition and shown_whole(screen, composition)
        # The key is shown beside the label, on the row of the field it jumps to.
        media_line = next(line for line in screen_text(app).splitlines() if "Media" in line)
        assert "alt+m" in media_line

        # Typing lands in the field that shows the focus; alt+n jumps back up to the name.
        await pilot.press("alt+m", *"https://x.io/a.mp4")
        await pilot.press("alt+n")
        await pilot.pause()
        assert source.value == "https://x.io/a.mp4"
        name = screen.query_one("#project-name", Input)
        assert app.focused is name and shown_whole(screen, name)


async def test_tab_scrolls_the_form_to_each_field_it_focuses_at_80x24(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot, app)
        seen: list[str] = []
        for _ in range(12):
            await pilot.press("tab")
            await pilot.pause()
            focused = app.focused
            assert focused is not None
            if focused in screen.query_one("#form-fields").query("*"):
                assert shown_whole(screen, focused)
                seen.append(focused.id or " ".join(focused.classes))
        assert any("media-source" in name for name in seen)
        assert "composition" in seen


async def test_the_focused_fields_row_is_marked_and_only_that_one(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        await pilot.press("alt+f")
        await pilot.pause()
        rows = list(screen.query(".field-row"))
        marked = [row for row in rows if row.styles.border_left[0] == "thick"]
        assert [row.query_one(".field-label", Static).render().plain for row in marked] == [
            "Folder"
        ]
        label = marked[0].query_one(".field-label")
        other = rows[0].query_one(".field-label")
        assert label.styles.color != other.styles.color


async def test_the_summary_names_the_problem_of_the_topmost_field_first(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_import(pilot, app)
        screen.query_one("#language", Input).value = "english"
        first_row(screen).query_one(".media-source", Input).value = "ftp://x.io/a.mp4"
        await pilot.pause()
        fields = [screen.problem_field(problem) for problem in screen.problems]
        assert fields == sorted(fields, key=screen.FIELD_ORDER.index)
        assert fields[0] == "project_name"
        assert "(first: a project name is required)" in text_of(screen, "#form-summary")


async def test_ctrl_o_then_a_letter_jumps_like_alt_and_escape_stays_put(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot, app)
        name = screen.query_one("#project-name", Input)
        assert app.focused is name
        await pilot.press("ctrl+o")
        await settle(pilot, lambda: isinstance(app.screen, JumpScreen))
        # The modal lists each field with its letter, the letters of the alt+ keys.
        assert "m  Media (URL or file)" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is screen)
        assert app.focused is name

        await pilot.press("ctrl+o")
        await settle(pilot, lambda: isinstance(app.screen, JumpScreen))
        await pilot.press("m")
        await settle(pilot, lambda: app.screen is screen)
        await pilot.pause()
        source = first_row(screen).query_one(".media-source", Input)
        assert app.focused is source and shown_whole(screen, source)
        assert source.value == ""  # the letter jumped, it was not typed


async def test_preflight_warns_beside_the_url_row_and_a_second_import_sends_anyway(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    from collections.abc import Mapping

    import httpx

    from tui.api.requests import MediaItem
    from tui.triage.preflight import UrlCheck, preflight_media

    # The media host answers 200 without Range support: the import would fail later.
    media_host = httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"content-type": "video/mp4"}, content=b"x")
    )
    checked: list[list[str]] = []

    async def preflight(add_media: Mapping[str, MediaItem]) -> Mapping[str, UrlCheck]:
        checked.append(list(add_media))
        return await preflight_media(add_media, transport=media_host)

    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = ImportScreen(preflight=preflight)
        app.open(screen)
        await settle(pilot, lambda: screen.is_mounted and bool(screen.query("#submit")))
        screen.query_one("#project-name", Input).value = "Preflight"
        first_row(screen).query_one(".media-source", Input).value = "https://cdn.example.com/ep.mp4"
        await pilot.pause()
        await pilot.click("#submit")
        await settle(pilot, lambda: bool(screen.preflight_warnings))
        row_text = str(first_row(screen).query_one(".media-problem", Static).render())
        assert "⚠" in row_text and "Range" in row_text
        assert import_posts(sim_app) == []  # warned, not sent
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: bool(app.results))
    assert checked == [["ep.mp4"]]  # checked once, then sent anyway
    assert [r["status"] for r in import_posts(sim_app)] == [201]


async def test_a_terminals_alt_key_jumps_and_types_nothing(sim_app: Any, sim_clock: Any) -> None:
    """A real terminal's alt+c arrives carrying the character "c": it must jump, not type."""
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot, app)
        name = screen.query_one("#project-name", Input)
        assert app.focused is name
        app.post_message(events.Key("alt+c", "c"))
        await pilot.pause()
        assert app.focused is screen.query_one("#composition", Input)
        assert name.value == ""
