"""The HTML route table and the home page.

Actor and object pages have no routes here: they live at the actors' and objects'
own URLs, where content negotiation calls :mod:`node.web.pages` for browsers.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from node.lazy_routes import LazyRoutes
from node.runtime import node_of
from node.web.queries import ActorLink, local_actors
from node.web.templating import render

STATIC = Path(__file__).parent / "static"


def _directory(engine: Engine, host: str) -> dict[str, list[ActorLink]]:
    with engine.connect() as conn:
        return {
            "hubs": local_actors(conn, "group", host),
            "organizers": local_actors(conn, "person", host),
        }


async def home(request: Request) -> Response:
    """GET /: the node's name, its hubs and organizers, and the sign-in state."""
    node = node_of(request)
    directory = await run_in_threadpool(_directory, node.engine, node.settings.host)
    return await render(request, "home.html", directory)


def first_routes() -> list[BaseRoute]:
    """Pages whose paths the actor routes would otherwise take (``/hubs/new``)."""
    return [_lazy("hub_settings_views", "/hubs/new$", table="first_routes")]


def _lazy(module: str, *gates: str, table: str = "routes") -> LazyRoutes:
    return LazyRoutes(f"node.web.{module}", *gates, table=table)


def routes() -> list[BaseRoute]:
    """The pages, each module's imported at its first request (:mod:`node.lazy_routes`:
    each gate is a path prefix all of that module's routes start with)."""
    hub = "/hubs/{name}"
    return [
        Route("/", home, methods=["GET"]),
        _lazy("auth_views", "/login$", "/logout$"),
        _lazy("account_views", "/account$", "/account/post$"),
        _lazy("account_settings_views", "/account/profile$", "/account/password$"),
        _lazy("admin_views", "/admin"),
        _lazy("admin_network_views", "/admin/network"),
        _lazy("admin_blocks_views", "/admin/blocks"),
        _lazy("admin_news_moderators_views", "/admin/news-moderators"),
        _lazy("invite_views", "/invite/"),
        _lazy("hub_admin_views", f"{hub}/manage", f"{hub}/post/", f"{hub}/items/",
              f"{hub}/queue/", f"{hub}/follows/", f"{hub}/polls/", f"{hub}/events/"),
        _lazy("poll_vote_view", "/objects/{id}/vote"),
        _lazy("item_targets_view", "/objects/{id}/targets"),
        _lazy("rsvp_view", "/objects/{id}/rsvp"),
        _lazy("remote_interaction_view", f"{hub}/follow", "/users/{name}/follow",
              "/objects/{id}/interact"),
        _lazy("language_view", "/language/"),
        _lazy("profile_redirect", "/@"),
        _lazy("hub_event_views", f"{hub}/events/edit"),
        _lazy("calendar_pages", "/calendar$", "/agenda$", f"{hub}/calendar$",
              f"{hub}/agenda$"),
        _lazy("hub_settings_views", f"{hub}/settings$"),
        _lazy("hub_people_views", f"{hub}/members", f"{hub}/requests"),
        _lazy("hub_links_views", f"{hub}/links"),
        _lazy("hub_sources_views", f"{hub}/sources/"),
        _lazy("hub_feeds_views", f"{hub}/feeds"),
        _lazy("hub_images_views", f"{hub}/images"),
        _lazy("hub_lists", f"{hub}/updates$", f"{hub}/minutes$"),
        _lazy("tag_page", "/tags/"),
        _lazy("news_views", "/news/submit$", "/news/track/", "/news/log$", "/news/conduct$"),
        _lazy("digest_views", "/news/digests", "/news/subscribe", "/news/unsubscribe/"),
        _lazy("digest_admin_views", "/admin/digest"),
        _lazy("network_directory", "/network/directory$"),
        _lazy("network_directory_feeds", "/network/directory."),
        _lazy("post_here_view", "/network/post$"),
        _lazy("network_timeline", "/network$"),
        _lazy("network_feed", "/network/feed.atom$"),
        _lazy("network_calendar", "/network/calendar$", "/network/agenda$"),
        _lazy("network_calendar_ics", "/network/calendar.ics$", "/network/calendar/"),
        _lazy("news_moderation_views", "/news/queue", "/news/conduct/edit$"),
        _lazy("news_network_views", "/news/network", "/news/sources"),
        _lazy("report_views", "/report", "/account/reports$"),
        _lazy("report_queue_views", "/news/reports"),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
