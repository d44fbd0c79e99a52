"""``/admin/network``: the node operator manages the node's network from the browser.

The same services as ``ionode network ...`` (:mod:`node.network.follows`,
:mod:`node.network.policy`, :mod:`node.network.status`), so the same rules and the same
refusals: following another node (its site URL, ``@ionode@host`` or its actor URL,
looked up in the POST through the node's safe fetcher) or subscribing to a relay, the
follows with their state and what arrived, unfollowing, the follower nodes and relays,
the requests waiting under the approval policy, and the policy itself. Node admins only
(:func:`node.web.admin_views.admin_required`); every POST carries the session's CSRF
token; a refused form comes back with the refusal beside it and what was typed.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.activitypub.following import FollowTarget
from node.activitypub.local_actors import ActorError
from node.network.backfill import backfill_again, progress
from node.network.follows import (
    answer_request,
    find_peer,
    follow_peer,
    peer_to_unfollow,
    pending_requests,
    unfollow_peer,
)
from node.network.policy import POLICIES, follow_policy, set_follow_policy
from node.network.sources import find_source, follow_source
from node.network.status import followers, following
from node.runtime import Node, node_of
from node.web.account_settings_views import field
from node.web.admin_views import admin_required
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import shown
from node.web.i18n import N_
from node.web.templating import render

PAGE = "/admin/network"
SAVED = {
    "follow": N_("The follow request is sent; it stays pending until the other side "
                 "accepts it."),
    "source": N_("The follow request is sent to the source; what it publishes arrives "
                 "once it accepts."),
    "unfollow": N_("This node no longer follows it; the other side is told."),
    "approve": N_("The request is accepted: that node now receives this node's public "
                  "activity."),
    "reject": N_("The request is rejected."),
    "policy": N_("The follow policy is saved."),
    "backfill": N_("The backfill is queued: its history is read again shortly."),
}
# The network domain's refusals (node.network.refusal), marked so the page translates them.
REFUSALS = (
    N_("name the node to follow: https://other.example, @ionode@other.example or an "
       "actor URL"),
    N_("cannot find %(target)s: %(reason)s"),
    N_("cannot find the node actor of %(site)s: %(reason)s"),
    N_("%(site)s names no node actor in its WebFinger answer"),
    N_("cannot fetch %(uri)s: %(reason)s"),
    N_("%(uri)s is a %(kind)s, not a node actor"),
    N_("%(uri)s is a %(kind)s, not a relay actor"),
    N_("a node cannot follow itself"),
    N_("this node already follows %(uri)s (%(state)s)"),
    N_("this node does not follow %(uri)s"),
    N_("no pending follow request from %(actor)s"),
    N_("follow policy must be one of %(choices)s, not %(given)s"),
    N_("name the source to follow: @group@mobilizon.example, an actor URL or a site URL"),
    N_("%(uri)s is a %(kind)s, not an actor that publishes"),
    N_("the backfill of %(uri)s is running now"),
)


def _data(node: Node) -> dict[str, Any]:
    with node.engine.connect() as conn:
        return {"following": following(conn), "followers": followers(conn),
                "requests": pending_requests(conn), "policy": follow_policy(conn),
                "backfills": progress(conn)}


async def network_response(request: Request, *, status: int = 200,
                           **values: Any) -> Response:
    """The page; ``values`` carry a refused form (``error_for``) and what was typed."""
    context = {
        **await run_in_threadpool(_data, node_of(request)), "policies": POLICIES,
        "flash": SAVED.get(request.query_params.get("saved", ""), ""),
        "error": "", "error_for": "", "target": "", "relay": False, "source": "",
        **values,
    }
    return await render(request, "admin_network.html", context, status=status)


@admin_required
async def network_page(request: Request, login: Login) -> Response:
    """GET /admin/network (``?source=`` fills in the source form: the directory's
    "Follow from this node" button lands here)."""
    return await network_response(request,
                                  source=request.query_params.get("source", "")[:1024])


def _done(what: str) -> Response:
    return RedirectResponse(f"{PAGE}?saved={what}", status_code=303)


@admin_required
async def follow_submit(request: Request, login: Login) -> Response:
    """POST /admin/network/follow: look the node (or relay) up, then ask to follow it."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    target, relay = field(form, "target"), form.get("relay") == "1"
    node = node_of(request)

    def save(peer: FollowTarget) -> None:
        with node.engine.begin() as conn:
            follow_peer(node, conn, peer, relay=relay)

    try:
        await run_in_threadpool(save, await find_peer(node, target, relay=relay))
    except ActorError as exc:
        return await network_response(request, status=400, error=shown(exc),
                                      error_for="follow", target=target, relay=relay)
    return _done("follow")


@admin_required
async def source_submit(request: Request, login: Login) -> Response:
    """POST /admin/network/source: look the source up, then ask to follow it."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    target, node = field(form, "source"), node_of(request)

    def save(peer: FollowTarget) -> None:
        with node.engine.begin() as conn:
            follow_source(node, conn, peer)

    try:
        await run_in_threadpool(save, await find_source(node, target))
    except ActorError as exc:
        return await network_response(request, status=400, error=shown(exc),
                                      error_for="source", source=target)
    return _done("source")


@admin_required
async def unfollow_submit(request: Request, login: Login) -> Response:
    """POST /admin/network/unfollow: drop the follow and send the Undo."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    node = node_of(request)

    def save(peer: FollowTarget) -> None:
        with node.engine.begin() as conn:
            unfollow_peer(node, conn, peer)

    try:
        await run_in_threadpool(save, await peer_to_unfollow(node, field(form, "actor")))
    except ActorError as exc:
        return await network_response(request, status=400, error=shown(exc),
                                      error_for="following")
    return _done("unfollow")


def _answer(accept: bool) -> Any:
    @admin_required
    async def submit(request: Request, login: Login) -> Response:
        """POST /admin/network/approve|reject: answer a waiting follow request."""
        form = await read_form(request)
        verify_session_form(request, form, login)
        node, actor = node_of(request), field(form, "actor")

        def save() -> None:
            with node.engine.begin() as conn:
                answer_request(node, conn, actor, accept=accept)

        try:
            await run_in_threadpool(save)
        except ActorError as exc:
            return await network_response(request, status=400, error=shown(exc),
                                          error_for="requests")
        return _done("approve" if accept else "reject")

    return submit


@admin_required
async def policy_submit(request: Request, login: Login) -> Response:
    """POST /admin/network/policy: open, or approval by the operator."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    node, policy = node_of(request), field(form, "policy")

    def save() -> None:
        with node.engine.begin() as conn:
            set_follow_policy(conn, policy)

    try:
        await run_in_threadpool(save)
    except ActorError as exc:
        return await network_response(request, status=400, error=shown(exc),
                                      error_for="policy")
    return _done("policy")


@admin_required
async def backfill_submit(request: Request, login: Login) -> Response:
    """POST /admin/network/backfill: read a followed actor's history again."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    node, actor = node_of(request), field(form, "actor")

    def save() -> None:
        with node.engine.begin() as conn:
            backfill_again(conn, actor, node.clock())

    try:
        await run_in_threadpool(save)
    except ActorError as exc:
        return await network_response(request, status=400, error=shown(exc),
                                      error_for="backfill")
    return _done("backfill")


def routes() -> list[BaseRoute]:
    return [
        Route(PAGE, network_page, methods=["GET"]),
        Route(f"{PAGE}/follow", follow_submit, methods=["POST"]),
        Route(f"{PAGE}/source", source_submit, methods=["POST"]),
        Route(f"{PAGE}/unfollow", unfollow_submit, methods=["POST"]),
        Route(f"{PAGE}/approve", _answer(True), methods=["POST"]),
        Route(f"{PAGE}/reject", _answer(False), methods=["POST"]),
        Route(f"{PAGE}/policy", policy_submit, methods=["POST"]),
        Route(f"{PAGE}/backfill", backfill_submit, methods=["POST"]),
    ]
