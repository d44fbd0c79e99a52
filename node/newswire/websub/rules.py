"""WebSub's publisher side, pure (W3C WebSub, https://www.w3.org/TR/websub/).

* Discovery (section 4): the topic's response carries ``Link`` headers, one
  ``rel="hub"`` naming the hub and exactly one ``rel="self"`` naming the topic's
  canonical URL; an Atom feed also holds ``<link rel="hub">`` (and its ``rel="self"``).
* Publishing (section 6) leaves the way a publisher tells its hub to the hub; the
  common one, which WebSub.rocks, Superfeedr and Google's hub take, is a form POST of
  ``hub.mode=publish`` and ``hub.url=<topic>``; any 2xx is taken.
"""

from __future__ import annotations

from datetime import timedelta

#: Tries before a ping is given up (about a day of backoff).
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)


def link_header(hub_url: str, self_url: str) -> str:
    """The ``Link`` header value of a topic (RFC 8288)."""
    return f'<{hub_url}>; rel="hub", <{self_url}>; rel="self"'


def publish_form(topic_url: str) -> dict[str, str]:
    return {"hub.mode": "publish", "hub.url": topic_url}


def retry_delay(attempts: int) -> timedelta | None:
    """How long after the ``attempts``-th failure to try again; None to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, LONGEST_RETRY)
