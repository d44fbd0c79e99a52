"""Removing what no one shows any more: unreferenced uploads, and expired proxy files.

An upload stays as long as something links to it: a local actor's ``icon`` (a hub's or
a person's avatar), a hub's header (the hubs domain passes those URLs in, since this
layer does not know hubs), or a live stored object's document (an attachment of a
Note or Event). An upload replaced on an event, or a hub header removed, leaves its
row and files behind; :func:`prune_media` deletes rows older than a grace period
(:data:`GRACE`: an upload whose item is still being posted, or a form sent again after
a refusal, is not lost) that nothing references, then the files no remaining row uses
(a file's name is its content hash, so two uploads of one picture share files). Files
on disk with no row at all (a transaction that rolled back after writing them,
:func:`node.media.service.save_image`) go too, once older than the grace period.

The rows are deleted in the caller's transaction and the files only after it commits
(:func:`prune`), so a rollback never leaves a row without its files.

:func:`prune_proxy_cache` deletes proxied remote images past their freshness, failure
markers past theirs, and temporary files a crash left (:mod:`node.media.proxy`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Text, cast, delete, select

from node.activitypub.models import LocalActor, StoredObject
from node.media.models import Media
from node.media.proxy import FAILURE_SECONDS, ProxyCache, proxy_cache
from node.media.service import MEDIA_PATH, local_name, store_of
from node.media.store import NAME_RE, DiskStore, MediaStore

if TYPE_CHECKING:
    from node.runtime import Node

_media = Media.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]

GRACE = timedelta(days=1)
TEMP_SECONDS = 3600  # a proxy's temporary file older than this was left by a crash
_NAME_IN_TEXT = re.compile(r"[0-9a-f]{64}\.(?:jpg|png)")


def referenced_names(conn: Connection, base_url: str, urls: Iterable[str] = ()) -> set[str]:
    """The upload names linked from ``urls``, local actors' icons and live objects."""
    names = {name for url in urls if url and (name := local_name(base_url, url))}
    icons = conn.execute(select(_actor.c.icon_url).where(_actor.c.icon_url.is_not(None)))
    names |= {name for (url,) in icons if (name := local_name(base_url, url or ""))}
    prefix = f"{base_url}{MEDIA_PATH}"
    documents = conn.execute(select(cast(_objects.c.document, Text)).where(
        _objects.c.deleted_at.is_(None), cast(_objects.c.document, Text).contains(prefix)))
    for (text,) in documents:  # only documents that link to this node's /media/ at all
        names |= {m for m in _NAME_IN_TEXT.findall(text or "") if f"{prefix}{m}" in text}
    return names


def _variant_names(variants: Any) -> set[str]:
    return {v["name"] for v in variants or () if isinstance(v, dict)
            and isinstance(v.get("name"), str) and NAME_RE.fullmatch(v["name"])}


def prune_rows(conn: Connection, base_url: str, now: datetime, *, urls: Iterable[str] = (),
               grace: timedelta = GRACE) -> tuple[int, set[str], set[str]]:
    """Delete the unreferenced rows older than ``grace``; (rows deleted, file names now
    unused, file names still used)."""
    in_use = referenced_names(conn, base_url, urls)
    rows = conn.execute(select(_media.c.id, _media.c.name, _media.c.variants,
                               _media.c.created_at)).all()
    cutoff = now - grace
    doomed = [r for r in rows if r.name not in in_use and _aware(r.created_at) < cutoff]
    gone_ids = {r.id for r in doomed}
    kept = set().union(*(_variant_names(r.variants) | {r.name} for r in rows
                         if r.id not in gone_ids))
    freed = set().union(*(_variant_names(r.variants) | {r.name} for r in doomed)) - kept
    for start in range(0, len(doomed), 500):
        conn.execute(delete(_media).where(_media.c.id.in_(
            [r.id for r in doomed[start:start + 500]])))
    return len(doomed), freed, kept


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC timestamps; PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def orphan_files(store: MediaStore, keep: set[str], now: datetime,
                 grace: timedelta = GRACE) -> set[str]:
    """Files of a :class:`DiskStore` that no row names, older than ``grace``."""
    if not isinstance(store, DiskStore) or not store.root.is_dir():
        return set()
    cutoff = (now - grace).timestamp()
    found = set()
    for path in store.root.glob("??/*"):
        if NAME_RE.fullmatch(path.name) and path.name not in keep:
            try:
                if path.stat().st_mtime < cutoff:
                    found.add(path.name)
            except FileNotFoundError:
                continue
    return found


def prune_proxy_cache(cache: ProxyCache, now: float) -> int:
    """Delete proxied images older than the cache's ``ttl``, failure markers older than
    :data:`~node.media.proxy.FAILURE_SECONDS` and stale temporary files; how many."""
    if not cache.root.is_dir():
        return 0
    removed = 0
    for path in cache.root.iterdir():
        limit = (FAILURE_SECONDS if path.suffix == ".failed" else TEMP_SECONDS
                 if path.name.startswith(".tmp-") else cache.ttl)
        try:
            if now - path.stat().st_mtime > limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def prune(node: Node, urls_in_use: Callable[[Connection], Iterable[str]] = lambda c: (),
          grace: timedelta = GRACE) -> int:
    """The periodic job: unreferenced uploads (rows, then files) and the proxy cache.

    ``urls_in_use`` reads, in the same transaction, the image URLs a domain keeps that
    this layer cannot see (hub headers). Returns how many files were deleted.

    A file is deleted after the commit; an upload of the very same picture in that
    instant (same content hash, same names) would find its files gone: the window is
    the few milliseconds of the deletions, and the row it made stays to be re-uploaded.
    """
    now = node.clock()
    with node.engine.begin() as conn:
        _rows, freed, kept = prune_rows(conn, node.settings.url, now,
                                        urls=urls_in_use(conn), grace=grace)
    store = store_of(node)
    doomed = freed | orphan_files(store, kept, now, grace)
    for name in sorted(doomed):
        store.delete(name)
    return len(doomed) + prune_proxy_cache(proxy_cache(Path(node.settings.data_dir)),
                                           now.timestamp())
