"""What a straw poll shows on a page: options with shares, voters, closing, results.

Pure: a Question document and ``now`` in, a small view model out; the hub dashboard
and the poll's own page render it with one macro (``_poll.html``). Shares follow
Mastodon's poll display (``app/javascript/mastodon/components/poll.jsx``): of the votes
cast on a one-choice poll, of the voters on a several-choice poll (where shares add up
to more than 100 %). Bars are ``<meter>`` elements, so no inline style is needed under
the strict CSP (SECURITY.md "Pages").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from gettext import ngettext
from typing import Any

from node.hubs.hub import times
from node.hubs.polls import rules as polls


@dataclass(frozen=True)
class OptionView:
    """One option: its votes, its share in whole percent, whether it leads."""

    name: str
    count: int
    percent: int
    leading: bool


@dataclass(frozen=True)
class PollView:
    options: tuple[OptionView, ...]
    multiple: bool
    voters: int
    voters_label: str
    ends: datetime | None
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def tied(self) -> bool:
        """Several options share the most votes: pages say "tie", not "most votes"."""
        return sum(option.leading for option in self.options) > 1


def voters_label(count: int) -> str:
    """``1 voter``, ``3 voters``; in ngettext's shape, so a catalogue can translate it."""
    return ngettext("%(count)d voter", "%(count)d voters", count) % {"count": count}


def shares(counts: tuple[int, ...], voters: int, multiple: bool) -> tuple[int, ...]:
    """Whole percentages of each count: of the voters (several choices) or the votes."""
    total = voters if multiple and voters > 0 else sum(counts)
    if total <= 0:
        return tuple(0 for _ in counts)
    return tuple(min(100, round(100 * count / total)) for count in counts)


def choices(document: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(name, votes) of each readable option, read together so a malformed entry can
    never shift the counts onto the wrong names."""
    items = document.get("anyOf", document.get("oneOf"))
    found = []
    for item in items if isinstance(items, list) else []:
        name = item.get("name") if isinstance(item, Mapping) else None
        if not isinstance(name, str) or not name:
            continue
        replies = item.get("replies")
        count = replies.get("totalItems") if isinstance(replies, Mapping) else 0
        found.append((name, count if isinstance(count, int) and count >= 0 else 0))
    return found


def poll_view(document: Mapping[str, Any], now: datetime) -> PollView:
    """The poll as a page shows it; unreadable parts of a document count as nothing."""
    read = choices(document)
    names, counts = tuple(name for name, _ in read), tuple(count for _, count in read)
    multiple = polls.is_multiple(document)
    given = document.get("votersCount")
    voters = given if isinstance(given, int) and given > 0 else (
        0 if multiple else sum(counts))
    top = max(counts, default=0)
    options = tuple(OptionView(name=name, count=count, percent=percent,
                               leading=top > 0 and count == top)
                    for name, count, percent in zip(names, counts,
                                                    shares(counts, voters, multiple),
                                                    strict=True))
    closed = times.closed_at(document, now)
    return PollView(options=options, multiple=multiple, voters=voters,
                    voters_label=voters_label(voters), ends=times.ends_at(document),
                    closed_at=closed)
