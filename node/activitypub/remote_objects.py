"""Storing remote objects: sanitised, tombstone-aware, newest-update-wins.

SECURITY.md ("Content"): every remote string goes through nh3 before storage;
("Durability"): a Delete that arrived before its Create wins, when one of the object's
authors sent it (:mod:`node.activitypub.authorship`: who owns an object and when a
tombstone wins).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from node.activitypub.authorship import (
    MAX_AUTHORS,
    PRE_CREATE,
    authors_of,
    owners,
    tombstone_wins,
)
from node.activitypub.models import StoredObject
from node.activitypub.vocab import ref
from node.clock import as_utc
from node.html import sanitize_html
from node.zones import read_instant

_objects = StoredObject.__table__  # type: ignore[attr-defined]
HTML_FIELDS = ("content", "summary")
TEXT_FIELDS = ("name",)
MAX_LIST = 100


def clean_text(value: str) -> str:
    """Plain text: every tag removed, entities kept escaped for the templates."""
    import nh3

    return nh3.clean(value, tags=set())


def clean_remote_object(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with HTML fields sanitised and text fields stripped of markup."""
    cleaned = dict(document)
    for key in HTML_FIELDS:
        if isinstance(cleaned.get(key), str):
            cleaned[key] = sanitize_html(cleaned[key])
        mapped = cleaned.get(f"{key}Map")
        if isinstance(mapped, Mapping):
            cleaned[f"{key}Map"] = {
                lang: sanitize_html(v) for lang, v in mapped.items() if isinstance(v, str)
            }
    for key in TEXT_FIELDS:
        if isinstance(cleaned.get(key), str):
            cleaned[key] = clean_text(cleaned[key])
    for key in ("tag", "attachment", "oneOf", "anyOf"):
        items = cleaned.get(key)
        if isinstance(items, list):
            cleaned[key] = [_clean_item(i) for i in items[:MAX_LIST]]
    return cleaned


def _clean_item(item: object) -> object:
    if not isinstance(item, Mapping):
        return item
    return {k: clean_text(v) if k in ("name", "value") and isinstance(v, str) else v
            for k, v in item.items()}


def parse_time(value: object) -> datetime | None:
    """An xsd:dateTime as an aware UTC datetime, None if unreadable; a time without an
    offset is read as UTC (:func:`node.zones.read_instant`)."""
    return read_instant(value)


# Built once: the hot path of every received Create executes these with parameters.
_STATE = select(_objects.c.id, _objects.c.type, _objects.c.local, _objects.c.deleted_at,
                _objects.c.attributed_to, _objects.c.authors).where(
    _objects.c.uri == bindparam("uri"))
_INSERT = insert(_objects)


def _state(conn: Connection, uri: str) -> Mapping[Any, Any] | None:
    row = conn.execute(_STATE, {"uri": uri}).first()
    return None if row is None else row._mapping


def is_tombstoned(conn: Connection, uri: str, authors: Sequence[str]) -> bool:
    """True when ``uri`` was deleted in a way a Create by ``authors`` may not undo."""
    return tombstone_wins(_state(conn, uri), authors)


def store_remote(conn: Connection, document: Mapping[str, Any], now: datetime) -> bool:
    """Insert a remote object unless it exists or a tombstone wins; True when stored.

    A tombstone that does not win (recorded by a Delete from none of the authors before
    the Create arrived) is replaced by the object.
    """
    uri = ref(document)
    assert uri is not None
    authors = authors_of(document)
    row = _state(conn, uri)
    if row is not None and (row["deleted_at"] is None or tombstone_wins(row, authors)):
        return False
    cleaned = clean_remote_object(document)
    values = {
        "uri": uri, "type": str(cleaned.get("type", "Object"))[:64],
        "attributed_to": authors[0] if authors else None, "authors": authors or None,
        "local": False, "document": cleaned, "published": parse_time(cleaned.get("published")),
        "updated": parse_time(cleaned.get("updated")), "received_at": now, "deleted_at": None,
    }
    if row is None:
        conn.execute(_INSERT, values)
    else:
        conn.execute(update(_objects).where(_objects.c.id == row["id"]).values(**values))
    return True


@dataclass(frozen=True)
class Updated:
    """What :func:`update_remote` did: refused with a reason, or applied, and whether
    it was only a poll's tally refresh (no newer ``updated``: nothing to re-share)."""

    problem: str | None = None
    tally_only: bool = False


def apply_update(conn: Connection, document: Mapping[str, Any], actor: str) -> str | None:
    """Replace a stored object by a newer version; a reason when refused."""
    return update_remote(conn, document, actor).problem


def update_remote(conn: Connection, document: Mapping[str, Any], actor: str) -> Updated:
    """:func:`apply_update`, telling a tally-only refresh of a poll from an edit.

    FEDERATION.md: an Update counts only from an owner with a newer ``updated``; a
    Question's tallies are the exception (Mastodon sends them without a newer
    ``updated``) and are taken, but they are no edit a hub should Announce."""
    uri = ref(document)
    row = conn.execute(select(_objects).where(_objects.c.uri == uri)).first()
    if row is None or row.deleted_at is not None:
        return Updated("Update of an object we do not have")
    if row.local or actor not in owners(row._mapping):
        return Updated("Update by someone who does not own the object")
    new_time = parse_time(document.get("updated"))
    old_time = row.updated or row.published
    if new_time is None or (old_time is not None and new_time <= as_utc(old_time)):
        if _same_poll(row.document, document):
            _refresh_tallies(conn, row.id, row.document, document)
            return Updated(tally_only=True)
        return Updated("Update without a newer `updated`")
    cleaned = clean_remote_object(document)
    cleaned["attributedTo"] = row.document.get("attributedTo") \
        if isinstance(row.document, Mapping) else cleaned.get("attributedTo")
    conn.execute(update(_objects).where(_objects.c.id == row.id).values(
        document=cleaned, updated=new_time, type=str(cleaned.get("type", row.type))[:64]))
    return Updated()


TALLY_FIELDS = ("votersCount", "closed", "endTime")


def _choices(document: Mapping[str, Any] | None) -> tuple[str, list[str]] | None:
    if not isinstance(document, Mapping) or document.get("type") != "Question":
        return None
    mode = "oneOf" if "oneOf" in document else "anyOf"
    options = document.get(mode)
    if not isinstance(options, list):
        return None
    return mode, [str(o.get("name")) for o in options if isinstance(o, Mapping)]


def _same_poll(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """A tally refresh: the same Question with the same choices (Mastodon's rule)."""
    return _choices(old) is not None and _choices(old) == _choices(new)


def _total(option: object) -> int:
    replies = option.get("replies") if isinstance(option, Mapping) else None
    total = replies.get("totalItems") if isinstance(replies, Mapping) else None
    return total if isinstance(total, int) and total >= 0 else 0


def _refresh_tallies(conn: Connection, row_id: int, old: Mapping[str, Any],
                     new: Mapping[str, Any]) -> None:
    """Take only the totals of an Update without a newer ``updated``; nothing else."""
    mode, _ = _choices(old) or ("oneOf", [])
    refreshed = dict(old)
    refreshed[mode] = [
        {**kept, "replies": {"type": "Collection", "totalItems": _total(fresh)}}
        for kept, fresh in zip(old[mode], new[mode], strict=True)
    ]
    for key in TALLY_FIELDS:
        if key in new:
            refreshed[key] = new[key]
    conn.execute(update(_objects).where(_objects.c.id == row_id).values(document=refreshed))


def apply_delete(conn: Connection, uri: str, actor: str, now: datetime) -> str | None:
    """Tombstone ``uri`` when ``actor`` is one of its authors; remembered even before its
    Create arrives, as ``actor``'s (it then wins only over a Create ``actor`` authored)."""
    row = conn.execute(select(_objects).where(_objects.c.uri == uri)).first()
    if row is None:
        conn.execute(insert(_objects).values(
            uri=uri, type=PRE_CREATE, attributed_to=actor, authors=[actor], local=False,
            document=None, received_at=now, deleted_at=now))
        return None
    if row.local:
        return "Delete by someone who does not own the object"
    deleters = owners(row._mapping)
    if row.type == PRE_CREATE and row.document is None:  # still waiting for its Create
        if actor not in deleters:
            conn.execute(update(_objects).where(_objects.c.id == row.id).values(
                authors=[*deleters, actor][-MAX_AUTHORS:]))
        return None
    if actor not in deleters:
        return "Delete by someone who does not own the object"
    conn.execute(update(_objects).where(_objects.c.id == row.id).values(
        document=None, deleted_at=now))
    return None



def is_local_object(conn: Connection, uri: str) -> bool:
    """True for a live object this node published."""
    row = conn.execute(select(_objects.c.local, _objects.c.deleted_at)
                       .where(_objects.c.uri == uri)).first()
    return row is not None and bool(row.local) and row.deleted_at is None
