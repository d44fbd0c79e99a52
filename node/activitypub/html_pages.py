"""The HTML pages a browser gets from an actor or object URL, registered by the web layer.

Actor and object URLs are content negotiated (:mod:`node.activitypub.negotiation`): a
server gets ActivityStreams JSON, a browser the page. The protocol layer never imports
the web layer (ARCHITECTURE.md section 7, tests/unit/test_layering.py), so the web
layer registers its renderers here when the node is built, as the domain packages
register their :class:`~node.activitypub.actor_sources.ActorSources`. With nothing
registered (a node built without pages), browsers get the JSON too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.models import LocalActor, StoredObject

ActorPage = Callable[[Request, LocalActor], Awaitable[Response]]
ObjectPage = Callable[[Request, StoredObject], Awaitable[Response]]


@dataclass
class HtmlPages:
    """The page of a local actor and of a local public object, when a web layer is there."""

    actor: ActorPage | None = None
    object: ObjectPage | None = None
