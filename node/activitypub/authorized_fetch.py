"""Signed GETs: who is asking, and (in authorized-fetch mode) refusing anonymous readers.

Mastodon's "secure mode": ActivityStreams documents are served only to requests signed
by a key we can verify, so a blocked server cannot read them anonymously. The actor
and key documents stay public, or two servers that both require signatures could never
fetch each other's keys (INTEROP.md, "Actor documents"). A verified signer is exposed
to the views as ``request.state.signed_actor`` whatever the mode.

A GET signed by a key of a domain the federation policy refuses (blocked, or not on
the allowlist) gets a 403 on every path: that is where a blocked server can be told
from an anonymous reader (:mod:`node.activitypub.policy_gate`).
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from node.activitypub.asgi_errors import send_json_error
from node.activitypub.authenticate import authenticate_request, request_url
from node.activitypub.negotiation import wants_activity_json
from node.activitypub.policy_gate import FORBIDDEN, signer_refusal
from node.activitypub.signatures import Rejected
from node.runtime import Node

PUBLIC_PATHS = re.compile(
    r"^/(?:actor|users/[^/]+|hubs/[^/]+|services/[^/]+)/?$|^/\.well-known/|^/nodeinfo/"
)
SIGNATURE_HEADERS = frozenset({"signature", "signature-input", "authorization"})


def needs_signature(path: str, accept: str | None, *, authorized_fetch: bool) -> bool:
    """Only ActivityStreams reads of non-actor documents, only in authorized-fetch mode."""
    return authorized_fetch and wants_activity_json(accept) and not PUBLIC_PATHS.match(path)


class SignedGetMiddleware:
    """Pure ASGI middleware (POSTs pass straight through: the inbox checks its own)."""

    def __init__(self, app: ASGIApp, node: Node) -> None:
        self.app = app
        self.node = node

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        names = {name.lower() for name, _ in headers}
        accept = next((v for k, v in headers if k.lower() == "accept"), None)
        required = needs_signature(scope["path"], accept,
                                   authorized_fetch=self.node.settings.authorized_fetch)
        problem = "this server requires signed requests (authorized fetch)"
        if names & SIGNATURE_HEADERS:  # a blocked signer reads nothing, signed or not
            refused = signer_refusal(await self.node.services.policy.current(), headers)
            if refused is not None:
                await send_json_error(send, FORBIDDEN, refused, [(b"vary", b"Signature")])
                return
        # Never verify on actor, key and discovery documents: verifying needs the
        # signer's key, and two nodes fetching each other's keys with signed GETs
        # would otherwise chase each other until a deadline.
        if names & SIGNATURE_HEADERS and not PUBLIC_PATHS.match(scope["path"]):
            url = request_url(self.node.settings.url, scope.get("raw_path") or
                              scope["path"].encode(), scope.get("query_string", b""))
            key = await authenticate_request(self.node.services.actors, scope["method"], url,
                                             headers, None, self.node.clock())
            if isinstance(key, Rejected):
                problem = key.reason
            else:
                scope.setdefault("state", {})["signed_actor"] = key.owner
                required = False
        if required:
            await send_json_error(send, 401, problem, [(b"vary", b"Accept, Signature")])
            return
        await self.app(scope, receive, send)
