"""The federation policy's tables and the cached snapshot every gate reads.

``federation_rule`` holds blocked domains, blocked accounts and allowed domains, each
with its public reason; ``federation_policy`` is one row: the mode (``open`` or
``allowlist``, "archipelago") and a version counter. Every change bumps the counter in
the same transaction (``UPDATE ... SET version = version + 1``, atomic on SQLite and
PostgreSQL), so every process sees a change: :class:`FederationPolicy` keeps the last
snapshot, looks at the counter again at most every ``ttl`` seconds (one primary-key
read), and reloads the rules only when the counter moved. The process that made the
change calls :meth:`FederationPolicy.invalidate` and sees it at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy import Column, Connection, Engine, Text, UniqueConstraint, insert, select, update
from sqlmodel import Field

from node.activitypub.federation_policy import MODES, Rules, domain_forms, normalise_domain
from node.activitypub.models import RemoteActor
from node.columns import TableModel, timestamp

KINDS = ("domain", "actor", "allow")  # a blocked domain, a blocked account, an allowed domain


class FederationRule(TableModel, table=True):
    """A blocked domain or account, or an allowed domain, with its public reason."""

    __tablename__ = "federation_rule"
    __table_args__ = (UniqueConstraint("kind", "target", name="uq_federation_rule"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    target: str = Field(max_length=1024)  # a normalised domain or an actor URI
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = timestamp()


class FederationPolicyRow(TableModel, table=True):
    """The mode and the version counter (one row, id 1)."""

    __tablename__ = "federation_policy"

    id: int | None = Field(default=None, primary_key=True)
    mode: str = Field(default="open", max_length=16)
    version: int = 0


_rule = FederationRule.__table__  # type: ignore[attr-defined]
_state = FederationPolicyRow.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]


def profile_urls(uri: str, host: str, username: str, document: Mapping[str, Any]) -> set[str]:
    """The addresses an account was once blocked by besides its id: its profile page
    (the document's ``url``; Mastodon's ``https://host/@user``)."""
    found = document.get("url")
    hrefs = [e.get("href") if isinstance(e, Mapping) else e
             for e in (found if isinstance(found, list) else [found])]
    urls = {h for h in hrefs if isinstance(h, str) and h != uri}
    return urls | ({f"https://{host}/@{username}"} if username else set())


def _by_profile(conn: Connection, targets: set[str]) -> dict[str, str]:
    """Account blocks stored as typed, before blocks were resolved to actor ids (a
    profile URL such as ``https://host/@user``): the cached actors whose profile it is,
    id -> inbox, so the block matches the id their activities carry. An account not
    cached yet is matched once it is: caching it bumps the version
    (:func:`profile_blocked`), so every process reloads."""
    found: dict[str, str] = {}
    for target in targets:
        host, _, path = target.partition("://")[2].partition("/")
        name = path.rstrip("/").rsplit("/", 1)[-1].lstrip("@")
        if not name:
            continue
        for row in conn.execute(select(_remote.c.uri, _remote.c.inbox, _remote.c.document,
                                       _remote.c.preferred_username)
                                .where(_remote.c.host == host.lower(),
                                       _remote.c.preferred_username == name)):
            if target in profile_urls(row.uri, host.lower(), name, row.document or {}):
                found[row.uri] = row.inbox
    return found


def profile_blocked(conn: Connection, uri: str, host: str, username: str,
                    document: Mapping[str, Any]) -> None:
    """An actor just cached whose profile URL is blocked as typed (see
    :func:`_by_profile`): bump the version, so every process's next look reloads the
    rules and the block matches its id."""
    urls = profile_urls(uri, host, username, document)
    if urls and conn.execute(select(_rule.c.id).where(
            _rule.c.kind == "actor", _rule.c.target.in_(urls)).limit(1)).first():
        bump(conn)


def read_state(conn: Connection) -> tuple[str, int]:
    row = conn.execute(select(_state.c.mode, _state.c.version).where(_state.c.id == 1)).first()
    return (row.mode, int(row.version)) if row is not None else ("open", 0)


def load_rules(conn: Connection, local_host: str) -> Rules:
    """The whole policy, read in one transaction."""
    mode, version = read_state(conn)
    domains: set[str] = set()
    allowed: set[str] = set()
    actors: set[str] = set()
    for kind, target in conn.execute(select(_rule.c.kind, _rule.c.target)):
        if kind == "actor":
            actors.add(target)
        else:
            (domains if kind == "domain" else allowed).update(domain_forms(target))
    if actors:  # their inboxes, so that delivery rows to them are refused too
        cached = {r.uri: r.inbox for r in conn.execute(
            select(_remote.c.uri, _remote.c.inbox).where(_remote.c.uri.in_(actors)))}
        cached |= _by_profile(conn, actors - set(cached))
        actors.update(cached.values())
        actors.update(cached)
    return Rules(mode=mode, blocked_domains=frozenset(domains), allowed_domains=frozenset(
        allowed), blocked_actors=frozenset(actors), local_host=local_host, version=version)


def bump(conn: Connection, mode: str | None = None) -> None:
    """Count a change (and set the mode), in the caller's transaction."""
    if mode is not None and mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    values = {"version": _state.c.version + 1, **({"mode": mode} if mode else {})}
    if not conn.execute(update(_state).where(_state.c.id == 1).values(**values)).rowcount:
        conn.execute(insert(_state).values(id=1, mode=mode or "open", version=1))


def add_rule(conn: Connection, kind: str, target: str, reason: str, now: datetime) -> bool:
    """Store a rule; False when it was there already."""
    if conn.execute(select(_rule.c.id).where(_rule.c.kind == kind, _rule.c.target == target)
                    ).first():
        return False
    conn.execute(insert(_rule).values(kind=kind, target=target, reason=reason, created_at=now))
    bump(conn)
    return True


def remove_rule(conn: Connection, kind: str, target: str) -> bool:
    """Drop a rule; False when there was none."""
    found = conn.execute(_rule.delete().where(_rule.c.kind == kind, _rule.c.target == target))
    if found.rowcount:
        bump(conn)
    return bool(found.rowcount)


def list_rules(conn: Connection, kind: str) -> list[FederationRule]:
    rows = conn.execute(select(_rule).where(_rule.c.kind == kind).order_by(_rule.c.target))
    return [FederationRule(**r._mapping) for r in rows]


class FederationPolicy:
    """The node's policy, cached per process (see the module's docstring)."""

    def __init__(self, engine: Engine, local_host: str, *, ttl: float = 2.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._engine, self._ttl, self._monotonic = engine, ttl, monotonic
        self._local_host = normalise_domain(local_host)  # no port: this node's own host
        self._rules: Rules | None = None
        self._checked = float("-inf")
        #: the look taken by :meth:`current` right now: (its event loop, set when done)
        self._looking: tuple[asyncio.AbstractEventLoop, anyio.Event] | None = None
        self.looks = 0  # thread hops :meth:`current` made (tests read it)

    def invalidate(self) -> None:
        """After a change committed by this process: the next read looks again."""
        self._checked = float("-inf")

    def rules(self, conn: Connection | None = None) -> Rules:
        """The current snapshot (blocking: for threads and transactions)."""
        cached = self._rules
        if cached is not None and self._monotonic() - self._checked < self._ttl:
            return cached
        if conn is None:
            with self._engine.connect() as own:
                return self._refresh(own, cached)
        return self._refresh(conn, cached)

    def _refresh(self, conn: Connection, cached: Rules | None) -> Rules:
        checked = self._monotonic()
        if cached is None or read_state(conn)[1] != cached.version:
            cached = self._rules = load_rules(conn, self._local_host)
        self._checked = checked
        return cached

    async def current(self) -> Rules:
        """The current snapshot, from the event loop: no thread hop while it is fresh.

        When it goes stale, one caller looks and the others of its loop wait for that
        look: every request in flight used to hop to a thread at once, each reading the
        version row (a fifth of the loop's thread hand-offs under a stream of new
        followers, issue 7, 1.13). Who waited gets a snapshot at least as new as its own
        look would have been; should the look fail, each looks for itself.
        """
        cached = self._rules
        if cached is not None and self._monotonic() - self._checked < self._ttl:
            return cached
        loop = asyncio.get_running_loop()
        looking = self._looking
        if looking is not None and looking[0] is loop:
            await looking[1].wait()
            cached = self._rules
            if cached is not None and self._monotonic() - self._checked < self._ttl:
                return cached
            return await self._look()
        done = anyio.Event()
        self._looking = (loop, done)
        try:
            return await self._look()
        finally:
            if self._looking is not None and self._looking[1] is done:
                self._looking = None
            done.set()

    async def _look(self) -> Rules:
        self.looks += 1
        return await anyio.to_thread.run_sync(self.rules)

    async def url_refusal(self, url: str, federating: bool) -> str | None:
        """The fetcher's gate (:class:`node.activitypub.fetch.SafeFetcher`)."""
        return (await self.current()).refusal(url, federating=federating)
