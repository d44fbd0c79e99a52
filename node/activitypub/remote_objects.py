"""Storing remote objects: sanitised, tombstone-aware, newest-update-wins.

SECURITY.md ("Content"): every remote string goes through nh3 before storage;
("Durability"): a Delete that arrived before its Create wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import nh3
from sqlalchemy import Connection, bindparam, insert, select, update

from node.activitypub.models import StoredObject
from node.activitypub.vocab import ref
from node.clock import as_utc
from node.html import sanitize_html

_objects = StoredObject.__table__  # type: ignore[attr-defined]
HTML_FIELDS = ("content", "summary")
TEXT_FIELDS = ("name",)
MAX_LIST = 100


def clean_text(value: str) -> str:
    """Plain text: every tag removed, entities kept escaped for the templates."""
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
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


# Built once: the hot path of every received Create executes these with parameters.
_DELETED_AT = select(_objects.c.deleted_at).where(_objects.c.uri == bindparam("uri"))
_EXISTS = select(_objects.c.id).where(_objects.c.uri == bindparam("uri"))
_INSERT = insert(_objects)


def is_tombstoned(conn: Connection, uri: str) -> bool:
    row = conn.execute(_DELETED_AT, {"uri": uri}).first()
    return row is not None and row.deleted_at is not None


def store_remote(conn: Connection, document: Mapping[str, Any], now: datetime) -> bool:
    """Insert a remote object unless it exists or was deleted; True when inserted."""
    uri = ref(document)
    assert uri is not None
    if conn.execute(_EXISTS, {"uri": uri}).first():
        return False
    cleaned = clean_remote_object(document)
    conn.execute(_INSERT, {
        "uri": uri, "type": str(cleaned.get("type", "Object"))[:64],
        "attributed_to": ref(cleaned.get("attributedTo")), "local": False,
        "document": cleaned, "published": parse_time(cleaned.get("published")),
        "updated": parse_time(cleaned.get("updated")), "received_at": now,
    })
    return True


def apply_update(conn: Connection, document: Mapping[str, Any], actor: str) -> str | None:
    """Replace a stored object by a newer version; a reason when refused."""
    uri = ref(document)
    row = conn.execute(select(_objects).where(_objects.c.uri == uri)).first()
    if row is None or row.deleted_at is not None:
        return "Update of an object we do not have"
    if row.attributed_to != actor:
        return "Update by someone who does not own the object"
    new_time = parse_time(document.get("updated"))
    old_time = row.updated or row.published
    if new_time is None or (old_time is not None and new_time <= as_utc(old_time)):
        if _same_poll(row.document, document):
            _refresh_tallies(conn, row.id, row.document, document)
            return None
        return "Update without a newer `updated`"
    cleaned = clean_remote_object(document)
    conn.execute(update(_objects).where(_objects.c.id == row.id).values(
        document=cleaned, updated=new_time, type=str(cleaned.get("type", row.type))[:64]))
    return None


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
    """Tombstone ``uri``; remembered even before its Create arrives."""
    row = conn.execute(select(_objects).where(_objects.c.uri == uri)).first()
    if row is None:
        conn.execute(insert(_objects).values(
            uri=uri, type="Tombstone", attributed_to=actor, local=False, document=None,
            received_at=now, deleted_at=now))
        return None
    if row.attributed_to not in (actor, None) or row.local:
        return "Delete by someone who does not own the object"
    conn.execute(update(_objects).where(_objects.c.id == row.id).values(
        document=None, deleted_at=now))
    return None



def is_local_object(conn: Connection, uri: str) -> bool:
    """True for a live object this node published."""
    row = conn.execute(select(_objects.c.local, _objects.c.deleted_at)
                       .where(_objects.c.uri == uri)).first()
    return row is not None and bool(row.local) and row.deleted_at is None
