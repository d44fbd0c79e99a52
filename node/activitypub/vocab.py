"""Builders for the activities ionode sends (ActivityStreams 2.0 Vocabulary, section 3.1).

Pure functions: ids and times are passed in, so tests compare whole documents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from node.activitypub.context import AS, AS_PUBLIC, DATA_INTEGRITY_V1

PUBLIC = AS_PUBLIC
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})
ACTIVITY_CONTEXT: tuple[str, ...] = (AS, DATA_INTEGRITY_V1)


def isoformat(moment: datetime) -> str:
    """XSD dateTime in UTC with seconds precision and ``Z``, as Mastodon emits."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def activity(
    kind: str,
    *,
    id: str,
    actor: str,
    object: str | Mapping[str, Any],
    published: datetime | None = None,
    to: Sequence[str] = (),
    cc: Sequence[str] = (),
    **extra: Any,
) -> dict[str, Any]:
    """An activity document with the ActivityStreams and Data Integrity contexts."""
    doc: dict[str, Any] = {
        "@context": list(ACTIVITY_CONTEXT),
        "id": id,
        "type": kind,
        "actor": actor,
        "object": object,
    }
    if published is not None:
        doc["published"] = isoformat(published)
    if to:
        doc["to"] = list(to)
    if cc:
        doc["cc"] = list(cc)
    doc.update(extra)
    return doc


def without_context(document: Mapping[str, Any]) -> dict[str, Any]:
    """An embedded copy: the outer document carries the @context."""
    return {k: v for k, v in document.items() if k != "@context"}


def ref(value: object) -> str | None:
    """The id of a reference that is either a URI string or an object with ``id``."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        inner = value.get("id")
        return inner if isinstance(inner, str) else None
    return None


def refs(value: object) -> list[str]:
    """Ids of a property that may be a single reference or a list of them."""
    items = value if isinstance(value, list) else [value]
    return [r for r in (ref(item) for item in items) if r is not None]


def is_public(document: Mapping[str, Any]) -> bool:
    """True when the Public collection is among the addressees (to or cc)."""
    return any(r in PUBLIC_ALIASES for key in ("to", "cc") for r in refs(document.get(key)))
