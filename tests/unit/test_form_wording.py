"""Item 13.6: what the forms and the CLI say about a bad request reads as one sentence.

Every `validate()` problem is checked for a doubled word ("URL a URL cannot contain
spaces" was the URL problem prefixed once more), and a composition id of only spaces is
refused instead of going out as "" (to_json strips it).
"""

from __future__ import annotations

import re

import pytest

from tui.api.requests import AgentRequest, ImportRequest, UrlMedia, url_problem

BAD_URLS = ["", "https://x.io/a b.mp4", "ftp://x.io/a.mp4", "https://", "htp:/x.io/a.mp4"]
_DOUBLED = re.compile(r"\b(\w+)\W+(?:a |an |the )?\1\b", re.IGNORECASE)


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_media_url_is_named_once(url: str) -> None:
    request = ImportRequest(add_media={"a.mp4": UrlMedia(url)}, project_name="Ep 12")
    [problem] = request.validate()
    assert problem.message == url_problem(url)
    assert _DOUBLED.search(problem.message) is None, problem.message
    assert problem.message.lower().count("url") == 1


def test_the_doubled_word_check_catches_the_old_wording() -> None:
    assert _DOUBLED.search("URL a URL cannot contain spaces") is not None


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_a_blank_composition_id_is_refused(blank: str) -> None:
    request = AgentRequest(prompt="Add captions", project_id="p1", composition_id=blank)
    assert [(p.field, p.message) for p in request.validate()] == [
        ("composition_id", "the composition id is blank")
    ]


def test_no_composition_id_is_fine_and_a_real_one_is_sent_stripped() -> None:
    assert AgentRequest(prompt="Add captions", project_id="p1").validate() == []
    request = AgentRequest(prompt="Add captions", project_id="p1", composition_id=" c1 ")
    assert request.validate() == []
    assert request.to_json()["composition_id"] == "c1"
