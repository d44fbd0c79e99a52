"""What a followed node or relay passed on: unwrapped, authenticated, ready to store.

A follower node receives ``Announce{hub activity}`` from a node actor (ours:
:mod:`node.network.relay`), and ``Announce{object id}`` from a LitePub relay. Each
layer is read for what it says (a hub's ``Announce`` names the hub, a ``Create`` or
``Update`` carries the item, a ``Delete`` names it), and the item is accepted only
with its author's valid proof or as refetched from its origin
(:mod:`node.network.authentic`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from node.activitypub.dispatch import Ignore
from node.activitypub.fetch import FetchFailed
from node.activitypub.handlers.objects import fetch_object
from node.activitypub.handling import HandlerContext
from node.activitypub.urls import same_host
from node.activitypub.vocab import ref, refs
from node.network.authentic import PROVEN, Tampered, check_proof

log = logging.getLogger(__name__)
MAX_DEPTH = 3  # node Announce > hub Announce > Create > object


@dataclass(frozen=True)
class Received:
    """One thing to do with a relayed item: ``store``, ``update`` or ``delete`` it, or
    ``unshare`` it (its hub took it out: ``hub`` no longer holds it)."""

    action: str
    uri: str
    actor: str | None
    hub: str | None
    document: dict[str, Any] | None = None


def refuse(sender: str, document: Mapping[str, Any], verdict: Tampered) -> Ignore:
    """A tampered copy: logged (who passed it on, what, why) and refused."""
    log.warning("refused a tampered %s %s relayed by %s: %s", document.get("type"),
                ref(document), sender, verdict.reason)
    return Ignore(f"tampered copy refused: {verdict.reason}")


async def unwrap(ctx: HandlerContext, shared: object, sender: str,
                 hub: str | None = None, depth: int = 0) -> Received:
    """The item ``shared`` carries, authenticated; :class:`Ignore` when it cannot be."""
    if depth > MAX_DEPTH:
        raise Ignore("relayed activity nested too deep")
    if isinstance(shared, str):  # LitePub relays Announce the object id: refetch it
        if ctx.is_local(shared):
            raise Ignore("our own object, relayed back to us")
        document = await fetch_object(ctx, shared)
        return Received("store", shared, None, hub, document)
    if not isinstance(shared, Mapping):
        raise Ignore("relayed activity without an object")
    verdict = await check_proof(ctx, shared)
    if isinstance(verdict, Tampered):
        raise refuse(sender, shared, verdict)
    kind = shared.get("type")
    if kind == "Announce":
        announcer = ref(shared.get("actor"))
        vouched = verdict == PROVEN or (announcer is not None and same_host(announcer, sender))
        return await unwrap(ctx, shared.get("object"), sender,
                            announcer if vouched else hub, depth + 1)
    if kind in ("Create", "Update"):
        return await _authored(ctx, shared, sender, hub, proven=verdict == PROVEN)
    if kind == "Delete":
        return await _deleted(ctx, shared, hub, proven=verdict == PROVEN)
    if kind == "Undo":
        return _unshared(shared, sender, proven=verdict == PROVEN)
    if kind in ("Like", "Follow", "Accept", "Reject", "Block", "Flag"):
        raise Ignore(f"a relayed {kind} is not taken (yet)")
    uri = ref(shared)
    if uri is None:
        raise Ignore("relayed object without an id")
    if verdict == PROVEN:  # an object proven by its author (verify_proof binds them)
        return Received("store", uri, None, hub, dict(shared))
    return Received("store", uri, None, hub, await fetch_object(ctx, uri))


async def _authored(ctx: HandlerContext, shared: Mapping[str, Any], sender: str,
                    hub: str | None, *, proven: bool) -> Received:
    """A Create or Update: its object, covered by the activity's proof or refetched."""
    author = ref(shared.get("actor"))
    inner = shared.get("object")
    uri = ref(inner)
    if author is None or uri is None:
        raise Ignore("relayed activity without actor or object")
    if isinstance(inner, Mapping) and "proof" in inner:
        verdict = await check_proof(ctx, inner)
        if isinstance(verdict, Tampered):
            raise refuse(sender, inner, verdict)
    if proven and isinstance(inner, Mapping):
        document = dict(inner)
    else:
        document = await fetch_object(ctx, uri)
    if not (_authors(document, author, hub) and same_host(uri, author)):
        raise Ignore("relayed object is not its activity's actor's own")
    action = "store" if shared.get("type") == "Create" else "update"
    return Received(action, uri, author, hub, document)


def _authors(document: Mapping[str, Any], author: str, hub: str | None) -> bool:
    """The Create's actor wrote the object: it is attributed to them or, as Mobilizon
    publishes a group's events (FEDERATION.md), attributed to the announcing group with
    the member as its ``actor`` (the organizer)."""
    attributed = refs(document.get("attributedTo"))
    return author in attributed or (
        hub is not None and hub in attributed and author in refs(document.get("actor")))


async def _deleted(ctx: HandlerContext, shared: Mapping[str, Any], hub: str | None, *,
                   proven: bool) -> Received:
    """A Delete counts when its proof holds, or when the origin says the object is gone."""
    author = ref(shared.get("actor"))
    uri = ref(shared.get("object"))
    if author is None or uri is None:
        raise Ignore("relayed Delete without actor or object")
    if not proven:
        fetched = await ctx.fetcher.fetch_activity(uri)
        if not isinstance(fetched, FetchFailed) or not (fetched.gone or fetched.status == 404):
            raise Ignore("unproven relayed Delete of an object its origin still serves")
    return Received("delete", uri, author, hub)


def _unshared(shared: Mapping[str, Any], sender: str, *, proven: bool) -> Received:
    """A hub's ``Undo{Announce}``: a steward took the item out of the hub (moderation).

    Believed when its proof holds or the hub is on the sending node's own host (whose
    HTTP signature vouches for it), and only for the hub's own Announce.
    """
    hub = ref(shared.get("actor"))
    announce = shared.get("object")
    if hub is None or not (proven or same_host(hub, sender)):
        raise Ignore("an unproven Undo from another host")
    if not isinstance(announce, Mapping) or announce.get("type") != "Announce" \
            or ref(announce.get("actor")) != hub:
        raise Ignore("a relayed Undo is taken only for a hub's own Announce")
    target = announce.get("object")
    if isinstance(target, Mapping) and target.get("type") == "Create":
        target = target.get("object")
    uri = ref(target)
    if uri is None:
        raise Ignore("a relayed Undo{Announce} without an object")
    return Received("unshare", uri, hub, hub)
