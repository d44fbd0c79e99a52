"""The long-lived components of a running node, built once by ``create_app``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import httpx

from node.activitypub.actor_sources import ActorSources
from node.activitypub.actors import ActorCache
from node.activitypub.dispatch import Dispatcher
from node.activitypub.fetch import SafeFetcher
from node.activitypub.html_pages import HtmlPages
from node.activitypub.inbox_store import InboxWriter
from node.activitypub.outbox import Outbox
from node.media.store import MediaStore
from node.wakeups import Bells


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


@dataclass
class Services:
    """Fetching, key cache, publishing, handler registry, the inbox writer, what
    domain packages add to actor documents, the pages the web layer renders, and the
    bells that wake idle workers."""

    fetcher: SafeFetcher
    actors: ActorCache
    outbox: Outbox
    dispatcher: Dispatcher
    writer: InboxWriter
    delivery_client: httpx.AsyncClient
    actor_sources: ActorSources = field(default_factory=ActorSources)
    pages: HtmlPages = field(default_factory=HtmlPages)
    #: Where uploaded images are kept; None: ``<data>/media`` (:func:`node.media.store.store_of`)
    media_store: MediaStore | None = None
    #: what this process's idle workers wait on (the inbox writer rings ``inbox``)
    bells: Bells = field(default_factory=Bells)
    #: the e-mail templates (node.web.mail), for the newswire's confirmation and digest mail
    mail: MailRenderer | None = None
