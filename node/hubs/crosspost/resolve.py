"""The organizer's targets, as typed: hubs here by name, hubs elsewhere by handle.

``portshutdown`` (or ``@portshutdown@this.node``) is a hub of this node; ``@hub@node``
(or the hub's actor URL) is looked up with WebFinger (RFC 7033) and its actor fetched
through the node's signed fetcher and actor cache (:mod:`node.activitypub.resolve`),
and must be a ``Group``. This runs before the posting transaction: it talks to other
servers, and the post then needs no network at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from node.activitypub.actors import LookupFailed
from node.activitypub.local_actors import ActorError
from node.activitypub.resolve import ResolveFailed, parse_account, resolve_account
from node.activitypub.urls import host_of
from node.hubs.crosspost.targets import RemoteHub
from node.messages import N_, Text
from node.runtime import Node

#: At most this many targets per item: a cross-post is to a few hubs, not a mailing.
MAX_TARGETS = 20
_SPLIT = re.compile(r"[\s,;]+")


class TargetError(ActorError):
    """A target that is no hub, or cannot be found; the message says which and why."""


@dataclass(frozen=True)
class Targets:
    """Local hub names and resolved remote hubs, in the order given, each once."""

    local: list[str] = field(default_factory=list)
    remote: list[RemoteHub] = field(default_factory=list)


def split_targets(text: str) -> list[str]:
    """The targets of a form field: separated by spaces, commas or new lines."""
    return [part for part in _SPLIT.split(text.strip()) if part]


def _local_name(node: Node, given: str) -> str | None:
    """The hub name when ``given`` names a hub of this node, else None."""
    if given.startswith(("https://", "http://")):
        prefix = f"{node.settings.url}/hubs/"
        return given.removeprefix(prefix) if given.startswith(prefix) else None
    account = parse_account(given)
    if account is None:
        return given.removeprefix("@")
    user, host = account
    return user if host == host_of(node.settings.url) else None


async def remote_hub(node: Node, given: str) -> RemoteHub:
    """The Group actor ``given`` names on another node, or :class:`HubError`."""
    resolved = await resolve_account(node.services.fetcher, given)
    if isinstance(resolved, ResolveFailed):
        raise TargetError(Text(N_("cannot find the hub %(target)s: %(reason)s"),
                            target=given, reason=resolved.reason))
    info = await node.services.actors.actor(resolved)
    if isinstance(info, LookupFailed):
        raise TargetError(Text(N_("cannot fetch the hub %(target)s: %(reason)s"),
                            target=given, reason=info.reason))
    if info.kind != "Group":
        raise TargetError(Text(N_("%(target)s is not a hub (a Group)"), target=given))
    handle = f"@{info.preferred_username}@{info.host}" if info.preferred_username else info.uri
    return RemoteHub(uri=info.uri, handle=handle, inbox=info.shared_inbox or info.inbox)


async def resolve_targets(node: Node, given: Iterable[str]) -> Targets:
    """Sort ``given`` into hubs here and hubs elsewhere (looked up), each once."""
    wanted = list(dict.fromkeys(g.strip() for g in given if g.strip()))
    if len(wanted) > MAX_TARGETS:
        raise TargetError(Text(N_("at most %(count)s hubs per item"), count=MAX_TARGETS))
    targets = Targets()
    for item in wanted:
        name = _local_name(node, item)
        if name is not None:
            targets.local.append(name)
            continue
        hub = await remote_hub(node, item)
        if hub.uri not in {h.uri for h in targets.remote}:
            targets.remote.append(hub)
    return targets
