"""Incoming ``Flag``: another server's report on this node's accounts or items joins
the reports queue (FEDERATION.md, "Reports").

The inbox has verified the signature and that the signer is the Flag's ``actor``. As
Mastodon does (``app/lib/activitypub/activity/flag.rb``), only the objects that are
ours are kept: our accounts, and our public items resolved to the local item they are
(an item in a hub, or news). A Flag naming nothing of ours is ignored with the reason;
one redelivered (same ``id``) makes no second report; a server may file at most
:data:`HOST_LIMIT` an hour. The sender is kept for the moderators only, the comment and
the category (``summary``, when the sender gives one: :mod:`.rules`) with the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, insert, select

from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handling import HandlerContext
from node.activitypub.local_actors import find_by_uri
from node.newswire.errors import NewsError
from node.newswire.reports.models import NewsReport
from node.newswire.reports.rules import IncomingFlag, parse_flag
from node.newswire.reports.targets import Target, account_target, object_target
from node.newswire.submissions.service import count_attempt, retry_after

HOST_LIMIT = 20
NOTHING_OURS = "flag refused: it names nothing of this node"
TOO_MANY = "flag refused: too many reports from this server: try again in an hour"

_report = NewsReport.__table__  # type: ignore[attr-defined]


def _target(conn: Connection, parsed: IncomingFlag, base_url: str, host: str) -> Target:
    """The local item first (with every reported item of ours), else the account."""
    items = []
    for uri in parsed.object_uris:
        try:
            items.append(object_target(conn, uri, base_url=base_url))
        except NewsError:
            continue  # gone, private or not ours: nothing to show the moderators
    if items:
        first = items[0]
        account = parsed.account_uris[0] if parsed.account_uris else first.account_uri
        return Target(first.kind, first.label, True, account,
                      tuple(uri for t in items for uri in t.object_uris))
    for uri in parsed.account_uris:
        return account_target(conn, uri, host=host)
    raise Ignore(NOTHING_OURS)


def store_flag(conn: Connection, parsed: IncomingFlag, *, base_url: str, host: str,
               now: datetime) -> int | None:
    """Store the report of an incoming Flag; its id, or None for a redelivery."""
    if parsed.id and conn.execute(select(_report.c.id)
                                  .where(_report.c.flag_uri == parsed.id)).first():
        return None
    target = _target(conn, parsed, base_url, host)
    key = f"flag:{urlsplit(parsed.actor).hostname}"
    if retry_after(conn, key, now, HOST_LIMIT):
        raise Ignore(TOO_MANY)
    count_attempt(conn, key, now)
    new_id = conn.execute(insert(_report).values(
        token_hash=None, source="remote", account_uri=target.account_uri,
        object_uris=list(target.object_uris), kind=target.kind, label=target.label,
        local=True, reason=parsed.category, comment=parsed.comment, reporter_account_id=None,
        reporter_actor=parsed.actor, include_identity=False, flag_uri=parsed.id,
        forwarded_to="", state="open", action="", note="", created_at=now,
    )).inserted_primary_key
    assert new_id is not None
    return int(new_id[0])


async def on_flag(ctx: HandlerContext, flag: Mapping[str, Any]) -> None:
    """The dispatcher's handler of ``Flag`` (any object)."""
    host = urlsplit(ctx.base_url).netloc

    def work(conn: Connection) -> None:
        parsed = parse_flag(flag, is_local=ctx.is_local,
                            is_actor=lambda uri: find_by_uri(conn, uri) is not None)
        store_flag(conn, parsed, base_url=ctx.base_url, host=host, now=ctx.clock())

    await ctx.db(work)


def register(dispatcher: Dispatcher) -> None:
    dispatcher.register("Flag")(on_flag)
