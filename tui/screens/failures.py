"""`F`: every failure in the window, grouped by error message ("… × 7"), each group
expandable to its jobs and their files; Enter on a job (or a file) opens that job, `ctrl+r`
on one opens the import form with just that job's failed files (as in the detail pane).

The groups are computed by `tui.triage.failures.group_failures` and passed in, so this screen
only shows them. Messages and file names come from the API: they are `rich.text.Text`. A
group's title is fitted to the tree's width each time it is drawn: a long message ends with
"…" and its count stays in view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from tui.paths import style_paths
from tui.triage.failures import FailureGroup

# Tree columns a group's label does not get: the fold icon, the scrollbar, one spare.
GROUP_LABEL_MARGIN = 5


@dataclass(frozen=True, slots=True)
class FailureChoice:
    """What the screen dismisses with: the job, and whether to retry its failed files."""

    job_id: str
    retry: bool = False


def group_label(group: FailureGroup, width: int | None = None) -> Text:
    """`URL does not support Range requests × 7  (3 jobs)`, within `width` cells."""
    jobs = len(group.job_ids)
    tail = f"  ({jobs} job{'s' if jobs != 1 else ''})"
    room = None if width is None else width - len(tail)
    title = group.title_within(room)
    label = Text(title)
    label.stylize("bold", len(title) - len(f" × {group.count}"))
    label.append(tail, style="dim")
    return label


def job_label(group: FailureGroup, job_id: str) -> Text:
    """`job 6dc3…  2 files` under its group."""
    files = [f for f in group.files if f.job_id == job_id]
    label = Text(f"job {job_id}")
    count = f"  {len(files)} file{'s' if len(files) != 1 else ''}"
    label.append(count if files else "  (the job failed)", style="dim")
    return label


class FailuresTree(Tree[FailureGroup | str | None]):
    """The groups (data: the group), their jobs and files (data: the job id)."""

    def render_label(
        self, node: TreeNode[FailureGroup | str | None], base_style: Style, style: Style
    ) -> Text:
        drawn = super().render_label(node, base_style, style)
        group = node.data
        if not isinstance(group, FailureGroup):
            return drawn
        # The fold icon as Textual drew it, then the title fitted to the width (drawn again
        # on every resize: the tree's line cache is keyed by its width).
        shown = node.label  # always Text here: every label is given as Text
        shown_width = shown.cell_len if isinstance(shown, Text) else len(shown)
        icon = drawn[: drawn.cell_len - shown_width]
        label = group_label(group, self.size.width - GROUP_LABEL_MARGIN)
        label.stylize(style)
        return icon + label


class FailuresScreen(ModalScreen[FailureChoice | None]):
    """`FailuresScreen(groups, window="7 days")`: dismisses with a `FailureChoice`, or None."""

    CSS_PATH: ClassVar[Any] = style_paths("triage.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("ctrl+r", "retry_failed", "Retry failed files"),
    ]

    def __init__(self, groups: Sequence[FailureGroup], *, window: str = "the last 7 days") -> None:
        super().__init__()
        self.groups = tuple(groups)
        self.window = window

    def compose(self) -> ComposeResult:
        total = sum(group.count for group in self.groups)
        with Vertical(id="failures-dialog"):
            yield Static(
                Text(f"Failures in {self.window}: {total} in {len(self.groups)} groups"),
                id="failures-title",
            )
            tree = FailuresTree(Text("failures"), id="failures-tree")
            tree.show_root = False
            tree.guide_depth = 2
            for group in self.groups:
                node = tree.root.add(group_label(group), data=group, expand=False)
                for job_id in group.job_ids:
                    job_node = node.add(job_label(group, job_id), data=job_id, expand=True)
                    for failure in group.files:
                        if failure.job_id == job_id and failure.file_name:
                            job_node.add_leaf(Text(failure.file_name), data=job_id)
            if not self.groups:
                yield Static(Text(f"No failures in {self.window}."), id="failures-empty")
            yield tree
            yield Static(
                Text(
                    "enter: expand a group / open a job · ctrl+r: retry a job's failed files"
                    " · esc: close",
                    style="dim",
                ),
                classes="triage-help",
            )

    def on_mount(self) -> None:
        tree = self.query_one("#failures-tree", Tree)
        tree.cursor_line = 0  # on the first group, so Enter unfolds it at once
        tree.focus()

    def chosen_job(self) -> str | None:
        """The job of the row under the cursor (a job or file row), else None."""
        node = self.query_one("#failures-tree", Tree).cursor_node
        return node.data if node is not None and isinstance(node.data, str) else None

    def on_tree_node_selected(self, event: Tree.NodeSelected[FailureGroup | str | None]) -> None:
        event.stop()
        if isinstance(event.node.data, str):
            self.dismiss(FailureChoice(event.node.data))

    def action_retry_failed(self) -> None:
        """`ctrl+r` on a job or one of its files: that job's failed files, in the form."""
        job_id = self.chosen_job()
        if job_id is None:
            self.notify("Unfold a group and pick a job or a file first.", severity="warning")
            return
        self.dismiss(FailureChoice(job_id, retry=True))

    def action_close(self) -> None:
        self.dismiss(None)
