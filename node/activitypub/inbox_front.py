"""The inbox's own door: inbox requests are answered before Starlette's routing.

Accepting activities is the node's hot path (ARCHITECTURE.md section 6; issue 2 asks
for at least half the rate of an endpoint that only verifies the signature). For an
inbox POST, Starlette's request and URL objects, the HTML-side middleware (security
headers, signed GETs) and matching some fifty routes cost more than the checks
themselves, and none of them applies: the answer is a bare 202 or a small JSON reason
for another server. So this plain ASGI middleware, added outermost (inside only
Starlette's ServerErrorMiddleware, which still turns a bug into a logged 500), takes
every request to an inbox path and lets everything else through untouched.

The body is capped before it is buffered: a declared Content-Length over the cap is
refused unread and a streamed body is cut off (SECURITY.md, "Fetching").
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from node.activitypub.asgi_errors import send_json_error
from node.activitypub.inbox import MAX_BODY, InboxRefusal, accept_activity
from node.runtime import Node

INBOX_PATH = re.compile(r"/(?:actor/|news/|(?:users|hubs|services)/[^/]+/)?inbox")


class InboxFront:
    """Answers POSTs to ``/inbox`` and the actors' inboxes; passes everything else on."""

    def __init__(self, app: ASGIApp, node: Node) -> None:
        self.app = app
        self.node = node

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not INBOX_PATH.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            await refuse(send, 405, "an inbox only accepts POST", [(b"allow", b"POST")])
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        try:
            body = await read_capped_body(headers, receive)
            raw_target = (scope.get("raw_path") or scope["path"].encode(),
                          scope.get("query_string", b""))
            await accept_activity(self.node, scope["path"], raw_target, headers, body)
        except InboxRefusal as exc:
            await refuse(send, exc.status, exc.reason)
            return
        await send({"type": "http.response.start", "status": 202,
                    "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


async def read_capped_body(headers: list[tuple[str, str]], receive: Receive,
                           limit: int = MAX_BODY) -> bytes:
    """The request body, refused with 413 before more than ``limit`` bytes are buffered."""
    declared = next((value for name, value in headers if name == "content-length"), None)
    if declared is not None:
        if not declared.isdigit():
            raise InboxRefusal(400, "malformed Content-Length")
        if int(declared) > limit:
            raise InboxRefusal(413, f"body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise InboxRefusal(400, "client disconnected")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise InboxRefusal(413, f"body over {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def refuse(send: Send, status: int, reason: str,
                 extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """A JSON ``{"error": reason}`` answer (never an HTML page: the caller is a server)."""
    await send_json_error(send, status, reason,
                          [(b"x-content-type-options", b"nosniff"), *(extra or [])])
