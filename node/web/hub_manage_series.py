"""The manage page's item rows, and one row per recurring call series, not one per
occurrence.

A weekly call is materialised weeks ahead as Events of their own (ARCHITECTURE.md
section 3), so listing the hub's rows one by one filled "Upcoming calls and events" and
"Recent items" with the same call again and again. Here the rows of one series
(``hub_item.series_id``) are folded into the series' own row, which keeps the
occurrences: the page shows the next one and how many there are, and lists them in a
``<details>`` (readable and usable without JavaScript), each with its own actions.
A series whose own row is not among those read (older than the recent items) is
represented by its first occurrence, so nothing of it disappears.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from markupsafe import Markup


@dataclass(frozen=True)
class ItemView:
    """One item of the hub as the manage page lists it."""

    uri: str
    kind: str
    title: str
    text: str
    content: Markup
    author: str
    mine: bool
    pinned: bool
    editable: bool
    series: bool
    when: str
    timezone: str
    start_value: str
    can_change: bool
    series_id: int | None = None  # the series of an occurrence, and of the series itself
    # a series' row on the page: the occurrences folded into it (see above)
    occurrences: tuple[ItemView, ...] = ()


def _folded(views: list[ItemView], folds: Callable[[int], bool]
            ) -> tuple[list[ItemView | int], dict[int, list[ItemView]]]:
    """``views`` in order with the rows of each series that ``folds`` standing once, as
    its id where its first row came, and those rows by series id."""
    order: list[ItemView | int] = []
    members: dict[int, list[ItemView]] = {}
    for view in views:
        key = view.series_id
        if key is None or not folds(key):
            order.append(view)
            continue
        if key not in members:
            members[key] = []
            order.append(key)
        members[key].append(view)
    return order, members


def group_upcoming(dated: list[ItemView], series: list[ItemView], limit: int
                   ) -> list[ItemView]:
    """Dated events and occurrences by start, each live series once, at the place of its
    next occurrence (a series with none ahead goes last); at most ``limit`` rows."""
    heads = {view.series_id: view for view in series if view.series_id is not None}
    order, occurrences = _folded(dated, heads.__contains__)
    rows = [replace(heads[entry], occurrences=tuple(occurrences[entry]))
            if isinstance(entry, int) else entry for entry in order]
    rows += [head for key, head in heads.items() if key not in occurrences]
    return rows[:limit]


def group_recent(views: list[ItemView], limit: int) -> list[ItemView]:
    """Newest first, each series once where its first row came, as its own row (or its
    first occurrence) holding the other occurrences read; at most ``limit`` rows."""
    order, members = _folded(views, lambda _: True)
    rows: list[ItemView] = []
    for entry in order:
        if not isinstance(entry, int):
            rows.append(entry)
            continue
        group = members[entry]
        head = next((view for view in group if view.series), group[0])
        rest = sorted((view for view in group if view is not head),
                      key=lambda view: view.start_value)
        rows.append(replace(head, occurrences=tuple(rest)))
    return rows[:limit]
