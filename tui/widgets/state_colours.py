"""The `$state-*` theme variables: each theme's own state colours, made readable on its surfaces.

A theme's `$success`, `$warning`, `$error` and `$accent` are picked for fills and borders, not
for text: in `textual-light` green text on the light surface is 1.5:1, and `$text-muted`
(`auto 60%`) resolves to white in a table's component style, so a cancelled row vanished.
Every state colour in the TCSS is one of these variables instead: the theme's colour, moved
toward its text colour (black on a light theme, white on a dark one) only as far as needed
for WCAG AA (4.5:1) against every surface a row can sit on. `$state-muted` is the quietest
readable grey: the background moved toward the foreground until it reaches 4.5:1.

An app adds them with `with_state_colours(super().get_css_variables())`;
tests/unit/test_contrast.py reads the TCSS rules and checks every theme.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.color import Color, ColorParseError

#: WCAG 2.x AA for normal text.
MIN_CONTRAST = 4.5

#: Each variable, and the theme colour it starts from.
STATE_COLOUR_SOURCES: dict[str, str] = {
    "state-success": "success",
    "state-warning": "warning",
    "state-error": "error",
    "state-running": "accent",
}
MUTED = "state-muted"

#: The surfaces a state's text is drawn on: the screen, the table and pane (`$surface`), its
#: zebra stripes (towards `surface-lighten-1` or `-darken-1`) and the table header (`$panel`).
BACKDROPS = ("background", "surface", "surface-lighten-1", "surface-darken-1", "panel")
#: A focused DataTable tints its background with `$foreground 5%`.
FOCUS_TINT = 0.05

#: Blending steps from the theme's colour to the text colour (1/40 each: small enough that
#: the result stays as close to the theme's hue as it can).
_STEPS = 40


def relative_luminance(colour: Color) -> float:
    """WCAG 2.x relative luminance of an opaque colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = colour.rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(text: Color, background: Color) -> float:
    """WCAG contrast of `text` drawn on `background` (a translucent text colour is blended)."""
    shown = background + text
    lighter, darker = sorted(
        (relative_luminance(shown), relative_luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def backdrops(variables: Mapping[str, str]) -> list[Color]:
    """Every surface colour of the theme, plain and with a focused table's tint."""
    foreground = Color.parse(variables["foreground"]).with_alpha(FOCUS_TINT)
    plain = [Color.parse(variables[name]) for name in BACKDROPS]
    return plain + [colour + foreground for colour in plain]


def readable(start: Color, toward: Color, grounds: Iterable[Color]) -> Color:
    """`start` blended toward `toward` just enough to reach MIN_CONTRAST on every ground."""
    grounds = list(grounds)
    for step in range(_STEPS + 1):
        candidate = start.blend(toward, step / _STEPS)
        if all(contrast_ratio(candidate, ground) >= MIN_CONTRAST for ground in grounds):
            return candidate
    return toward


def is_ansi_theme(variables: Mapping[str, str]) -> bool:
    """Whether the terminal's own palette decides the colours (`ansi-dark`, `ansi-light`)."""
    return variables.get("background", "").startswith("ansi")


def _unchanged(variables: Mapping[str, str]) -> dict[str, str]:
    """The theme's own colours under the `$state-*` names (no contrast to compute)."""
    state = {name: variables.get(src, "") for name, src in STATE_COLOUR_SOURCES.items()}
    return {**state, MUTED: variables.get("foreground", "")}


def state_colour_variables(variables: Mapping[str, str]) -> dict[str, str]:
    """The `$state-*` variables for a theme whose variables are `variables`.

    An ANSI theme (colours the terminal decides) keeps its own colours: nothing to compute.
    """
    if is_ansi_theme(variables):
        return _unchanged(variables)
    try:
        grounds = backdrops(variables)
        background = Color.parse(variables["background"])
        foreground = Color.parse(variables["foreground"])
        sources = {name: Color.parse(variables[src]) for name, src in STATE_COLOUR_SOURCES.items()}
    except (ColorParseError, KeyError):
        return _unchanged(variables)
    text = Color(0, 0, 0) if background.brightness >= 0.5 else Color(255, 255, 255)
    state = {name: readable(colour, text, grounds).hex for name, colour in sources.items()}
    state[MUTED] = readable(background, foreground, grounds).hex
    if state[MUTED] == foreground.hex:
        # The foreground itself is too faint on some surface: go on to black or white.
        state[MUTED] = readable(foreground, text, grounds).hex
    return state


def with_state_colours(variables: dict[str, str]) -> dict[str, str]:
    """`variables` plus the `$state-*` ones (for `App.get_css_variables`)."""
    return {**variables, **state_colour_variables(variables)}
