"""What the news queue (``/news/queue``) and the reports queue (``/news/reports``) share:
a page of things waiting for a moderator's decision, one form per thing, posted to
``<path>/{id}...``, for node admins and news moderators only (:func:`moderator_required`,
also the guard of the other news moderation pages).

Both render their page with the flash of the last decision (``?saved=``), and answer a
refused decision with the same page, status 400, the error shown beside the thing it
is about (``error_for``) and what was typed kept. A decision runs in one transaction
(:func:`node.web.hub_admin_views.in_transaction`) and ends in a 303 back to the page
(POST/redirect/GET), so reloading does not decide twice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from node.accounts.sessions import Login
from node.newswire.errors import NewsError
from node.newswire.moderation.roles import NOT_MODERATOR, role_of
from node.runtime import Node, node_of
from node.web.auth import Endpoint, LoginEndpoint, login_required
from node.web.forms import read_form, verify_session_form
from node.web.hub_admin_views import in_transaction, shown
from node.web.templating import render

MAX_ID_DIGITS = 12


def _role(node: Node, login: Login) -> str | None:
    with node.engine.connect() as conn:
        return role_of(conn, login.account.id)


def moderator_required(endpoint: Any) -> Endpoint:
    """``login_required``, a 403 for organizers who do not moderate the news; the
    endpoint gets the moderator's role."""

    @functools.wraps(endpoint)
    async def guarded(request: Request, login: Login) -> Response:
        role = await run_in_threadpool(_role, node_of(request), login)
        if role is None:
            raise HTTPException(403, NOT_MODERATOR)
        response: Response = await endpoint(request, login, role)
        return response

    inner: LoginEndpoint = guarded
    return login_required(inner)


def path_id(request: Request) -> int:
    """The ``{id}`` of the path; a 404 for anything but a short number."""
    value = str(request.path_params["id"])
    if not (value.isascii() and value.isdigit()) or len(value) > MAX_ID_DIGITS:
        raise HTTPException(404)
    return int(value)


async def decision_form(request: Request, login: Login) -> tuple[FormData, int]:
    """The posted form, its CSRF token checked, and the id it decides on."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    return form, path_id(request)


@dataclass(frozen=True)
class ModerationQueue:
    """One queue page: its path, template, what it loads and its flash messages."""

    path: str
    template: str
    load: Callable[[Node], dict[str, Any]]
    saved: Mapping[str, str]
    defaults: Mapping[str, Any]  # error_for and the like, before any error

    async def page(self, request: Request, *, status: int = 200, **values: Any) -> Response:
        data = await run_in_threadpool(self.load, node_of(request))
        context = {
            "flash": self.saved.get(request.query_params.get("saved", ""), ""),
            "error": "",
            **self.defaults,
            **data,
            **values,
        }
        return await render(request, self.template, context, status=status)

    def page_route(self) -> Route:
        """``GET <path>``: the page, for moderators."""

        async def get(request: Request, login: Login, role: str) -> Response:
            return await self.page(request)

        return Route(self.path, moderator_required(get), methods=["GET"])

    async def decide(
        self,
        request: Request,
        thing_id: int,
        work: Callable[[Node, Connection], object],
        saved: str,
        **typed: Any,
    ) -> Response:
        """Run ``work`` in one transaction: a 303 to the page with ``saved``, or the page
        again (400) with the refusal beside ``thing_id`` and ``typed`` kept."""
        try:
            await in_transaction(request, work)
        except NewsError as exc:
            return await self.page(request, status=400, error=shown(exc), error_for=thing_id,
                                   **typed)
        return RedirectResponse(f"{self.path}?saved={saved}", status_code=303)
