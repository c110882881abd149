"""`F`: every failure in the window, grouped by error message ("… × 7"), each group
expandable to its jobs and their files; Enter on a job (or a file) dismisses with its id.

The groups are computed by `tui.triage.failures.group_failures` and passed in, so this screen
only shows them. Messages and file names come from the API: they are `rich.text.Text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, Tree

from tui.paths import style_paths
from tui.triage.failures import FailureGroup


def group_label(group: FailureGroup) -> Text:
    """`URL does not support Range requests × 7  (3 jobs)`."""
    jobs = len(group.job_ids)
    label = Text(group.message)
    label.append(f" × {group.count}", style="bold")
    label.append(f"  ({jobs} job{'s' if jobs != 1 else ''})", style="dim")
    return label


def job_label(group: FailureGroup, job_id: str) -> Text:
    """`job 6dc3…  2 files` under its group."""
    files = [f for f in group.files if f.job_id == job_id]
    label = Text(f"job {job_id}")
    count = f"  {len(files)} file{'s' if len(files) != 1 else ''}"
    label.append(count if files else "  (the job failed)", style="dim")
    return label


class FailuresScreen(ModalScreen[str | None]):
    """`FailuresScreen(groups, window="7 days")`: dismisses with a job id to open, or None."""

    CSS_PATH: ClassVar[Any] = style_paths("triage.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
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
            tree: Tree[str | None] = Tree(Text("failures"), id="failures-tree")
            tree.show_root = False
            tree.guide_depth = 2
            for group in self.groups:
                node = tree.root.add(group_label(group), data=None, expand=False)
                for job_id in group.job_ids:
                    job_node = node.add(job_label(group, job_id), data=job_id, expand=True)
                    for failure in group.files:
                        if failure.job_id == job_id and failure.file_name:
                            job_node.add_leaf(Text(failure.file_name), data=job_id)
            if not self.groups:
                yield Static(Text(f"No failures in {self.window}."), id="failures-empty")
            yield tree
            yield Static(
                Text("enter: expand a group / open a job · esc: close", style="dim"),
                classes="triage-help",
            )

    def on_mount(self) -> None:
        tree = self.query_one("#failures-tree", Tree)
        tree.cursor_line = 0  # on the first group, so Enter unfolds it at once
        tree.focus()

    def on_tree_node_selected(self, event: Tree.NodeSelected[str | None]) -> None:
        event.stop()
        if event.node.data is not None:
            self.dismiss(event.node.data)

    def action_close(self) -> None:
        self.dismiss(None)
