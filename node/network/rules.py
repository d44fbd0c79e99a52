"""What the node relays, and how it addresses it: pure rules, no I/O.

The node actor (the ``Application`` at ``/actor``) is a peer-to-peer relay in the
FEP-ae0c sense: it shares its own hubs' public activity with the nodes and relays that
follow it. A hub's public activity already holds every item the hub published, in the
forms receivers understand (``Announce{object}``, ``Announce{Create|Update|Delete}``),
so the node relays exactly what its hubs publish in public, and never an author's own
activity: an item held for moderation is not shared before its hub shares it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from node.activitypub.vocab import PUBLIC, PUBLIC_ALIASES, activity, is_public, ref

#: The local actor kinds whose public activity the node relays: hubs (Group actors).
RELAYED_ACTOR_KINDS = frozenset({"group"})
#: Follow bookkeeping is between two actors, never something to share.
NEVER_RELAYED = frozenset({"Follow", "Accept", "Reject", "Block", "Flag"})


def should_relay(document: Mapping[str, Any], actor_kind: str) -> bool:
    """True for a public activity a local hub published (never the node's own)."""
    return (actor_kind in RELAYED_ACTOR_KINDS and is_public(document)
            and document.get("type") not in NEVER_RELAYED)


def relay_announce(shared: Mapping[str, Any], *, announce_id: str, node_uri: str,
                   now: datetime) -> dict[str, Any]:
    """The node actor's ``Announce`` of a hub activity, embedded whole.

    Whole, ``@context`` and proof included: the hub's FEP-8b32 proof covers the
    document as signed, so a receiving node verifies it without asking us.
    """
    return activity("Announce", id=announce_id, actor=node_uri, object=dict(shared),
                    published=now, to=[PUBLIC], cc=[f"{node_uri}/followers"])


def follows_public(follow: Mapping[str, Any]) -> bool:
    """A LitePub relay subscription: a ``Follow`` whose object is ``as:Public``."""
    return ref(follow.get("object")) in PUBLIC_ALIASES


def relay_follow(*, follow_id: str, node_uri: str, relay_uri: str) -> dict[str, Any]:
    """Our subscription to a LitePub relay: ``Follow{object: as:Public}`` (what Pleroma
    sends and activityrelay expects), addressed to the relay actor."""
    return activity("Follow", id=follow_id, actor=node_uri, object=PUBLIC, to=[relay_uri])
