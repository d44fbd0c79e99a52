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

from node.runtime import node_of
from node.web import (
    admin_blocks_views,
    admin_network_views,
    admin_news_moderators_views,
    admin_views,
    calendar_pages,
    digest_admin_views,
    digest_views,
    hub_admin_views,
    hub_event_views,
    hub_feeds_views,
    hub_images_views,
    hub_links_views,
    hub_lists,
    hub_people_views,
    hub_settings_views,
    hub_sources_views,
    invite_views,
    item_targets_view,
    language_view,
    network_calendar,
    network_calendar_ics,
    network_directory,
    network_directory_feeds,
    network_feed,
    network_timeline,
    news_moderation_views,
    news_network_views,
    news_views,
    poll_vote_view,
    post_here_view,
    remote_interaction_view,
    report_queue_views,
    report_views,
    rsvp_view,
    tag_page,
)
from node.web.account_settings_views import password_submit, profile_submit
from node.web.account_views import account_page, account_post
from node.web.auth_views import login_form, login_submit, logout
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
    return hub_settings_views.first_routes()


def routes() -> list[BaseRoute]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/account", account_page, methods=["GET"]),
        Route("/account/post", account_post, methods=["POST"]),
        Route("/account/profile", profile_submit, methods=["POST"]),
        Route("/account/password", password_submit, methods=["POST"]),
        *admin_views.routes(),
        *admin_network_views.routes(),
        *admin_blocks_views.routes(),
        *admin_news_moderators_views.routes(),
        *invite_views.routes(),
        *hub_admin_views.routes(),
        *poll_vote_view.routes(),
        *item_targets_view.routes(),
        *rsvp_view.routes(),
        *remote_interaction_view.routes(),
        *language_view.routes(),
        *hub_event_views.routes(),
        *calendar_pages.routes(),
        *hub_settings_views.routes(),
        *hub_people_views.routes(),
        *hub_links_views.routes(),
        *hub_sources_views.routes(),
        *hub_feeds_views.routes(),
        *hub_images_views.routes(),
        *hub_lists.routes(),
        *tag_page.routes(),
        *news_views.routes(),
        *digest_views.routes(),
        *digest_admin_views.routes(),
        *network_directory.routes(),
        *network_directory_feeds.routes(),
        *post_here_view.routes(),
        *network_timeline.routes(),
        *network_feed.routes(),
        *network_calendar.routes(),
        *network_calendar_ics.routes(),
        *news_moderation_views.routes(),
        *news_network_views.routes(),
        *report_views.routes(),
        *report_queue_views.routes(),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
