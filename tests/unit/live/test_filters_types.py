"""The type filter offers every job type on the board, not only the three it knows (item 9)."""

from __future__ import annotations

from tui.live.filters import TYPE_FILTERS, next_type, type_choices


def test_unknown_types_on_the_board_follow_the_known_ones_sorted() -> None:
    present = {"import", "transcode/legacy", "agent", "dub/v2"}
    assert type_choices(present) == (*TYPE_FILTERS, "dub/v2", "transcode/legacy")
    assert type_choices({"import"}) == TYPE_FILTERS


def test_t_cycles_through_them_and_back_to_all() -> None:
    present = {"import", "transcode/legacy"}
    seen = ["all"]
    for _ in range(len(TYPE_FILTERS) + 1):
        seen.append(next_type(seen[-1], present))
    assert seen == ["all", "import", "agent", "publish", "transcode/legacy", "all"]


def test_a_filter_whose_jobs_left_the_board_still_moves_on() -> None:
    # The filtered type's last job expired: the cycle goes on from it, not back to import.
    assert next_type("transcode/legacy", {"import"}) == "all"
    assert next_type("dub/v2", {"transcode/legacy"}) == "transcode/legacy"
