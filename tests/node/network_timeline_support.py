"""Rows of what arrived from the network, seeded straight into the database: a
``stored_object`` (the item, remote) and its ``network_item`` (origin hub and host), as
:mod:`node.network.receive` stores them. Used by the node and browser timeline tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from node.activitypub.models import RemoteActor, StoredObject
from node.activitypub.vocab import PUBLIC
from node.network.models import NetworkItem

_objects = StoredObject.__table__  # type: ignore[attr-defined]
_items = NetworkItem.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]

HOSTS = ("oakland.example", "berlin.example")


def add_hub(engine: Engine, host: str, name: str, display: str) -> str:
    """A cached remote hub (Group) so the timeline can name it; its URI."""
    uri = f"https://{host}/hubs/{name}"
    with engine.begin() as conn:
        conn.execute(insert(_remote).values(
            uri=uri, inbox=f"{uri}/inbox", preferred_username=name, display_name=display,
            host=host, kind="Group", document={"id": uri, "type": "Group", "name": display},
            key_id=f"{uri}#main-key", fetched_at=datetime(2026, 1, 1, tzinfo=UTC)))
    return uri


def add_item(engine: Engine, n: int, at: datetime, *, host: str = HOSTS[0],
             hub: str | None = None, kind: str = "Note", public: bool = True,
             deleted: bool = False, **extra: Any) -> str:
    """Item ``n`` from ``host`` (posted in ``hub``), arrived at ``at``; its URI."""
    uri = f"https://{host}/objects/item-{n}"
    doc: dict[str, Any] = {
        "id": uri, "type": kind, "attributedTo": f"https://{host}/users/ana",
        "content": f"<p>Item number {n} from {host}</p>",
        "published": at.isoformat(), "to": [PUBLIC] if public else [f"https://{host}/x"],
        **extra}
    with engine.begin() as conn:
        conn.execute(insert(_objects).values(
            uri=uri, type=kind, attributed_to=doc["attributedTo"], document=doc,
            published=at, received_at=at,
            deleted_at=at + timedelta(minutes=1) if deleted else None))
        conn.execute(insert(_items).values(
            object_uri=uri, object_type=kind, hub_uri=hub, origin_host=host,
            via=f"https://{host}/actor", received_at=at, published_at=at))
    return uri
