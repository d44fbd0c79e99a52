"""Remote interaction: send a visitor to THEIR server to follow, vote or RSVP there.

The OStatus "remote follow" convention every large fediverse server still serves: the
WebFinger answer for one of its accounts (RFC 7033) carries a link

    {"rel": "http://ostatus.org/schema/1.0/subscribe",
     "template": "https://their.server/authorize_interaction?uri={uri}"}

and the visitor's browser is sent to the template with ``{uri}`` replaced by what to
interact with. Mastodon (``app/serializers/webfinger_serializer.rb``,
``AuthorizeInteractionsController``) reads ``uri`` as an account (``user@host``,
resolved by WebFinger) or an http(s) URL of an actor or a post (resolved by fetching
it); Misskey (``/authorize-follow?acct={uri}``) and Pleroma/Akkoma
(``/ostatus_subscribe?acct={uri}``) take the same values. The value is percent-encoded
whole, as Mastodon's own remote-interaction dialog does (``encodeURIComponent``).

The visitor's WebFinger is fetched through the node's one
:class:`~node.activitypub.fetch.SafeFetcher`: address policy on every hop, one deadline,
a size cap (SECURITY.md "Fetching"). The template is only ever a place to send the
visitor's browser, never fetched by the node; it must be an absolute ``https`` URL
(``http`` only for loopback hosts on a node that allows private addresses, as in tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import quote, urlsplit

from node.activitypub.fetch import FetchFailed, SafeFetcher
from node.activitypub.resolve import JRD_ACCEPT, JRD_MEDIA_TYPES, parse_account, webfinger_url
from node.settings import is_loopback_host

SUBSCRIBE_REL: Final = "http://ostatus.org/schema/1.0/subscribe"
MAX_HANDLE: Final = 320  # RFC 5321's longest address, and more than any real handle
MAX_TEMPLATE: Final = 2000

Why = Literal["malformed", "unreachable", "no-template"]


@dataclass(frozen=True)
class NotSent:
    """Why the visitor cannot be sent to their server: ``why`` picks the message shown,
    ``detail`` (English, for logs and tests) says what exactly happened."""

    why: Why
    detail: str


def subscribe_template(jrd: dict[str, Any], *, allow_http: bool) -> str | None:
    """The first usable ``subscribe`` link template of a JRD, or None.

    Usable: a string holding ``{uri}`` that is an absolute https URL once filled (http
    only for loopback hosts when ``allow_http``), so a hostile server cannot make our
    page send the visitor to ``javascript:`` or ``data:``.
    """
    links = jrd.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != SUBSCRIBE_REL:
            continue
        template = link.get("template")
        if isinstance(template, str) and _usable(template, allow_http=allow_http):
            return template
    return None


def _usable(template: str, *, allow_http: bool) -> bool:
    if "{uri}" not in template or len(template) > MAX_TEMPLATE or not template.isprintable():
        return False
    try:
        parts = urlsplit(template.replace("{uri}", "x"))
    except ValueError:
        return False
    if not parts.hostname or parts.username is not None or parts.password is not None:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and allow_http and is_loopback_host(parts.hostname)


def fill(template: str, uri: str) -> str:
    """``template`` with every ``{uri}`` replaced by ``uri``, percent-encoded whole."""
    return template.replace("{uri}", quote(uri, safe=""))


def handle_of(typed: str) -> tuple[str, str] | None:
    """``(user, host)`` of a typed fediverse handle (``@user@host``, ``user@host`` or
    ``acct:user@host``), or None when it is not one."""
    typed = typed.strip()
    if not typed or len(typed) > MAX_HANDLE or not typed.isprintable():
        return None
    return parse_account(typed)


async def interaction_url(fetcher: SafeFetcher, typed: str, uri: str) -> str | NotSent:
    """Where to send the visitor who typed ``typed`` to interact with ``uri``."""
    account = handle_of(typed)
    if account is None:
        return NotSent("malformed", f"{typed!r} is not a handle like @name@server")
    url = webfinger_url(*account, allow_http=fetcher.allow_private)
    fetched = await fetcher.fetch_json(url, accept=JRD_ACCEPT, media_types=JRD_MEDIA_TYPES)
    if isinstance(fetched, FetchFailed):
        return NotSent("unreachable", f"WebFinger {url}: {fetched.reason}")
    template = subscribe_template(fetched.document, allow_http=fetcher.allow_private)
    if template is None:
        return NotSent("no-template", f"WebFinger {url} has no usable {SUBSCRIBE_REL} link")
    return fill(template, uri)
