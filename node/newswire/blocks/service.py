"""Blocking accounts and domains, the allowlist and its mode: the moderators' decisions.

Node admins and news moderators decide (:mod:`node.newswire.moderation.roles`); each
decision is written to the federation policy's tables (:mod:`node.activitypub.
federation_store`, which every gate reads) and to the public moderation log with its
public reason and the moderator's role, never their name. A new block also withdraws
what is already here (:mod:`node.activitypub.federation_purge`), and a blocked account's
server is told its follows are over (``Reject{Follow}``). After the transaction
commits, the caller calls ``node.services.policy.invalidate()``: this process then sees
the change at once, other processes within seconds (the version counter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import anyio
from sqlalchemy import Connection, insert, select

from node.activitypub.federation_policy import (
    MODES,
    BadDomain,
    covered,
    domain_forms,
    normalise_domain,
)
from node.activitypub.federation_purge import reject_follows, withdraw
from node.activitypub.federation_store import (
    FederationRule,
    add_rule,
    bump,
    list_rules,
    read_state,
    remove_rule,
)
from node.activitypub.fetch import canonical_url
from node.activitypub.models import RemoteActor
from node.activitypub.resolve import ResolveFailed, parse_account, resolve_account
from node.hosts import BadURL
from node.messages import N_, Text
from node.newswire.errors import NewsError
from node.newswire.models import NewsLogEntry
from node.newswire.websub.service import queue_ping
from node.runtime import Node

MAX_REASON = 500
NO_REASON = N_("a block needs a public reason")
LONG_REASON = N_("the reason may have at most 500 characters")
NOT_A_TARGET = N_("name an account (@user@host or its URL) or a domain (example.org)")
LOOKUP_FAILED = N_("cannot find the account %(target)s: %(reason)s")
ALREADY = N_("%(target)s is already blocked")
NOT_BLOCKED = N_("%(target)s is not blocked")
ALREADY_ALLOWED = N_("%(target)s is already on the allowlist")
NOT_ALLOWED = N_("%(target)s is not on the allowlist")
BAD_MODE = N_("the mode must be open or allowlist")
OWN_DOMAIN = N_("this node cannot block itself")

_log = NewsLogEntry.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]
_rule = FederationRule.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Target:
    """What a block names: ``domain`` (normalised) or ``actor`` (an actor URI)."""

    kind: str
    value: str


@dataclass(frozen=True)
class Overview:
    mode: str
    domains: list[FederationRule]
    actors: list[FederationRule]
    allowed: list[FederationRule]


def domain_of(text: str) -> str:
    try:
        return normalise_domain(text)
    except BadDomain as exc:
        raise NewsError(NOT_A_TARGET) from exc


def _known(node: Node, url: str) -> bool:
    """Whether ``url`` is an actor id this node holds already (its cached actor, or an
    account rule: lifting a block stored before blocks were resolved needs no fetch)."""
    with node.engine.connect() as conn:
        return conn.execute(select(_remote.c.id).where(_remote.c.uri == url).union_all(
            select(_rule.c.id).where(_rule.c.kind == "actor", _rule.c.target == url)
        ).limit(1)).first() is not None


async def resolve_target(node: Node, text: str) -> Target:
    """A domain, or an account as its actor id: the id every gate compares with.

    An account may be named by ``@user@host`` (WebFinger), its actor URL or its profile
    URL (``https://host/@user``): all are looked up through the safe fetcher
    (:func:`node.activitypub.resolve.resolve_account`) and the actor's own id is
    stored. A block stored as typed (a profile URL) never matched the id an activity
    carries, so the account's follows and posts went on. An actor id this node already
    holds is taken as it is, with no fetch (its server may be down)."""
    text = text.strip()
    if "://" in text and text.split("://", 1)[1].strip("/").count("/"):
        try:
            url = canonical_url(text)
        except BadURL as exc:
            raise NewsError(NOT_A_TARGET) from exc
        if await anyio.to_thread.run_sync(_known, node, url):
            return Target("actor", url)
    elif "@" in text:
        if parse_account(text) is None:
            raise NewsError(NOT_A_TARGET)
        url = text
    else:
        return Target("domain", domain_of(text))
    found = await resolve_account(node.services.fetcher, url)
    if isinstance(found, ResolveFailed):
        raise NewsError(Text(LOOKUP_FAILED, target=text, reason=found.reason))
    return Target("actor", found)


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise NewsError(NO_REASON)
    if len(reason) > MAX_REASON:
        raise NewsError(LONG_REASON)
    return reason


def _logged(conn: Connection, action: str, title: str, note: str, role: str,
            now: datetime) -> None:
    conn.execute(insert(_log).values(item_id=None, action=action, title=title[:200],
                                     clause="", note=note, role=role, at=now))


def block(node: Node, conn: Connection, target: Target, reason: str, *, role: str) -> int:
    """Block ``target``; how many stored items it withdrew."""
    reason, now = _reason(reason), node.clock()
    local = node.services.policy.rules(conn).local_host
    if target.kind == "domain" and covered(local, domain_forms(target.value)):
        raise NewsError(OWN_DOMAIN)
    if not add_rule(conn, target.kind, target.value, reason, now):
        raise NewsError(Text(ALREADY, target=target.value))
    if target.kind == "actor":
        reject_follows(conn, node.services.outbox, target.value, now)
    hidden, _ = withdraw(conn, target.kind, target.value, local, now)
    _logged(conn, "blocked", target.value, reason, role, now)
    if hidden:  # a picked item of theirs may have left the news feed: tell its readers
        queue_ping(conn, node.settings.websub_hub, f"{node.settings.url}/news/feed.atom",
                   now)
    return hidden


def unblock(node: Node, conn: Connection, target: Target, *, role: str) -> None:
    if not remove_rule(conn, target.kind, target.value):
        raise NewsError(Text(NOT_BLOCKED, target=target.value))
    _logged(conn, "unblocked", target.value, "", role, node.clock())


def allow(node: Node, conn: Connection, domain: str, reason: str, *, role: str) -> str:
    value, now = domain_of(domain), node.clock()
    if not add_rule(conn, "allow", value, reason.strip()[:MAX_REASON], now):
        raise NewsError(Text(ALREADY_ALLOWED, target=value))
    _logged(conn, "allowed", value, reason.strip()[:MAX_REASON], role, now)
    return value


def disallow(node: Node, conn: Connection, domain: str, *, role: str) -> str:
    value = domain_of(domain)
    if not remove_rule(conn, "allow", value):
        raise NewsError(Text(NOT_ALLOWED, target=value))
    _logged(conn, "disallowed", value, "", role, node.clock())
    return value


def set_mode(node: Node, conn: Connection, mode: str, *, role: str) -> None:
    """``open`` (everyone but the blocked) or ``allowlist`` (only listed domains)."""
    if mode not in MODES:
        raise NewsError(BAD_MODE)
    if read_state(conn)[0] == mode:
        return
    bump(conn, mode)
    _logged(conn, "mode", mode, "", role, node.clock())


def overview(conn: Connection) -> Overview:
    return Overview(read_state(conn)[0], list_rules(conn, "domain"), list_rules(conn, "actor"),
                    list_rules(conn, "allow"))
