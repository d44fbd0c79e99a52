"""Insert hub items straight into the tables (dashboard tests and the benchmark)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from node.activitypub.models import StoredObject
from node.hubs.hub.models import HubItem

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def add_item(conn: Connection, *, hub_id: int, hub_uri: str, uri: str, kind: str,
             document: dict[str, Any], now: datetime, starts_at: datetime | None = None,
             pinned: bool = False) -> None:
    doc = {"id": uri, "to": [PUBLIC, hub_uri], **document}
    conn.execute(insert(StoredObject.__table__).values(  # type: ignore[attr-defined]
        uri=uri, type=doc.get("type", "Note"), attributed_to=doc.get("attributedTo"),
        local=True, document=doc, published=now, updated=now, received_at=now))
    conn.execute(insert(HubItem.__table__).values(  # type: ignore[attr-defined]
        hub_id=hub_id, object_uri=uri, kind=kind, author_uri=doc.get("attributedTo", ""),
        origin="local", state="published", pinned=pinned, starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1) if starts_at else None, created_at=now,
        updated_at=now))
