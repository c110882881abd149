"""The media list of the import form: one row per file, each a URL or a local path.

A row turns its text into the same `(name, item)` the CLI's `--media` makes
(`media_from_argument`), so the form and the CLI validate and send identical requests. Each
row has a place for its own problems and a progress bar for the direct upload of a local file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, ProgressBar, Static

from tui.api.requests import MediaItem, UploadMedia, media_from_argument

NAME_PLACEHOLDER = "name (from the URL or file)"


class MediaEntries(Mapping[str, MediaItem]):
    """`add_media` that keeps every row, even two with the same name.

    A dict would silently merge duplicate names; keeping them lets `ImportRequest.validate()`
    (the one validation) report "used twice" instead of the form losing a row.
    """

    def __init__(self, pairs: Sequence[tuple[str, MediaItem]]) -> None:
        self._pairs = list(pairs)

    def __getitem__(self, key: str) -> MediaItem:
        for name, item in self._pairs:
            if name == key:
                return item
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def items(self) -> list[tuple[str, MediaItem]]:  # type: ignore[override]
        return list(self._pairs)


@dataclass(frozen=True, slots=True)
class MediaEntry:
    """What one filled-in row asks to import."""

    row_id: str
    name: str
    item: MediaItem

    @property
    def is_upload(self) -> bool:
        return isinstance(self.item, UploadMedia)


class MediaRow(Vertical):
    """Source (URL or path), an optional display name, a remove button, problems, progress."""

    def __init__(
        self, source: str = "", name: str = "", *, id: str | None = None, focus: bool = False
    ) -> None:
        super().__init__(id=id, classes="media-row")
        self._initial_source = source
        self._initial_name = name
        self._focus_on_mount = focus

    def compose(self) -> ComposeResult:
        with Horizontal(classes="media-row-fields"):
            yield Input(
                self._initial_source,
                placeholder="https://… or a local file path",
                classes="media-source",
                compact=True,
            )
            yield Input(
                self._initial_name,
                placeholder=NAME_PLACEHOLDER,
                classes="media-name",
                compact=True,
            )
            yield Button("✕", classes="media-remove", tooltip="Remove this media row", compact=True)
        yield Static(classes="field-problem media-problem")
        yield ProgressBar(total=None, show_eta=False, classes="media-progress")

    def on_mount(self) -> None:
        # A row added from a key or button is where the user types next; its fields exist
        # only once it is mounted, so it takes the focus itself.
        if self._focus_on_mount:
            self.query_one(".media-source", Input).focus()
        self.show_derived_name()

    @property
    def source(self) -> str:
        return self.query_one(".media-source", Input).value.strip()

    @property
    def name_override(self) -> str:
        return self.query_one(".media-name", Input).value.strip()

    def entry(self, language: str | None) -> MediaEntry | None:
        """The row as a media item, or None while its source is blank (an unused row)."""
        if not self.source:
            return None
        derived, item = media_from_argument(self.source, language=language or None)
        return MediaEntry(row_id=self.id or "", name=self.name_override or derived, item=item)

    def show_derived_name(self) -> None:
        """The name field's placeholder shows the name the media gets if left blank."""
        derived = media_from_argument(self.source)[0] if self.source else ""
        placeholder = f"name: {derived} (type to rename)" if derived else NAME_PLACEHOLDER
        self.query_one(".media-name", Input).placeholder = placeholder

    def show_problems(self, messages: Sequence[str]) -> None:
        problem = self.query_one(".media-problem", Static)
        problem.update(Text("\n".join(messages)))
        problem.set_class(bool(messages), "-shown")
        self.set_class(bool(messages), "-invalid")

    def show_upload(self, sent: int, total: int | None) -> None:
        bar = self.query_one(".media-progress", ProgressBar)
        bar.add_class("-shown")
        bar.update(total=total if total else None, progress=sent)


class MediaRows(Vertical):
    """The editable list of rows, with an Add button; posts `Changed` on any edit."""

    class Changed(Message):
        """A row was added, removed or edited."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._next_row = 0
        #: Rows on their way out: a revalidation during the removal must not see them.
        self._removing: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Vertical(id="media-row-list")
        yield Button("+ Add media (ctrl+n)", id="media-add", compact=True)

    def on_mount(self) -> None:
        self.add_row()

    @property
    def rows(self) -> list[MediaRow]:
        rows = self.query_one("#media-row-list").query_children(MediaRow)
        return [row for row in rows if row.id not in self._removing]

    def add_row(self, source: str = "", name: str = "", *, focus: bool = False) -> MediaRow:
        """Append a row; `focus` puts the cursor in its source field once it is mounted."""
        self._next_row += 1
        row = MediaRow(source, name, id=f"media-row-{self._next_row}", focus=focus)
        self.query_one("#media-row-list").mount(row)
        self.post_message(self.Changed())
        return row

    async def remove_row(self, row: MediaRow) -> None:
        """Drop a row; the last one is emptied instead, so there is always a place to type."""
        if len(self.rows) <= 1:
            for field in row.query(Input):
                field.value = ""
        else:
            self._removing.add(row.id or "")
            await row.remove()
            self._removing.discard(row.id or "")
        self.post_message(self.Changed())

    def row_of(self, widget: object) -> MediaRow | None:
        """The row holding `widget` (for 'remove the row I am in')."""
        for row in self.rows:
            node = widget
            while node is not None:
                if node is row:
                    return row
                node = getattr(node, "parent", None)
        return None

    def entries(self, language: str | None) -> list[MediaEntry]:
        return [entry for row in self.rows if (entry := row.entry(language)) is not None]

    def row_by_id(self, row_id: str) -> MediaRow | None:
        for row in self.rows:
            if row.id == row_id:
                return row
        return None

    @on(Button.Pressed, ".media-remove")
    async def _remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        row = self.row_of(event.button)
        if row is not None:
            await self.remove_row(row)

    @on(Button.Pressed, "#media-add")
    def _add_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.add_row(focus=True)

    @on(Input.Changed, ".media-source, .media-name")
    def _field_changed(self, event: Input.Changed) -> None:
        event.stop()
        row = self.row_of(event.input)
        if row is not None and event.input.has_class("media-source"):
            row.show_derived_name()
        self.post_message(self.Changed())
