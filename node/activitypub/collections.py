"""OrderedCollection and OrderedCollectionPage documents and their paging (pure).

Activity Vocabulary §2 ("Collection", "OrderedCollectionPage") and AS2 Core §5: a
collection names its size in ``totalItems`` and its pages in ``first``/``last``; a page
points back with ``partOf`` and to its neighbours with ``next``/``prev``. Outbox pages list
newest first (ActivityPub §5.1 "reverse chronological order").

Pages are numbered from 1 and addressed as ``<collection>?page=N``, as Mastodon does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from node.activitypub.context import collection_context

PAGE_SIZE: Final = 20
MAX_PAGE_DIGITS: Final = 1000  # longer numbers are refused before int() is asked to parse them
_DIGITS = re.compile(r"[0-9]+")


class PageError(ValueError):
    """The ``page`` query parameter is not a whole number of at least 1."""


def parse_page(values: Sequence[str]) -> int | None:
    """The requested page number from the ``page`` query values, or None when absent.

    Raises :class:`PageError` for a repeated parameter, a non-integer, or a number below 1.
    A number past the last page is valid: it is answered with an empty page.
    """
    if not values:
        return None
    if len(values) > 1:
        raise PageError("page must be given once")
    raw = values[0]
    if len(raw) > MAX_PAGE_DIGITS or not _DIGITS.fullmatch(raw):
        raise PageError("page must be a whole number")
    page = int(raw)
    if page < 1:
        raise PageError("page must be at least 1")
    return page


def last_page(total: int, size: int = PAGE_SIZE) -> int:
    """The number of the last page; an empty collection still has page 1."""
    return max(1, -(-total // size))


def page_url(collection_id: str, page: int) -> str:
    return f"{collection_id}?page={page}"


@dataclass(frozen=True)
class PageWindow:
    """Which rows page ``page`` holds: skip ``offset`` rows, take ``limit``."""

    page: int
    offset: int
    limit: int

    @property
    def empty(self) -> bool:
        return self.limit == 0


def window(page: int, total: int, size: int = PAGE_SIZE) -> PageWindow:
    """The rows of ``page``; a page past the end is empty and needs no query."""
    if page > last_page(total, size):
        return PageWindow(page, 0, 0)
    offset = (page - 1) * size
    return PageWindow(page, offset, max(0, min(size, total - offset)))


def ordered_collection(collection_id: str, total: int, *, paged: bool = True) -> dict[str, Any]:
    """The collection itself: ``totalItems`` and, when ``paged``, ``first`` and ``last``.

    Without ``paged`` only the size is published (Mastodon's hidden followers collection).
    """
    doc: dict[str, Any] = {
        "@context": collection_context(),
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if paged:
        doc["first"] = page_url(collection_id, 1)
        doc["last"] = page_url(collection_id, last_page(total))
    return doc


def ordered_collection_page(
    collection_id: str, page: int, total: int, items: Sequence[Any], size: int = PAGE_SIZE
) -> dict[str, Any]:
    """Page ``page`` of the collection holding ``items`` (already in order)."""
    last = last_page(total, size)
    doc: dict[str, Any] = {
        "@context": collection_context(),
        "id": page_url(collection_id, page),
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "totalItems": total,
        "orderedItems": list(items),
    }
    if page < last:
        doc["next"] = page_url(collection_id, page + 1)
    if page > 1:
        doc["prev"] = page_url(collection_id, min(page - 1, last))
    return doc


def inline_collection(collection_id: str, items: Sequence[Any]) -> dict[str, Any]:
    """A small OrderedCollection listing all of its items inline (the featured collection,
    as Mastodon serves pinned posts)."""
    return {
        "@context": collection_context(),
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": list(items),
    }


def may_list_members(viewer: str | None, *, owner: str) -> bool:
    """May ``viewer`` see who is in ``owner``'s followers/following collections?

    ``viewer`` is the actor URI proven by a verified HTTP signature, None for anonymous
    requests. Like Mastodon's default (hidden collections), only the count is public:
    anonymous viewers never see members, and for now no signed viewer does either except
    the owner itself. Authorized fetch may widen this later; this is the one place to.
    """
    return viewer is not None and viewer == owner
