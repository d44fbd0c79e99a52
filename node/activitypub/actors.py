"""Remote actors and their keys: a memory + database cache, and key lookup.

Documents are checked by :mod:`node.activitypub.remote_actor` (pure parsing); this
module fetches, stores and looks them up, keeping the origin rules on every path
(SECURITY.md "Identity and origin"):

* every document, fetched or read back from the database, passes :func:`parse_actor`
  (``id`` is the URL fetched, Mastodon CVE-2024-23832; everything on the origin of ``id``,
  Misskey CVE-2024-52590); a row stored under older rules that fails is fetched again,
  and a fetch redirected to another actor is refused;
* a key id without fragment (GoToSocial's ``/users/x/main-key``) only names its owner:
  the owner must be on the key's origin and its actor document must list that key
  (Fedify GHSA-q9f8-5hc7-898f, Misskey #2546);
* keys on the local origin come from the ``local_actor`` table, never the network.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache, partial
from typing import Any
from urllib.parse import urldefrag
from weakref import WeakValueDictionary

import anyio
import anyio.to_thread
from sqlalchemy import Connection, Engine, bindparam, select, update

from node.activitypub.actor_memory import DEFAULT_BUDGET, ActorMemory, Entry, KeyOwners
from node.activitypub.db_batch import DbBatch
from node.activitypub.federation_store import profile_blocked
from node.activitypub.fetch import Fetched, FetchFailed, SafeFetcher, same_url
from node.activitypub.keys import decode_ed25519_multikey
from node.activitypub.models import LocalActor, RemoteActor
from node.activitypub.remote_actor import (
    ActorKey,
    ParsedActor,
    RemoteActorInfo,
    actor_type,
    find_key,
    key_owner_hint,
    load_pem_cached,
    parse_actor,
)
from node.activitypub.urls import same_origin
from node.clock import Clock, as_utc
from node.db import upsert_insert

_remote = RemoteActor.__table__  # type: ignore[attr-defined]
#: Actor documents fetched at once, at most (a burst of new followers is not a flood).
FETCH_LIMIT = 16
_local = LocalActor.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LookupFailed:
    """No usable actor or key; ``retryable`` asks the sender to retry (inbox: 503)."""

    reason: str
    retryable: bool


#: Built once: a statement made per call spent most of its time building itself and its
#: cache key (issue 7, 1.13: every new follower's actor is read and stored).
_LOAD_ROW = select(_remote).where(_remote.c.uri == bindparam("uri"))
_UPSERT_COLUMNS = ("host", "kind", "preferred_username", "display_name", "inbox",
                   "shared_inbox", "key_id", "public_key_pem", "multikeys", "document",
                   "fetched_at", "gone")


def _load_row(conn: Connection, uri: str) -> Entry | None:
    row = conn.execute(_LOAD_ROW, {"uri": uri}).first()
    if row is None:
        return None
    info = parse_actor(dict(row.document or {}), row.uri)
    if isinstance(info, str):
        return None  # stored under older rules: fetch again
    return Entry(info.compact(), as_utc(row.fetched_at), bool(row.gone))


def _uri_for_key(engine: Engine, key_id: str) -> str | None:
    """The one cached actor whose main key is ``key_id`` (ambiguous -> None)."""
    with engine.connect() as conn:
        rows = conn.execute(select(_remote.c.uri).where(_remote.c.key_id == key_id).limit(2))
        uris = [row.uri for row in rows]
    return uris[0] if len(uris) == 1 else None


@lru_cache(maxsize=4)
def _upsert_statement(dialect: str) -> Any:
    """``INSERT ... ON CONFLICT (uri) DO UPDATE`` setting every column to the new row's."""
    statement = upsert_insert(dialect, _remote)
    return statement.on_conflict_do_update(
        index_elements=["uri"], set_={name: statement.excluded[name] for name in _UPSERT_COLUMNS})


def _upsert(conn: Connection, info: ParsedActor, at: datetime) -> None:
    """Insert or update the row of ``info.uri`` (``ON CONFLICT``: SQLite and PostgreSQL)."""
    conn.execute(_upsert_statement(conn.dialect.name), {
        "uri": info.uri, "host": info.host, "kind": info.kind,
        "preferred_username": info.preferred_username, "display_name": info.name,
        "inbox": info.inbox, "shared_inbox": info.shared_inbox, "key_id": info.key_id,
        "public_key_pem": info.public_key_pem, "multikeys": info.multikeys,
        "document": info.document, "fetched_at": at, "gone": False,
    })
    profile_blocked(conn, info.uri, info.host, info.preferred_username, info.document)


def _mark_gone(engine: Engine, uri: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(_remote).where(_remote.c.uri == uri).values(gone=True))


def _local_keys(engine: Engine, uri: str) -> tuple[str, str] | None:
    """(RSA public PEM, Ed25519 multibase) of a live local actor."""
    with engine.connect() as conn:
        row = conn.execute(
            select(_local.c.rsa_public_pem, _local.c.ed25519_public_multibase).where(
                _local.c.uri == uri, _local.c.deleted_at.is_(None)
            )
        ).first()
    return (row.rsa_public_pem, row.ed25519_public_multibase) if row else None


class ActorCache:
    """Remote actors and keys: memory LRU, then the ``remote_actor`` table, then a fetch.

    Memory keeps at most ``memory_size`` actors and about ``memory_bytes`` of them
    (:mod:`node.activitypub.actor_memory`), each without its document: the keys,
    inboxes and names are what signature checks and deliveries read, and the whole
    document is only stored, never read back from memory.

    A cached actor is fresh for ``refresh_after``; a stale one is refetched, and served
    as is only while its origin answers with a retryable failure. A 410 marks it gone.
    Keys on ``local_origin`` come from the ``local_actor`` table (``#main-key`` RSA,
    ``#ed25519-key`` Ed25519), never from the network.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        fetcher: SafeFetcher,
        clock: Clock,
        local_origin: str,
        refresh_after: timedelta = timedelta(hours=24),
        memory_size: int = 10_000,
        memory_bytes: int = DEFAULT_BUDGET,
        fetch_limit: int = FETCH_LIMIT,
    ) -> None:
        self._engine, self._fetcher, self._clock = engine, fetcher, clock
        self._local_origin = local_origin
        self._refresh_after, self._memory_size = refresh_after, memory_size
        self._memory = ActorMemory(max_entries=memory_size, max_bytes=memory_bytes)
        #: actors whose next lookup must go to the network (a Delete of the actor), the
        #: newest ``memory_size`` of them: an older one's stored row, which the Delete
        #: marked gone, answers instead
        self._forgotten: OrderedDict[str, None] = OrderedDict()
        # fragment-less key id -> owner (GoToSocial), in an eighth of the memory budget
        self._key_owners = KeyOwners(max_entries=memory_size, max_bytes=memory_bytes // 8)
        self._locks: WeakValueDictionary[str, anyio.Lock] = WeakValueDictionary()
        # many new senders at once (a popular hub gains followers): their rows are read
        # and stored in shared transactions, and at most ``fetch_limit`` fetched at once
        self._rows = DbBatch(engine)
        self._fetches = anyio.Semaphore(fetch_limit)

    async def actor(self, uri: str, *, refresh: bool = False) -> RemoteActorInfo | LookupFailed:
        """The actor ``uri`` (its ``id`` must be exactly ``uri``)."""
        async with self._locks.setdefault(uri, anyio.Lock()):
            cached = None if refresh else await self._usable(uri)
            if isinstance(cached, (RemoteActorInfo, LookupFailed)):
                return cached
            return await self._fetch_actor(uri, await self._cached(uri))

    async def key(self, key_id: str, *, refresh: bool = False) -> ActorKey | LookupFailed:
        """The RSA ``publicKey`` or Ed25519 ``assertionMethod`` key ``key_id``."""
        return await self._key(key_id, refresh=refresh, proof=False)

    async def proof_key(self, verification_method: str) -> ActorKey | LookupFailed:
        """The Ed25519 Multikey listed under its actor's ``assertionMethod`` (FEP-8b32)."""
        return await self._key(verification_method, refresh=False, proof=True)

    def forget(self, uri: str) -> None:
        """Drop ``uri`` from memory; its next lookup goes to the network."""
        self._memory.pop(uri)
        self._forgotten[uri] = None
        self._forgotten.move_to_end(uri)
        while len(self._forgotten) > self._memory_size:
            self._forgotten.popitem(last=False)

    async def _usable(self, uri: str) -> RemoteActorInfo | LookupFailed | None:
        """The cached actor if fresh, a failure if known gone, else None (fetch it)."""
        entry = await self._cached(uri)
        if entry is None or uri in self._forgotten:
            return None
        if entry.gone:
            return LookupFailed(f"{uri} is gone", retryable=False)
        fresh = self._clock() - entry.fetched_at < self._refresh_after
        return entry.info if fresh else None

    def _remember(self, uri: str, entry: Entry) -> None:
        self._memory.put(uri, entry)

    async def _cached(self, uri: str) -> Entry | None:
        entry = self._memory.get(uri)
        if entry is None:
            entry = await self._rows.run(partial(_load_row, uri=uri))
            if entry is not None:
                self._remember(uri, entry)
        return entry

    async def _fetch_actor(self, uri: str, stale: Entry | None) -> RemoteActorInfo | LookupFailed:
        async with self._fetches:
            fetched = await self._fetcher.fetch_activity(uri)
        if isinstance(fetched, FetchFailed):
            if fetched.gone:
                await anyio.to_thread.run_sync(_mark_gone, self._engine, uri)
                self._remember(uri, Entry(None, self._clock(), gone=True))
                self._forgotten.pop(uri, None)
                return LookupFailed(f"{uri} is gone (410)", retryable=False)
            if fetched.retryable and stale is not None and stale.info and not stale.gone:
                return stale.info
            return LookupFailed(f"fetching {uri}: {fetched.reason}", fetched.retryable)
        return await self._store(uri, fetched)

    async def _store(self, uri: str, fetched: Fetched) -> RemoteActorInfo | LookupFailed:
        """Parse and keep an actor document whose id was checked against its URL."""
        info = parse_actor(fetched.document, fetched.url)
        if isinstance(info, str):
            return LookupFailed(f"actor {uri} refused: {info}", retryable=False)
        if not same_url(info.uri, uri):
            return LookupFailed(f"{uri} redirected to another actor {info.uri}", False)
        now = self._clock()
        await self._rows.run(partial(_upsert, info=info, at=now))
        compact = info.compact()
        self._remember(uri, Entry(compact, now))
        self._forgotten.pop(uri, None)
        return compact

    async def _key(self, key_id: str, *, refresh: bool, proof: bool) -> ActorKey | LookupFailed:
        if same_origin(key_id, self._local_origin):
            return await self._local_key(key_id, proof)
        if not same_origin(key_id, key_id):  # not an http(s) URL (acct:, data:, ...)
            return LookupFailed(f"key id {key_id!r} is not an http(s) URL", retryable=False)
        owner: str | None = _without_fragment(key_id)
        if owner == key_id:  # no fragment: which actor lists it? (memo, then database)
            owner = self._key_owners.get(key_id) or await anyio.to_thread.run_sync(
                _uri_for_key, self._engine, key_id
            )
        if owner is None:
            standalone = await self._standalone_key(key_id, proof)
            if isinstance(standalone, ActorKey):
                self._key_owners.put(key_id, standalone.owner)
            return standalone
        cached = None if refresh else await self._usable(owner)
        if isinstance(cached, LookupFailed):
            return cached
        if cached is None:
            # not cached (or stale): fetch through ``actor`` without forcing a refresh, so
            # requests waiting on its per-actor lock share the one fetch (no stampede)
            return self._listed(await self.actor(owner, refresh=refresh), key_id, proof)
        found = find_key(cached, key_id, proof=proof)
        # an unknown key on a known actor may be a rotation: refetch the actor once
        return found or self._listed(await self.actor(owner, refresh=True), key_id, proof)

    @staticmethod
    def _listed(
        info: RemoteActorInfo | LookupFailed, key_id: str, proof: bool
    ) -> ActorKey | LookupFailed:
        if isinstance(info, LookupFailed):
            return info
        found = find_key(info, key_id, proof=proof)
        return found or LookupFailed(f"{info.uri} does not list key {key_id!r}", False)

    async def _standalone_key(self, key_id: str, proof: bool) -> ActorKey | LookupFailed:
        """A key id without fragment (GoToSocial ``/main-key``): its document only names
        the owner, whose own actor document must list the key (GHSA-q9f8-5hc7-898f)."""
        async with self._fetches:
            fetched = await self._fetcher.fetch_activity(key_id, check_id=False)
        if isinstance(fetched, FetchFailed):
            return LookupFailed(f"fetching key {key_id}: {fetched.reason}", fetched.retryable)
        document = fetched.document
        if actor_type(document) and same_url(str(document.get("id")), fetched.url):
            return self._listed(await self._store(fetched.url, fetched), key_id, proof)
        owner = key_owner_hint(document, key_id)
        if owner is None or not same_origin(owner, key_id):
            return LookupFailed(f"key {key_id!r} names no owner on its host", False)
        return self._listed(await self.actor(owner, refresh=True), key_id, proof)

    async def _local_key(self, key_id: str, proof: bool) -> ActorKey | LookupFailed:
        uri, _, fragment = key_id.partition("#")
        keys = await anyio.to_thread.run_sync(_local_keys, self._engine, uri)
        if keys is None:
            return LookupFailed(f"no local actor {uri}", retryable=False)
        if fragment == "main-key" and not proof:
            return ActorKey(key_id, uri, load_pem_cached(keys[0]), None)
        if fragment == "ed25519-key":
            return ActorKey(key_id, uri, decode_ed25519_multikey(keys[1]), None)
        return LookupFailed(f"local actor {uri} has no key {key_id!r}", retryable=False)


@lru_cache(maxsize=4096)
def _without_fragment(url: str) -> str:
    """``url`` minus its fragment: the actor a ``#main-key`` id belongs to (memoised, as
    every request from one sender names the same key)."""
    return urldefrag(url).url
