"""Keyset cursors that carry the sort values of the row a page stopped at.

A list paged by ``(sort value, id)`` names where the next page starts. Naming only the
row (its id) and reading its sort value back breaks when that row is gone: a deleted
boundary item left "Older" empty (issue 9, the network timeline) or sent the reader
back to the first page (the directory). A cursor that holds the values themselves
needs no row: the next page is every row after them in the order, whatever happened
to the row they came from. The id breaks ties, so no row is skipped or shown twice.

Written into links as ``<value>~<id>``: a UTC instant (``20261204T223000.000000Z``)
or a text (URL-encoded by the link). Unreadable cursors parse to None; the pages
answer them with a client error.

Links written before the cursors carried values named a row by its bare id
(``?before=123``); bookmarks and search engines still hold them.
:func:`parse_row_id` reads one, and each list reads that row's values back (or shows
its first page when the row is gone): a formerly valid link never becomes an error page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

_STAMP = "%Y%m%dT%H%M%S.%fZ"
_MAX_ID = 2**63 - 1


def _id_of(text: str) -> int | None:
    # ASCII only: str.isdigit is true of "²", which int() refuses
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or not 0 < int(text) <= _MAX_ID:
        return None
    return int(text)


@dataclass(frozen=True)
class TimeKey:
    """A row's place in a newest-first list: its time, then its id."""

    at: datetime
    id: int

    def __str__(self) -> str:
        moment = self.at.replace(tzinfo=UTC) if self.at.tzinfo is None else self.at
        return f"{moment.astimezone(UTC):{_STAMP}}~{self.id}"


def parse_time_key(text: str) -> TimeKey | None:
    """The cursor of a ``?before=`` link; None when it is not one."""
    stamp, sep, ident = text.partition("~")
    found = _id_of(ident)
    if not sep or found is None or len(stamp) != 23:
        return None
    try:
        at = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
    return TimeKey(at, found)


@dataclass(frozen=True)
class TextKey:
    """A row's place in a list sorted by a text (a title), then its id."""

    text: str
    id: int

    def __str__(self) -> str:
        return f"{self.text}~{self.id}"


def parse_text_key(text: str) -> TextKey | None:
    """The cursor of an ``?after=`` link; None when it is not one."""
    value, sep, ident = text.rpartition("~")
    found = _id_of(ident)
    if not sep or found is None:
        return None
    return TextKey(value, found)


def parse_row_id(text: str) -> int | None:
    """The row id of a former cursor (a bare positive integer); None when it is not one."""
    return _id_of(text)
