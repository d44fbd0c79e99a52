"""Unexpected exceptions: one log record with the traceback, one plain 500 page.

Starlette's own handler for ``Exception`` (``ServerErrorMiddleware``) re-raises after
answering so that the server can log it; with our handler logging as well, each
traceback reached the log twice (once from us, once as uvicorn's "Exception in ASGI
application"). This middleware, inside the security headers, catches the exception,
logs it with its traceback exactly once and answers the 500 page itself; nothing is
re-raised. A response that had already started cannot be replaced: then the exception
is only logged and the server closes the connection.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from node.web.errors import server_error_response

log = logging.getLogger("node.web.errors")


class ServerErrorPages:
    """Turns an exception escaping the app into a logged, opaque 500 answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            log.error("unhandled error on %s %s", scope["method"], scope["path"], exc_info=exc)
            if not started:
                response = await server_error_response(Request(scope, receive))
                await response(scope, receive, send)
