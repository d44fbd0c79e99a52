"""Who owns a stored remote object, and when its tombstone wins (SECURITY.md, "Identity
and origin").

Several authors (issue 7, 2.7): ``attributedTo`` may be a list (PeerTube names the
account and its channel; a co-written article names every writer). Every author is kept
in ``stored_object.authors`` when the object is first stored, and only one of them may
Update or Delete it. A later version cannot change who they are: authorship is decided
once, by the Create the inbox checked (the Create's actor must be among the authors).

Tombstones (issue 7, 2.4): a Delete may arrive before its Create, and Mastodon and
ionode remember it so the late Create does not bring the object back. But then the
object's authors are unknown: the row records who deleted it, and it wins over a Create
only when one of them is among the created object's authors. Otherwise an actor of the
same host could suppress another actor's next post by deleting its predictable id
first. The tombstone of an object that was stored here belongs to its authors and wins
over any later Create.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from node.activitypub.vocab import refs

#: The type of a row recorded by a Delete before any Create of its id.
PRE_CREATE = "Tombstone"
#: Authors kept per object: far more than any co-authored object names.
MAX_AUTHORS = 32


def authors_of(document: Mapping[str, Any]) -> list[str]:
    """Every ``attributedTo`` id of ``document``, in order, once each."""
    return list(dict.fromkeys(refs(document.get("attributedTo"))))[:MAX_AUTHORS]


def owners(row: Mapping[Any, Any]) -> list[str]:
    """The actors who may Update or Delete a stored row (the deleters of a pre-Create
    tombstone). Rows stored before ``authors`` existed fall back on ``attributed_to``,
    then on the stored document's ``attributedTo``."""
    if row.get("authors"):
        return list(row["authors"])
    if row.get("attributed_to"):
        return [row["attributed_to"]]
    document = row.get("document")
    return authors_of(document) if isinstance(document, Mapping) else []


def tombstone_wins(row: Mapping[Any, Any] | None, authors: Sequence[str]) -> bool:
    """True when ``row`` is a tombstone that a Create by ``authors`` must not undo."""
    if row is None or row.get("deleted_at") is None:
        return False
    if row.get("type") != PRE_CREATE or row.get("local"):
        return True  # the object was here, and its authors deleted it
    return not set(owners(row)).isdisjoint(authors)
