"""Every state colour in the TCSS is readable in every theme the app offers (WCAG AA, 4.5:1).

The rules are read from styles/*.tcss, the one place a state gets its colour, so the test
holds whichever widget draws the rows (the job table's component classes, the detail pane,
the activity log). Each rule's colour is resolved in each of Textual's built-in themes (the
settings screen offers all of them; `T` cycles five) and measured against every surface a
row can sit on: the screen, `$surface`, the zebra stripe and a focused table's tint.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.app import App
from textual.color import Color

from tui.api.models import Outcome
from tui.formatting import state_class
from tui.paths import styles_dir
from tui.widgets.state_colours import (
    MIN_CONTRAST,
    contrast_ratio,
    is_ansi_theme,
    with_state_colours,
)

#: Selectors that colour a state: a job state, a call's status, a file's outcome.
STATE_SELECTOR = re.compile(r"state--|activity--|detail-pane--")
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_COLOR = re.compile(r"(?:^|;)\s*color\s*:\s*([^;]+)")


def state_rules() -> dict[str, str]:
    """`selector -> color value` of every state-colouring rule in styles/*.tcss."""
    rules: dict[str, str] = {}
    for path in sorted(Path(styles_dir()).glob("*.tcss")):
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.DOTALL)
        for selectors, body in _RULE.findall(text):
            found = _COLOR.search(body)
            if found is None:
                continue
            for selector in selectors.split(","):
                selector = " ".join(selector.split())
                if STATE_SELECTOR.search(selector):
                    rules[selector] = found.group(1).strip()
    return rules


def theme_variables(theme: str) -> dict[str, str]:
    app = App[None]()
    app.theme = theme
    return with_state_colours(app.get_css_variables())


def resolve(value: str, variables: dict[str, str]) -> Color:
    """A TCSS colour value (`$error`, `$state-muted 80%`, `#fff`) as a Color."""
    words = value.split()
    colour = variables[words[0][1:]] if words[0].startswith("$") else words[0]
    assert not colour.startswith("auto"), (
        f"{value} is an auto colour: a component style resolves it to white, whatever the "
        "background (the invisible cancelled rows of the light theme)"
    )
    resolved = Color.parse(colour)
    if len(words) > 1 and words[1].endswith("%"):
        resolved = resolved.multiply_alpha(float(words[1][:-1]) / 100)
    return resolved


def row_grounds(variables: dict[str, str], dark: bool) -> dict[str, Color]:
    """What a state's text is drawn on, as Textual's DataTable CSS paints it."""
    surface = Color.parse(variables["surface"])
    stripe = (
        Color.parse(variables["surface-darken-1"]).with_alpha(0.4)
        if dark
        else Color.parse(variables["surface-lighten-1"]).with_alpha(0.5)
    )
    tint = Color.parse(variables["foreground"]).with_alpha(0.05)
    grounds = {
        "screen": Color.parse(variables["background"]),
        "surface": surface,
        "zebra stripe": surface + stripe,
        "focused table": surface + tint,
        "focused stripe": surface + stripe + tint,
    }
    return grounds


OFFERED_THEMES = sorted(App[None]().available_themes)


def test_the_contrast_formula_matches_wcag() -> None:
    black, white = Color(0, 0, 0), Color(255, 255, 255)
    assert contrast_ratio(black, white) == pytest.approx(21.0)
    assert contrast_ratio(white, white) == pytest.approx(1.0)
    # The classic boundary: #767676 is the lightest grey that passes AA on white.
    assert contrast_ratio(Color.parse("#767676"), white) >= 4.5
    assert contrast_ratio(Color.parse("#777777"), white) < 4.5
    # A translucent colour is measured as it shows: blended over its background.
    assert contrast_ratio(black.with_alpha(0.0), white) == pytest.approx(1.0)


def test_every_state_has_a_colour_rule_in_the_tcss() -> None:
    rules = state_rules()
    for outcome in Outcome:
        assert f"JobTable > .job-table--{state_class(outcome)}" in rules, outcome
    for status in ("error", "warning", "success"):
        assert f"ActivityTable > .activity--{status}" in rules
    assert "DetailPane > .detail-pane--failed" in rules
    assert "DetailPane > .detail-pane--ok" in rules


@pytest.mark.parametrize("theme", OFFERED_THEMES)
def test_every_state_colour_reaches_aa_on_every_surface_of_the_theme(theme: str) -> None:
    variables = theme_variables(theme)
    if is_ansi_theme(variables):
        pytest.skip("an ANSI theme's colours are the terminal's palette, unknown here")
    app = App[None]()
    app.theme = theme
    grounds = row_grounds(variables, app.current_theme.dark)
    failures = [
        f"{selector} ({value} = {resolve(value, variables).hex}) on {name}: "
        f"{contrast_ratio(resolve(value, variables), ground):.2f}"
        for selector, value in state_rules().items()
        for name, ground in grounds.items()
        if contrast_ratio(resolve(value, variables), ground) < MIN_CONTRAST
    ]
    assert failures == []


def test_the_theme_colours_alone_would_fail_where_the_issue_saw_it() -> None:
    """The check can fail: the light theme's own `$success` and `$warning` are not AA."""
    variables = theme_variables("textual-light")
    surface = Color.parse(variables["surface"])
    assert contrast_ratio(Color.parse(variables["success"]), surface) < MIN_CONTRAST
    assert contrast_ratio(Color.parse(variables["warning"]), surface) < MIN_CONTRAST
    assert contrast_ratio(Color.parse(variables["state-success"]), surface) >= MIN_CONTRAST
