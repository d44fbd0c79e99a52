"""The long-lived components of a running node, built once by ``create_app``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from sqlalchemy import Connection

from node.activitypub.actor_sources import ActorSources
from node.activitypub.actors import ActorCache
from node.activitypub.dispatch import Dispatcher
from node.activitypub.federation_store import FederationPolicy
from node.activitypub.fetch import SafeFetcher
from node.activitypub.html_pages import HtmlPages
from node.activitypub.inbox_store import InboxWriter
from node.activitypub.outbox import Outbox
from node.media.store import MediaStore
from node.wakeups import Bells

if TYPE_CHECKING:  # the delivery client is built at its first use (transport.py)
    import httpx


class RenderedMail(NamedTuple):
    subject: str
    text: str
    html: str


class MailRenderer(Protocol):
    """Renders an e-mail's subject, plain-text and HTML parts from the web layer's
    templates (``mail/<template>.txt`` and ``.html``) in language ``lang``: domains
    that send mail get the renderer here instead of importing the web layer."""

    def __call__(self, template: str, lang: str,
                 context: Mapping[str, Any]) -> RenderedMail: ...


class BackfillHook(Protocol):
    """What another domain does, in the same transaction, with an item a backfill
    keeps (new or already here): ``follower`` is our actor that follows ``followed``,
    the actor whose history is walked. Hubs put a linked hub's history on the pages of
    the hubs that link it (:mod:`node.hubs.hub.linked_items`)."""

    def __call__(self, conn: Connection, follower: str, followed: str,
                 document: Mapping[str, Any], now: datetime) -> None: ...


@dataclass
class Services:
    """Fetching, key cache, publishing, handler registry, the inbox writer, the
    federation policy, what
    domain packages add to actor documents, the pages the web layer renders, and the
    bells that wake idle workers."""

    fetcher: SafeFetcher
    actors: ActorCache
    outbox: Outbox
    dispatcher: Dispatcher
    writer: InboxWriter
    delivery_client: httpx.AsyncClient
    #: blocks and the allowlist, the one policy every path asks (ARCHITECTURE.md section 7)
    policy: FederationPolicy
    actor_sources: ActorSources = field(default_factory=ActorSources)
    pages: HtmlPages = field(default_factory=HtmlPages)
    #: Where uploaded images are kept; None: ``<data>/media`` (:func:`node.media.store.store_of`)
    media_store: MediaStore | None = None
    #: what this process's idle workers wait on (the inbox writer rings ``inbox``)
    bells: Bells = field(default_factory=Bells)
    #: the e-mail templates (node.web.mail), for the newswire's confirmation and digest mail
    mail: MailRenderer | None = None
    #: what the domains add to each item a backfill keeps (:mod:`node.network.backfill_walk`)
    backfilled: Sequence[BackfillHook] = ()
