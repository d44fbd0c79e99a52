"""What domain packages add to local actors' documents, registered when the node is built.

The protocol layer never imports the domain packages (ARCHITECTURE.md section 7,
tests/unit/test_layering.py), yet a hub's Group actor shows its pinned items in
``featured`` and its header ``image``. ``build_node`` fills an :class:`ActorSources`
from the hubs package; the actor views call whatever is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from node.activitypub.models import LocalActor

#: The ``orderedItems`` of an actor's featured collection (objects or their ids).
FeaturedSource = Callable[[Connection, LocalActor], Sequence[Any]]
#: Fields added to an actor's document; they may add keys, never replace one (but may
#: describe the ``icon`` more fully: :func:`with_extras`).
ActorExtras = Callable[[Connection, LocalActor], Mapping[str, Any]]


@dataclass
class ActorSources:
    featured: FeaturedSource | None = None
    extras: ActorExtras | None = None


def with_extras(document: dict[str, Any], extras: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with ``extras`` added: new keys only, except that an extra may describe
    the document's own ``icon`` more fully (same ``url``, plus ``mediaType``, ``width``,
    ``blurhash``, ``name``...); it never replaces one with another image."""
    merged = dict(document)
    for key, value in extras.items():
        if key not in merged or (key == "icon" and _same_url(merged[key], value)):
            merged[key] = value
    return merged


def _same_url(a: Any, b: Any) -> bool:
    return isinstance(a, Mapping) and isinstance(b, Mapping) and a.get("url") == b.get("url")
