"""The error a refused URL or address raises: an ``httpx.ConnectError``.

It is an ``httpx`` class so that whatever catches transport errors (SafeFetcher, the
delivery worker, httpx's own client) sees a refused address as a failed connection.
It lives apart from :mod:`node.activitypub.ssrf`, whose checks run on every request,
so that an idle node, which neither fetches nor delivers, does not import httpx (and
http.client, email, idna with it: ~1.3 MB; issue 7, item 14). Import it where it is
raised or caught, inside the function.
"""

from __future__ import annotations

import httpx


class BlockedAddress(httpx.ConnectError):
    """The policy refused a URL or a resolved address; ``reason`` says which rule."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"refused by address policy: {reason}")
        self.reason = reason
