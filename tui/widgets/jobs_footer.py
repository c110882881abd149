"""The jobs screen's footer, fitted to the terminal so no hint is ever cut mid-word.

Textual's `Footer` lays every shown binding in one row and cuts whatever runs past the
command palette's key (`c Cance▏^p palette` at 80 columns, and Import/Agent/Activity/Keys
lost). This one picks one of three tiers by width, measured at 80, 100, 120 and 200 columns
(tests/app/test_friction2.py):

- full: every hint in Textual's own words;
- short: the same hints, shorter words (the state group says `state`, Activity says `Log`);
- compact: the short words with less space between the hints;
- narrow: compact spacing, and the hints with another way in drop out (the detail pane
  opens on enter too, the state filters are on the filter bar and in the palette), so the
  ones a new operator needs (Find, Watch, Cancel, Import, Agent, Log, Keys, Quit) all stay.

The bindings stay the one owner of keys and words; only how many and how long changes here.
"""

from __future__ import annotations

from typing import Literal

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel  # Textual's own footer parts

FooterTier = Literal["full", "short", "compact", "narrow"]
# The least terminal width for each tier (the full footer needs 128 columns, the short 115,
# the compact one 95; the narrow one 72).
FULL_FROM = 130
SHORT_FROM = 116
COMPACT_FROM = 96
# action -> the shorter word (short and narrow tiers).
SHORT_WORDS: dict[str, str] = {"app.activity": "Log"}
SHORT_GROUP_LABEL = "state"
# Hints that drop out at the narrow tier: each has another way in.
WIDE_ONLY = frozenset({"toggle_detail"})


def footer_tier(width: int) -> FooterTier:
    """Which footer fits a terminal `width` columns wide."""
    if width >= FULL_FROM:
        return "full"
    if width >= SHORT_FROM:
        return "short"
    return "compact" if width >= COMPACT_FROM else "narrow"


class JobsFooter(Footer):
    """Textual's footer with the tier chosen from the terminal's width (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self.tier: FooterTier | None = None
        # What the composed hints show (see `hints`): None until composed with bindings.
        self._composed: tuple[object, ...] | None = None

    def hints(self) -> tuple[object, ...]:
        """What the footer would show now: the tier and each shown binding's key, words and
        whether it is enabled (the command palette's included)."""
        return (
            footer_tier(self.app.size.width),
            tuple(
                (binding.key, binding.action, binding.description, enabled, tooltip)
                for _, binding, enabled, tooltip in self.screen.active_bindings.values()
                if binding.show or binding.key == self.app.COMMAND_PALETTE_BINDING
            ),
        )

    def bindings_changed(self, screen: Screen) -> None:
        """Textual recomposes the footer (some twenty widgets, and a layout of the screen)
        whenever the bindings may have changed: each focus change (`/`, escape). Only
        when what it shows did change."""
        if self._composed is not None and screen is self.screen and self.hints() == self._composed:
            return
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        tier = footer_tier(self.app.size.width)
        self.tier = tier
        self._composed = self.hints() if self._bindings_ready else None
        self.compact = tier in ("compact", "narrow")
        self.set_class(tier == "narrow", "-narrow")  # jobs.tcss hides the group and WIDE_ONLY
        for widget in super().compose():
            if tier != "full" and isinstance(widget, FooterLabel):
                widget = FooterLabel(SHORT_GROUP_LABEL)
            elif tier != "full" and isinstance(widget, FooterKey):
                widget.description = SHORT_WORDS.get(widget.action, widget.description)
                widget.set_class(widget.action in WIDE_ONLY, "-wide-only")
            yield widget

    def on_resize(self, event: events.Resize) -> None:
        if self.tier is not None and footer_tier(self.app.size.width) != self.tier:
            self.call_after_refresh(self.recompose)
