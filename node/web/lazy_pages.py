"""The actor and object pages, imported at the first browser visit (issue 7, item 14).

A browser asking for an actor's or an object's URL gets its HTML page
(:mod:`node.activitypub.negotiation`); a server gets JSON. The pages' module,
:mod:`node.web.pages`, and the page modules it uses (hub, event, poll, RSVP, newswire
front page) are imported by the first such visit rather than at start, so that a node
only federating, or not yet visited, does not hold them (about 1 MB).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.html_pages import HtmlPages
from node.activitypub.models import LocalActor, StoredObject


async def actor_page(request: Request, actor: LocalActor) -> Response:
    """:func:`node.web.pages.actor_page`."""
    from node.web.pages import actor_page as page

    return await page(request, actor)


async def object_page(request: Request, obj: StoredObject) -> Response:
    """:func:`node.web.pages.object_page`."""
    from node.web.pages import object_page as page

    return await page(request, obj)


def html_pages() -> HtmlPages:
    """The pages this layer registers with the protocol's content negotiation."""
    return HtmlPages(actor=actor_page, object=object_page)
