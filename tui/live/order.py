"""The board's orders of rows: every row by creation, every row by the sort column, and the
rows the filter shows, each a plain list of job ids kept sorted as rows change.

Why three lists: a filter key is one pass over the rows already sorted by the column (no
sort), a sort key is one stable sort of the rows already sorted by the tie-break
(`created_at`, then `job_id`) on the column's value alone, and a reversed sort reads the
shown list backwards. A row's facts (`RowFacts`) are worked out once per change, so none of
this calls back into the job. A page of new rows goes in with one slice-copy per list
rather than one memmove per row; a row whose key did not change is not touched at all.
Measured at 50,000 rows (see benchmarks/dashboard.py): a filter key 3-15 ms, a new sort
column 15-35 ms, where sorting keys built from the jobs took 110-170 ms.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from tui.live.filters import FACT_VALUES, SORT_INDEX, JobFilter, RowFacts

# Below this many new rows, one bisect insert each beats rebuilding the list.
MERGE_FROM = 8

Key = Callable[[str], Any]


def merge_in(order: list[str], new: list[str], key: Key) -> list[str]:
    """`order` (sorted by `key`) with the `new` ids in their places: a few go in by bisect,
    a page by one walk that copies the slices between them."""
    if len(new) < MERGE_FROM:
        for job_id in new:
            bisect.insort(order, job_id, key=key)
        return order
    new.sort(key=key)
    # A load lists newest first: each page goes before every row so far (or after).
    if not order or key(new[-1]) < key(order[0]):
        return new + order
    if key(new[0]) > key(order[-1]):
        return order + new
    merged: list[str] = []
    start = 0
    for job_id in new:
        at = bisect.bisect_left(order, key(job_id), lo=start, key=key)
        merged += order[start:at]
        merged.append(job_id)
        start = at
    merged += order[start:]
    return merged


class RowOrder:
    """The facts of every row and the three orders of their ids (see the module's doc).

    While the sort column is `created`, its order is the tie-break order: the two are one
    list object, kept once.
    """

    def __init__(self, job_filter: JobFilter, column: str) -> None:
        self.facts: dict[str, RowFacts] = {}
        self._filter = job_filter
        self._column = SORT_INDEX[column]
        self._by_created: list[str] = []
        self._sorted: list[str] = self._by_created if column == "created" else []
        #: The ids the filter passes, ascending by the sort column's key.
        self.shown: list[str] = []

    # -- keys ------------------------------------------------------------------------------

    def _created_key(self, job_id: str) -> tuple[float, str]:
        return (self.facts[job_id].created, job_id)

    def _column_key(self, job_id: str) -> Any:
        return self.facts[job_id].key(self._column, job_id)

    def _facts_key(self, facts: RowFacts, job_id: str) -> Any:
        return facts.key(self._column, job_id)

    def _passes(self, facts: RowFacts) -> bool:
        return bool(self._filter.select(["row"], {"row": facts}))

    def index_of(self, job_id: str) -> int | None:
        """Where `job_id` sits in `shown` (ascending), or None when it is not shown."""
        facts = self.facts.get(job_id)
        if facts is None:
            return None
        shown = self.shown
        index = bisect.bisect_left(shown, facts.key(self._column, job_id), key=self._column_key)
        return index if index < len(shown) and shown[index] == job_id else None

    # -- rows change -----------------------------------------------------------------------

    def _tracks(self) -> list[_Track]:
        every = _every
        tracks = [
            _Track("_sorted", self._column_key, self._facts_key, every),
            _Track("shown", self._column_key, self._facts_key, self._passes),
        ]
        if self._by_created is not self._sorted:
            tracks.append(_Track("_by_created", self._created_key, _created_facts_key, every))
        return tracks

    def update(self, rows: Mapping[str, RowFacts | None]) -> bool:
        """Rows' new facts (None: the row left the board). Whether `shown` changed: a row
        joined or left it, or moved to another place in it."""
        tracks = self._tracks()
        joining: dict[str, list[str]] = {track.name: [] for track in tracks}
        shown_moved = False
        for job_id, new in rows.items():
            old = self.facts.get(job_id)
            if old == new:
                continue
            # Out of each list it leaves or moves in, at its old key: first, while the facts
            # still say the old one (the bisect reads the row's own entry too).
            moves: list[tuple[_Track, int | None, Any]] = []
            for track in tracks:
                old_key, new_key = track.place(old, job_id), track.place(new, job_id)
                if old_key is not None and old_key == new_key:
                    continue  # same place: this order is untouched
                index = None
                if old_key is not None:
                    order = getattr(self, track.name)
                    index = bisect.bisect_left(order, old_key, key=track.key)
                    del order[index]
                moves.append((track, index, new_key))
            if new is None:
                self.facts.pop(job_id, None)
            else:
                self.facts[job_id] = new
            for track, index, new_key in moves:
                is_shown = track.name == "shown"
                if new_key is None:
                    shown_moved = shown_moved or is_shown  # it left
                elif index is None:
                    joining[track.name].append(job_id)  # it joins: with the others, below
                else:
                    order = getattr(self, track.name)
                    at = bisect.bisect_left(order, new_key, key=track.key)
                    order.insert(at, job_id)
                    shown_moved = shown_moved or (is_shown and at != index)
        for track in tracks:
            if new_ids := joining[track.name]:
                self._set_list(track.name, merge_in(getattr(self, track.name), new_ids, track.key))
        return shown_moved or bool(joining["shown"])

    def _set_list(self, name: str, order: list[str]) -> None:
        if name == "_sorted" and self._sorted is self._by_created:
            self._by_created = order  # still one list while sorted by creation
        setattr(self, name, order)

    # -- filter and sort change ------------------------------------------------------------

    def set_filter(self, job_filter: JobFilter) -> None:
        """One pass over the sorted rows (or only the shown ones, when typing narrowed it)."""
        rows = self.shown if job_filter.narrows(self._filter) else self._sorted
        self._filter = job_filter
        self.shown = job_filter.select(rows, self.facts)

    def set_column(self, column: str) -> None:
        """A stable sort of the rows in tie-break order on the new column's value alone."""
        self._column = SORT_INDEX[column]
        if column == "created":  # the tie-break order is this column's order: one list
            self._sorted = self._by_created
        else:
            base = self._by_created
            value = FACT_VALUES[self._column]
            values = list(map(value, map(self.facts.__getitem__, base)))
            places = sorted(range(len(base)), key=values.__getitem__)
            self._sorted = list(map(base.__getitem__, places))
        self.shown = self._filter.select(self._sorted, self.facts)


class _Track(NamedTuple):
    """One of the orders `update` keeps: its attribute, its key (of an id, of facts), and
    which rows it holds."""

    name: str
    key: Key
    of_facts: Callable[[RowFacts, str], Any]
    member: Callable[[RowFacts], bool]

    def place(self, facts: RowFacts | None, job_id: str) -> Any:
        """The row's key in this order, or None when the order does not hold it."""
        if facts is None or not self.member(facts):
            return None
        return self.of_facts(facts, job_id)


def _every(_: RowFacts) -> bool:
    return True


def _created_facts_key(facts: RowFacts, job_id: str) -> tuple[float, str]:
    return (facts.created, job_id)
