"""`--media` arguments and language codes: a mistyped URL is named as a URL, not a file."""

from __future__ import annotations

import pytest

from tui.api.requests import ImportRequest, UrlMedia, language_problem, media_from_argument


@pytest.mark.parametrize("argument", ["htp:/bad", "http:/bad", "htps://x.com/a.mp4", "ftp://x/a"])
def test_a_mistyped_url_is_validated_as_a_url(argument: str) -> None:
    name, item = media_from_argument(argument)
    assert isinstance(item, UrlMedia)
    problems = ImportRequest(project_name="P", add_media={name or "m": item}).validate()
    assert any("URL" in p.message for p in problems)
    assert not any("no such file" in p.message for p in problems)


def test_an_existing_file_with_a_colon_stays_a_file(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "take:1").mkdir()
    (tmp_path / "take:1" / "a.wav").write_bytes(b"x")
    _, item = media_from_argument("take:1/a.wav")
    assert not isinstance(item, UrlMedia)


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("en", True),
        ("pt-BR", True),
        ("zh_Hant", True),
        ("english", False),
        ("https://x", False),
        ("E", False),
    ],
)
def test_language_codes(code: str, ok: bool) -> None:
    assert (language_problem(code) is None) is ok
