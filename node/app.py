"""``create_app(settings)``: the route table, the services and the lifespan.

No logic lives here: each route belongs to the module of its concept. Nothing runs at
import time; the database is migrated and workers are started in the lifespan.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING

import anyio
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from node import __version__
from node.activitypub import actor_views, discovery
from node.activitypub.actors import ActorCache
from node.activitypub.authorized_fetch import SignedGetMiddleware
from node.activitypub.dispatch import Dispatcher
from node.activitypub.federation_store import FederationPolicy
from node.activitypub.fetch import SafeFetcher
from node.activitypub.handlers import register_all
from node.activitypub.inbox_front import InboxFront
from node.activitypub.inbox_store import InboxWriter
from node.activitypub.keys import KeySource, generate_actor_keys
from node.activitypub.local_actors import SigningKeys, ensure_node_actor
from node.activitypub.outbox import Outbox
from node.activitypub.signatures import sign_request
from node.activitypub.thread_batches import ThreadBatches
from node.activitypub.transport import delivery_client, fetch_transport
from node.activitypub.urls import host_of
from node.clock import Clock, system_clock
from node.db import Migration, database_label, make_engine, migrate
from node.hubs import wiring as hub_wiring
from node.hubs.tasks import periodic_tasks
from node.lazy_routes import LazyRoutes
from node.media import views as media_views
from node.media.proxy import media_tasks
from node.memory_trim import Trimmer, trim_forever
from node.network import wiring as network_wiring
from node.network.backfill_run import periodic_tasks as network_tasks
from node.newswire import wiring as news_wiring
from node.newswire.actor.service import ensure_newswire_actor
from node.newswire.digest.tasks import digest_tasks
from node.newswire.tasks import news_tasks
from node.node_record import record_url
from node.periodic import PeriodicTask
from node.runtime import Node
from node.services import Services
from node.settings import Settings
from node.supervision import supervised
from node.wakeups import Bells
from node.web import views as web_views
from node.web.install import install_web
from node.web.lazy_pages import html_pages
from node.web.mail import MailTemplates
from node.workers import spawn_workers, stop_gracefully

if TYPE_CHECKING:  # httpx is imported at the first fetch or delivery (transport.py)
    import httpx


def background_tasks() -> list[PeriodicTask]:
    """Every periodic job of the node, run by whichever process runs its workers (``serve``
    with workers, or ``ionode worker``): one list, so both run the same jobs."""
    return (periodic_tasks() + media_tasks() + news_tasks() + digest_tasks()
            + network_tasks())


def all_routes() -> list[BaseRoute]:
    return [*discovery.routes(), *web_views.first_routes(), *actor_views.routes(),
            *web_views.routes(), *hub_wiring.routes(), *media_views.routes(),
            LazyRoutes("node.newswire.actor.atom_views", "/news/feed.atom$")]


def user_agent(settings: Settings) -> str:
    return f"ionode/{__version__} (+{settings.url})"


def build_node(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = system_clock,
) -> Node:
    """The node's services; no I/O happens until they are used."""
    engine = make_engine(settings.database)
    actor_keys: KeySource = settings.actor_keys or generate_actor_keys
    outbox = hub_wiring.install_crosspost(hub_wiring.install_links(
        network_wiring.install_relay(Outbox(base_url=settings.url))))
    bells = Bells()
    signer = NodeSigner(engine=engine, outbox=outbox, settings=settings, clock=clock,
                        actor_keys=actor_keys)
    policy = FederationPolicy(engine, host_of(settings.url))
    fetcher = SafeFetcher(
        transport=transport or fetch_transport(allow_private=settings.fetch_private_allowed),
        allow_private=settings.fetch_private_allowed,
        sign=signer,
        user_agent=user_agent(settings),
        gate=policy.url_refusal,
    )
    client = (
        _injected_client(transport, user_agent(settings))
        if transport is not None
        else delivery_client(allow_private=settings.fetch_private_allowed,
                             user_agent=user_agent(settings))
    )
    services = Services(
        fetcher=fetcher,
        actors=ActorCache(engine=engine, fetcher=fetcher, clock=clock, local_origin=settings.url),
        outbox=outbox,
        dispatcher=news_wiring.register_handlers(network_wiring.register_handlers(
            hub_wiring.register_handlers(register_all(Dispatcher())))),
        writer=InboxWriter(engine, wakeup=bells.inbox),
        delivery_client=client,
        policy=policy,
        actor_sources=hub_wiring.actor_sources(),
        pages=html_pages(),
        bells=bells,
        mail=MailTemplates(settings),
        backfilled=hub_wiring.backfill_hooks(),
    )
    node = Node(settings=settings, engine=engine, clock=clock, services=services,
                transport=transport, actor_keys=actor_keys)
    return node


def _injected_client(transport: httpx.AsyncBaseTransport, agent: str) -> httpx.AsyncClient:
    """The delivery client over a transport the caller gave (tests, tools): whoever made
    the transport has imported httpx already."""
    import httpx

    return httpx.AsyncClient(transport=transport, headers={"User-Agent": agent})


#: What a signing thread needs: the node actor's keys, method, URL, headers
_GetToSign = tuple[SigningKeys, str, str, dict[str, str]]


class NodeSigner:
    """Signs outgoing GETs with the node actor's key (draft-cavage), as Mastodon does.

    Built whole from what it uses (the database, the outbox's key cache, settings and
    clock) before the fetcher that calls it, so nothing is patched in afterwards. The
    RSA signature is made on a thread (:mod:`node.activitypub.thread_batches`): it was
    the largest item of a cold sender's acceptance on the event loop (issue 7, 1.13).
    """

    def __init__(self, *, engine: Engine, outbox: Outbox, settings: Settings,
                 clock: Clock, actor_keys: KeySource = generate_actor_keys) -> None:
        self.engine = engine
        self.actor_keys = actor_keys
        self.outbox = outbox
        self.settings = settings
        self.clock = clock
        self._keys: SigningKeys | None = None  # the node actor's, loaded once
        self._threads: ThreadBatches[_GetToSign, dict[str, str]] = ThreadBatches(
            self._sign, name="ionode-sign")

    async def __call__(self, method: str, url: str, headers: dict[str, str]
                       ) -> dict[str, str]:
        keys = self._keys
        if keys is None:  # first signed GET: the node actor's keys never change afterwards
            actor = ensure_node_actor(self.engine, base_url=self.settings.url,
                                      name=self.settings.node_name, now=self.clock(),
                                      keys=self.actor_keys)
            keys = self._keys = self.outbox.keys_for(actor)
        return await self._threads.run((keys, method, url, headers))

    def _sign(self, request: _GetToSign) -> dict[str, str]:
        keys, method, url, headers = request
        return sign_request(method, url, headers, None, key_id=keys.key_id,
                            private_key=keys.rsa, now=self.clock())


async def prepare(node: Node) -> Migration:
    """Migrate, check (or record, the first time) the node's URL in its database, and
    make sure the node actor exists (every start, and `ionode migrate`)."""
    migration = await anyio.to_thread.run_sync(migrate, node.engine)
    where = database_label(node.settings.database)
    await anyio.to_thread.run_sync(record_url, node.engine, node.settings.url, where)
    await anyio.to_thread.run_sync(
        lambda: ensure_node_actor(node.engine, base_url=node.settings.url,
                                  name=node.settings.node_name, now=node.clock(),
                                  keys=node.actor_keys)
    )
    await anyio.to_thread.run_sync(
        lambda: ensure_newswire_actor(node.engine, base_url=node.settings.url,
                                      now=node.clock(), node_name=node.settings.node_name,
                                      keys=node.actor_keys)
    )
    return migration


def freeze_startup_objects() -> None:
    """Move everything alive after start-up out of the garbage collector's sight.

    Modules, SQLAlchemy's metadata, templates and caches live as long as the process,
    yet every full collection walked them again: measured in-process, the collector
    took 55-64 us of each inbox request, 10-12 us after freezing them (Python's
    ``gc.freeze``, meant for long-lived start-up objects). Frozen objects are never
    collected, which is why only a serving process, started once, does this.
    """
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = system_clock,
    start_workers: bool = True,
    freeze_heap: bool = False,
) -> Starlette:
    """Build the ASGI app of one node; workers start in the lifespan unless disabled
    (``ionode serve --workers 0``: web only); ``app.state.workers`` names them.

    ``freeze_heap`` is for the serving process (``ionode serve``), not for tests that
    build many apps in one process: see :func:`freeze_startup_objects`; that process
    also gives back the memory malloc keeps free after a burst
    (:mod:`node.memory_trim`).
    """
    node = build_node(settings, transport=transport, clock=clock)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await prepare(node)
        stop = anyio.Event()
        async with anyio.create_task_group() as group:
            group.start_soon(supervised, "inbox writer", node.services.writer.run, stop)
            try:
                async with anyio.create_task_group() as background:
                    app.state.workers = (spawn_workers(node, background, stop,
                                                       background_tasks())
                                         if start_workers else [])
                    if freeze_heap:
                        freeze_startup_objects()
                        trimmer = app.state.trimmer = Trimmer.for_glibc()
                        background.start_soon(supervised, "memory trim",
                                              partial(trim_forever, trimmer, stop), stop)
                    try:
                        yield
                    finally:  # the server has stopped taking requests: workers finish
                        stop_gracefully(node, background, stop)
            finally:
                stop.set()
                group.cancel_scope.cancel()
        await node.services.fetcher.aclose()
        await node.services.delivery_client.aclose()
        node.engine.dispose()

    middleware = [Middleware(SignedGetMiddleware, node=node)]
    app = Starlette(routes=all_routes(), lifespan=lifespan, middleware=middleware)
    app.state.node = node
    install_web(app, settings)
    app.add_middleware(InboxFront, node=node)  # outermost: inbox POSTs skip the rest
    return app

