"""The node's name and description as every page shows them (``/admin`` changes them).

They live in the ``node_setting`` table, so a change made on ``/admin`` or with
``ionode node set`` needs no restart. Pages read them through a small cache on the app
(:data:`FRESH_FOR` seconds, by the monotonic clock), so a page costs no extra query:
the admin page forgets the cache when it saves, and a change made from the command line
shows within a few seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from node.node_record import NodeProfile, node_profile
from node.runtime import node_of

FRESH_FOR = 5.0  # seconds


@dataclass
class ProfileCache:
    """The last profile read and when (``time.monotonic``)."""

    profile: NodeProfile | None = None
    read_at: float = 0.0


def _cache(request: Request) -> ProfileCache:
    cache = getattr(request.app.state, "node_profile", None)
    if not isinstance(cache, ProfileCache):
        cache = request.app.state.node_profile = ProfileCache()
    return cache


def _read(engine: Engine, default_name: str) -> NodeProfile:
    with engine.connect() as conn:
        return node_profile(conn, default_name)


async def live_profile(request: Request) -> NodeProfile:
    """The node's profile, read again when the cached one is older than FRESH_FOR."""
    cache = _cache(request)
    if cache.profile is not None and time.monotonic() - cache.read_at < FRESH_FOR:
        return cache.profile
    node = node_of(request)
    cache.profile = await run_in_threadpool(_read, node.engine, node.settings.node_name)
    cache.read_at = time.monotonic()
    return cache.profile


def cached_profile(request: Request) -> NodeProfile | None:
    """What the cache holds, without touching the database (error pages)."""
    return _cache(request).profile


def forget_profile(request: Request) -> None:
    """Drop the cached profile: the next page reads the saved one."""
    _cache(request).profile = None
