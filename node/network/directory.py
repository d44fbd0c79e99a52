"""The hub directory (issue 9 item 5): every hub this node knows, as its Group says.

Entries come from the Group documents themselves: a hub's title (``name``), mission
(``summary``), region (``location``, a ``Place``), tags (``tag`` Hashtags), its page
(``url``) and its follower count (its ``followers`` collection's ``totalItems``), which
is what an ionode hub publishes (node/hubs/hub/settings.py ``actor_extras``) and what
Mastodon, Lemmy and Mobilizon groups publish too. Remote hubs are learned when a
backfill reads them, when a relayed item names its hub (a placeholder, fetched by the
refresh task) and refreshed by a relayed or delivered ``Update{Group}``. This node's
own hubs are read from their actor documents as served, so nothing of the hubs
package is imported here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from node.activitypub.actor_document import actor_document
from node.activitypub.actor_sources import ActorExtras, with_extras
from node.activitypub.models import Follow, LocalActor, OutboxActivity
from node.activitypub.urls import host_of
from node.activitypub.vocab import ref
from node.clock import as_utc
from node.db import upsert_insert
from node.html import sanitize_html
from node.network.hub_tags import drop_tags, set_tags
from node.network.models import NetworkHub

_hub = NetworkHub.__table__  # type: ignore[attr-defined]
_local = LocalActor.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
MAX_TAGS = 20
#: The lengths of ``network_hub``'s columns (:class:`NetworkHub`): ``handle``, ``title``
#: and ``sort_key``; ``actor_uri`` and ``url``. Every value from a remote document is cut
#: to fit; an actor id longer than its column cannot be stored, so it is not listed.
TEXT, URI = 300, 1024


def plain_text(markup: str) -> str:
    """The text of an HTML fragment, as the search reads it."""
    import nh3

    return " ".join(html.unescape(nh3.clean(markup, tags=set())).split())


def tags_of(document: Mapping[str, Any]) -> list[str]:
    """The Hashtags of ``tag``, without ``#``, lower case, at most :data:`MAX_TAGS`."""
    found = document.get("tag")
    entries = found if isinstance(found, list) else [found]
    names: list[str] = []
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("type") == "Hashtag":
            name = str(entry.get("name") or "").lstrip("#").strip().lower()
            if name and " " not in name and name not in names:
                names.append(name[:60])
    return names[:MAX_TAGS]


def region_of(document: Mapping[str, Any]) -> str:
    place = document.get("location")
    place = place[0] if isinstance(place, list) and place else place
    name = place.get("name") if isinstance(place, Mapping) else None
    return " ".join(str(name).split())[:200] if name else ""


def entry_values(document: Mapping[str, Any]) -> dict[str, Any]:
    """The directory columns a Group document gives."""
    uri = str(ref(document))
    username = str(document.get("preferredUsername") or "")
    title = " ".join(str(document.get("name") or username or uri).split())[:TEXT]
    summary = sanitize_html(str(document.get("summary") or ""))
    tags = tags_of(document)
    url = ref(document.get("url"))
    return {
        "handle": f"{username}@{host_of(uri)}"[:TEXT] if username else "",
        "title": title, "sort_key": sort_key(title), "summary": summary,
        "summary_text": plain_text(summary).lower(), "region": region_of(document),
        "tags": f" {' '.join(tags)} " if tags else "", "host": host_of(uri),
        "url": url if url and url.startswith(("https://", "http://")) and len(url) <= URI
        else uri}


def sort_key(title: str) -> str:
    """The page order of a title: lower case, cut to the column's length after lowering,
    which can lengthen it (``"İ".lower()`` is two characters): PostgreSQL refuses a
    value longer than ``VARCHAR(300)``, where SQLite stores anything."""
    return title.lower()[:TEXT]


def learn_group(conn: Connection, document: Mapping[str, Any], now: datetime, *,
                followers: int | None = None, local: bool = False) -> None:
    """Add or refresh the directory entry of the Group ``document`` describes."""
    uri = ref(document)
    if uri is None or len(uri) > URI or document.get("type") != "Group":
        return
    if document.get("discoverable") is False and not local:
        # the Group opts out of directories (Mastodon's, Mobilizon's ``discoverable``),
        # as this node's own hubs can (:func:`sync_local` lists only discoverable ones)
        forget(conn, uri)
        return
    values = entry_values(document) | {"refreshed_at": now, "local": local}
    if followers is not None:
        values["followers"] = followers
    found = conn.execute(select(_hub).where(_hub.c.actor_uri == uri)).first()
    if found is None:
        # ON CONFLICT: two readers of the directory (page, feeds) may both find no row;
        # the one that waited for the other's commit then updates that row instead
        added = conn.execute(upsert_insert(conn.dialect.name, _hub).values(
            actor_uri=uri, created_at=now, **values).on_conflict_do_nothing(
            index_elements=["actor_uri"]).returning(_hub.c.id)).scalar()
        if added is not None:
            set_tags(conn, added, values["tags"].split())
            return
        found = conn.execute(select(_hub).where(_hub.c.actor_uri == uri)).one()
    changed = {k: v for k, v in values.items()
               if k != "refreshed_at" and getattr(found, k) != v}
    if changed or found.refreshed_at is None or not local:  # a page view writes nothing
        conn.execute(update(_hub).where(_hub.c.id == found.id).values(**values))
    if "tags" in changed or found.refreshed_at is None:
        set_tags(conn, found.id, values["tags"].split())


def refresh_group(conn: Connection, document: Mapping[str, Any], now: datetime) -> None:
    """A hub's Update{Group}: its entry follows, keeping the follower count we had.

    Any Group that tells us about itself is taken: it reached us by a follow or a relay.
    """
    learn_group(conn, document, now)


def forget(conn: Connection, hub_uri: str) -> None:
    """A placeholder whose actor turned out not to be a Group (a person's boost)."""
    gone = list(conn.execute(select(_hub.c.id).where(
        _hub.c.actor_uri == hub_uri, _hub.c.local.is_(False))).scalars())
    drop_tags(conn, gone)
    conn.execute(_hub.delete().where(_hub.c.id.in_(gone)))


def heard_of(conn: Connection, hub_uri: str, when: datetime, now: datetime) -> None:
    """An item of ``hub_uri`` published ``when`` arrived: its last activity moves
    forward; a hub not yet known enters as a placeholder the refresh task fetches
    (``refreshed_at`` is empty)."""
    when = min(when, now)
    if len(hub_uri) > URI:
        return
    known = conn.execute(select(_hub.c.id, _hub.c.last_activity)
                         .where(_hub.c.actor_uri == hub_uri)).first()
    if known is not None:
        last = known.last_activity
        if last is None or as_utc(last) < when:
            conn.execute(update(_hub).where(_hub.c.id == known.id).values(last_activity=when))
    else:
        conn.execute(insert(_hub).values(
            actor_uri=hub_uri, local=False, handle="", title=hub_uri[:TEXT],
            sort_key=sort_key(hub_uri),
            summary="", summary_text="", region="", tags="", host=host_of(hub_uri),
            url=hub_uri, last_activity=when, created_at=now))


def mark_refreshed(conn: Connection, hub_uri: str, now: datetime) -> None:
    conn.execute(update(_hub).where(_hub.c.actor_uri == hub_uri).values(refreshed_at=now))


def to_refresh(conn: Connection, limit: int) -> list[str]:
    """Remote hubs known only by their id (learned through a relay): fetch these."""
    return list(conn.execute(select(_hub.c.actor_uri).where(
        _hub.c.refreshed_at.is_(None), _hub.c.local.is_(False))
        .order_by(_hub.c.id).limit(limit)).scalars())


def sync_local(conn: Connection, base_url: str, extras: ActorExtras | None,
               now: datetime) -> None:
    """This node's own hubs, as their Group documents say now (cheap: a few hubs).

    Run before the directory is read, so a hub's new mission or tags show at once.
    """
    actors = conn.execute(select(_local).where(_local.c.kind == "group")).all()
    live = set()
    for row in actors:
        actor = LocalActor.model_validate(row._mapping)
        if actor.deleted_at is not None or not actor.discoverable:
            continue
        live.add(actor.uri)
        document = actor_document(actor, base_url=base_url)
        if extras is not None:
            document = with_extras(document, extras(conn, actor))
        followers = conn.execute(select(func.count()).select_from(_follow).where(
            _follow.c.following == actor.uri, _follow.c.state == "accepted")).scalar_one()
        last = conn.execute(select(func.max(_outbox.c.published)).where(
            _outbox.c.actor_id == actor.id, _outbox.c.public.is_(True))).scalar()
        learn_group(conn, document, now, followers=int(followers), local=True)
        had = conn.execute(select(_hub.c.last_activity)
                           .where(_hub.c.actor_uri == actor.uri)).scalar()
        if (had and as_utc(had)) != (last and as_utc(last)):
            conn.execute(update(_hub).where(_hub.c.actor_uri == actor.uri)
                         .values(last_activity=last))
    stale = select(_hub.c.id).where(_hub.c.local.is_(True))
    if live:
        stale = stale.where(_hub.c.actor_uri.not_in(live))
    gone = list(conn.execute(stale).scalars())
    if gone:
        drop_tags(conn, gone)
        conn.execute(_hub.delete().where(_hub.c.id.in_(gone)))
